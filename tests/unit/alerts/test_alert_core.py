"""Alert keys, PII masking, sandboxed rendering and backoff (no database, no Airflow)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.exceptions import SecurityError

from creator_ops.core.alerts import (
    BACKOFF_CAP,
    EMAIL,
    SLACK,
    Alert,
    Fact,
    alert_key,
    backoff,
    mask_pii,
    render_alert,
    template_environment,
)


@pytest.mark.parametrize(
    "text",
    [
        "contact siti.aminah@gmail.com now",
        "mail: ALI_B+promo@shop.example.com.my",
        "call 012-345 6789",
        "call 0123456789",
        "call +60 12-345 6789",
        "call +60123456789",
        "office 03-2345 6789",
        "whatsapp 6011-2345 6789",
        "SG +65 9123 4567",
    ],
)
def test_mask_pii_hides_emails_and_phones(text):
    masked = mask_pii(text)
    assert "@" not in masked.replace("[email hidden]", "")
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert len(digits) < 7, masked
    assert "[email hidden]" in masked or "[phone hidden]" in masked


@pytest.mark.parametrize(
    "text",
    [
        "scheduled__2026-12-09T16:00:00+00:00",
        "RM 5,000,000.00 of 12,345 creators",
        "hash 8b84c0c5f3ff86cafebd2896e77b43a1",
        "Wed 09 Dec 2026 23:59 (Asia/Kuala_Lumpur)",
        "order 250123456789012 line 3",
    ],
)
def test_mask_pii_keeps_ordinary_text(text):
    assert mask_pii(text) == text


def test_alert_key_is_deterministic_and_normalizes_fractions():
    assert alert_key("milestone", "c1", "gmv_myr", Decimal("0.50")) == "milestone:c1:gmv_myr:0.5"
    assert alert_key("milestone", "c1", "gmv_myr", Decimal("1.0")) == "milestone:c1:gmv_myr:1"
    moment = dt.datetime(2026, 12, 12, 8, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert alert_key("x", "c", moment) == "x:c:20261212T000000Z"


def test_long_alert_keys_fold_into_a_hash_within_200_chars():
    a = alert_key("task_failed", "c", "run" * 100, "task")
    b = alert_key("task_failed", "c", "run" * 100, "task2")
    assert len(a) <= 200 and len(b) <= 200 and a != b
    assert a == alert_key("task_failed", "c", "run" * 100, "task")


def test_backoff_grows_and_is_capped():
    waits = [backoff(n, "k") for n in range(1, 12)]
    assert waits[0] >= dt.timedelta(seconds=60)
    assert all(b >= a for a, b in zip(waits, waits[1:], strict=False))
    assert waits[-1] == BACKOFF_CAP
    assert backoff(3, "k") == backoff(3, "k")


def _alert(**overrides):
    base = dict(
        key="task_failed:c1:run:task:1",
        campaign_id="c1",
        kind="task_failed",
        severity="critical",
        data={"dag_id": "campaign__c1", "task_id": "orders.ingest", "run_id": "manual__1", "try_number": 2,
              "error": "ValueError: row of nur@example.my <script>alert(1)</script>"},
        facts=(Fact("Owner phone", "012-987 6543"),),
        link="http://localhost:8080/dags/campaign__c1/runs/manual__1/tasks/orders.ingest?try_number=2",
        sample_rows=({"creator_id": "@Nur", "email": "nur@example.my", "phone": "+60 12 987 6543"},),
    )
    base.update(overrides)
    return Alert(**base)


def test_slack_payload_is_block_kit_json_with_link_and_masked_pii():
    message = render_alert(_alert(), SLACK, campaign_name="12.12 Sale & <Friends>")
    payload = message.payload
    assert payload["blocks"][0]["type"] == "header"
    assert "Task orders.ingest failed" in payload["blocks"][0]["text"]["text"]
    dumped = json.dumps(payload)
    assert "nur@example.my" not in dumped and "987" not in dumped
    assert "&lt;script&gt;" in payload["blocks"][1]["text"]["text"]  # mrkdwn control chars escaped
    buttons = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert buttons[0]["elements"][0]["url"].endswith("try_number=2")
    assert payload["text"].startswith("12.12 Sale & <Friends>: Task orders.ingest failed")


def test_email_has_escaped_html_plain_text_and_subject():
    message = render_alert(_alert(), EMAIL, campaign_name="12.12 Sale & <Friends>")
    assert message.subject == "[CRITICAL] 12.12 Sale & <Friends>: Task orders.ingest failed"
    html, text = message.payload["html"], message.payload["text"]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "12.12 Sale &amp; &lt;Friends&gt;" in html
    assert "<script>alert(1)</script>" in text  # plain text stays literal
    assert "try_number=2" in html and "try_number=2" in text
    for body in (html, text, message.subject):
        assert "nur@example.my" not in body and "987" not in body


def test_templates_render_sandboxed():
    env = template_environment()
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()


pii = st.one_of(
    st.from_regex(r"[a-z]{2,8}\.[a-z]{2,8}@(gmail|yahoo|example)\.(com|my)", fullmatch=True),
    st.from_regex(r"01[0-9]-[0-9]{3} [0-9]{4}", fullmatch=True),
    st.from_regex(r"\+601[0-9][0-9]{7,8}", fullmatch=True),
)


@settings(max_examples=60, deadline=None)
@given(secret=pii, words=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
                                 max_size=30))
def test_no_pii_survives_rendering(secret, words):
    alert = _alert(
        data={"dag_id": "d", "task_id": "t", "run_id": "r", "try_number": 1, "error": f"{words} {secret} {words}"},
        facts=(Fact("who", secret),),
        sample_rows=({"contact": secret, "note": words},),
    )
    for channel in (SLACK, EMAIL):
        message = render_alert(alert, channel, campaign_name="Raya")
        assert secret not in json.dumps(message.payload, ensure_ascii=False)
        assert secret not in message.subject


def test_quality_report_dict_renders_failed_expectations_and_masked_sample():
    from creator_ops.core.problems import quality_failed_alert
    from creator_ops.core.quality import FailedExpectation, QualityReport
    from creator_ops.core.spec import parse_spec

    spec = parse_spec({"id": "c1", "name": "Raya", "type": "scd", "timeline": {"event_start": dt.date(2027, 3, 3)}})
    report = QualityReport(
        suite="orders", dataset="orders", passed=False, rows=100, evaluated=6,
        failed=[FailedExpectation(name="gmv_myr not negative", expectation_type="expect_column_values_to_be_between",
                                  why="GMV below zero", kwargs={"column": "gmv_myr"}, unexpected_count=2)],
        sample=[{"order_id": "o1", "gmv_myr": "-5.00", "buyer_email": "aminah@example.com"}],
    )
    alert = quality_failed_alert(spec, report.to_dict(), run_id="r1", result_id=7)
    assert alert.key == "quality_failed:c1:r1:orders:orders:7"
    message = render_alert(alert, EMAIL, campaign_name=spec.name)
    assert "Suite orders failed 1 of 6 expectations" in message.payload["text"]
    assert "gmv_myr not negative (2 unexpected): GMV below zero" in message.payload["text"]
    assert "-5.00" in message.payload["html"] and "aminah@example.com" not in message.payload["html"]
