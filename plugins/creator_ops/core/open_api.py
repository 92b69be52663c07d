"""Client of the platform's open API (seller affiliate endpoints), with no Airflow import.

Untested against the live platform: paths, field names and the envelope follow the
platform's published seller API style and are kept in the constants below so they can
be corrected in one place. See `docs/open_api.md`.

Request signing (HMAC-SHA256, hex digest, keyed with the app secret). The canonical
string is, byte for byte::

    app_secret + path + key1 + value1 + key2 + value2 + … + body + app_secret

where the keys are every query parameter except `sign` and `access_token`, sorted by
key (byte order), each followed by its value with no separator, and `body` is the exact
request body sent (empty for GET). The signature goes in the `sign` query parameter;
`app_key`, `timestamp` (Unix seconds) and `shop_id` are query parameters too, so they
are signed. The access token, when the connection has one, travels in the
`x-tts-access-token` header.

Every request passes a token bucket (50 requests per second per app and shop, the
platform's limit; burst 1 by default so requests go out evenly, 20 ms apart). HTTP 429
and 5xx answers, and connection errors, are retried by tenacity with the project's one
exponential backoff (`core/retrying.py`: 0.5 s, 1 s, 2 s, … capped at 30 s), waiting at
least what `Retry-After` asks. A new timestamp and signature are computed for each attempt. Pages are followed through
`next_page_token` until it is empty.

Mapping: creator marketplace records become canonical `creators` rows, money as exact
integer sen (the API's amounts
are decimal strings; JSON numbers are parsed as `Decimal`, never float).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.money import format_myr
from creator_ops.core.retrying import WaitForRetryAfter
from creator_ops.core.times import as_utc

CREATOR_SEARCH_PATH = "/affiliate_seller/202406/marketplace_creators/search"
UNSIGNED_PARAMS = frozenset({"sign", "access_token"})
RATE_LIMIT_PER_SECOND = 50
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class OpenApiError(CreatorOpsError):
    """The open API refused a request or answered something unusable."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        self.status = status
        self.code = code
        super().__init__(message)


