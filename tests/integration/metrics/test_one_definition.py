"""One definition of each number: every consumer computes the same enrolled, eligible GMV and trust.

The warehouse (SQLite and PostgreSQL) is loaded through ingestion with the cases that made
the consumers disagree before: a superseded export, re-sent lines with and without
`updated_at`, a negative line (quarantined), a line just outside the event, a late and a
double enrollment, an excluded creator, statuses with stray spaces and upper case, and open
orders that count live but are not yet eligible. Then the Campaigns view, the milestones,
the payout step (its ledger), the review's figures and `warehouse.metrics` are asked, and an
independent reading of SPEC section 5 rules 1-2 in plain Python says what the answer is.
"""

from __future__ import annotations

import datetime as dt

import pytest
from landing_files import write_csv
from repo_paths import DEMO_SPEC as SPEC_PATH
from sqlalchemy import func, select

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import DataNotTrusted, StepContext

SPEC = load_spec(SPEC_PATH)
MYT = dt.timezone(dt.timedelta(hours=8))
AFTER_EVENT = dt.datetime(2026, 12, 14, tzinfo=MYT)
MID_EVENT = dt.datetime(2026, 12, 12, 12, tzinfo=MYT)

ORDER_HEADER = ["order_id", "line_id", "creator_id", "order_time", "status", "gmv_myr", "updated_at"]
# day 1 export, later re-landed under the same name (the first version must not count anywhere)
ORDERS_DAY1_FIRST = [
    ["1001", "1", "aisyah", "2026-12-12 00:30:00", "completed", "999.00", ""],
]
ORDERS_DAY1 = [
    ["1001", "1", "@Aisyah ", "2026-12-12 00:30:00", " Completed ", "100.00", ""],
    ["1002", "1", "aisyah", "2026-12-12 01:00:00", "pending", "50.00", "2026-12-12 01:00:00"],
    ["1003", "1", "farah", "2026-12-12 02:00:00", "delivered", "70.00", "2026-12-12 03:00:00"],
    ["1004", "1", "farah", "2026-12-11 23:59:59", "completed", "500.00", ""],  # before the event
    ["1005", "1", "hafiz", "2026-12-12 03:00:00", "completed", "-20.00", ""],  # negative: quarantined
    ["1006", "1", "late", "2026-12-12 03:00:00", "completed", "40.00", ""],  # enrolled too late
    ["1007", "1", "barred", "2026-12-12 03:00:00", "completed", "60.00", ""],  # excluded
    ["1008", "1", "stranger", "2026-12-12 03:00:00", "completed", "80.00", ""],  # never enrolled
    ["1009", "1", "hafiz", "2026-12-12 13:00:00", "processing", "30.00", ""],  # open: live, not eligible
]
ORDERS_DAY2 = [
    # re-sent versions: every copy of 1002 has updated_at, so the greatest wins (completed)
    ["1002", "1", "aisyah", "2026-12-12 01:00:00", "completed", "55.00", "2026-12-14 09:00:00"],
    # a copy of 1003 without updated_at: the last one in the input wins (cancelled)
    ["1003", "1", "farah", "2026-12-12 02:00:00", "cancelled", "70.00", ""],
    ["1010", "1", "hafiz", "2026-12-12 14:00:00", "SETTLED", "12.34", ""],
    ["1010", "2", "hafiz", "2026-12-12 14:00:00", "returned", "9.00", ""],
]
ENROLLMENTS = [
    ["aisyah", "2026-11-25 10:00:00", "no"],
    ["farah", "2026-11-30 10:00:00", "yes"],
    ["hafiz", "2026-12-01 10:00:00", "no"],
    ["hafiz", "2026-12-10 10:00:00", "yes"],  # twice: the earliest row counts
    ["barred", "2026-11-26 10:00:00", "no"],
    ["late", "2026-12-10 10:00:00", "no"],  # after registration_closes (9 Dec 23:59:59)
]


def _local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=MYT)


