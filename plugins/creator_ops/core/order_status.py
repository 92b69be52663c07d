"""The order-status vocabulary, SPEC section 3: one list for ingestion, quality, payouts, live figures, review.

A status is compared after trimming, lower-casing and reading every run of spaces and
hyphens as `_` (`normalise_status("In Transit") == "in_transit"`). Its class is one of:

- `eligible`: final and paid on (section 5 rule 2);
- `open`: placed, not final: GMV placed and live, not yet eligible;
- `final`: final, not eligible (cancelled, returned...): GMV placed, never live or paid;
- `unknown`: outside the list: the line is kept, counted in no figure, and the orders suite
  fails naming the status (its `status_known` expectation's value set is `KNOWN`).

The payout engine's SQL (`include/sql/payouts_eligible_lines.sql`) reads the same list through
the macros `order_status(s)` and `order_status_class(s)` that `sql_macros()` writes from it.
"""

from __future__ import annotations

import re

ELIGIBLE = ("completed", "delivered", "settled")
OPEN = (
    "pending",
    "processing",
    "unpaid",
    "on_hold",
    "awaiting_shipment",
    "partially_shipping",
    "awaiting_collection",
    "shipped",
    "in_transit",
)
FINAL_NOT_ELIGIBLE = ("cancelled", "returned", "refunded", "frozen", "deducted", "ineligible")
KNOWN = (*ELIGIBLE, *OPEN, *FINAL_NOT_ELIGIBLE)
RETURNED = "returned"  # what a "Fully returned or refunded: Yes" line's status becomes

CLASSES = {**dict.fromkeys(ELIGIBLE, "eligible"), **dict.fromkeys(OPEN, "open"),
           **dict.fromkeys(FINAL_NOT_ELIGIBLE, "final")}  # fmt: skip

# Trimmed like every text cell (Unicode white space); inner runs of spaces and hyphens are one `_`.
SEPARATORS = r"[\s\-]+"
_SEPARATORS = re.compile(SEPARATORS)


def normalise_status(text: str | None) -> str | None:
    """Return the comparable form of a status: trimmed, lower-cased, spaces and hyphens as `_`."""
    if text is None:
        return None
    value = _SEPARATORS.sub("_", text.strip().lower())
    return value or None


def status_class(text: str | None) -> str:
    """Return `eligible`, `open`, `final` or `unknown` for a status (normalised first)."""
    return CLASSES.get(normalise_status(text) or "", "unknown")


def is_eligible(text: str | None) -> bool:
    """Whether a line with this status is paid on (section 5 rule 2)."""
    return status_class(text) == "eligible"


def is_live(text: str | None) -> bool:
    """Whether a line with this status counts in live GMV (eligible or still open)."""
    return status_class(text) in ("eligible", "open")


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def sql_macros() -> str:
    """Return DuckDB macros `order_status(s)` (the normal form) and `order_status_class(normal)` from this list."""
    # a status already in its normal form (every ingested row) skips the regular expression: it costs
    # about a second per million lines, the IN test a tenth of that
    return (
        f"CREATE OR REPLACE TEMP MACRO order_status(s) AS CASE WHEN s IN ({_sql_list(KNOWN)}) THEN s ELSE "
        "nullif(regexp_replace(lower(trim(s, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))), "
        "'[\\s\\-]+', '_', 'g'), '') END;\n"
        "CREATE OR REPLACE TEMP MACRO order_status_class(s) AS CASE "
        f"WHEN s IN ({_sql_list(ELIGIBLE)}) THEN 'eligible' "
        f"WHEN s IN ({_sql_list(OPEN)}) THEN 'open' "
        f"WHEN s IN ({_sql_list(FINAL_NOT_ELIGIBLE)}) THEN 'final' "
        "ELSE 'unknown' END;\n"
    )