class _Retryable(CreatorOpsError):  # a signal to the retry loop; never leaves `request`
    """A transient failure (429, 5xx, connection): the message says which; `retry_after` what the server asked."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


class ApiRecordError(CreatorOpsError, ValueError):
    """One API record cannot be mapped to canonical columns; the message is the reason."""


# --------------------------------------------------------------------------- signing


def canonical_string(secret: str, path: str, params: Mapping[str, Any], body: bytes = b"") -> bytes:
    """Return the bytes that are signed (see the module docstring)."""
    pairs = "".join(f"{key}{params[key]}" for key in sorted(params) if key not in UNSIGNED_PARAMS)
    return secret.encode() + path.encode() + pairs.encode() + body + secret.encode()


def sign(secret: str, path: str, params: Mapping[str, Any], body: bytes = b"") -> str:
    """Return the hex HMAC-SHA256 signature of a request."""
    return hmac.new(secret.encode(), canonical_string(secret, path, params, body), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- rate limit


class TokenBucket:
    """A thread-safe token bucket: `rate` tokens per second, at most `capacity` saved up."""

    def __init__(
        self,
        rate: float = RATE_LIMIT_PER_SECOND,
        capacity: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is there; return the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            # the token is taken now, even if it is only paid back later: a waiting caller holds
            # its place in line, so concurrent callers never exceed the rate together
            self._tokens -= 1
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


# --------------------------------------------------------------------------- client


@dataclass(frozen=True)
class OpenApiConfig:
    """Where the API is and who calls it; secrets come from the Airflow connection, never a spec."""

    base_url: str
    app_key: str
    app_secret: str
    shop_id: str
    access_token: str | None = None
    timeout: float = 30.0
    rate_per_second: float = RATE_LIMIT_PER_SECOND
    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 30.0

    def __repr__(self) -> str:  # keep the secret and the token out of logs and tracebacks
        return (
            f"OpenApiConfig(base_url={self.base_url!r}, app_key={self.app_key!r}, shop_id={self.shop_id!r})"
        )


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a `Retry-After` header: seconds, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = as_utc(when)  # an HTTP date is GMT ("-0000" parses naive)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class RequestStats:
    """What a client did: requests sent, retries, and time spent waiting for the rate limit or backoff."""

    requests: int = 0
    retries: int = 0
    throttled_wait: float = 0.0
    backoff_wait: float = 0.0


class OpenApiClient:
    """Signed, rate-limited, retrying client of the seller affiliate endpoints."""

    def __init__(
        self,
        config: OpenApiConfig,
        *,
        session: Any = None,
        limiter: TokenBucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        import requests  # only steps that talk to the API pay for the import

        self.config = config
        self.session = session or requests.Session()
        self.limiter = limiter or TokenBucket(config.rate_per_second, sleep=sleep)
        self._sleep = sleep
        self._clock = clock
        self.stats = RequestStats()

    # ------------------------------------------------------------------ one request

    def _signed_params(self, path: str, params: Mapping[str, Any], body: bytes) -> dict[str, str]:
        signed = {k: str(v) for k, v in params.items() if v is not None}
        signed.update(
            app_key=self.config.app_key,
            shop_id=self.config.shop_id,
            timestamp=str(int(self._clock())),
        )
        signed["sign"] = sign(self.config.app_secret, path, signed, body)
        return signed

    def _attempt(self, method: str, path: str, params: Mapping[str, Any], payload: bytes, headers: dict) -> Any:
        """Send the request once, signed afresh (a new timestamp each attempt); raise `_Retryable` to retry."""
        import requests

        self.stats.throttled_wait += self.limiter.acquire()
        query = self._signed_params(path, params, payload)
        self.stats.requests += 1
        url = self.config.base_url.rstrip("/") + path + "?" + urlencode(query)
        try:
            response = self.session.request(
                method, url, data=payload or None, headers=headers, timeout=self.config.timeout
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in RETRY_STATUSES:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            raise _Retryable(f"HTTP {response.status_code}", retry_after)
        return self._unwrap(response, path)

    def _waited(self, retry_state: Any) -> None:
        self.stats.retries += 1
        self.stats.backoff_wait += retry_state.next_action.sleep

    def request(
        self, method: str, path: str, params: Mapping[str, Any] | None = None, body: Any = None
    ) -> dict[str, Any]:
        """Send one signed request (retrying 429, 5xx and connection errors) and return its `data`."""
        from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

        payload = b"" if body is None else json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json"}
        if self.config.access_token:
            headers["x-tts-access-token"] = self.config.access_token
        retrying = Retrying(
            stop=stop_after_attempt(self.config.max_attempts),
            wait=WaitForRetryAfter(self.config.backoff_base, self.config.backoff_cap, self.config.backoff_cap * 4),
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            before_sleep=self._waited,
        )
        try:
            return retrying(self._attempt, method, path, params or {}, payload, headers)
        except RetryError as exc:
            problem = exc.last_attempt.exception()
            raise OpenApiError(
                f"{method} {path} failed after {self.config.max_attempts} attempts: {problem}"
            ) from None

    @staticmethod
    def _unwrap(response: Any, path: str) -> dict[str, Any]:
        try:
            envelope = json.loads(response.content, parse_float=Decimal)
        except ValueError:
            envelope = None
        if response.status_code >= 400 or not isinstance(envelope, dict):
            detail = envelope.get("message") if isinstance(envelope, dict) else response.text[:200]
            raise OpenApiError(f"{path}: HTTP {response.status_code}: {detail}", status=response.status_code)
        code = envelope.get("code", 0)
        if code not in (0, "0"):
            raise OpenApiError(
                f"{path}: API error {code}: {envelope.get('message')}", status=response.status_code, code=code
            )
        data = envelope.get("data") or {}
        if not isinstance(data, dict):
            raise OpenApiError(f"{path}: `data` is not an object")
        return data

    # ------------------------------------------------------------------ pages

    def paginate(
        self,
        method: str,
        path: str,
        items_key: str,
        *,
        body: Any = None,
        page_size: int = 50,
        max_pages: int = 100_000,
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of every page, following `next_page_token` until it is empty."""
        token: str | None = None
        seen: set[str] = set()
        for _ in range(max_pages):
            data = self.request(method, path, {"page_size": page_size, "page_token": token}, body)
            items = data.get(items_key) or []
            if not isinstance(items, list):
                raise OpenApiError(f"{path}: `{items_key}` is not a list")
            yield from items
            token = data.get("next_page_token") or None
            if token is None:
                return
            if token in seen:
                raise OpenApiError(f"{path}: page token {token!r} came back twice; stopping to avoid a loop")
            seen.add(token)
        raise OpenApiError(f"{path}: more than {max_pages} pages")

    def search_creators(
        self, *, categories: list[str] | None = None, min_followers: int = 0, page_size: int = 50
    ) -> Iterator[dict[str, Any]]:
        """Yield creator marketplace records matching coarse filters (the fine screening is ours)."""
        body: dict[str, Any] = {}
        if categories:
            body["category_names"] = list(categories)
        if min_followers:
            body["follower_count_range"] = {"min": min_followers}
        yield from self.paginate("POST", CREATOR_SEARCH_PATH, "creators", body=body, page_size=page_size)


