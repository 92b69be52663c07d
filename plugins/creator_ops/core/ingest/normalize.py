"""Vectorized normalizers for messy export cells (Arrow compute: no Python loop per row).

Each parser takes a column of text and returns a `Parsed`: the typed values (null where
missing or invalid), a `missing` mask (blank cell) and a `bad` mask (present but not
understood). Money becomes integer sen by integer arithmetic on the digits, never
through a binary float.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from creator_ops.core.order_status import SEPARATORS

TRUE_WORDS = ("1", "true", "t", "yes", "y", "ya", "ye", "new", "baru", "x", "✓")
FALSE_WORDS = ("0", "false", "f", "no", "n", "tidak", "tak", "bukan", "existing", "returning", "lama")

# Money: optional sign, optional RM/MYR, digits with correct thousands groups, optional decimals.
_MONEY = (
    r"^(?i)(?P<s1>-?)\s*(?:RM|MYR)?\s*(?P<s2>-?)\s*"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?$"
)
# Counts: 12,345 or 12.3K / 1.2M / 3B (and Malay rb = ribu, j/jt = juta).
_COUNT = r"^(?i)(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d+))?\s*(?P<suffix>k|m|b|rb|j|jt)?$"
_SUFFIX_MULTIPLIER = {"": 1, "k": 10**3, "rb": 10**3, "m": 10**6, "j": 10**6, "jt": 10**6, "b": 10**9}
_ISO = (
    r"^(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[T ]\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"\s*(?P<ampm>(?i)[ap]m)?\s*(?P<tz>Z|z|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|UTC|GMT)?$"
)
_DMY = (
    r"^(?P<d>\d{1,2})[/.-](?P<mo>\d{1,2})[/.-](?P<y>\d{4})"
    r"(?:[ T]\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?)?"
    r"\s*(?P<ampm>(?i)[ap]m)?$"
)
# Excel turns long numeric ids into 7.00E+09 in CSV: the digits are gone for good.
_EXCEL_SCIENTIFIC = r"^\d+(?:[.,]\d+)?[eE]\+?\d+$"


@dataclass
class Parsed:
    """Typed values with masks of blank cells and cells that were present but not understood."""

    values: pa.Array
    missing: pa.Array
    bad: pa.Array


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _false(n: int) -> pa.Array:
    import numpy as np

    return pa.array(np.zeros(n, dtype=bool))


def clean_text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trim whitespace (including non-breaking spaces) and make blank cells null."""
    text = _array(column)
    if not pa.types.is_string(text.type):
        text = pc.cast(text, pa.string())
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _finish(values: pa.Array, text: pa.Array, ok: pa.Array) -> Parsed:
    missing = pc.is_null(text)
    bad = pc.and_(pc.invert(missing), pc.invert(pc.fill_null(ok, False)))
    keep = pc.and_(pc.invert(missing), pc.invert(bad))
    return Parsed(pc.if_else(keep, values, pa.scalar(None, values.type)), missing, bad)


