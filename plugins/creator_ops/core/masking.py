"""The one masking function: e-mail addresses, phone numbers and identity card numbers never leave in clear text.

Everything the product stores or prints outside the personal-data columns (text cells
of every data set, quarantine payloads, rejection reasons, error messages, log lines,
alert texts) passes `mask_pii` first. E-mail addresses are found by a pattern, phone
numbers by `phonenumbers`' matcher with Malaysia as the default region, so `012-345
6789`, `+60 12 345 6789`, `60123456789` and `(03) 2161 2345` are all caught; MyKad numbers
(`901231-14-5678`) by their shape.

Without a key, a match becomes a fixed marker (`[email hidden]`, `[phone hidden]`):
right for messages and logs. With the PII hash key, it becomes a short keyed hash of
the normalized value (`[email:1f0c…]`), so an id that happens to be an e-mail address
still tells creators apart, and the same person matches across files, while nobody can
read it back.

Spelled-out addresses (`aisyah (at) gmail (dot) com`, `aisyah[at]gmail.com`, `aisyah at
gmail dot com`) are found too, and keyed as the address they spell.

Disguised data is found too: the patterns run on a normalised view of the text (NFKC, so
full-width `ｌｅａｋ＠ｇｍａｉｌ．ｃｏｍ` and `０１２…` read as ASCII; zero-width characters
removed; every dash variant read as `-`; accents composed and other scripts' digits read
as 0-9), and each match replaces the characters it came from, so the rest of the text
stays exactly as written.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

EMAIL_MASK = "[email hidden]"
PHONE_MASK = "[phone hidden]"
IC_MASK = "[ic hidden]"
DEFAULT_REGION = "MY"
TOKEN_HEX = 16  # 64 bits of the HMAC: distinct people never share a token in practice

# Local parts may be any letters (`zoë.unileak@…`); domain labels are letters, digits and `-`
# (no `_`: `…@gmail.com_0127184463.csv` ends at `.com`); the top-level domain is Latin (or a
# Greek or Cyrillic look-alike) letters, so Chinese or Tamil text glued after it stays.
_LABEL = r"(?:[^\W_]|-)+"
# A match starts where a run of local-part characters starts (the look-behind): trying every
# position inside a long run made a hostile 8 KB cell take seconds (quadratic); now it is linear.
_LOCAL = r"(?<![\w.%+\-])[\w.%+\-]+"
EMAIL_PATTERN = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z\u0370-\u03ff\u0400-\u04ff]{{2,63}}")
# An address spelled out to slip past filters: `aisyah (at) gmail (dot) com`, `aisyah[at]gmail.com`,
# `aisyah at gmail dot com`. A bracketed "at" (round, square, curly or angle brackets) is enough
# with any domain; a bare " at " only before a mail provider, so that "meet at noon dot com" and
# plain English stay. The domain ends with a common top-level domain, after a "." or a "dot"
# (bracketed or bare). It is keyed as the address it spells (`aisyah@gmail.com`).
_SPELLED_AT = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_SPELLED_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\s*\.\s*)"
_MAIL_PROVIDERS = r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|icloud|me|aol|proton|protonmail|gmx|mail)"
_TOP_LEVEL = r"(?:com|net|org|edu|gov|info|biz|io|me|co|my|sg|id|th|ph|vn|cn|hk|tw|in|jp|kr|au|uk)"
# An address written with spaces around "@" (`siti @ mybrand.com`), also around its dots when the
# domain is a mail provider (`siti.leak @ gmail . com`), ending in a common top-level domain; or
# with an IP literal for a domain (`siti@[10.0.0.1]`). Keyed as the address it writes, spaces removed.
_GAP = r"[ \t]{0,3}"
SPACED_EMAIL_PATTERN = re.compile(
    rf"{_LOCAL}{_GAP}@{_GAP}(?:\[(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}|IPv6:[0-9A-Fa-f:.]{{2,45}})\]"
    rf"|(?i:{_MAIL_PROVIDERS})(?:{_GAP}\.{_GAP}{_LABEL})*{_GAP}\.{_GAP}(?i:{_TOP_LEVEL})\b"
    rf"|{_LABEL}(?:\.{_LABEL})*\.(?i:{_TOP_LEVEL})\b)"
)
SPELLED_EMAIL_PATTERN = re.compile(
    rf"(?i)(?P<local>{_LOCAL})(?:{_SPELLED_AT}(?P<domain>{_LABEL}(?:{_SPELLED_DOT}{_LABEL})*)"
    rf"|\s+at\s+(?P<provider>{_MAIL_PROVIDERS}(?:{_SPELLED_DOT}{_LABEL})*)){_SPELLED_DOT}(?P<tld>{_TOP_LEVEL})\b"
)
_SPELLED_HINT = re.compile(r"(?i)[\[({<]\s*at\s*[\])}>]|\sat\s+" + _MAIL_PROVIDERS + r"\b")
_SPLIT_DOT = re.compile(rf"(?i){_SPELLED_DOT}")
# What the normalised view removes: invisible format characters (zero-width spaces and
# joiners, soft hyphen, word joiner, direction marks and isolates, BOM) ...
INVISIBLE_RANGES = (
    (0xAD, 0xAD), (0x61C, 0x61C), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF),
)  # fmt: skip
ZERO_WIDTH = "".join(chr(c) for first, last in INVISIBLE_RANGES for c in range(first, last + 1))
# ... and what it reads as "-": every dash variant NFKC leaves as it is.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
# ... and what it reads as ".": the ideographic full stop (`siti.leak@gmail。com`; NFKC leaves it).
FULL_STOPS = "\u3002"
_FOLD = {
    **dict.fromkeys(map(ord, ZERO_WIDTH), None),
    **dict.fromkeys(map(ord, DASHES), "-"),
    **dict.fromkeys(map(ord, FULL_STOPS), "."),
}
_AT_SIGNS = ("@", "\uff20", "\ufe6b")
# A cheap test before the (slower) phone matcher: 7 to 15 digits, maybe split by separators
# (dash variants and invisible characters included), not part of a longer run of digits
# (an 18-digit order id is no phone number). `\d` is any script's digit here.
_SEPARATORS = r"[\s\-./()" + ZERO_WIDTH + DASHES + "\uff08\uff09\uff0e\uff0f]"
_DIGIT_RUN = re.compile(rf"(?<!\d)\d(?:{_SEPARATORS}{{0,3}}\d){{6,14}}(?!\d)")


def _re2_class(chars: str, ranges: tuple[tuple[int, int], ...]) -> str:
    return "[" + chars + "".join(rf"\x{{{a:X}}}-\x{{{b:X}}}" for a, b in ranges) + "]"


# The same pre-test in RE2 syntax, for Arrow columns (no look-arounds there; `\s` is ASCII in
# RE2, so Unicode spaces are listed).
_RE2_SEPARATORS = _re2_class(
    r"-\s./()",
    INVISIBLE_RANGES
    + tuple((ord(c), ord(c)) for c in DASHES + "\u00a0\u202f\u205f\u3000\uff08\uff09\uff0e\uff0f")
    + ((0x2000, 0x200A),),
)
_ARROW_CANDIDATE = (
    r"[@\x{FF20}\x{FE6B}]|(?:^|\P{Nd})\p{Nd}(?:"
    + _RE2_SEPARATORS
    + r"{0,3}\p{Nd}){6,14}(?:\P{Nd}|$)"
    + r"|(?i)[\[({<]\s*at\s*[\])}>]|\sat\s+"
    + _MAIL_PROVIDERS
    + r"\b"
)
# Bare digits are a phone number only with the trunk or country prefix (`0…`, `60…`);
# `123456789` is an id or a count far more often.
_BARE_DIGITS = re.compile(r"(?!0|60)[0-9]+")
# Malaysian mobile numbers by shape (01x-xxx xxxx, +60 1x…, 601x…) even where the
# numbering plan does not know the block yet (`010-000 0000`), and even glued to a name.
_MY_MOBILE = re.compile(r"(?<![\d+])(?:\(?\+\s?60\)?|60|0)[\s\-.]{0,3}1\d[\s\-.]{0,3}\d{3,4}[\s\-.]{0,3}\d{4}(?!\d)")
_ARROW_BARE_DIGITS = r"^(?:[1-57-9][0-9]*|6|6[1-9][0-9]*)$"
# A Malaysian identity card (MyKad) number, YYMMDD-PB-###G: twelve digits split 6-2-4 by dashes
# or spaces, the first six a date. Twelve bare digits are left alone (an order or SKU id as often).
# The parts may be split by `-`, `.`, `/` or spaces, with spaces around them: `901231-14-5678`,
# `901231.14.5678`, `901231/14/5678`, `901231 - 14 - 5678`.
_IC_SEP = r"(?:[ \t]{0,2}[\-./][ \t]{0,2}|[ \t]{1,2})"
_MYKAD = re.compile(
    rf"(?<![\d\-./])\d{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]){_IC_SEP}\d{{2}}{_IC_SEP}\d{{4}}(?![\d]|[\-./]\d)"
)
# A phone number written with the letter O for a zero (`O12-345 67O9`): inside a run of digits and
# separators that no letter touches, O reads as 0 (one character for one, so spans stay).
_O_RUN = re.compile(r"(?<![^\W\d_])[0-9Oo](?:[\s\-.()]{0,3}[0-9Oo]){6,14}(?![^\W\d_])")


def keyed_hash(key: bytes, kind: str, normalized: str) -> str:
    """Return hex HMAC-SHA256 of `kind:normalized` under `key`."""
    return hmac.new(key, f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


def _keyed_token(kind: str, normalized: str, key: bytes) -> str:
    return f"[{kind}:{keyed_hash(key, kind, normalized)[:TOKEN_HEX]}]"


def _phone_spans(text: str, region: str) -> list[tuple[int, int, str]]:
    """Return (start, end, E.164) of every phone number `phonenumbers` finds in `text`."""
    import phonenumbers

    spans = []
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    for match in matcher:
        if _BARE_DIGITS.fullmatch(match.raw_string):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        spans.append((match.start, match.end, e164))
    for match in _MY_MOBILE.finditer(text):
        if not any(start < match.end() and match.start() < end for start, end, _ in spans):
            digits = re.sub(r"\D", "", match.group(0))
            national = digits[2:] if digits.startswith("60") else digits[1:]
            spans.append((match.start(), match.end(), f"+60{national}"))
    return sorted(spans)


def normalised_view(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """Return (view, starts, ends): the text as the patterns read it, and where each view character came from.

    Each base character with its combining marks is NFKC-normalised as one cluster (so
    `e` + U+0308 becomes `ë`, `ｌ` becomes `l`, `①` becomes `1`), any script's decimal digit
    becomes 0-9, zero-width characters vanish and dash variants become `-`. `starts[i]` and
    `ends[i]` are the span of `text` that view character `i` came from (None, None: ASCII
    text is its own view).
    """
    if text.isascii():
        return text, None, None
    view: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        if not cluster.isascii():
            cluster = unicodedata.normalize("NFKC", cluster).translate(_FOLD)
            cluster = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in cluster)
        view.append(cluster)
        starts += [i] * len(cluster)
        ends += [j] * len(cluster)
        i = j
    return "".join(view), starts, ends


def normalise(text: str) -> str:
    """Return the normalised view of `text` (see `normalised_view`): how personal data is compared."""
    return normalised_view(text)[0]


def _find_spelled(view: str, found: list[tuple[int, int, str]], key: bytes | None) -> str:
    """Add every spelled-out address of `view` to `found` (keyed as the address it spells); return the view
    with them blanked, so no digit run spans one."""
    for match in SPELLED_EMAIL_PATTERN.finditer(view):
        if any(start < match.end() and match.start() < end for start, end, _ in found):
            continue
        domain = match.group("domain") or match.group("provider")
        email = f"{match.group('local')}@{'.'.join(_SPLIT_DOT.split(domain))}.{match.group('tld')}".lower()
        found.append((match.start(), match.end(), EMAIL_MASK if key is None else _keyed_token("email", email, key)))
        view = view[: match.start()] + "x" * (match.end() - match.start()) + view[match.end() :]
    return view


# A token this function wrote (`[phone:0123456789abcdef]`): masked text masked again stays as it is,
# so an id masked by `payouts` is the same id when `finance` masks what it reads.
_TOKEN = re.compile(rf"\[(?:email|phone|ic):[0-9a-f]{{{TOKEN_HEX}}}\]")


def _blank_tokens(view: str) -> str:
    """Return `view` with the tokens already in it blanked (hex digits of a token are no phone number)."""
    for match in _TOKEN.finditer(view):
        view = view[: match.start()] + "x" * (match.end() - match.start()) + view[match.end() :]
    return view


def _find_emails(view: str, found: list[tuple[int, int, str]], key: bytes | None) -> str:
    """Add every written address of `view` to `found` (also with spaces around `@` and `.`, or an IP
    literal domain); return the view with them blanked (letters, so no digit run spans an address)."""
    for pattern in (EMAIL_PATTERN, SPACED_EMAIL_PATTERN):
        for match in pattern.finditer(view):
            email = re.sub(r"\s", "", match.group(0)).lower()
            found.append((match.start(), match.end(), EMAIL_MASK if key is None else _keyed_token("email", email, key)))
            view = view[: match.start()] + "x" * (match.end() - match.start()) + view[match.end() :]
    return view


def _o_as_zero(match: re.Match[str]) -> str:
    run = match.group(0)
    if sum(c.isdigit() for c in run) < 5 or not any(c in "Oo" for c in run):
        return run
    return run.replace("O", "0").replace("o", "0")


@lru_cache(maxsize=65536)
def _mask_cached(text: str, key: bytes | None, region: str) -> str:
    view, starts, ends = normalised_view(text)
    found: list[tuple[int, int, str]] = []  # (start, end) in the view, and the replacement
    view = _blank_tokens(view) if "[" in view else view
    if "@" in view:
        view = _find_emails(view, found, key)
    if _SPELLED_HINT.search(view):
        view = _find_spelled(view, found, key)
    if "o" in view.lower() and _DIGIT_RUN.search(view):
        view = _O_RUN.sub(_o_as_zero, view)
    if _DIGIT_RUN.search(view):
        for match in _MYKAD.finditer(view):
            digits = re.sub(r"\D", "", match.group(0))
            found.append((match.start(), match.end(), IC_MASK if key is None else _keyed_token("ic", digits, key)))
            view = view[: match.start()] + "x" * (match.end() - match.start()) + view[match.end() :]
        for start, end, e164 in _phone_spans(view, region):
            found.append((start, end, PHONE_MASK if key is None else _keyed_token("phone", e164, key)))
    if not found:
        return text
    for start, end, token in sorted(found, reverse=True):
        if starts is not None and ends is not None:
            start, end = starts[start], ends[end - 1]
        text = text[:start] + token + text[end:]
    return text


def _might_hold_pii(text: str) -> bool:
    return (
        any(at in text for at in _AT_SIGNS)
        or _DIGIT_RUN.search(text) is not None
        or _SPELLED_HINT.search(text) is not None
    )


def mask_pii(text: str, key: bytes | None = None, region: str = DEFAULT_REGION) -> str:
    """Return `text` with every e-mail address and phone number replaced (by a marker, or a keyed token)."""
    if not text or not isinstance(text, str):
        return text
    if not _might_hold_pii(text) or _BARE_DIGITS.fullmatch(text):
        return text  # the common case (no @, no phone-long digit run, an id or a count), uncached
    return _mask_cached(text, key, region)


def mask_id(value: str, key: bytes | None) -> str | None:
    """The one rule for an id from the data (a creator id, a username): masked like any text, by `mask_pii`.

    An id that is, or holds, an e-mail address, a phone number (a digit-only username such as
    `0127712468` reads as a Malaysian mobile number) or an IC number becomes its keyed token,
    `[phone:…]`: the same id gives the same token in every command under the same key, so a
    `payouts` file's ids match what `finance` reads from the payees file. Without the key such
    an id cannot be masked apart from another person's (every one would be `[phone hidden]`):
    None is returned and the caller refuses the row. Ids that are not personal data (`alice`,
    `123456789`, `C-1001`) are returned as they are.
    """
    masked = mask_pii(value, key)
    if masked != value and key is None:
        return None
    return masked


def contains_pii(text: str) -> bool:
    """Return whether `text` holds an e-mail address or a phone number."""
    return isinstance(text, str) and mask_pii(text) != text


def mask_value(value: Any, key: bytes | None = None) -> Any:
    """Mask every string inside `value` (dicts, lists, tuples; keys too), keeping the structure."""
    if isinstance(value, str):
        return mask_pii(value, key)
    if isinstance(value, Mapping):
        return {mask_pii(str(k), key): mask_value(v, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v, key) for v in value]
    if isinstance(value, BaseException):
        return mask_pii(str(value), key)
    return value


def mask_message(message: object) -> str:
    """Return an error or log message as text, one line at a time masked."""
    return mask_pii(str(message))


def string_rows_matching(column: pa.Array | pa.ChunkedArray, pattern: str, *, unless: str) -> Any:
    """Return a boolean mask of the string cells matching `pattern` but not `unless` (None: no cell, or no text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        return None
    rows = pc.fill_null(
        pc.and_(pc.match_substring_regex(column, pattern), pc.invert(pc.match_substring_regex(column, unless))),
        False,
    )
    return rows if pc.any(rows).as_py() else None


def mask_array(column: pa.Array | pa.ChunkedArray, key: bytes | None = None) -> pa.Array | pa.ChunkedArray:
    """Mask a string column: only the distinct values that might hold PII go through `mask_pii`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    candidates = string_rows_matching(column, _ARROW_CANDIDATE, unless=_ARROW_BARE_DIGITS)
    if candidates is None:
        return column
    uniques = pc.unique(pc.filter(column, candidates))
    values = uniques.to_pylist()
    masked = [mask_pii(v, key) for v in values]
    if masked == values:
        return column
    replacement = pc.take(pa.array(masked, column.type), pc.index_in(column, uniques))
    return pc.if_else(candidates, replacement, column)


__all__ = [
    "EMAIL_MASK",
    "EMAIL_PATTERN",
    "IC_MASK",
    "PHONE_MASK",
    "SPELLED_EMAIL_PATTERN",
    "contains_pii",
    "keyed_hash",
    "mask_array",
    "mask_id",
    "mask_message",
    "mask_pii",
    "string_rows_matching",
    "mask_value",
    "normalise",
    "normalised_view",
]