# --------------------------------------------------------------------------- mapping


def normalize_creator_id(value: Any) -> str:
    """Return a creator id as compared everywhere: trimmed, one leading `@` dropped, lower case."""
    text = str(value).strip()
    return text[1:].strip().lower() if text.startswith("@") else text.lower()


def amount_to_sen(value: Any, *, field: str, currency: str = "MYR") -> int:
    """Return an exact amount in sen from `"12.30"`, a Decimal, or `{"amount": …, "currency": …}`."""
    if isinstance(value, Mapping):
        found = value.get("currency")
        if found and str(found).upper() != currency:
            raise ApiRecordError(f"{field}: currency {found!r} is not {currency}")
        value = value.get("amount")
    if value is None or isinstance(value, bool) or isinstance(value, float):
        # a float here would mean the JSON was parsed without parse_float=Decimal: refuse, never round
        raise ApiRecordError(f"{field}: missing or not an exact amount ({value!r})")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ApiRecordError(f"{field}: {value!r} is not a number") from None
    sen = amount * 100
    if not amount.is_finite() or sen != sen.to_integral_value():
        raise ApiRecordError(f"{field}: {value!r} is not a whole number of sen")
    if sen < 0:
        raise ApiRecordError(f"{field}: negative amount {value!r}")
    return int(sen)


def _count(value: Any, field: str) -> int:
    if value is None or isinstance(value, bool):
        raise ApiRecordError(f"{field}: missing")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApiRecordError(f"{field}: {value!r} is not a number") from None
    if number < 0 or number != number.to_integral_value():
        raise ApiRecordError(f"{field}: {value!r} is not a whole non-negative number")
    return int(number)


def _first_category(record: Mapping[str, Any]) -> str | None:
    categories = record.get("categories") or record.get("category_names") or []
    if isinstance(categories, list) and categories:
        first = categories[0]
        return str(first.get("name") if isinstance(first, Mapping) else first)
    return record.get("category")


def map_creator(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map one creator marketplace record to canonical `creators` columns (money in sen)."""
    username = record.get("username") or record.get("creator_username")
    if not username or not str(username).strip().lstrip("@").strip():
        raise ApiRecordError("username: missing")
    return {
        "creator_id": normalize_creator_id(username),
        "handle": record.get("nickname") or str(username).strip(),
        "followers": _count(record.get("follower_count"), "follower_count"),
        "category": _first_category(record),
        "state": record.get("region_state") or record.get("state"),
        "gmv_30d_sen": amount_to_sen(record.get("gmv_30d"), field="gmv_30d"),
        "avg_views_30d": _count(record.get("avg_video_views_30d", 0), "avg_video_views_30d"),
    }


def creator_landing_row(record: Mapping[str, Any]) -> dict[str, str]:
    """Return one creator record as a row of the landed `creators` CSV (canonical headers).

    A record that cannot be mapped is still landed, with its raw values, so that ingestion
    quarantines it with a reason instead of the row vanishing here.
    """
    try:
        row = map_creator(record)
    except ApiRecordError:
        gmv = record.get("gmv_30d")
        return {
            "creator_id": str(record.get("username") or record.get("creator_username") or ""),
            "handle": str(record.get("nickname") or ""),
            "followers": str(record.get("follower_count") or ""),
            "category": str(_first_category(record) or ""),
            "state": str(record.get("region_state") or record.get("state") or ""),
            "gmv_30d_myr": str(gmv.get("amount") if isinstance(gmv, Mapping) else gmv or ""),
            "avg_views_30d": str(record.get("avg_video_views_30d") or ""),
        }
    return {
        "creator_id": row["creator_id"],
        "handle": row["handle"] or "",
        "followers": str(row["followers"]),
        "category": row["category"] or "",
        "state": row["state"] or "",
        "gmv_30d_myr": format_myr(row["gmv_30d_sen"]),
        "avg_views_30d": str(row["avg_views_30d"]),
    }