def expected_eligible_gmv_sen(order_files: list[list[list[str]]]) -> int:
    """SPEC 5 rules 1-2 read literally, in plain Python, over the current files in landing order."""
    rows = [r for rows in order_files for r in rows if not r[5].startswith("-")]  # rule 1: negatives out
    versions: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
    for position, row in enumerate(rows):
        versions.setdefault((row[0], row[1]), []).append((position, row))
    first_enrollment: dict[str, dt.datetime] = {}
    for creator, registered, _new in ENROLLMENTS:
        first_enrollment[creator] = min(first_enrollment.get(creator, _local(registered)), _local(registered))
    closes, start, end = SPEC.timeline.registration_closes, SPEC.timeline.event_start, SPEC.timeline.event_end
    total = 0
    for copies in versions.values():
        if all(row[6] for _, row in copies):
            _, winner = max(copies, key=lambda c: (_local(c[1][6]), c[0]))
        else:
            _, winner = copies[-1]
        creator = winner[2].strip().removeprefix("@").lower()
        registered = first_enrollment.get(creator)
        if (
            winner[4].strip().lower() in ("completed", "delivered", "settled")
            and start <= _local(winner[3]) < end
            and registered is not None
            and registered <= closes
            and creator != "barred"
        ):
            total += round(float(winner[5]) * 100)
    return total


@pytest.fixture
def loaded(warehouse_engine, tmp_path, monkeypatch):
    """The warehouse after ingesting the files above, as the DAG's ingestion tasks do."""
    from creator_ops.steps.ingest import ingest

    landing = tmp_path / "landing" / SPEC.id
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("CREATOR_OPS_OUTPUT_ROOT", str(tmp_path / "output"))
    start = dt.datetime(2026, 12, 15, tzinfo=dt.UTC)
    ctx = StepContext(SPEC, SPEC_PATH, "manual__metrics", start, start + dt.timedelta(days=1), warehouse_engine)
    write_csv(landing / "enrollments" / "enrollments.csv", ["creator_id", "registered_at", "is_new_creator"], ENROLLMENTS)
    write_csv(landing / "exclusions" / "exclusions.csv", ["creator_id", "reason"], [["barred", "fraud"]])
    write_csv(landing / "orders" / "day1.csv", ORDER_HEADER, ORDERS_DAY1_FIRST)
    for dataset in ("enrollments", "exclusions", "orders"):
        ingest(ctx, dataset)
    write_csv(landing / "orders" / "day1.csv", ORDER_HEADER, ORDERS_DAY1)  # corrected export, same name
    write_csv(landing / "orders" / "day2.csv", ORDER_HEADER, ORDERS_DAY2)
    summary = ingest(ctx, "orders")
    assert summary["quarantined"] == 1  # the negative line
    return ctx


def _consumers(ctx: StepContext, as_of: dt.datetime | None) -> dict[str, dict[str, int]]:
    """Ask every consumer for enrolled and eligible GMV (and selling creators where it has them)."""
    from creator_ops.airflow.ui.campaign_page import campaign_page
    from creator_ops.airflow.ui.overview import campaign_status
    from creator_ops.core.review.figures import ReviewInputs, compute_figures
    from creator_ops.figures.campaign import campaign_figures, measure
    from creator_ops.warehouse.metrics import warehouse_inputs

    engine, spec = ctx.engine, ctx.spec
    figures = campaign_figures(engine, spec, as_of)
    out = {"metrics": {"enrolled": figures.enrolled, "eligible_gmv_sen": figures.eligible_gmv_sen}}
    milestone = measure(engine, spec, as_of or AFTER_EVENT)
    out["milestones"] = {"enrolled": milestone.creators_enrolled, "eligible_gmv_sen": milestone.eligible_gmv_sen}
    page = {p.key: p.actual for p in campaign_page(spec, engine, as_of or AFTER_EVENT).progress}
    out["campaign page"] = {"enrolled": page["enrolled"], "eligible_gmv_sen": page["eligible_gmv"]}
    if as_of is None:
        row = campaign_status(spec, engine, AFTER_EVENT)
        out["view"] = {"enrolled": row.creators_enrolled, "eligible_gmv_sen": row.gmv_sen}
        inputs = warehouse_inputs(engine, spec.id)
        review = compute_figures(spec, ReviewInputs(inputs.orders, inputs.enrollments, inputs.exclusions)).figures
        out["review"] = {"enrolled": review["funnel"]["enrolled"], "eligible_gmv_sen": review["gmv"]["eligible_myr"].sen}
    return out


