"""The review's numbers and how they are written: money, ratios, counts, and their deltas.

Money is integer sen (`Money`), written as a string with two decimals; a ratio is an
exact fraction (`Ratio`), written as a JSON number with six decimals (rounded half to
even); counts are plain integers. `dumps` writes a review deterministically (keys in
insertion order, no floats anywhere), so the same inputs give byte-identical JSON;
`loads` reads one back (a baseline file) into the same types, and `delta` subtracts one
review's numbers from another's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from creator_ops.core.money import format_myr, format_rm

RATIO_PLACES = Decimal("0.000001")
_MONEY_TEXT = re.compile(r"^-?\d+\.\d{2}$")


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount of MYR in integer sen."""

    sen: int

    def __str__(self) -> str:
        return format_myr(self.sen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.sen - other.sen)

    def __add__(self, other: Money) -> Money:
        return Money(self.sen + other.sen)


@dataclass(frozen=True, order=True)
class Ratio:
    """An exact ratio, written with six decimals."""

    value: Fraction

    @classmethod
    def of(cls, numerator: int | Fraction, denominator: int | Fraction, *, zero: Ratio | None = None) -> Ratio | None:
        """Return numerator / denominator, or `zero` (default None) when the denominator is 0."""
        if denominator == 0:
            return zero
        return cls(Fraction(numerator) / Fraction(denominator))

    def decimal(self) -> Decimal:
        value = Decimal(self.value.numerator) / Decimal(self.value.denominator)
        return value.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN)

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        return f"{self.decimal():f}"

    def __sub__(self, other: Ratio) -> Ratio:
        return Ratio(self.value - other.value)


ZERO = Ratio(Fraction(0))


def display_myr(money: Money) -> str:
    """Format money for people: `RM 1,234.50` (exact)."""
    return format_rm(money.sen)


# --------------------------------------------------------------------------- JSON


def _encode(value: Any, indent: int) -> str:
    pad = "  " * (indent + 1)
    end = "  " * indent
    if isinstance(value, Money):
        return json.dumps(str(value))
    if isinstance(value, Ratio):
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {_encode(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(pad + _encode(v, indent + 1) for v in value) + "\n" + end + "]"
    raise TypeError(f"the review holds no {type(value).__name__} values (use Money, Ratio or int)")


def dumps(review: Mapping[str, Any]) -> str:
    """Write a review as JSON: money strings, six-decimal ratios, keys in order, newline at the end."""
    return _encode(review, 0) + "\n"


def _decode(value: Any) -> Any:
    if isinstance(value, str) and _MONEY_TEXT.match(value):
        return Money(int(Decimal(value) * 100))
    if isinstance(value, Decimal):
        return Ratio(Fraction(value))
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def loads(text: str) -> dict[str, Any]:
    """Read a review written by `dumps` back into Money, Ratio and int values."""
    data = json.loads(text, parse_float=Decimal)
    if not isinstance(data, dict):
        raise ValueError("a review file is a JSON object")
    return _decode(data)


# --------------------------------------------------------------------------- deltas


def _zero_like(value: Any) -> Any:
    if isinstance(value, Money):
        return Money(0)
    if isinstance(value, Ratio):
        return ZERO
    if isinstance(value, int) and not isinstance(value, bool):
        return 0
    if isinstance(value, Mapping):
        return {}
    return None


def delta(current: Any, previous: Any) -> Any:
    """Return current − previous for every number in `current` (keys missing on either side count as 0).

    Mappings are matched by key; lists of mappings with a `name` by name; anything that
    is not a number (text, flags, nulls on either side) has no delta and is left out.
    """
    if isinstance(current, Mapping):
        previous = previous if isinstance(previous, Mapping) else {}
        out = {}
        for key in list(current) + [k for k in previous if k not in current]:
            a = current.get(key, _zero_like(previous.get(key)))
            b = previous.get(key, _zero_like(a))
            d = delta(a, b)
            if d is not None and d != {}:
                out[key] = d
        return out
    if isinstance(current, list):
        if all(isinstance(v, Mapping) and "name" in v for v in current):
            earlier = {v.get("name"): v for v in previous or [] if isinstance(v, Mapping)}
            out_list = []
            for item in current:
                d = delta(item, earlier.get(item["name"], {}))
                out_list.append({"name": item["name"], **d})
            return out_list
        return None
    if isinstance(current, bool) or isinstance(previous, bool):
        return None
    if isinstance(current, Money) and isinstance(previous, Money):
        return current - previous
    if isinstance(current, Ratio) and isinstance(previous, Ratio):
        return current - previous
    if isinstance(current, int) and isinstance(previous, int):
        return current - previous
    return None


def text(value: Any) -> str:
    """Display a review value for people."""
    if value is None:
        return "n/a"
    if isinstance(value, Money):
        return display_myr(value)
    if isinstance(value, Ratio):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
