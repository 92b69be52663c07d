"""The one validated reader for a review.json the product reads back (`--baseline`, `--calibration-from`).

A review file comes from outside the process (another campaign's run, a copy, an edit by
hand), so it is read as hostile input before any figure is computed from it:

- at most `MAX_REVIEW_BYTES`, UTF-8 (a BOM is allowed), nesting at most `MAX_DEPTH`
  levels (checked on the text before `json` recurses into it);
- numbers finite and bounded as the spec's are (at most 40 digits, an exponent within
  ±30): `NaN`, `Infinity`, `1e400` and `1e999999999` are refused while parsing, before
  anything tries to make them exact;
- every field the product uses has the type the review writes (`REVIEW_FIELDS`): money is
  text with two decimals (`"7500.00"`), a ratio or count is a JSON number (never text:
  `"1e-1"` is refused where `experiments.traffic.calibration` is read), a name is text.
  Fields the review writes but nothing reads back are kept as they are, numbers bounded.

A problem raises `ReviewFileError` naming the option, the file and the field
(`--calibration-from old.json: field experiments.traffic.calibration: "1e-1" is text; the
review writes a number here`), which the command line answers with exit code 2.
"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate
from pathlib import Path
from typing import Any

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.review.values import _MONEY_TEXT, Money, Ratio, _decode
from creator_ops.core.safe_yaml import read_regular_file

MAX_REVIEW_BYTES = 16 * 1024 * 1024  # a 1M-order-line review is well under 1 MB
MAX_DEPTH = 32  # the review nests 6 levels deep
MAX_DIGITS = 40  # as the spec's numbers
MAX_EXPONENT = 30

_NUMBER = re.compile(r"-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class ReviewFileError(CreatorOpsError):
    """A review.json that cannot be used; names the option, the file and the field."""


class _Bad(CreatorOpsError, ValueError):
    """A problem found at one field while reading; `read_review` turns it into a `ReviewFileError`."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field or None)


# --------------------------------------------------------------------------- parsing, bounded


class _Refused:
    """A number json read but the review never writes; the field check names where it stood."""

    def __init__(self, text: str, why: str):
        self.text = text if len(text) <= 24 else f"{text[:20]}…"
        self.why = why


def _number(text: str) -> Decimal | int | _Refused:
    m = _NUMBER.fullmatch(text)
    if m is None or len(m.group(1)) + len(m.group(2) or "") > MAX_DIGITS:
        return _Refused(text, f"has more than {MAX_DIGITS} digits")
    if m.group(3) and (len(m.group(3).lstrip("+-")) > 6 or abs(int(m.group(3))) > MAX_EXPONENT):
        return _Refused(text, f"has an exponent beyond ±{MAX_EXPONENT}")
    if m.group(2) is None and m.group(3) is None:
        return int(text)
    return Decimal(text)


def _constant(text: str) -> _Refused:
    return _Refused(text, "is not a finite number")


def _check_depth(text: str) -> None:
    brackets = _BRACKETS.findall(_STRINGS.sub("", text))
    deepest = max(accumulate(1 if b in "[{" else -1 for b in brackets), default=0)
    if deepest > MAX_DEPTH:
        raise _Bad("", f"nested {deepest} levels deep; a review nests at most {MAX_DEPTH}")


def parse_json_bounded(text: str) -> Any:
    """Parse JSON text with finite, bounded numbers (Decimal for fractions) and bounded nesting."""
    _check_depth(text)
    return json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_constant, object_pairs_hook=_object)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object with each key once (a key given twice is refused, never "the last one wins")."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Bad("", f"the key {_shown(key)} is given twice in one object")
        out[key] = value
    return out


# --------------------------------------------------------------------------- the fields read back


def _text(value: Any, field: str) -> str | None:
    _refuse(value, field)
    _no_surrogates(value, field)
    if value is None or isinstance(value, str):
        return value
    raise _Bad(field, f"{_shown(value)} is {_kind(value)}; the review writes text here")


def _people_text(value: Any, field: str) -> str | None:
    """A name people wrote (the campaign's): masked as the spec's own name is, before any sink prints it."""
    from creator_ops.core.masking import mask_pii

    text = _text(value, field)
    return mask_pii(text) if text else text


def _required_text(value: Any, field: str) -> str:
    _refuse(value, field)
    if not isinstance(value, str) or not value.strip():
        raise _Bad(field, f"missing or not text ({_shown(value)}); not a review.json written by campaignctl review")
    return value


def _money(value: Any, field: str) -> Money | None:
    _refuse(value, field)
    if value is None:
        return None
    if isinstance(value, str) and _MONEY_TEXT.match(value):
        return _decode(value)
    kind = _kind(value)
    raise _Bad(field, f'{_shown(value)} is {kind}; the review writes money as text with two decimals ("1234.50")')


def _ratio(value: Any, field: str) -> Ratio | None:
    _refuse(value, field)
    if value is None:
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Ratio(Fraction(value))
    raise _Bad(field, f"{_shown(value)} is {_kind(value)}; the review writes a number here")


def _count(value: Any, field: str) -> int | None:
    _refuse(value, field)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _Bad(field, f"{_shown(value)} is {_kind(value)}; the review writes a whole number here")


def _count_or_money(value: Any, field: str) -> Any:
    return _money(value, field) if isinstance(value, str) else _count(value, field)


