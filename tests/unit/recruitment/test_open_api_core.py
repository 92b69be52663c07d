"""Open API signing (a vector computed with openssl), token bucket, Retry-After and JSON mapping."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from creator_ops.core.open_api import (
    ApiRecordError,
    TokenBucket,
    amount_to_sen,
    canonical_string,
    creator_landing_row,
    map_creator,
    normalize_creator_id,
    retry_after_seconds,
    sign,
)

PATH = "/affiliate_seller/202406/marketplace_creators/search"
PARAMS = {
    "timestamp": "1700000000",
    "shop_id": "7",
    "app_key": "ak",
    "page_size": 50,
    "sign": "ignored",
    "access_token": "ignored-too",
}


def test_canonical_string_sorts_params_and_skips_sign_and_token():
    assert canonical_string("s3cr3t", PATH, PARAMS, b'{"a":1}') == (
        b"s3cr3t/affiliate_seller/202406/marketplace_creators/search"
        b'app_keyakpage_size50shop_id7timestamp1700000000{"a":1}s3cr3t'
    )


def test_signature_matches_an_independently_computed_vector():
    # printf '%s' '<canonical string above>' | openssl dgst -sha256 -hmac 's3cr3t'
    assert sign("s3cr3t", PATH, PARAMS, b'{"a":1}') == (
        "ff3975b634f0e0d3ba66e069a8d55c3b1d32313ec43dd01a59b34703a09c218d"
    )


def test_signature_changes_with_any_signed_part():
    base = sign("s3cr3t", PATH, PARAMS, b'{"a":1}')
    assert sign("s3cr3t", PATH, {**PARAMS, "page_size": 51}, b'{"a":1}') != base
    assert sign("s3cr3t", PATH, PARAMS, b'{"a":2}') != base
    assert sign("s3cr3t", PATH + "x", PARAMS, b'{"a":1}') != base
    assert sign("other", PATH, PARAMS, b'{"a":1}') != base
    assert sign("s3cr3t", PATH, {**PARAMS, "access_token": "changed"}, b'{"a":1}') == base


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_spaces_requests_at_the_rate():
    fake = FakeTime()
    bucket = TokenBucket(50, capacity=1, clock=fake.clock, sleep=fake.sleep)
    for _ in range(101):
        bucket.acquire()
    assert fake.now == pytest.approx(100 / 50)  # the first token is there, the next 100 cost 20 ms each


def test_token_bucket_allows_a_burst_then_the_rate():
    fake = FakeTime()
    bucket = TokenBucket(10, capacity=5, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        assert bucket.acquire() == 0
    assert bucket.acquire() == pytest.approx(0.1)
    fake.now += 10  # idle: the bucket refills only up to its capacity
    for _ in range(5):
        assert bucket.acquire() == 0
    assert bucket.acquire() > 0


def test_retry_after_seconds_and_dates():
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("0.25") == 0.25
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC).timestamp()
    assert retry_after_seconds("Wed, 25 Nov 2026 12:00:03 GMT", now=now) == 3.0
    assert retry_after_seconds("Wed, 25 Nov 2026 11:00:00 GMT", now=now) == 0.0


@pytest.mark.parametrize(
    ("value", "sen"),
    [
        ("12.30", 1230),
        ("1,234.5", 123450),
        (Decimal("0.01"), 1),
        (7, 700),
        ({"amount": "99.99", "currency": "MYR"}, 9999),
        ("0", 0),
    ],
)
def test_amount_to_sen_is_exact(value, sen):
    assert amount_to_sen(value, field="gmv") == sen


@pytest.mark.parametrize(
    "value", ["0.001", "-1.00", "abc", None, 1.5, {"amount": "1.00", "currency": "SGD"}, "NaN"]
)
def test_amount_to_sen_refuses_what_is_not_exact_myr(value):
    with pytest.raises(ApiRecordError):
        amount_to_sen(value, field="gmv")


def test_json_numbers_parsed_as_decimal_stay_exact():
    record = json.loads('{"amount": 0.1}', parse_float=Decimal)
    assert amount_to_sen(record, field="gmv") == 10


CREATOR = {
    "username": " @Siti.Cantik ",
    "nickname": "Siti Cantik 💄",
    "follower_count": 12300,
    "categories": [{"id": "601", "name": "Beauty"}],
    "region_state": "Selangor",
    "gmv_30d": {"amount": "1234.56", "currency": "MYR"},
    "avg_video_views_30d": "4500",
}


def test_map_creator_to_canonical_columns():
    assert map_creator(CREATOR) == {
        "creator_id": "siti.cantik",
        "handle": "Siti Cantik 💄",
        "followers": 12300,
        "category": "Beauty",
        "state": "Selangor",
        "gmv_30d_sen": 123456,
        "avg_views_30d": 4500,
    }
    assert normalize_creator_id("@@x") == "@x"


def test_creator_landing_row_formats_money_and_keeps_unmappable_rows_raw():
    assert creator_landing_row(CREATOR)["gmv_30d_myr"] == "1234.56"
    broken = {**CREATOR, "gmv_30d": {"amount": "12.345", "currency": "MYR"}}
    with pytest.raises(ApiRecordError, match="whole number of sen"):
        map_creator(broken)
    row = creator_landing_row(broken)
    assert row["gmv_30d_myr"] == "12.345" and row["creator_id"] == " @Siti.Cantik "
    assert creator_landing_row({"nickname": "no id"})["creator_id"] == ""


