"""Each suite passes on clean demo data and fails on data broken the way it guards against."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from creator_ops.core.masking import EMAIL_MASK, PHONE_MASK, mask_pii
from creator_ops.core.quality import (
    DATASETS,
    FILE_SUITE,
    suite_parameters,
    suite_path,
    validate_batch,
)
from creator_ops.stand_ins.data import generate

CLEAN_FILE = {"status": "accepted", "rows_in": 1000, "rows_quarantined": 3}


@pytest.fixture(scope="module")
def demo(demo_spec):
    return generate(demo_spec, creators=300, seed=4)


@pytest.mark.parametrize("dataset", DATASETS)
def test_suite_passes_on_clean_demo_data(demo, demo_spec, dataset):
    report = validate_batch(dataset, demo.accepted(dataset), demo_spec, file_stats=CLEAN_FILE)
    assert report.passed, report.to_dict()["failed"]
    assert report.evaluated >= 5 and report.rows == len(demo.accepted(dataset))


def _set(frame: pd.DataFrame, column: str, value, row: int = 3) -> pd.DataFrame:
    frame = frame.copy()
    frame[column] = frame[column].astype(object)
    frame.at[row, column] = value
    return frame


def _broken_cases():
    far = pd.Timestamp("2026-06-01T00:00:00Z")
    return [
        ("orders", lambda f: _set(f, "gmv_sen", -500), "gmv_plausible"),
        (
            "orders",
            lambda f: _set(f, "gmv_sen", 100_000 * 100 + 1),
            "gmv_plausible",
        ),  # above max_gmv_per_line
        ("orders", lambda f: _set(f, "status", "shipped?"), "status_known"),
        ("orders", lambda f: _set(f, "order_time", far), "order_time_near_event"),
        ("orders", lambda f: _set(f, "order_id", None), "order_id_present"),
        ("orders", lambda f: _set(f, "creator_id", "@Aisyah.Glow "), "creator_id_normalized"),
        (
            "orders",
            lambda f: pd.concat([f, f.dropna(subset=["updated_at"]).head(3)], ignore_index=True),
            "no_exact_resends",
        ),
        ("orders", lambda f: _swap_times(f), "updated_after_created"),
        ("orders", lambda f: f.head(0), "batch_not_empty"),
        ("enrollments", lambda f: _set(f, "registered_at", far), "registered_after_recruitment_opens"),
        ("enrollments", lambda f: _set(f, "creator_id", None), "creator_id_present"),
        ("enrollments", lambda f: pd.concat([f, f.head(2)], ignore_index=True), "no_repeated_rows"),
        ("creators", lambda f: pd.concat([f, f.head(1)], ignore_index=True), "creator_id_unique"),
        ("creators", lambda f: _set(f, "followers", 12_000_000_000), "followers_plausible"),
        ("creators", lambda f: _set(f, "gmv_30d_sen", -1), "gmv_30d_plausible"),
        ("creators", lambda f: _set(f, "email_hash", "siti.aminah@gmail.com"), "email_hashed"),
        ("creators", lambda f: _set(f, "phone_hash", "+60123456789"), "phone_hashed"),
        ("creators", lambda f: f.assign(state="Bangkok"), "state_is_malaysian"),
        ("surveys", lambda f: _set(f, "answer", "call me at +60 12-345 6789"), "no_phone_in_answers"),
        ("surveys", lambda f: _set(f, "answer", "email siti.aminah@gmail.com"), "no_email_in_answers"),
        ("surveys", lambda f: _set(f, "submitted_at", far), "submitted_while_surveys_open"),
        ("surveys", lambda f: f.assign(language="fr"), "language_supported"),
        ("exclusions", lambda f: pd.concat([f, f.head(1)], ignore_index=True), "creator_id_unique"),
        ("exclusions", lambda f: _set(f, "reason", None, row=0), "reason_present"),
        ("orders", lambda f: _set(f, "content_type", "live "), "content_type_clean"),
        ("orders", lambda f: _set(f, "commission_sen", 100_000 * 100 + 1), "commission_plausible"),
        ("products", lambda f: pd.concat([f, f.head(1)], ignore_index=True), "product_id_unique"),
        ("products", lambda f: _set(f, "priority", 4), "priority_known"),
        ("products", lambda f: _set(f, "price_sen", -1), "price_plausible"),
        ("products", lambda f: _set(f, "sample_quota", -1), "sample_quota_non_negative"),
        ("products", lambda f: f.assign(category=None), "category_present"),
        ("invitations", lambda f: _set(f, "invited_at", far), "invited_during_campaign"),
        ("invitations", lambda f: _set(f, "creator_id", "@Farah "), "creator_id_normalized"),
        ("invitations", lambda f: f.assign(account_manager=None), "account_manager_present"),
        ("invitations", lambda f: _set(f, "email_hash", "farah@gmail.com"), "email_hashed"),
        ("samples", lambda f: _set(f, "status", "LOST_IN_TRANSIT"), "status_known"),
        ("samples", lambda f: _set(f, "requested_at", far), "requested_during_campaign"),
        ("samples", lambda f: _set(f, "sample_id", None), "sample_id_present"),
        ("samples", lambda f: _ship_before_request(f), "shipped_after_requested"),
        ("content", lambda f: pd.concat([f, f.head(1)], ignore_index=True), "content_id_unique"),
        ("content", lambda f: _set(f, "posted_at", far), "posted_during_campaign"),
        ("content", lambda f: _set(f, "views", -3), "views_non_negative"),
        ("content", lambda f: _set(f, "content_type", "Live"), "content_type_clean"),
    ]


def _ship_before_request(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    row = frame.index[frame["shipped_at"].notna()][0]
    frame.at[row, "shipped_at"] = frame.at[row, "requested_at"] - pd.Timedelta(hours=1)
    return frame


def _swap_times(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    row = frame.index[frame["updated_at"].notna()][0]
    frame.at[row, "updated_at"] = frame.at[row, "order_time"] - pd.Timedelta(days=1)
    return frame


@pytest.mark.parametrize(("dataset", "breaker", "expected"), _broken_cases())
def test_suite_fails_on_data_broken_the_way_it_guards_against(demo, demo_spec, dataset, breaker, expected):
    report = validate_batch(dataset, breaker(demo.accepted(dataset)), demo_spec, file_stats=CLEAN_FILE)
    assert not report.passed
    assert expected in report.failed_names
    assert len(report.failed_names) <= 3, report.failed_names  # the check is specific, not everything breaks


def test_quarantine_share_above_spec_threshold_fails(demo, demo_spec):
    too_many = {"status": "accepted", "rows_in": 100, "rows_quarantined": 6}  # 6% > 5% of the spec
    report = validate_batch("orders", demo.accepted("orders"), demo_spec, file_stats=too_many)
    assert report.failed_names == ["quarantine_share_below_threshold"]
    rejected = validate_batch(
        "exclusions", demo.accepted("exclusions").head(0), demo_spec, file_stats={"status": "rejected"}
    )
    assert report.to_dict()["parameters"]["max_quarantine_share"] == 0.05
    assert rejected.failed_names == ["file_readable"]


def test_report_is_json_with_masked_personal_data(demo, demo_spec):
    frame = _set(demo.accepted("surveys"), "answer", "WhatsApp +60 12-345 6789 or siti.aminah@gmail.com")
    body = validate_batch("surveys", frame, demo_spec).to_dict()
    text = json.dumps(body, ensure_ascii=False)
    assert "siti.aminah@gmail.com" not in text and "345 6789" not in text
    assert EMAIL_MASK in text and PHONE_MASK in text
    failure = next(f for f in body["failed"] if f["name"] == "no_email_in_answers")
    assert failure["unexpected_count"] == 1 and failure["why"]
    assert body["sample"] and body["sample"][0]["creator_id"] == frame.at[3, "creator_id"]


def test_masking_leaves_ids_and_times_alone():
    assert (
        mask_pii("order 577000000001506789 at 2026-12-11T16:04:14")
        == "order 577000000001506789 at 2026-12-11T16:04:14"
    )
    assert mask_pii("0123456789") == PHONE_MASK


def test_parameters_follow_the_spec_and_suites_stay_static(demo_spec):
    params = suite_parameters(demo_spec)
    margin = pd.Timedelta(days=demo_spec.quality.margin_days)
    assert pd.Timestamp(params["order_window_start"]) == pd.Timestamp(demo_spec.timeline.event_start) - margin
    assert params["max_gmv_per_line_sen"] == int(demo_spec.quality.max_gmv_per_line_myr * 100)
    for name in (*DATASETS, FILE_SUITE):
        text = suite_path(name).read_text(encoding="utf-8")
        assert "2026" not in text  # campaign values come in as parameters, never baked into the file
        body = json.loads(text)
        names = [e["meta"]["name"] for e in body["expectations"]]
        assert body["name"] == name and all(names)
        assert len(set(names)) == len(names), name  # failed expectations are re-run by name