def _any(value: Any, field: str) -> Any:
    """A field nothing reads back: kept as written (money decoded), but no refused number anywhere in it."""
    if isinstance(value, dict):
        return {k: _any(v, f"{field}.{k}" if field else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_any(v, f"{field}[{i}]") for i, v in enumerate(value)]
    _refuse(value, field)
    _no_surrogates(value, field)
    return _decode(value)


def _no_surrogates(value: Any, field: str) -> None:
    """Text must be Unicode text: a lone surrogate (`"\\ud800"`) could not be printed or written later."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Bad(field, "text with a lone surrogate (\\ud800-\\udfff), not Unicode text") from None


def _refuse(value: Any, field: str) -> None:
    if isinstance(value, _Refused):
        raise _Bad(
            field,
            f"{value.text} {value.why}; a review writes finite numbers of at most {MAX_DIGITS} "
            f"digits, exponent within ±{MAX_EXPONENT}",
        )


def _mapping(fields: dict[str, Any], *, rest: Any = _any) -> Any:
    """An object whose named fields have their own check and whose other fields pass `rest`."""

    def check(value: Any, field: str) -> dict | None:
        if value is None:
            return None
        _refuse(value, field)
        if not isinstance(value, dict):
            raise _Bad(field, f"{_shown(value)} is {_kind(value)}; the review writes an object here")
        return {k: fields.get(k, rest)(v, f"{field}.{k}" if field else k) for k, v in value.items()}

    return check


def _each(check_item: Any) -> Any:
    """An object whose every value passes `check_item` (keys are names: hours, categories, survey ids)."""
    return _mapping({}, rest=check_item)


_TARGET = _mapping({"target": _count_or_money, "actual": _count_or_money, "attainment": _ratio})
_SURVEY = _mapping({"title": _text, "responses": _count})
_INTERVAL = _mapping({"lift_myr": _money, "ci95_low_myr": _money, "ci95_high_myr": _money})
# SPEC 15's loop reads the on-treated calibration, its se and the adjusted sd (the next plan's power)
_ON_TREATED = _mapping({"calibration": _ratio, "calibration_se": _ratio, "sd_adjusted_myr": _money,
                        "n_treated": _count, "n_holdout": _count})  # fmt: skip
_MECHANISM = _mapping({"calibration": _ratio, "n_treated": _count, "n_holdout": _count, "raw": _INTERVAL,
                       "on_treated": _ON_TREATED})  # fmt: skip

REVIEW_FIELDS = _mapping({
    "campaign": _mapping({"id": _required_text, "name": _people_text, "type": _text, "timezone": _text,
                          "event_start": _text, "event_end": _text}),
    "funnel": _each(_count),
    "rates": _each(_ratio),
    "gmv": _mapping({"eligible_myr": _money, "by_hour": _each(_money), "placed_by_hour": _each(_money),
                     "by_content_type": _each(_money), "by_category": _each(_money)}),
    "cost": _each(_money),
    "roi": _ratio,
    "cost_per_selling_creator_myr": _money,
    "top10_share": _ratio,
    "median_hours_to_first_sale": _ratio,
    "targets": _each(_TARGET),
    "surveys": _each(_SURVEY),
    "payouts": _mapping({"creators": _count, "total_myr": _money, "total_to_gmv": _ratio}),
    "experiments": _mapping({m: _MECHANISM for m in ("traffic", "samples")}),
})  # fmt: skip


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return "a number"


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return _kind(value)
    text = str(value) if isinstance(value, Decimal | int) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:36]}…"


# --------------------------------------------------------------------------- the reader


def parse_review(text: str) -> dict[str, Any]:
    """Parse and check a review's JSON text (ValueError with `.field` on a problem)."""
    data = parse_json_bounded(text)
    if not isinstance(data, dict):
        raise _Bad("", f"the file holds {_kind(data)}; a review.json is a JSON object")
    if data.get("campaign") is None:
        raise _Bad("campaign.id", "missing; not a review.json written by campaignctl review")
    return REVIEW_FIELDS(data, "")


def read_review(path_text: str | Path | Any, option: str = "--baseline") -> dict[str, Any]:
    """Read and check a review.json written by `campaignctl review` (or a campaign's review run).

    Returns the review with money as `Money` and numbers as `Ratio`/int, as
    `review.values.loads` gives them. Any problem is a `ReviewFileError` naming `option`,
    the file and the field.
    """
    local = isinstance(path_text, str | os.PathLike)
    path = Path(path_text) if local else path_text  # an object-storage path (core/storage.py) reads as bytes
    where = f"{option} {path}"
    try:
        raw = read_regular_file(path, MAX_REVIEW_BYTES + 1) if local else path.read_bytes()
    except OSError as exc:
        raise ReviewFileError(f"{where}: cannot read: {exc.strerror or exc}", file=path) from None
    if len(raw) > MAX_REVIEW_BYTES:
        raise ReviewFileError(f"{where}: more than {MAX_REVIEW_BYTES:,} bytes; not a review.json", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReviewFileError(f"{where}: not UTF-8 text (byte {exc.start:,}); not a review.json", file=path) from None
    try:
        return parse_review(text)
    except _Bad as exc:
        field = f"field {exc.field}: " if exc.field else ""
        raise ReviewFileError(f"{where}: {field}{exc}", file=path, field=exc.field or None) from None
    except (ValueError, RecursionError) as exc:  # json's own syntax errors name line and column
        raise ReviewFileError(f"{where}: not a review.json: {exc}", file=path) from None