def test_every_consumer_agrees_with_section_5(loaded):
    from creator_ops.figures.campaign import campaign_figures
    from creator_ops.steps.payouts import calculate
    from creator_ops.warehouse.schema import payout_ledger

    expected = expected_eligible_gmv_sen([ORDERS_DAY1, ORDERS_DAY2])
    assert expected == 10_000 + 5_500 + 1_234  # aisyah 1001 + 1002 (re-sent), hafiz 1010/1
    answers = _consumers(loaded, None)
    calculate(loaded)  # the DAG's payout step: its ledger holds the engine's eligible GMV per creator
    with loaded.engine.connect() as conn:
        ledger_gmv = conn.execute(select(func.sum(payout_ledger.c.eligible_gmv_sen))).scalar_one()
        ledger_creators = conn.execute(select(func.count()).select_from(payout_ledger)).scalar_one()
    answers["payouts"] = {"eligible_gmv_sen": int(ledger_gmv)}
    for consumer, values in answers.items():
        assert values["eligible_gmv_sen"] == expected, consumer
        if "enrolled" in values:
            assert values["enrolled"] == 4, consumer  # aisyah, farah, hafiz, barred (late is late)
    figures = campaign_figures(loaded.engine, SPEC)
    assert figures.selling_creators == ledger_creators == 2
    # live: the same winners and creators, plus open lines (hafiz's processing order); never the cancelled one
    assert figures.live_gmv_sen == expected + 3_000


def test_gmv_placed_is_the_same_winners_and_creators_whatever_the_status(loaded):
    """The live projection scales GMV placed; its backtest reads it from the review: both one definition."""
    from creator_ops.core.review.figures import ReviewInputs, compute_figures
    from creator_ops.figures.hourly import hourly_gmv, projection_reference
    from creator_ops.warehouse.metrics import warehouse_inputs

    # rule 1's winners in the event of enrolled, not excluded creators, any status: 1001, 1002 (re-sent),
    # 1003 (cancelled), 1009 (processing), 1010/1 (settled) and 1010/2 (returned)
    expected = 10_000 + 5_500 + 7_000 + 3_000 + 1_234 + 900
    placed = hourly_gmv(loaded.engine, SPEC, lines="placed")
    assert sum(placed) == expected
    assert sum(hourly_gmv(loaded.engine, SPEC, lines="live")) == 10_000 + 5_500 + 1_234 + 3_000
    inputs = warehouse_inputs(loaded.engine, SPEC.id)
    review = compute_figures(SPEC, ReviewInputs(inputs.orders, inputs.enrollments, inputs.exclusions)).figures
    assert [m.sen for m in review["gmv"]["placed_by_hour"].values()] == placed
    reference = projection_reference(loaded.engine, SPEC)
    assert reference.conversion == pytest.approx((10_000 + 5_500 + 1_234) / expected)
    # as of noon on day one: only the hours before it, and only lines ordered before it
    assert sum(hourly_gmv(loaded.engine, SPEC, lines="placed", as_of=MID_EVENT)) == 10_000 + 5_500 + 7_000


def test_consumers_agree_during_the_event(loaded):
    answers = _consumers(loaded, MID_EVENT)
    assert answers["metrics"] == answers["milestones"]
    assert answers["metrics"]["eligible_gmv_sen"] == 10_000 + 5_500  # orders placed before noon


