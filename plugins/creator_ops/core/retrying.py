"""One backoff policy for everything that retries: exponential, capped, built on tenacity.

The open API client retries a request in process (`Retrying` with `ExponentialBackoff`,
waiting at least what `Retry-After` asks); the alert outbox keeps a failed row for a
later drain and stores when (`backoff_delay` with the same exponential rule). tenacity is
imported when something retries, never at DAG parse time.
"""

from __future__ import annotations

from typing import Any


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Return the wait in seconds before retry number `attempt` (1, 2, …): base × 2^(attempt-1), at most cap."""
    from tenacity import RetryCallState, wait_exponential

    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})
    state.attempt_number = max(1, attempt)
    return float(wait_exponential(multiplier=base, max=cap)(state))


class WaitForRetryAfter:
    """tenacity wait: the exponential backoff, or longer when the failure carries a `retry_after` (capped)."""

    def __init__(self, base: float, cap: float, retry_after_cap: float) -> None:
        self.base, self.cap, self.retry_after_cap = base, cap, retry_after_cap

    def __call__(self, retry_state: Any) -> float:
        delay = backoff_delay(retry_state.attempt_number, self.base, self.cap)
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.retry_after_cap))
        return delay
