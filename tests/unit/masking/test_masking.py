"""The one masking function: every format of a Malaysian phone number and every e-mail is hidden; ids, times and money are not."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creator_ops.core.masking import EMAIL_MASK, PHONE_MASK, contains_pii, mask_array, mask_pii, mask_value

KEY = b"unit-test-key"

# Malaysian mobiles as people type them: with/without +60, 60 or 0, any separators.
mobile_digits = st.tuples(st.sampled_from(["10", "11", "12", "13", "14", "16", "17", "18", "19"]),
                          st.from_regex(r"[0-9]{7}", fullmatch=True))
separators = st.sampled_from(["", " ", "-", " - "])
prefixes = st.sampled_from(["0", "+60", "+60 ", "60", "(+60) "])


@st.composite
def my_phones(draw) -> tuple[str, str]:
    """Return (as typed, digits after the country code)."""
    operator, rest = draw(mobile_digits)
    sep1, sep2 = draw(separators), draw(separators)
    prefix = draw(prefixes)
    typed = f"{prefix}{operator}{sep1}{rest[:3]}{sep2}{rest[3:]}"
    return typed, operator + rest


emails = st.from_regex(r"[a-z][a-z0-9._+]{0,12}@[a-z]{2,10}\.(com|my|com\.my|org)", fullmatch=True)
filler = st.text(alphabet=st.sampled_from(list("abc xyz,.;:!?()Saya suka 很好 நன்றி")), max_size=20)


def _no_long_digit_run(text: str) -> bool:
    return len(re.sub(r"\D", "", text)) < 7


@settings(max_examples=80, deadline=None)
@given(phone=my_phones(), before=filler, after=filler)
def test_every_format_of_a_my_mobile_is_hidden(phone, before, after):
    typed, national = phone
    text = f"{before} {typed} {after}"
    masked = mask_pii(text)
    assert PHONE_MASK in masked and _no_long_digit_run(masked.replace(before, "").replace(after, ""))
    # with the key, the same number typed two ways gives the same token; it never shows the number
    token = mask_pii(typed, KEY)
    assert token == mask_pii(f"+60{national}", KEY) and national not in token


@settings(max_examples=60, deadline=None)
@given(email=emails, before=filler, after=filler)
def test_every_email_is_hidden_and_keyed_tokens_tell_people_apart(email, before, after):
    masked = mask_pii(f"{before}{email}{after}" if not before[-1:].isalnum() else f"{before} {email}")
    assert email not in masked and EMAIL_MASK in masked
    assert mask_pii(email, KEY) == mask_pii(email.upper(), KEY)
    assert mask_pii(email, KEY) != mask_pii("x" + email, KEY)


@pytest.mark.parametrize(
    "text",
    [
        "order 577000000001506789 line 3",
        "2026-12-11T16:04:14.123456+08:00",
        "11/12/2026 16:04:14",
        "RM1,234,567.89",
        "1234567.50",
        "12.3K followers, 1.2M views",
        "123456789",  # an id, not a phone number without its prefix
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "scheduled__2026-12-09T16:00:00+00:00",
    ],
)
def test_ids_times_money_and_hashes_stay(text):
    assert mask_pii(text) == text and mask_pii(text, KEY) == text and not contains_pii(text)


@pytest.mark.parametrize(
    "text",
    ["(03) 2161 2345", "03-2161 2345", "+44 20 7946 0958", "siti0123456789", "tel:0123456789", "60123456789"],
)
def test_landlines_foreign_numbers_and_glued_numbers_are_hidden(text):
    assert contains_pii(text) and PHONE_MASK in mask_pii(text)


@pytest.mark.parametrize(
    ("text", "spelled"),
    [
        ("email saya: siti (at) yahoo (dot) com (dot) my ya", "siti@yahoo.com.my"),
        ("aisyah[at]gmail.com ok", "aisyah@gmail.com"),
        ("Aisyah AT Gmail DOT com please", "aisyah@gmail.com"),
        ("reach leaky.fw {at} brand [dot] co [dot] uk", "leaky.fw@brand.co.uk"),
        ("leakyfw <at> hotmail . com", "leakyfw@hotmail.com"),
        ("小明 (at) qq (dot) com 谢谢", "小明@qq.com"),
    ],
)
def test_spelled_out_addresses_are_hidden_and_keyed_as_the_address_they_spell(text, spelled):
    masked = mask_pii(text)
    assert EMAIL_MASK in masked and " at " not in masked.lower() and "(at)" not in masked
    assert spelled.split("@")[0] not in masked.lower()
    token = mask_pii(text, KEY)
    assert mask_pii(spelled, KEY) in token  # the same person as the address typed plainly
    assert mask_array(pa.array([text, "x"]), KEY).to_pylist() == [token, "x"]


@pytest.mark.parametrize(
    "text",
    ["meet at noon dot com", "we met at gmail office", "at gmail.com", "I am at home", "my shop at gmail dot communication",
     "look at this (dot) com", "stay at hotel dot"],
)  # fmt: skip
def test_plain_english_with_at_and_dot_stays(text):
    assert mask_pii(text) == text and mask_pii(text, KEY) == text


def test_mask_value_walks_structures_and_keys():
    value = {"siti@example.com": ["call 012-345 6789", ("ok", 3)], "n": None}
    assert mask_value(value) == {EMAIL_MASK: [f"call {PHONE_MASK}", ["ok", 3]], "n": None}


def test_mask_array_matches_mask_pii_and_skips_ids_fast():
    values = ["012-3456789", None, "siti@example.com", "577000000001506789", "1500000", "hi", "012-3456789"]
    masked = mask_array(pa.array(values), KEY).to_pylist()
    assert masked == [mask_pii(v, KEY) if v else v for v in values]
    ids = pa.array([str(1_500_000 + i) for i in range(50_000)])
    assert mask_array(ids) is ids  # nothing looked like PII: the column comes back untouched


def test_addresses_after_long_runs_of_address_characters_are_still_found():
    """A match starts only where a run of local-part characters starts (what keeps hostile cells linear;
    bench_masking times them): an address after or inside a long run is still found whole."""
    assert mask_pii("a" * 5000 + " siti@example.com") == "a" * 5000 + " " + EMAIL_MASK
    assert mask_pii("x" * 3000 + "@gmail.com") == EMAIL_MASK
    assert mask_pii("-" * 50 + "siti (at) yahoo (dot) com") == EMAIL_MASK
    assert mask_pii("a" * 5000 + "@" + "b." * 2000 + "x") == "a" * 5000 + "@" + "b." * 2000 + "x"  # no address