def test_trust_is_one_reading_for_view_metrics_and_payouts(loaded):
    import json

    from creator_ops.airflow.ui.overview import campaign_status
    from creator_ops.figures.campaign import campaign_figures
    from creator_ops.steps.payouts import calculate
    from creator_ops.steps.quality import validate
    from creator_ops.warehouse.schema import quality_results
    from creator_ops.warehouse.upsert import upsert

    verdict = validate(loaded, "orders")  # day 1 quarantined 1 of 9 lines: above the spec's 5%
    assert verdict["failed"] == ["quarantine_share_below_threshold"]
    row = campaign_status(SPEC, loaded.engine, AFTER_EVENT)
    assert (row.quality, row.quality_failed) == ("failed", ["orders"])
    assert campaign_figures(loaded.engine, SPEC).untrusted == {"orders": ["quarantine_share_below_threshold"]}
    with pytest.raises(DataNotTrusted, match="quarantine_share_below_threshold"):
        calculate(loaded)
    with loaded.engine.begin() as conn:  # ops fixed it: the verdict passes now
        conn.execute(quality_results.update().values(success=True, failed_expectations_json="[]"))
    assert campaign_figures(loaded.engine, SPEC).payout_inputs_trusted
    assert campaign_status(SPEC, loaded.engine, AFTER_EVENT).quality == "passed"
    with loaded.engine.begin() as conn:  # a later verdict on the same file fails again
        file_id = conn.execute(select(func.max(quality_results.c.file_id))).scalar_one()
        upsert(
            conn,
            quality_results,
            [{"campaign_id": SPEC.id, "dataset": "orders", "run_id": "manual__later", "file_id": file_id,
              "suite": "orders", "success": False, "evaluated": 1, "failed": 1, "row_count": 1,
              "failed_expectations_json": json.dumps([{"name": "gmv_plausible"}]),
              "validated_at": dt.datetime(2026, 12, 16, tzinfo=dt.UTC)}],
            ["campaign_id", "dataset", "run_id", "file_id"],
        )  # fmt: skip
    figures = campaign_figures(loaded.engine, SPEC)
    assert figures.untrusted == {"orders": ["gmv_plausible"]} and not figures.payout_inputs_trusted
    row = campaign_status(SPEC, loaded.engine, AFTER_EVENT)
    assert (row.quality, row.quality_failed) == ("failed", ["orders"])
    with pytest.raises(DataNotTrusted, match="gmv_plausible"):
        calculate(loaded)


def test_page_list_milestones_and_review_show_the_runs_snapshot_under_a_pinned_now(loaded, monkeypatch):
    """One basis: after a run stored its snapshot, the page and the list show it whatever "now" is pinned to."""
    from creator_ops.airflow.ui.campaign_page import as_dict, campaign_page
    from creator_ops.airflow.ui.overview import campaigns_overview
    from creator_ops.core.review.figures import ReviewInputs, compute_figures
    from creator_ops.figures.snapshot import latest_snapshot
    from creator_ops.steps.milestones import check_milestones
    from creator_ops.steps.snapshot import take_snapshot
    from creator_ops.warehouse.metrics import warehouse_inputs

    run_end = dt.datetime(2026, 12, 16, tzinfo=MYT)  # a settlement-phase run, after every line landed
    ctx = StepContext(SPEC, SPEC_PATH, "settlement__2026-12-15T00:00+08:00", run_end - dt.timedelta(days=1),
                      run_end, loaded.engine)  # fmt: skip
    from creator_ops.warehouse.experiments import store_prediction

    for hours_after, predicted in ((-1, 20_000), (1, 99_999)):  # live projections an hour before and after noon
        store_prediction(loaded.engine, SPEC.id, "live_projection", MID_EVENT + dt.timedelta(hours=hours_after),
                         predicted, predicted - 1_000, predicted + 1_000, {}, run_end)  # fmt: skip
    from creator_ops.figures.snapshot import compute_snapshot

    at_noon = compute_snapshot(loaded.engine, SPEC, as_of=MID_EVENT, run_id="live__2026-12-12T11:00+08:00")
    assert at_noon.projection["predicted_sen"] == 20_000  # the projection made by then, not a later one
    take_snapshot(ctx)
    milestones = check_milestones(ctx)  # reads the run's snapshot
    snapshot = latest_snapshot(loaded.engine, SPEC.id)
    assert snapshot.run_id == ctx.run_id and snapshot.as_of == run_end.astimezone(dt.UTC)
    expected = expected_eligible_gmv_sen([ORDERS_DAY1, ORDERS_DAY2])
    assert snapshot.figures.eligible_gmv_sen == expected and snapshot.figures.enrolled == 4
    assert snapshot.projection is None  # after the event its final figure is known: no projection shown

    inputs = warehouse_inputs(loaded.engine, SPEC.id)
    review = compute_figures(SPEC, ReviewInputs(inputs.orders, inputs.enrollments, inputs.exclusions)).figures
    assert (review["funnel"]["enrolled"], review["gmv"]["eligible_myr"].sen) == (4, expected)
    assert review["funnel"]["selling"] == snapshot.figures.selling_creators
    assert (milestones["creators_enrolled"], milestones["eligible_gmv_sen"]) == (4, expected)

    for pinned in (MID_EVENT, AFTER_EVENT, run_end + dt.timedelta(days=30)):  # "today" the UI is pinned to
        page = campaign_page(SPEC, loaded.engine, pinned)
        figures = {p.key: p.actual for p in page.progress}
        assert (figures["enrolled"], figures["eligible_gmv"]) == (4, expected), pinned
        assert figures["live_gmv"] == snapshot.figures.live_gmv_sen
        shown = as_dict(page)
        assert shown["as_of_run"] == ctx.run_id and shown["as_of"] == run_end.astimezone(dt.UTC).isoformat()
        assert page.funnel[-1][:2] == ("Selling", snapshot.figures.selling_creators)
        (row,) = campaigns_overview([SPEC], loaded.engine, pinned)
        assert (row.creators_enrolled, row.gmv_sen, row.live_gmv_sen) == (4, expected, snapshot.figures.live_gmv_sen)
        assert row.as_of == snapshot.as_of and row.snapshot.projection == snapshot.projection
        assert page.projection is None and row.projection is None


