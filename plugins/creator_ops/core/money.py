"""Money, exactly: ringgit (MYR) amounts are integer sen in code and storage, Decimal at the edges.

Never a binary float: `to_sen` refuses a fraction of a sen instead of rounding it, and
every display goes through this module, the one money formatter:

- `format_myr(sen)`: files and JSON, plain two decimals: `4581 → "45.81"`, `-5 → "-0.05"`;
- `format_rm(sen)`: people (pages, alerts, Markdown, the demo): `123456789 → "RM 1,234,567.89"`,
  `-5 → "-RM 0.05"` (the sign before the currency), `None → "—"` (or `missing=`);
- `format_rm_myr(myr)`: the same for an amount already in MYR, as files and review.json carry
  it (`"1234.5"`, `Decimal("-0.05")`, `500`): parsed exactly, never through float; a fraction
  of a sen is an error, not a rounding.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from creator_ops.core.errors import CreatorOpsError

SEN = Decimal("0.01")


class NotWholeSen(CreatorOpsError, ValueError):
    """An amount that is not a whole number of sen (it would have to be rounded)."""


def to_sen(myr: Decimal | int | str, *, error: type[Exception] = NotWholeSen) -> int:
    """Convert an exact MYR amount to integer sen; a fraction of a sen raises `error`, never rounds."""
    value = Decimal(myr) * 100
    if value != value.to_integral_value():
        raise error(f"{myr} MYR is not a whole number of sen")
    return int(value)


def to_sen_or_none(myr: Decimal | int | str | None) -> int | None:
    """Return `to_sen(myr)`, or None for a missing amount."""
    return None if myr is None else to_sen(myr)


def floor_to_sen(myr: Decimal) -> Decimal:
    """Round an exact MYR amount down to the sen."""
    return Decimal(myr).quantize(SEN, rounding=ROUND_FLOOR)


def sen_to_myr(sen: int) -> Decimal:
    """Return integer sen as MYR with two decimals (exact)."""
    return Decimal(int(sen)).scaleb(-2)


def format_myr(sen: int) -> str:
    """Format integer sen as a plain two-decimal MYR string for files: 4581 → '45.81', -5 → '-0.05'."""
    return format(sen_to_myr(sen), "f")


def format_rm(sen: int | None, missing: str = "—") -> str:
    """Format integer sen for people: 123456789 → 'RM 1,234,567.89', -5 → '-RM 0.05'."""
    if sen is None:
        return missing
    sign = "-" if sen < 0 else ""
    return f"{sign}RM {sen_to_myr(abs(int(sen))):,.2f}"


def format_rm_myr(myr: Decimal | int | str | None, missing: str = "—") -> str:
    """Format an exact MYR amount (text, Decimal or int ringgit) for people: '-0.05' → '-RM 0.05'."""
    if myr is None or (isinstance(myr, str) and not myr.strip()):
        return missing
    return format_rm(to_sen(Decimal(str(myr).strip())))