def parse_text(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """Trimmed text; blank is missing."""
    text = clean_text(column)
    return Parsed(text, pc.is_null(text), _false(len(text)))


def parse_id(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """Text identifier; blank is missing, Excel's scientific notation (digits lost) is bad."""
    text = clean_text(column)
    ok = pc.invert(pc.fill_null(pc.match_substring_regex(text, _EXCEL_SCIENTIFIC), False))
    return _finish(text, text, ok)


def parse_creator_id(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """Creator id: trimmed, one leading `@` dropped, lower-cased (SPEC section 3)."""
    text = clean_text(column)
    text = pc.utf8_lower(pc.replace_substring_regex(text, r"^@", "", max_replacements=1))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return Parsed(text, pc.is_null(text), _false(len(text)))


def _digits_to_int(digits: pa.Array) -> pa.Array:
    """Cast digit strings to int64 (blank → 0); callers bound the length so it cannot overflow."""
    digits = pc.if_else(pc.equal(pc.fill_null(digits, ""), ""), "0", digits)
    return pc.cast(digits, pa.int64())


def parse_money_sen(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """`1,234.50`, `RM1,234.50`, `-12` → integer sen; more than two non-zero decimals is bad."""
    text = clean_text(column)
    parts = pc.extract_regex(text, _MONEY)
    whole = pc.replace_substring(pc.struct_field(parts, "int"), ",", "")
    frac = pc.struct_field(parts, "frac")
    negative = pc.or_(
        pc.equal(pc.struct_field(parts, "s1"), "-"), pc.equal(pc.struct_field(parts, "s2"), "-")
    )
    has_digits = pc.or_(
        pc.greater(pc.utf8_length(pc.fill_null(whole, "")), 0),
        pc.greater(pc.utf8_length(pc.fill_null(frac, "")), 0),
    )
    # Decimals past the sen must be zeros: 12.500 is 1250 sen, 12.505 is not a sen amount.
    frac_ok = pc.match_substring_regex(pc.fill_null(frac, ""), r"^\d{0,2}0*$")
    ok = pc.and_(
        pc.and_(pc.is_valid(parts), has_digits),
        pc.and_(frac_ok, pc.less_equal(pc.utf8_length(pc.fill_null(whole, "")), 15)),
    )
    ok = pc.and_(
        ok,
        pc.invert(
            pc.and_(pc.equal(pc.struct_field(parts, "s1"), "-"), pc.equal(pc.struct_field(parts, "s2"), "-"))
        ),
    )
    ok = pc.fill_null(ok, False)
    whole = pc.if_else(ok, whole, "0")
    cents = pc.utf8_rpad(pc.utf8_slice_codeunits(pc.fill_null(pc.if_else(ok, frac, ""), ""), 0, 2), 2, "0")
    sen = pc.add(pc.multiply(_digits_to_int(whole), 100), _digits_to_int(cents))
    sen = pc.if_else(pc.fill_null(negative, False), pc.negate(sen), sen)
    return _finish(sen, text, ok)


def parse_count(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """`12,345`, `12.3K`, `1.2M`, `3B` → integer (rounded half up after the multiplier)."""
    text = clean_text(column)
    parts = pc.extract_regex(text, _COUNT)
    whole = pc.fill_null(pc.replace_substring(pc.struct_field(parts, "int"), ",", ""), "")
    frac = pc.fill_null(pc.struct_field(parts, "frac"), "")
    suffix = pc.utf8_lower(pc.fill_null(pc.struct_field(parts, "suffix"), ""))
    ok = pc.and_(
        pc.fill_null(pc.is_valid(parts), False),
        pc.and_(
            pc.greater(pc.add(pc.utf8_length(whole), pc.utf8_length(frac)), 0),
            pc.less_equal(pc.add(pc.utf8_length(whole), pc.utf8_length(frac)), 12),
        ),
    )
    ok = pc.fill_null(ok, False)
    whole = pc.if_else(ok, whole, "")
    frac = pc.if_else(ok, frac, "")
    mantissa = _digits_to_int(pc.binary_join_element_wise(whole, frac, ""))
    scale = pc.power(pa.scalar(10, pa.int64()), pc.cast(pc.utf8_length(frac), pa.int64()))
    position = pc.fill_null(pc.index_in(suffix, pa.array(list(_SUFFIX_MULTIPLIER))), 0)
    multiplier = pc.take(pa.array(list(_SUFFIX_MULTIPLIER.values()), pa.int64()), position)
    # round(mantissa * multiplier / scale), half up, in integers
    value = pc.divide(pc.add(pc.multiply(pc.multiply(mantissa, multiplier), 2), scale), pc.multiply(scale, 2))
    return _finish(value, text, ok)


def parse_bool(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """yes/no, true/false, 1/0, ya/tidak → bool; blank is missing."""
    text = pc.utf8_lower(clean_text(column))
    is_true = pc.is_in(text, pa.array(TRUE_WORDS))
    is_false = pc.is_in(text, pa.array(FALSE_WORDS))
    return _finish(is_true, text, pc.or_(is_true, is_false))


def _assemble(parts: pa.StructArray) -> tuple[pa.Array, pa.Array]:
    """Return (naive timestamp[us] or null, offset minutes or null) from regex parts."""
    field_names = {parts.type.field(i).name for i in range(parts.type.num_fields)}

    def part(name: str, default: str) -> pa.Array:
        return pc.fill_null(pc.if_else(pc.equal(parts.field(name), ""), default, parts.field(name)), default)

    hour = pc.cast(part("h", "0"), pa.int64())
    ampm = pc.utf8_lower(pc.fill_null(pc.struct_field(parts, "ampm"), ""))
    hour = pc.if_else(
        pc.equal(ampm, "pm"),
        pc.add(pc.if_else(pc.equal(hour, 12), 0, hour), 12),
        pc.if_else(pc.and_(pc.equal(ampm, "am"), pc.equal(hour, 12)), 0, hour),
    )
    stamp = pc.binary_join_element_wise(
        part("y", "0000"),
        pc.utf8_lpad(part("mo", "0"), 2, "0"),
        pc.utf8_lpad(part("d", "0"), 2, "0"),
        pc.utf8_lpad(pc.cast(hour, pa.string()), 2, "0"),
        pc.utf8_lpad(part("mi", "0"), 2, "0"),
        pc.utf8_lpad(part("s", "0"), 2, "0"),
        "",
    )
    naive = pc.strptime(stamp, format="%Y%m%d%H%M%S", unit="us", error_is_null=True)
    # strptime rolls 31/02 over into March: a date must read back as written.
    same_date = pc.and_(
        pc.equal(pc.day(naive), pc.cast(part("d", "0"), pa.int64())),
        pc.equal(pc.month(naive), pc.cast(part("mo", "0"), pa.int64())),
    )
    in_range = pc.and_(pc.less(hour, 24), pc.less(pc.cast(part("mi", "0"), pa.int64()), 60))
    naive = pc.if_else(pc.and_(same_date, in_range), naive, pa.scalar(None, naive.type))
    micros = pc.cast(pc.utf8_slice_codeunits(pc.utf8_rpad(part("f", ""), 6, "0"), 0, 6), pa.int64())
    naive = pc.add(pc.cast(naive, pa.int64()), micros)
    if "tz" not in field_names:
        return naive, pa.nulls(len(parts), pa.int64())
    tz = pc.fill_null(pc.struct_field(parts, "tz"), "")
    utc = pc.is_in(pc.utf8_upper(tz), pa.array(["Z", "UTC", "GMT"]))
    signed = pc.extract_regex(tz, r"(?P<sign>[+-])\s*(?P<hh>\d{1,2}):?(?P<mm>\d{2})?$")
    sign = pc.if_else(pc.equal(pc.struct_field(signed, "sign"), "-"), -1, 1)
    hours = pc.cast(pc.fill_null(pc.struct_field(signed, "hh"), "0"), pa.int64())
    minutes = pc.cast(
        pc.if_else(
            pc.equal(pc.fill_null(pc.struct_field(signed, "mm"), ""), ""), "0", pc.struct_field(signed, "mm")
        ),
        pa.int64(),
    )
    offset = pc.multiply(sign, pc.add(pc.multiply(hours, 60), pc.fill_null(minutes, 0)))
    offset = pc.if_else(utc, 0, offset)
    offset = pc.if_else(pc.equal(tz, ""), pa.scalar(None, pa.int64()), offset)
    return naive, offset


def parse_timestamp(column: pa.Array | pa.ChunkedArray, tz: str) -> Parsed:
    """ISO 8601 (with or without offset), DD/MM/YYYY HH:MM[:SS], YYYY-MM-DD HH:MM:SS → UTC.

    A timestamp without offset is campaign-local time (`tz`). Native Parquet timestamps
    are taken as they are (naive ones as campaign-local).
    """
    column = _array(column)
    if pa.types.is_timestamp(column.type):
        values = pc.cast(column, pa.timestamp("us", column.type.tz), safe=False)  # nanoseconds truncated
        if column.type.tz is None:
            values = pc.assume_timezone(values, tz, ambiguous="earliest", nonexistent="earliest")
        values = pc.cast(values, pa.timestamp("us", "UTC"))
        missing = pc.is_null(values)
        return Parsed(values, missing, _false(len(values)))
    text = clean_text(column)
    iso = pc.extract_regex(text, _ISO)
    dmy = pc.extract_regex(text, _DMY)
    iso_naive, iso_offset = _assemble(iso)
    dmy_naive, _ = _assemble(dmy)
    naive = pc.coalesce(
        pc.if_else(pc.is_valid(iso), iso_naive, None), pc.if_else(pc.is_valid(dmy), dmy_naive, None)
    )
    offset = pc.if_else(pc.is_valid(iso), iso_offset, pa.scalar(None, pa.int64()))
    local = pc.assume_timezone(
        pc.cast(pc.fill_null(naive, 0), pa.timestamp("us")), tz, ambiguous="earliest", nonexistent="earliest"
    )
    with_offset = pc.subtract(pc.fill_null(naive, 0), pc.multiply(pc.fill_null(offset, 0), 60_000_000))
    utc_us = pc.if_else(pc.is_null(offset), pc.cast(local, pa.int64()), with_offset)
    values = pc.cast(
        pc.if_else(pc.is_null(naive), pa.scalar(None, pa.int64()), utc_us), pa.timestamp("us", "UTC")
    )
    return _finish(values, text, pc.is_valid(naive))


def lower_text(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """Trimmed, lower-cased text (statuses, categories); blank is missing."""
    text = clean_text(column)
    return Parsed(pc.utf8_lower(text), pc.is_null(text), _false(len(text)))


def order_status_text(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """An order status in the vocabulary's normal form (core.order_status): lower-cased, spaces and hyphens as `_`."""
    parsed = lower_text(column)
    return Parsed(pc.replace_substring_regex(parsed.values, SEPARATORS, "_"), parsed.missing, parsed.bad)


def upper_text(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """Trimmed, upper-cased text (content types, sample statuses); blank is missing."""
    text = clean_text(column)
    return Parsed(pc.utf8_upper(text), pc.is_null(text), _false(len(text)))


# Whole numbers: optional sign, digits with correct thousands groups, optional `.0` (Excel writes 3 as 3.0).
_INTEGER = r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?$"


def parse_integer(column: pa.Array | pa.ChunkedArray) -> Parsed:
    """`3`, `-1`, `1,200`, `3.0` → integer; `1.5` or `12K` is bad (a quota or a priority is exact)."""
    text = clean_text(column)
    parts = pc.extract_regex(text, _INTEGER)
    digits = pc.replace_substring(pc.fill_null(pc.struct_field(parts, "int"), ""), ",", "")
    ok = pc.fill_null(pc.and_(pc.is_valid(parts), pc.less_equal(pc.utf8_length(digits), 15)), False)
    value = _digits_to_int(pc.if_else(ok, digits, "0"))
    negative = pc.fill_null(pc.equal(pc.struct_field(parts, "sign"), "-"), False)
    return _finish(pc.if_else(negative, pc.negate(value), value), text, ok)