# issue 29: the funnel counted once. Invitations: a file (aisyah, farah, late, stranger) and recruitment's
# lists (farah, hafiz); samples whose status changes between landings and is written loosely; content
# before recruitment opened, during it, and after the event.
INVITATIONS = [["@Aisyah", "2026-11-21 10:00:00", "wei_jie"], ["farah", "2026-11-25 10:00:00", "aisyah"],
               ["late", "2026-12-05 10:00:00", "aisyah"], ["stranger", "2026-11-22 10:00:00", "kavitha"]]  # fmt: skip
SAMPLE_HEADER = ["sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at"]
SAMPLES_DAY1 = [["S1", "aisyah", "P1", "2026-11-25 10:00:00", "PENDING", ""],
                ["S2", "farah", "P1", "2026-11-30 11:00:00", " shipped ", "2026-12-01 09:00:00"],
                ["S3", "hafiz", "P2", "2026-12-01 12:00:00", "SHIPPED", "2026-12-02 09:00:00"],
                ["S4", "stranger", "P2", "2026-11-25 12:00:00", "SHIPPED", "2026-11-26 09:00:00"]]  # fmt: skip
SAMPLES_DAY2 = [["S1", "aisyah", "P1", "2026-11-25 10:00:00", "Completed", "2026-11-26 09:00:00"],
                ["S3", "hafiz", "P2", "2026-12-01 12:00:00", "CANCELLED", ""]]  # fmt: skip
CONTENT = [["v1", "aisyah", "VIDEO", "2026-11-22 20:00:00", "100", "0"],  # before aisyah enrolled: posting once she is
           ["v2", "farah", "LIVE", "2026-12-12 05:00:00", "500", "0"],
           ["v3", "hafiz", "VIDEO", "2026-12-13 01:00:00", "900", "0"],  # after the event
           ["v4", "barred", "VIDEO", "2026-11-20 20:00:00", "50", "0"]]  # before recruitment opened  # fmt: skip
