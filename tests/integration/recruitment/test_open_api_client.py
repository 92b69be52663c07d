"""The open API client against a loopback fake of the platform: signatures, pages, retries, rate limit."""

from __future__ import annotations

import json
import time

import pytest

from creator_ops.core.open_api import OpenApiClient, OpenApiConfig, OpenApiError, map_creator
from creator_ops.stand_ins.open_api import APP_KEY, APP_SECRET, SHOP_ID, make_creator

pytestmark = pytest.mark.integration


def client_for(platform, **overrides) -> OpenApiClient:
    values = dict(
        base_url=platform.url,
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        shop_id=SHOP_ID,
        timeout=5.0,
        backoff_base=0.05,
    )
    values.update(overrides)
    return OpenApiClient(OpenApiConfig(**values))


def test_pages_are_followed_to_the_end_and_every_record_arrives_once(fake_platform):
    fake_platform.creators = [make_creator(i) for i in range(237)]
    client = client_for(fake_platform)
    records = list(client.search_creators(categories=["beauty"], min_followers=1000, page_size=50))
    assert [r["username"] for r in records] == [f"@Creator{i:04d}" for i in range(237)]
    assert fake_platform.statuses() == [200] * 5  # 50+50+50+50+37
    tokens = [s.params.get("page_token") for s in fake_platform.seen]
    assert tokens == [None, "50", "100", "150", "200"]
    body = json.loads(fake_platform.seen[0].body)
    assert body == {"category_names": ["beauty"], "follower_count_range": {"min": 1000}}
    first = map_creator(records[1])
    assert first["creator_id"] == "creator0001" and first["gmv_30d_sen"] == 12301
    assert first["handle"] == "美妆小铺 1"


def test_429_and_500_are_retried_honouring_retry_after(fake_platform):
    fake_platform.creators = [make_creator(i) for i in range(120)]
    fake_platform.faults = {2: (500, {}), 3: (429, {"Retry-After": "1"}), 5: (503, {})}
    client = client_for(fake_platform)
    records = list(client.search_creators(page_size=40))
    assert len({r["username"] for r in records}) == 120
    assert fake_platform.statuses() == [200, 500, 429, 200, 503, 200]
    assert client.stats.retries == 3 and client.stats.requests == 6
    gap_after_429 = fake_platform.seen[3].at - fake_platform.seen[2].at
    assert gap_after_429 >= 0.95, "Retry-After: 1 was not honoured"
    # every retry is signed afresh and still accepted; the retried page is the one that failed
    assert [s.params.get("page_token") for s in fake_platform.seen] == [None, "40", "40", "40", "80", "80"]


def test_gives_up_after_max_attempts(fake_platform):
    fake_platform.faults = {n: (502, {}) for n in range(1, 10)}
    client = client_for(fake_platform, max_attempts=3)
    with pytest.raises(OpenApiError, match="after 3 attempts: HTTP 502"):
        list(client.search_creators())
    assert fake_platform.statuses() == [502, 502, 502]


def test_a_bad_signature_is_rejected_and_not_retried(fake_platform):
    fake_platform.creators = [make_creator(1)]
    client = client_for(fake_platform, app_secret="wrong-secret")
    with pytest.raises(OpenApiError, match="HTTP 401: invalid signature") as info:
        list(client.search_creators())
    assert info.value.status == 401
    assert fake_platform.statuses() == [401]


def test_120_requests_respect_50_per_second(fake_platform):
    fake_platform.creators = [make_creator(i) for i in range(120)]
    client = client_for(fake_platform)
    started = time.monotonic()
    records = list(client.search_creators(page_size=1))
    elapsed = time.monotonic() - started
    assert len(records) == 120 and len(fake_platform.seen) == 120
    assert elapsed >= 119 / 50 - 0.05, f"120 requests in {elapsed:.2f}s: faster than 50/s"
    arrivals = [s.at for s in fake_platform.seen]
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 51


def test_hook_builds_the_client_from_the_airflow_connection(fake_platform, monkeypatch):
    from creator_ops.airflow.open_api_hook import OpenApiHook

    fake_platform.creators = [make_creator(i) for i in range(3)]
    monkeypatch.setenv(
        "AIRFLOW_CONN_CREATOR_MARKETPLACE_API",
        json.dumps(
            {
                "conn_type": "http",
                "host": fake_platform.url,
                "login": APP_KEY,
                "password": APP_SECRET,
                "extra": {"shop_id": SHOP_ID, "access_token": "tok-123"},
            }
        ),
    )
    assert OpenApiHook.connection_exists()
    assert not OpenApiHook.connection_exists("no_such_connection_here")
    client = OpenApiHook().get_conn()
    assert APP_SECRET not in repr(client.config)
    assert len(list(client.search_creators())) == 3
    assert fake_platform.statuses() == [200]
