"""The demo generator: deterministic per seed, realistic in shape, messy only when asked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pytest

from creator_ops.stand_ins.data import (
    AFFILIATE_STATUS,
    DATASETS,
    MY_STATES,
    ORDER_STATUSES,
    generate,
    generate_orders,
    land_slice,
    write_dataset,
)


@pytest.fixture(scope="module")
def demo(demo_spec):
    return generate(demo_spec, creators=600, seed=11)


def test_same_seed_same_data_other_seed_other_data(demo, demo_spec):
    again = generate(demo_spec, creators=600, seed=11)
    other = generate(demo_spec, creators=600, seed=12)
    for name in DATASETS:
        pd.testing.assert_frame_equal(demo.frame(name), again.frame(name))
    assert not demo.orders["order_id"].equals(other.orders["order_id"])
    assert not demo.creators["creator_id"].equals(other.creators["creator_id"])


def test_creators_are_malaysian_heavy_tailed_and_carry_personal_data(demo):
    c = demo.creators
    assert c["creator_id"].is_unique
    assert (c["creator_id"] == c["handle"].str.lower()).all()
    assert set(c["state"]) <= set(MY_STATES)
    assert c["state"].value_counts().index[0] == "Selangor"
    assert c["state"].nunique() >= 10
    followers = c["followers"].to_numpy()
    assert followers.max() / np.median(followers) > 50  # a few mega creators
    top_decile = np.sort(followers)[-len(followers) // 10 :].sum() / followers.sum()
    assert top_decile > 0.5
    assert (c["gmv_30d_sen"] == 0).mean() == pytest.approx(0.2, abs=0.06)
    assert c["email"].str.fullmatch(r"[a-z0-9_]+@[a-z.]+").all()
    for phone in c["phone"]:
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone, "MY")), phone


def test_enrollments_spread_over_recruitment_with_late_and_repeated(demo, demo_spec):
    e = demo.enrollments
    t = demo_spec.timeline
    opens, closes = pd.Timestamp(t.recruitment_opens), pd.Timestamp(t.registration_closes)
    assert (e["registered_at"] >= opens).all()
    late = (e["registered_at"] > closes).mean()
    assert 0.01 < late < 0.1
    assert e["creator_id"].duplicated().sum() > 0  # some creators enrolled twice
    assert 0.15 < e.drop_duplicates("creator_id")["is_new_creator"].mean() < 0.35
    assert set(e["creator_id"]) <= set(demo.creators["creator_id"])


def test_surveys_are_answered_in_four_languages(demo):
    s = demo.surveys
    assert set(s["survey_id"]) == {"pre_event", "post_event"}
    assert set(s["language"].dropna()) == {"ms", "en", "zh", "ta"}
    text = " ".join(s["answer"])
    assert re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[\u0b80-\u0bff]", text)
    assert not s.duplicated(["creator_id", "submitted_at", "question"]).any()


def test_orders_cover_the_event_with_duplicates_defects_and_a_few_strays(demo, demo_spec):
    o = demo.orders
    start, end = pd.Timestamp(demo_spec.timeline.event_start), pd.Timestamp(demo_spec.timeline.event_end)
    inside = o["order_time"].between(start, end, inclusive="left")
    assert 0.002 < 1 - inside.mean() < 0.03  # a few just outside the window
    assert (o["order_time"] > start - pd.Timedelta(hours=6)).all()
    assert set(o["status"]) == set(ORDER_STATUSES)
    keyed = o.dropna(subset=["order_id", "line_id"])
    dup = keyed[keyed.duplicated(["order_id", "line_id"], keep=False)]
    assert len(dup) > 0 and dup["updated_at"].notna().any()
    assert (o["gmv_sen"] < 0).sum() > 0 and o["order_id"].isna().sum() + o["creator_id"].isna().sum() > 0
    gmv = o[o["gmv_sen"] > 0].groupby("creator_id")["gmv_sen"].sum().sort_values(ascending=False)
    assert gmv.iloc[: max(1, len(gmv) // 10)].sum() / gmv.sum() > 0.4  # heavy-tailed sellers
    assert o["order_id"].dropna().str.fullmatch(r"\d{18}").all()


def test_defects_off_gives_only_acceptable_rows(demo_spec):
    clean = generate(demo_spec, creators=100, seed=3, defects=False).orders
    assert (clean["gmv_sen"] >= 0).all()
    assert clean[["order_id", "line_id", "creator_id"]].notna().all().all()


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-16", "utf-8-sig", "cp1252"):
        try:
            if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("undecodable")


def test_clean_files_are_plain_utf8_csv_with_iso_times(demo, tmp_path):
    for name in DATASETS:
        path = write_dataset(demo.frame(name), tmp_path / f"{name}.csv", seed=1)
        raw = path.read_bytes()
        assert not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe"))
        text = raw.decode("utf-8")
        assert "RM" not in text and "@" not in text.split("\n")[1].split(",")[0]
        assert "\t" not in text and ";" not in text.splitlines()[0]
    orders = pd.read_csv(tmp_path / "orders.csv", dtype=str, keep_default_na=False)
    assert list(orders.columns) == [
        "order_id", "line_id", "creator_id", "order_time", "status", "gmv_myr", "updated_at",
        "product_id", "content_type", "commission_myr",
    ]  # fmt: skip
    assert orders["order_time"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00").all()
    assert orders["gmv_myr"].str.fullmatch(r"-?\d+\.\d\d").all()


def test_messy_files_have_every_kind_of_mess(demo, tmp_path):
    seen: dict[str, bool] = {}
    for seed in range(12):
        for name in ("creators", "orders", "exclusions", "enrollments"):
            path = write_dataset(demo.frame(name), tmp_path / f"{name}_{seed}.csv", mess=True, seed=seed)
            raw = path.read_bytes()
            seen["bom"] = seen.get("bom") or raw.startswith(b"\xef\xbb\xbf")
            seen["utf16"] = seen.get("utf16") or raw.startswith(b"\xff\xfe")
            text = _read_text(path)
            header = text.splitlines()[0]
            seen["semicolon"] = seen.get("semicolon") or ";" in header
            seen["tab"] = seen.get("tab") or "\t" in header
            seen["cp1252"] = seen.get("cp1252") or b"\x92" in raw  # Windows-1252 right quote
            seen["rm"] = seen.get("rm") or bool(re.search(r"RM\d{1,3}(,\d{3})*\.\d\d", text))
            seen["thousands"] = seen.get("thousands") or bool(re.search(r"[;\t]\d{1,3},\d{3}\.\d\d", text))
            seen["followers_k"] = seen.get("followers_k") or bool(re.search(r"\d+(\.\d)?K", text))
            seen["at_id"] = seen.get("at_id") or bool(re.search(r"(^|[,;\t]) ?@[A-Za-z]", text, re.M))
            seen["upper_id"] = seen.get("upper_id") or bool(re.search(r"(^|[,;\t])@?[A-Z]{4,}", text, re.M))
            seen["day_first"] = seen.get("day_first") or bool(re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text))
            seen["naive_iso"] = seen.get("naive_iso") or bool(re.search(r"\d\dT\d\d:\d\d:\d\d[,;\t\r]", text))
            seen["space_iso"] = seen.get("space_iso") or bool(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text))
            seen["affiliate"] = seen.get("affiliate") or "Fully returned or refunded" in header
            seen["local_phone"] = seen.get("local_phone") or bool(re.search(r"01\d-\d{3,4} \d{4}", text))
    missing = [k for k, v in seen.items() if not v]
    assert not missing, f"mess never produced: {missing}"


def test_affiliate_export_uses_the_centers_columns_and_statuses(demo, tmp_path):
    path = write_dataset(demo.orders, tmp_path / "aff.csv", affiliate_export=True, mess=False, seed=0)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns) == [
        "Order ID", "SKU ID", "Creator Username", "Time Created", "Order Status", "Payment Amount",
        "Fully returned or refunded", "Product ID", "Content Type", "Actual Commission",
    ]  # fmt: skip
    assert set(frame["Order Status"]) <= set(AFFILIATE_STATUS.values())
    returned = demo.orders["status"].eq("returned").to_numpy()
    assert (frame.loc[returned, "Fully returned or refunded"] == "Yes").all()
    assert (frame.loc[~returned, "Fully returned or refunded"] == "No").all()


@pytest.mark.parametrize("fmt", ["xlsx", "jsonl", "parquet"])
@pytest.mark.parametrize("mess", [False, True])
def test_other_formats_round_trip_row_counts(demo, tmp_path, fmt, mess):
    path = write_dataset(demo.orders, tmp_path / f"o.{fmt}", fmt=fmt, mess=mess, seed=5)
    reader = {"xlsx": pd.read_excel, "jsonl": lambda p: pd.read_json(p, lines=True), "parquet": pd.read_parquet}[fmt]
    assert len(reader(path)) == len(demo.orders)


def test_land_slice_drops_one_runs_rows_under_the_landing_root(demo, tmp_path, demo_spec):
    start = demo_spec.timeline.event_start
    path = land_slice(demo, "orders", start, start + dt.timedelta(hours=1), root=tmp_path)
    assert path is not None and Path(path).parent == tmp_path / demo_spec.id / "orders"
    landed = pd.read_csv(path, dtype=str, keep_default_na=False)
    hour = (pd.Timestamp(start), pd.Timestamp(start + dt.timedelta(hours=1)))
    key = demo.orders["updated_at"].fillna(demo.orders["order_time"])
    changed = key.between(*hour, inclusive="left")
    # and, as pending, the lines placed in the hour whose status changes only later (once per line)
    placed = demo.orders["order_time"].between(*hour, inclusive="left") & (key >= hour[1])
    pending = demo.orders.loc[placed].drop_duplicates(["order_id", "line_id"])
    assert len(landed) == changed.sum() + len(pending) and len(pending) > 0 and changed.sum() > 0
    assert (landed["status"].str.lower() == "pending").sum() >= len(pending)
    far = demo_spec.timeline.payout_date + dt.timedelta(days=90)
    assert land_slice(demo, "orders", far, far + dt.timedelta(hours=1), root=tmp_path) is None
    assert land_slice(demo, "exclusions", start, start, root=tmp_path) is not None  # no timestamp: whole


def test_generate_orders_scales_vectorized(demo_spec):
    frame = generate_orders(demo_spec, 200_000, seed=1)
    assert 200_000 <= len(frame) <= 210_000  # plus re-sent duplicates
    assert frame["creator_id"].nunique() > 500


def test_section9_data_has_the_shapes_the_review_needs(demo, demo_spec):
    from creator_ops.core.samples import is_cancelled, is_posted, is_shipped

    products = demo.products
    assert products["product_id"].is_unique and set(products["priority"]) <= {1, 2, 3}
    assert set(demo_spec.recruitment.categories) <= set(products["category"])
    # samples: several rows per sample as the status moves on, and every ending
    last = demo.samples.sort_values("status_changed_at", kind="stable").groupby("sample_id").last()
    assert demo.samples["sample_id"].duplicated().any()
    assert last["status"].map(is_posted).any() and last["status"].map(is_cancelled).any()
    assert (last["status"].map(is_shipped) & ~last["status"].map(is_posted)).any()
    assert last["creator_id"].isin(demo.enrollments["creator_id"]).all()
    # content: videos, LIVE sessions and showcases with views and GMV
    assert set(demo.content["content_type"]) == {"VIDEO", "LIVE", "SHOWCASE"}
    assert (demo.content["views"] > 0).all() and demo.content["content_id"].is_unique
    # orders carry the product, the content type and an exact commission below the GMV
    orders = demo.orders.dropna(subset=["order_id"])
    assert orders["product_id"].isin(products["product_id"]).all()
    assert {"VIDEO", "LIVE", "SHOWCASE", "UNKNOWN"} <= set(orders["content_type"])
    assert (orders["commission_sen"] <= orders["gmv_sen"].abs()).all()
    # invitations: most enrolled creators were invited, and some invited creators never enrolled
    invited = set(demo.invitations["creator_id"])
    enrolled = set(demo.enrollments["creator_id"])
    assert len(enrolled & invited) > 0.7 * len(enrolled) and invited - enrolled


def test_post_event_survey_has_nps_and_csat_and_masked_contacts(demo, demo_spec):
    post = next(s for s in demo_spec.surveys if s.nps_question)
    answers = demo.surveys[demo.surveys["question"] == post.nps_question]["answer"]
    scores = pd.to_numeric(answers, errors="coerce")
    assert scores.between(0, 10).sum() > 0.9 * len(answers) and scores.isna().any()  # a few are no score
    assert (demo.surveys["question"] == post.csat_question).any()
    raw = " ".join(demo.surveys["answer"])
    assert "@gmail.com" in raw and re.search(r"01\d-\d{3} \d{4}", raw)
    accepted = " ".join(demo.accepted("surveys")["answer"])
    assert "@gmail.com" not in accepted and not re.search(r"01\d-\d{3} \d{4}", accepted)
    assert "[email:" in accepted and "[phone:" in accepted
    assert set(demo.surveys["language"].dropna()) == {"ms", "en", "zh", "ta"}