BEFORE_FARAH = dt.datetime(2026, 11, 28, tzinfo=MYT)  # aisyah and barred enrolled; farah and hafiz not yet
FUNNEL_AT = {
    # invited 5 (landed 4, recruitment 2); enrolled aisyah farah hafiz barred, from invite aisyah farah hafiz;
    # sampled aisyah (COMPLETED, the later landing wins) and farah (" shipped "), not hafiz (then CANCELLED)
    # nor stranger (not enrolled); posting aisyah and farah; selling aisyah (1001) and hafiz (1010, 14:00)
    AFTER_EVENT: {"pulled": 0, "shortlisted": 0, "invited_recruitment": 2, "invited_landed": 4, "invited": 5,
                  "enrolled": 4, "enrolled_from_invite": 3, "sampled": 2, "sampled_posted": 1, "posting": 2,
                  "selling": 2, "sampled_selling": 1},
    MID_EVENT: {"pulled": 0, "shortlisted": 0, "invited_recruitment": 2, "invited_landed": 4, "invited": 5,
                "enrolled": 4, "enrolled_from_invite": 3, "sampled": 2, "sampled_posted": 1, "posting": 2,
                "selling": 1, "sampled_selling": 1},  # hafiz's sale is after noon
    BEFORE_FARAH: {"pulled": 0, "shortlisted": 0, "invited_recruitment": 2, "invited_landed": 4, "invited": 5,
                   "enrolled": 2, "enrolled_from_invite": 1, "sampled": 1, "sampled_posted": 1, "posting": 1,
                   "selling": 0, "sampled_selling": 0},
}  # fmt: skip


@pytest.fixture
def with_funnel_data(loaded, tmp_path):
    """`loaded` plus invitations (landed and recruitment's), samples over two landings and content."""
    from creator_ops.steps.ingest import ingest
    from creator_ops.warehouse.campaign_data import record_recruitment_invitations

    landing = tmp_path / "landing" / SPEC.id
    write_csv(landing / "invitations" / "invites.csv", ["creator_id", "invited_at", "account_manager"], INVITATIONS)
    write_csv(landing / "samples" / "day1.csv", SAMPLE_HEADER, SAMPLES_DAY1)
    write_csv(landing / "content" / "content.csv",
              ["content_id", "creator_id", "content_type", "posted_at", "views", "gmv_myr"], CONTENT)  # fmt: skip
    for dataset in ("invitations", "samples", "content"):
        ingest(loaded, dataset)
    write_csv(landing / "samples" / "day2.csv", SAMPLE_HEADER, SAMPLES_DAY2)
    ingest(loaded, "samples")
    invited_at = dt.datetime(2026, 11, 22, tzinfo=MYT)
    record_recruitment_invitations(loaded.engine, SPEC.id, [("farah", "kavitha"), ("hafiz", None)], invited_at, "r1")
    return loaded


def test_the_snapshot_and_the_review_count_one_funnel(with_funnel_data):
    """One definition (`core.funnel`): the snapshot as of each moment, the review at the end, on the same rows."""
    from creator_ops.core.funnel import FUNNEL
    from creator_ops.core.review.figures import compute_figures
    from creator_ops.figures.campaign import campaign_lines
    from creator_ops.figures.funnel import campaign_funnel
    from creator_ops.figures.snapshot import compute_snapshot
    from creator_ops.warehouse.review_inputs import load_review_inputs

    engine = with_funnel_data.engine
    review = compute_figures(SPEC, load_review_inputs(engine, SPEC.id)).figures["funnel"]
    lines = campaign_lines(engine, SPEC)
    for moment, expected in FUNNEL_AT.items():
        assert campaign_funnel(engine, SPEC, lines, moment) == expected, moment
        snapshot = compute_snapshot(engine, SPEC, as_of=moment)
        assert snapshot.funnel == {key: expected[key] for key, _label, _what in FUNNEL}, moment
        assert (snapshot.funnel["enrolled"], snapshot.funnel["selling"]) == (
            snapshot.figures.enrolled, snapshot.figures.selling_creators,
        )  # fmt: skip
    # the review counts the campaign at its end: the snapshot after the event, step for step
    assert review == {key: FUNNEL_AT[AFTER_EVENT][key] for key in review}
    assert set(review) <= set(FUNNEL_AT[AFTER_EVENT])
