"""Free-sample statuses (SPEC section 9): one definition of shipped, posted and cancelled.

Statuses are the platform's, compared trimmed and ignoring case. A sample is shipped when
its status is SHIPPED, CONTENT_PENDING or COMPLETED, posted when it is COMPLETED, and
cancelled when its status contains CANCEL or FAIL. For the same sample_id the row landed
last wins (`creator_ops.warehouse.campaign_data.current_samples`).
"""

from __future__ import annotations

SHIPPED_STATUSES = ("SHIPPED", "CONTENT_PENDING", "COMPLETED")
POSTED_STATUSES = ("COMPLETED",)
CANCELLED_MARKERS = ("CANCEL", "FAIL")
# Which statuses are known at all is the quality suite's rule (include/expectations/samples.json,
# `status_known`); tests/unit/quality/test_sample_statuses.py keeps the two in step.


def normalize_status(status: str | None) -> str:
    """Return the comparable form of a status: trimmed and upper-cased ('' for none)."""
    return (status or "").strip().upper()


def is_cancelled(status: str | None) -> bool:
    """True when the status contains CANCEL or FAIL (e.g. CANCELLED, CANCELED_BY_SELLER, DELIVERY_FAILED)."""
    normal = normalize_status(status)
    return any(marker in normal for marker in CANCELLED_MARKERS)


def is_shipped(status: str | None) -> bool:
    """True when the sample reached the creator: SHIPPED, CONTENT_PENDING or COMPLETED."""
    return normalize_status(status) in SHIPPED_STATUSES


def is_posted(status: str | None) -> bool:
    """True when the creator posted the sample's content: COMPLETED."""
    return normalize_status(status) in POSTED_STATUSES
