"""The demo: one campaign through every phase of its timeline, with real Airflow runs on SQLite.

    make demo                       # the 12.12 campaign, a representative run per phase moment
    make demo ARGS="--all-runs"     # every run of the timetable (66 for 12.12)

For each selected run it lands that run's slice of deterministic demo data (messy exports,
as SPEC section 3 describes) under the landing root, runs the campaign DAG with
`dag.test()` against the project's own Airflow home (`.airflow/`, SQLite), answers the
human-in-the-loop requests through Airflow's REST API as a demo approver, and finally
prints what happened: runs and task states per phase, rows loaded, quality, payouts,
alerts delivered to loopback Slack/SMTP servers, and where the outputs and the UI are.
Airflow's own logs go to `.airflow/demo.log`, each task's log to the file the UI's log panel
reads (`.airflow/logs/dag_id=…/run_id=…/task_id=…/attempt=N.log`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from creator_ops.core.matchmaking import score_text
from creator_ops.core.money import format_rm, format_rm_myr
from creator_ops.core.paths import PROJECT_ROOT
from creator_ops.core.times import DATE, DAY_TIME, SHORT, as_utc, format_local
from creator_ops.demo.history import PREVIOUS_CAMPAIGN, load_previous_campaign, previous_spec_path, simulated_effects

ROOT = PROJECT_ROOT
DEMO_CAMPAIGN = "my_1212_2026"
DEMO_COMPANY_CONNECTION = (
    '{"conn_type": "generic", "extra": {"name": "Kedai Demo Sdn. Bhd.", "tin": "C21234567080", '
    '"brn": "202001234567", "msic": "47912", "activity": "Retail sale via internet", '
    '"address": "Level 10, Menara Demo, Jalan Ampang", "postcode": "50450", "city": "Kuala Lumpur", '
    '"state": "Kuala Lumpur", "country": "MYS", "phone": "+60321612345", "email": "finance@kedai-demo.example"}}'
)


def _configure_environment() -> Path:
    """Point Airflow at the project's home before anything imports it; return the home."""
    home = Path(os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow")))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(ROOT / "plugins"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("CREATOR_OPS_OUTPUT_ROOT", str(ROOT / "output"))
    os.environ.setdefault("CREATOR_OPS_LANDING_ROOT", str(home / "landing"))
    if str(ROOT / "plugins") not in sys.path:
        sys.path.insert(0, str(ROOT / "plugins"))
    # the demo only: real runs must set the Airflow variable pii_hash_key (SPEC section 3)
    from creator_ops.core.ingest.pii import DEMO_PII_KEY

    os.environ.setdefault("AIRFLOW_VAR_PII_HASH_KEY", DEMO_PII_KEY.decode())
    os.environ.setdefault("CREATOR_OPS_DEMO", "1")
    os.environ.setdefault("AIRFLOW__API__BASE_URL", "http://127.0.0.1:8080")  # links in alerts
    # SPEC 14, the demo only: the company (buyer) of the self-billed e-invoices, as the spec's
    # finance.company_conn_id connection; payee identities use the demo's public payee_data_key
    os.environ.setdefault("AIRFLOW_CONN_FINANCE_COMPANY", DEMO_COMPANY_CONNECTION)
    home.mkdir(parents=True, exist_ok=True)
    return home


@contextlib.contextmanager
def _output_to(log_path: Path):
    """Send everything written to fds 1 and 2 (Airflow's task logs) to `log_path`."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def select_runs(calendar, spec, all_runs: bool):
    """Pick the runs to execute: every run, or the first and last of each phase plus the runbook's."""
    from creator_ops.core.calendar import Phase

    runs = calendar.runs
    if all_runs:
        return list(runs)
    chosen = {0, len(runs) - 1}
    by_phase: dict[Phase, list[int]] = defaultdict(list)
    for index, run in enumerate(runs):
        by_phase[run.phase].append(index)
    for indices in by_phase.values():
        chosen.update((indices[0], indices[-1]))
    live = by_phase.get(Phase.LIVE, [])
    chosen.update(live[len(live) // 3 :: max(1, len(live) // 3)][:2])  # two hours mid-event
    for step in spec.runbook:
        chosen.add(runs.index(calendar.run_containing(spec.when(step.due))))
    return [runs[i] for i in sorted(chosen)]


LANDING_PLAN = {
    # dataset: (file format, lands in phases)
    "creators": ("xlsx", {"recruitment"}),
    "enrollments": ("csv", {"recruitment", "pre_event", "live"}),
    "surveys": ("jsonl", None),
    "orders": ("csv", {"live", "cooling", "settlement"}),
    "exclusions": ("csv", {"settlement"}),
    # SPEC section 9
    "products": ("xlsx", {"recruitment"}),
    "invitations": ("csv", {"recruitment", "pre_event"}),
    "samples": ("csv", {"recruitment", "pre_event", "live", "cooling", "settlement"}),
    "content": ("jsonl", {"recruitment", "pre_event", "live", "cooling", "settlement"}),
}
LANDED_WHOLE = ("creators", "exclusions", "products")  # no timestamps: landed once, whole


def land_for_run(data, run, since: dt.datetime, landed: set[str]) -> list[str]:
    """Land every data set's rows of [since, run.end) as messy export files; return their paths."""
    from creator_ops.stand_ins.data import land_slice

    paths = []
    for dataset, (fmt, phases) in LANDING_PLAN.items():
        if phases is not None and str(run.phase) not in phases:
            continue
        if dataset in LANDED_WHOLE:
            if dataset in landed:
                continue
            landed.add(dataset)
        until = max(run.end, since)
        if dataset == "orders" and run.phase == "live":
            fmt = "parquet" if run.start.hour % 2 else "csv"
        path = land_slice(data, dataset, since, until, fmt=fmt, mess=True)
        if path:
            paths.append(path)
    return paths


def _object_storage():
    """Start moto's S3 server on loopback (stopped when the demo exits) and point both roots at a bucket there."""
    import atexit

    from creator_ops.stand_ins.object_store import LoopbackS3

    home = Path(os.environ.get("AIRFLOW_HOME", str(ROOT / ".airflow")))
    home.mkdir(parents=True, exist_ok=True)
    server = LoopbackS3(buckets=("creator-ops-demo",), log_path=home / "moto.log").start()
    atexit.register(server.stop)
    os.environ.update(server.settings_env())  # CREATOR_OPS_LANDING_ROOT / _OUTPUT_ROOT in the bucket, the connection
    print(f"Object storage: moto's S3 server at {server.endpoint_url}, bucket s3://{server.buckets[0]} "
          f"(landing/ and output/), connection {server.conn_id}")  # fmt: skip
    return server


def _print_bucket(server, spec, home: Path) -> None:
    """Say what the bucket holds; copy the review out of it (the loopback bucket goes with the demo)."""
    client = server.client()
    bucket = server.buckets[0]
    counts: Counter = Counter()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            counts[item["Key"].split("/", 1)[0]] += 1
    copy = home / "object-storage-outputs"
    shutil.rmtree(copy, ignore_errors=True)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="output/"):
        for item in page.get("Contents", []):
            target = copy / item["Key"].removeprefix("output/")
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, item["Key"], str(target))
    print(f"\nObject storage: s3://{bucket} held {counts['landing']:,} landing objects (exports and their archive) "
          f"and {counts['output']:,} output objects, every one private to the connection's credentials")
    print(f"  the loopback bucket goes when the demo ends; its outputs are copied to {copy} "
          f"(the review: {copy / spec.id / 'review' / 'review.html'})")


def _reset(home: Path, campaign_id: str) -> None:
    from airflow.utils import db

    from creator_ops.core.steps import landing_root, output_root
    from creator_ops.core.storage import is_local, is_uri
    from creator_ops.warehouse.db import default_url

    db.resetdb()
    warehouse = Path(default_url().split("///", 1)[1])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
    for campaign in (campaign_id, PREVIOUS_CAMPAIGN):
        if not is_uri(landing_root()):  # object storage: the demo's bucket is new
            shutil.rmtree(Path(landing_root()) / campaign, ignore_errors=True)
        if is_local(output_root()):
            shutil.rmtree(output_root() / campaign, ignore_errors=True)


def demo_run_id(timetable, run_after, data_interval) -> str:
    """Name a demo run as the scheduler names the run of that interval (`live__2026-12-12T16:00+08:00`)."""
    from airflow.utils.types import DagRunType

    return timetable.generate_run_id(run_type=DagRunType.SCHEDULED, run_after=run_after, data_interval=data_interval)


@contextlib.contextmanager
def runs_start_on_the_wall_clock():
    """Make `dag.test()` record when each run really started, not its logical date, and name it as the scheduler would.

    The run id: `dag.test()` names every run `manual__<wall clock>`, so nothing in the grid
    said which campaign day or phase a run covered; the demo's runs stand for the scheduled
    runs of their intervals, so they get the timetable's name for them
    (`CampaignTimetable.generate_run_id`) and the demo as their triggering user.

    Airflow 3.3's `DAG.test()` creates its run with `start_date=logical_date or run_after`
    (apache/airflow#66127, fix not released), while the end date is the wall clock: a demo
    run dated in the past "lasted" days, one dated after today had a negative duration, and
    the DAG overview's run-duration chart was nonsense. The start date enters the run in
    `get_or_create_dagrun`, which `DAG.test()` imports when called; this hands it the
    moment of creation instead, for the calls made inside this block.
    """
    from airflow.models import dagrun
    from airflow.utils import timezone

    original = dagrun.get_or_create_dagrun

    def create_started_now(**kwargs):
        kwargs["start_date"] = timezone.utcnow()
        kwargs["run_id"] = demo_run_id(kwargs["dag"].timetable, kwargs["run_after"], kwargs["data_interval"])
        kwargs["triggering_user_name"] = "creator_ops demo"
        return original(**kwargs)

    dagrun.get_or_create_dagrun = create_started_now
    try:
        yield
    finally:
        dagrun.get_or_create_dagrun = original


def task_log_path(ti) -> Path:
    """Return where Airflow's UI reads this task attempt's log: `[logging] base_log_folder` / its filename template."""
    from airflow.configuration import conf
    from airflow.utils.log.file_task_handler import FileTaskHandler

    folder = Path(conf.get("logging", "base_log_folder"))
    return folder / FileTaskHandler(base_log_folder=str(folder))._render_filename(ti, ti.try_number)


@contextlib.contextmanager
def task_logs_where_airflow_reads_them():
    """Write each task's output to its log file, so the UI's log panel shows it for the demo's runs too.

    `dag.test()` runs every task in this process and writes no task log file (the UI said
    "Log file not found"); a worker writes one per attempt at the path `FileTaskHandler`
    renders from `[logging] log_filename_template`, and the UI's log reader reads that file.
    `dag.test()` calls the module's `_run_task` for each task instance when it runs it; this
    sends what the task writes (Airflow's task logger and the steps' lines) to that file for
    the calls made inside this block. Lines are plain text, which the reader shows as they are.
    """
    from airflow.sdk.definitions import dag as dag_module

    original = dag_module._run_task

    def run_into_its_log(*, ti, task, run_triggerer=False):
        path = task_log_path(ti)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _output_to(path):
            return original(ti=ti, task=task, run_triggerer=run_triggerer)

    dag_module._run_task = run_into_its_log
    try:
        yield
    finally:
        dag_module._run_task = original


def _approve(dag_id: str, run_id: str, task_id: str, subject: str) -> str:
    return "Approve"


def _print_summary(spec, results, responder, started: float, log_path: Path, engine) -> None:
    from sqlalchemy import func, select

    from creator_ops.core.steps import output_root
    from creator_ops.warehouse import schema

    print("\n" + "=" * 78)
    print(f"{spec.name} ({spec.dag_id}) — demo finished in {time.monotonic() - started:.0f} s")
    print("=" * 78)
    print("\nRuns and task states per phase")
    per_phase: dict[str, Counter] = defaultdict(Counter)
    run_counts: Counter = Counter()
    for result in results:
        run_counts[result["phase"]] += 1
        per_phase[result["phase"]].update(result["states"].values())
    for phase, states in per_phase.items():
        shown = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
        ok = sum(1 for r in results if r["phase"] == phase and r["state"] == "success")
        print(f"  {phase:<11} {run_counts[phase]:>3} runs ({ok} succeeded)  tasks: {shown}")
    with engine.connect() as conn:
        print(f"\nRows in the warehouse ({spec.id})")
        tables = ("creators", "enrollments", "survey_responses", "order_lines", "exclusions", "products",
                  "invitations", "recruitment_invitations", "samples", "content")  # fmt: skip
        for name in tables:
            table = schema.metadata.tables[name]
            count = conn.execute(
                select(func.count()).select_from(table).where(table.c.campaign_id == spec.id)
            ).scalar_one()
            print(f"  {name:<23} {count:>8,}")
        files = schema.ingested_files
        totals = conn.execute(
            select(
                func.count(),
                func.sum(files.c.rows_in),
                func.sum(files.c.rows_accepted),
                func.sum(files.c.rows_quarantined),
            ).where(files.c.status == "accepted", files.c.campaign_id == spec.id)
        ).one()
        rejected = conn.execute(
            select(func.count()).where(files.c.status == "rejected", files.c.campaign_id == spec.id)
        ).scalar_one()
        print(
            f"  files: {totals[0] or 0} ingested ({totals[1] or 0:,} rows in = {totals[2] or 0:,} accepted + "
            f"{totals[3] or 0:,} quarantined), {rejected} rejected"
        )
        quality = conn.execute(
            select(schema.quality_results.c.dataset, schema.quality_results.c.success, func.count())
            .where(schema.quality_results.c.campaign_id == spec.id)
            .group_by(schema.quality_results.c.dataset, schema.quality_results.c.success)
        ).all()
        if quality:
            print("\nQuality suites (batches passed / failed)")
            merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for dataset, success, count in quality:
                merged[dataset][0 if success else 1] += count
            for dataset, (passed, failed) in sorted(merged.items()):
                print(f"  {dataset:<12} {passed} passed, {failed} failed")
        calc = (
            conn.execute(
                select(schema.payout_calculations)
                .where(schema.payout_calculations.c.campaign_id == spec.id)
                .order_by(schema.payout_calculations.c.calculated_at.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        if calc:
            print(
                f"\nPayouts: {calc['state']}, {calc['creators']} creators, {format_rm(calc['total_sen'])} of a "
                f"{format_rm(calc['budget_sen'])} budget{' (scaled to fit)' if calc['scaled'] else ''}"
            )
    _print_figures(spec, engine)
    with engine.connect() as conn:
        alerts = conn.execute(
            select(schema.alert_outbox.c.channel, schema.alert_outbox.c.status, func.count()).group_by(
                schema.alert_outbox.c.channel, schema.alert_outbox.c.status
            )
        ).all()
        if alerts:
            print("\nAlerts (outbox): " + ", ".join(f"{ch} {st}: {n}" for ch, st, n in alerts))
    if responder.answers:
        print("\nHuman-in-the-loop requests answered through the REST API, each by a named user")
        for answer in responder.answers:
            print(f"  {answer.option:<8} {answer.task_id:<40} HTTP {answer.status_code}  by {answer.user}")
        decided = _decided_by(engine, spec.id)
        if decided:
            print("  recorded: " + "; ".join(decided))
    out = output_root() / spec.id
    _print_review(out / "review")
    _print_mechanisms(spec, out, engine)
    _print_finance(spec, out)
    print(f"\nOutputs: {out}  (run reports in runs/, shortlists in recruitment/, finance exports in finance/)")
    print(f"Airflow logs: {log_path}")
    print("UI: make ui  → http://127.0.0.1:8080")
    print("    user admin, password in .airflow/simple_auth_manager_passwords.json.generated")
    print("    Campaigns → a campaign's name opens its page (timeline, progress against pace, quality, actions)")
    print("\n" + paused_note(spec))


def _decided_by(engine, campaign_id: str) -> list[str]:
    """Return who decided each payout calculation and sign-off, as the warehouse recorded it."""
    from sqlalchemy import select

    from creator_ops.warehouse import schema

    table = schema.payout_calculations
    with engine.connect() as conn:
        rows = conn.execute(
            select(table.c.calculation_id, table.c.state, table.c.decided_by)
            .where(table.c.campaign_id == campaign_id, table.c.decided_by.is_not(None))
            .order_by(table.c.decided_at)
        ).all()
    return [f"payout calculation {r.calculation_id[:12]} {r.state} by {r.decided_by}" for r in rows]


def _print_figures(spec, engine) -> None:
    """Print the campaign's numbers from their one definition (the view, milestones and payouts agree)."""
    from creator_ops.figures.campaign import campaign_figures
    from creator_ops.figures.snapshot import latest_snapshot

    snapshot = latest_snapshot(engine, spec.id)
    figures = snapshot.figures if snapshot is not None else campaign_figures(engine, spec)
    trust = "every data set trusted" if not figures.untrusted else f"untrusted: {', '.join(sorted(figures.untrusted))}"
    basis = (
        f"as of {format_local(snapshot.as_of, spec.timezone, with_zone=True)}, the end of run "
        f"{snapshot.run_id}: the snapshot the Campaigns view, the campaign page and milestones read"
        if snapshot is not None else "warehouse.metrics, no run stored a snapshot"
    )
    print(
        f"\nCampaign figures ({basis}): "
        f"{figures.enrolled:,} enrolled, eligible GMV {format_rm(figures.eligible_gmv_sen)} on "
        f"{figures.eligible_lines:,} lines from {figures.selling_creators:,} selling creators, "
        f"live GMV {format_rm(figures.live_gmv_sen)}; {trust}"
    )


def _print_review(folder: Path) -> None:
    """Print the campaign review's headline figures and where its page is."""
    from creator_ops.core.review import headline
    from creator_ops.core.review.readback import read_review

    path = folder / "review.json"
    if not path.is_file():
        print("\nCampaign review: not built (it is built in the settlement and payout runs)")
        return
    review = read_review(path, "review")  # the one validated reader, as for --baseline
    baseline = review.get("baseline") or {}
    against = f", compared with {baseline.get('name') or baseline.get('campaign_id')}" if baseline else ""
    print(f"\nCampaign review{against}")
    for label, value in headline(review).items():
        print(f"  {label:<26} {value}" if len(label) <= 26 else f"  {label}: {value}")
    print(f"  open {folder / 'review.html'}  (opens offline; also in the Campaigns view)")


def _print_mechanisms(spec, out: Path, engine) -> None:
    """Print the matchmaking list's summary (and BD's sign-off) and the traffic allocation so far."""
    import json

    from creator_ops.figures.mechanisms import traffic_overview
    from creator_ops.warehouse.mechanisms import BOOSTED_GMV_MEANS, BOOSTED_GMV_NAME

    folder = out / "matchmaking"
    if (folder / "summary.json").is_file():
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        signoff = folder / "signoff.json"
        state = json.loads(signoff.read_text(encoding="utf-8")) if signoff.is_file() else {"state": "draft"}
        decided = (f" by {state['decided_by']} at {format_local(state['decided_at'], spec.timezone, with_zone=True)}"
                   if state.get("decided_by") else "")  # fmt: skip
        print(f"\nProduct matchmaking (list {state['state']}{decided})")
        print(
            f"  {summary['pairs']} pairs, ranking score {score_text(summary['total_value_myr'])} "
            "(unitless, not a forecast of GMV) for "
            f"{summary['creators_matched']} of "
            f"{summary['candidates']} enrolled creators; products filled {summary['products_filled']} of "
            f"{summary['products']}, short {summary['products_short']} ({summary['samples_short']} samples)"
        )
        for am, figures in summary["per_account_manager"].items():
            print(f"  {am:<12} {figures['pairs']:>4} pairs  score {score_text(figures['value_myr'])}")
        print(f"  files: {folder}")
    else:
        print("\nProduct matchmaking: no list (it is computed before the event, once products and creators landed)")
    if spec.traffic is not None:
        t = traffic_overview(engine, spec)
        budget = t.budget_sen
        print(f"\nTraffic allocation ({t.hours} live hours allocated)")
        print(f"  spent {format_rm(t.spent_sen)} of {format_rm(budget)} on {t.boosted_creators} creators")
        print(
            f"  expected extra GMV {format_rm(t.expected_gmv_sen)}; {BOOSTED_GMV_NAME} {format_rm(t.actual_gmv_sen)} "
            f"({BOOSTED_GMV_MEANS})"
        )
        print(f"  files: {out / 'traffic'}")


def _print_finance(spec, out: Path) -> None:
    """Print SPEC 14's figures: withheld payees, total WHT, held payments and where the e-invoices are."""
    import json

    folders = sorted((out / "finance").glob("section14_*"), key=lambda p: p.stat().st_mtime)
    if not folders:
        if spec.finance.s107d or spec.finance.einvoice:
            print("\nFinance (SPEC 14): nothing prepared (no approved payout in this demo)")
        return
    folder = folders[-1]
    summary = json.loads((folder / "wht_summary.json").read_text(encoding="utf-8"))
    print("\nFinance (SPEC 14; prepared for finance, nothing filed or submitted)")
    print(
        f"  withheld (s107D, 2 %): {summary['payees_withheld']} payee(s), "
        f"total WHT {format_rm_myr(summary['wht_myr'])}, "
        f"remit by {summary['due_date']}"
    )
    for row in summary["rows"][:5]:
        prior = format_rm_myr(row["prior_year_total_myr"])
        print(f"    {row['creator_id']:<22} gross {format_rm_myr(row['gross_myr']):>13}  "
              f"WHT {format_rm_myr(row['wht_myr']):>10}  (prior year {prior})")  # fmt: skip
    held = summary["held"]
    reasons = ", ".join(f"{n} {r}" for r, n in sorted(_count(h["reason"] for h in held).items())) or "none"
    print(f"  held payments: {len(held)} ({reasons}), left out of the finance export")
    einvoices = folder / "einvoices"
    count = len(list(einvoices.glob("*.json"))) if einvoices.is_dir() else 0
    print(f"  self-billed e-invoices (MyInvois UBL 2.1 JSON v1.1, unsigned, mode 0600): {count} in {einvoices}")
    print(f"  payments.csv and wht_summary.json: {folder}")
    cp58_files = sorted((out / "finance").glob("cp58_*.csv"))
    for cp58 in cp58_files:
        print(f"  CP58: {cp58}")
    if spec.finance.cp58 and not cp58_files:
        from creator_ops.core.settings import settings
        from creator_ops.core.spec import discover_specs

        year = spec.timeline.payout_date.year
        later = max((s.timeline.payout_date, s.id) for _, s in discover_specs(settings().campaign_specs_dir).specs
                    if s.timeline.payout_date.year == year)  # fmt: skip
        when = format_local(later[0], spec.tz, style=DATE)
        print(f"  CP58 {year}: built in the run of the year's last payout ({later[1]}, {when}), "
              f"due to payees by 31 Mar {year + 1}; a run triggered by hand builds it on demand")


def _count(values) -> dict:
    return dict(Counter(values))


def paused_note(spec) -> str:
    """Say why the campaigns are paused and what unpausing the demo campaign would do from now."""
    import pendulum
    from airflow.timetables.base import TimeRestriction

    from creator_ops.airflow.timetable import CampaignTimetable

    # what the scheduler asks the timetable once the DAG is unpaused (catchup is off)
    opens = pendulum.instance(spec.timeline.recruitment_opens)
    restriction = TimeRestriction(earliest=opens, latest=None, catchup=False)
    info = CampaignTimetable(spec.timeline).next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    lines = [
        "The campaigns are paused on purpose: the demo made its runs itself (dag.test), and nothing runs",
        "on a schedule until ops unpause a campaign. Unpausing one runs it from today's date on: catchup is",
        "off, so no past run is backfilled, and each run starts when its interval ends.",
    ]
    if info is None:
        lines.append(f"{spec.name} is over: unpausing it would start no run.")
    else:
        start = info.data_interval.start.in_tz(spec.timezone)
        run_after = info.run_after.in_tz(spec.timezone)
        lines.append(
            f"Unpausing {spec.name} now would start with the run of {format_local(start, spec.tz)} "
            f"at {format_local(run_after, spec.timezone, with_zone=True)}; a date the demo already ran is not run "
            "again."
        )
    return "\n".join(lines)


def _slack_text(body: dict) -> str:
    for block in body.get("blocks", []):
        text = block.get("text")
        if isinstance(text, dict) and text.get("text"):
            return text["text"].splitlines()[0]
    return str(body.get("text", ""))[:100]


def _print_alerts(servers) -> None:
    """Show what reached the loopback Slack and SMTP servers."""
    slack = servers.slack.delivered
    mails = servers.smtp.messages
    print(f"\nAlerts delivered to loopback servers: {len(slack)} Slack messages, {len(mails)} e-mails")
    for body in slack:
        print(f"  slack  {_slack_text(body)}")
    for mail in mails:
        print(f"  e-mail {mail.subject}  → {', '.join(mail.recipients)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="demo", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--campaign", default=DEMO_CAMPAIGN, help="campaign id of a spec in include/campaigns")
    parser.add_argument("--all-runs", action="store_true", help="run every run of the timetable")
    parser.add_argument("--creators", type=int, default=4000, help="demo creators to generate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--object-storage", action="store_true",
        help="land the exports and write every output in an S3 bucket on loopback (moto's server, started and "
        "stopped by the demo) instead of local folders",
    )  # fmt: skip
    args = parser.parse_args(argv)

    bucket = _object_storage() if args.object_storage else None
    home = _configure_environment()
    log_path = home / "demo.log"
    log_path.write_text("")
    started = time.monotonic()
    print(f"Demo: campaign {args.campaign}; Airflow home {home} (SQLite); logs in {log_path}")
    with _output_to(log_path):
        from airflow.dag_processing.dagbag import DagBag

        from creator_ops.core.calendar import CampaignCalendar
        from creator_ops.core.settings import settings
        from creator_ops.core.spec import load_spec
        from creator_ops.demo.hitl import HitlResponder
        from creator_ops.stand_ins.data import generate
        from creator_ops.warehouse.db import default_url, make_engine

        spec_path = settings().campaign_specs_dir / f"{args.campaign}.yaml"
        spec = load_spec(spec_path)
        _reset(home, spec.id)
        dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags[spec.dag_id]
        data = generate(spec, creators=args.creators, seed=args.seed)
        data, truth = simulated_effects(data)  # boosts and samples cause a known effect (SPEC 12)
        calendar = CampaignCalendar(spec.timeline)
        runs = select_runs(calendar, spec, args.all_runs)
        previous_path = previous_spec_path(settings().campaign_specs_dir)
        previous = None
        if previous_path is not None and args.campaign != PREVIOUS_CAMPAIGN:
            # the review's baseline: the last campaign of the same type, with its own history
            previous = load_previous_campaign(
                previous_path, make_engine(default_url()), creators=max(10, args.creators // 2), seed=args.seed + 1
            )
        # the ecosystem's history (SPEC section 13): earlier campaigns of other types over the same creators
        from creator_ops.demo import ecosystem_history as eco_history
        from creator_ops.stand_ins.data import make_creators

        eco_started = time.monotonic()
        pool_frames = [data.creators]
        if previous_path is not None:
            pool_frames.append(make_creators(load_spec(previous_path), max(10, args.creators // 2), args.seed + 1))
        earlier = eco_history.load_earlier_campaigns(
            home, make_engine(default_url()), eco_history.creator_pool(*pool_frames),
            creators=max(10, args.creators // 8), seed=args.seed,
        )  # fmt: skip
        eco_seconds = time.monotonic() - eco_started
    shown = ", ".join(f"{e['campaign_id']} ({e['type']})" for e in earlier)
    print(f"Earlier campaigns loaded for the creator ecosystem in {eco_seconds:.1f} s: {shown}")
    if previous:
        print(
            f"Previous campaign {previous['campaign_id']} loaded as the baseline: {previous['enrolled']:,} enrolled, "
            f"eligible GMV {format_rm(previous['eligible_gmv_sen'])}, "
            f"payouts {format_rm(previous['payout_total_sen'])} to {previous['payout_creators']:,} creators"
        )
    print(
        f"{len(runs)} of {len(calendar.runs)} runs, {len(data.orders):,} order lines, {len(data.creators):,} creators"
    )

    from creator_ops.stand_ins.loopback import LoopbackServers

    if spec.finance.s107d or spec.finance.einvoice or spec.finance.cp58:
        from creator_ops.stand_ins.data import land_payees

        land_payees(data, seed=args.seed)  # finance's payees list and prior-year totals (SPEC 14)
    results = []
    since = spec.timeline.recruitment_opens - dt.timedelta(days=30)
    landed: set[str] = set()
    servers = LoopbackServers().start()
    # the spec's alert connections point at loopback Slack and SMTP servers for the demo
    os.environ.update(servers.connection_env())
    terminal = os.dup(1)  # progress lines go here while fd 1 carries Airflow's logs to the file
    # named users decide, as in production: the spec's owners sign off, its finance approver approves payouts
    from creator_ops.core.people import decider, simple_auth_users

    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = simple_auth_users([spec])
    responder = HitlResponder(_approve, who=lambda dag_id, task_id: decider(spec, task_id))
    with _output_to(log_path), responder, runs_start_on_the_wall_clock(), task_logs_where_airflow_reads_them():
        for run in runs:
            paths = land_for_run(data, run, since, landed)
            since = max(since, run.end)
            t0 = time.monotonic()
            dag_run = dag.test(logical_date=run.start)
            if str(run.phase) == "live":  # the boosts the allocation just made cause their effect (SPEC 15)
                data = boost_effects(data, truth, spec, run)
            states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
            result = {"phase": str(run.phase), "start": run.start, "state": str(dag_run.state), "states": states}
            results.append(result)
            line = (
                f"{format_local(run.start, spec.tz, style=DAY_TIME)} {run.phase:<11} {dag_run.state:<8} "
                f"{time.monotonic() - t0:5.1f} s  files landed: {len(paths)}  "
                + " ".join(f"{k}={v}" for k, v in sorted(Counter(states.values()).items()))
            )
            os.write(terminal, (line + "\n").encode())
    os.close(terminal)
    servers.stop()
    engine = make_engine(default_url())
    with _output_to(log_path):
        eco_started = time.monotonic()
        ecosystem_state = eco_history.run_ecosystem_dag(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
        ecosystem_state += f", {time.monotonic() - eco_started:.1f} s"
    _print_summary(spec, results, responder, started, log_path, engine)
    _print_effects(spec, engine, truth, previous)
    from creator_ops.steps.ecosystem import ecosystem_dir

    eco_history.print_ecosystem(ecosystem_dir(), ecosystem_state)
    _print_alerts(servers)
    if bucket is not None:
        _print_bucket(bucket, spec, home)
    failed = [r for r in results if r["state"] != "success"]
    if failed:
        print(f"\n{len(failed)} run(s) did not succeed: see {log_path}")
        return 1
    return 0


def boost_effects(data, truth: dict, spec, run):
    """Give the creators this live hour boosted their simulated effect, after the hour (SPEC 15's demo truth)."""
    from creator_ops.stand_ins.data import add_boost_effects
    from creator_ops.warehouse.db import default_url, make_engine
    from creator_ops.warehouse.mechanisms import allocation_rows

    engine = make_engine(default_url())
    try:
        rows = allocation_rows(engine, spec.id)
    finally:
        engine.dispose()
    hour = run.start.astimezone(dt.UTC)
    boosted = {creator: run.end for start, creator, spend, _ in rows if spend > 0 and as_utc(start) == hour}
    return add_boost_effects(data, truth, boosted)


def treated_of_plan(engine, spec, mechanism: str) -> list[str]:
    """T_W: the creators of the review's population the plan chose and treated (boosted in any hour; paired in
    the signed-off list), as the on-treated estimate counts them."""
    from creator_ops.warehouse import mechanisms as wh
    from creator_ops.warehouse.payout_inputs import load_warehouse_inputs

    excluded = set(load_warehouse_inputs(engine, spec.id).exclusions.column("creator_id").to_pylist())
    population = {c.creator_id for c in wh.enrolled_candidates(engine, spec.id, spec.timeline.registration_closes)}
    population -= excluded
    if mechanism == "traffic":
        chosen = {creator for _, creator, spend, _ in wh.allocation_rows(engine, spec.id) if spend > 0}
    else:
        record = wh.frozen_list(engine, spec.id) or wh.latest_list(engine, spec.id)
        chosen = {p[0] for p in wh.list_pairs(engine, record.list_id)} if record else set()
    return sorted(chosen & population)


def _print_effects(spec, engine, truth: dict, previous: dict | None) -> None:
    """Print the on-treated effects beside the simulated truth, the MDE said before, SRM, the pooled factor;
    then the live projection against the final."""
    from creator_ops.core.review.experiments import measurement_from_review, pooled_from, pooled_sentence
    from creator_ops.core.review.readback import read_review
    from creator_ops.core.steps import output_root

    path = output_root() / spec.id / "review" / "review.json"
    review = read_review(path, "review") if path.is_file() else {}
    experiments = review.get("experiments")
    print("\nWhat the mechanisms caused on the creators they chose (holdouts, SPEC 15) — against the simulated truth")
    campaigns = [(spec.id, experiments, truth)]
    if previous:
        campaigns.append((previous["campaign_id"], previous.get("experiments"), previous.get("truth")))
    for label, measured, known in campaigns:
        for mechanism, block in (measured or {}).items():
            _print_on_treated(engine, load_spec_of(label, spec), mechanism, block, known)
    if not experiments:
        print("  (the 12.12 review was not built in this demo's runs)")
    pooled, listed = pooled_from([measurement_from_review(r, "traffic") for r in _reviews_of(previous, review)])
    print(f"  The next {spec.type} campaign's traffic calibration (pooled loop): {pooled_sentence(pooled, listed)}")
    _print_incentive_response(spec, review, truth, previous)
    _print_projection(spec, engine, review)


def _print_on_treated(engine, spec, mechanism: str, block: dict, known: dict | None) -> None:
    from creator_ops.core.money import format_rm
    from creator_ops.core.review.experiments_render import on_treated_sentence, srm_sentence
    from creator_ops.stand_ins.data import truth_per_treated

    on_treated = block.get("on_treated") or {}
    print(f"  {spec.id} {mechanism}: {on_treated_sentence(mechanism, on_treated) if on_treated else 'n/a'}")
    said = _stated_power(engine, spec.id, mechanism)
    if said:
        print(f"    stated before the event: {said}")
    treated = treated_of_plan(engine, spec, mechanism)
    per_treated = truth_per_treated(((known or {}).get(mechanism) or {}).get("given_sen") or {}, treated)
    if per_treated is not None:
        line = f"    simulated truth {format_rm(round(per_treated))} per treated creator over {len(treated):,} treated"
        if on_treated.get("lift_myr") is not None:
            low, high = on_treated["ci95_low_myr"].sen, on_treated["ci95_high_myr"].sen
            line += (f": {'inside' if low <= per_treated <= high else 'OUTSIDE'} the 95 % interval "
                     f"[{format_rm(low)}, {format_rm(high)}], p = {on_treated['p_value']}")  # fmt: skip
        print(line)
    if block.get("srm"):
        print(f"    {srm_sentence(block)}")


def _print_projection(spec, engine, review: dict) -> None:
    from creator_ops.core.money import format_rm
    from creator_ops.core.review.experiments_render import percent_text
    from creator_ops.warehouse.experiments import stored_predictions

    projections = stored_predictions(engine, spec.id, "live_projection")
    if projections:
        print("\nLive projection of the final eligible GMV (80 % interval), as each live hour made it "
              "(GMV placed so far × earlier campaigns' hourly shape × their share placed → eligible)")  # fmt: skip
        for p in projections:
            line = (f"  {format_local(p.as_of, spec.tz, style=SHORT)} ({p.detail.get('elapsed_hours', '?')} of "
                    f"{p.detail.get('hours', '?')} h, placed so far "
                    f"{format_rm(p.detail.get('placed_so_far_sen', 0))}): {format_rm(p.predicted_sen)} "
                    f"[{format_rm(p.low_sen)}, {format_rm(p.high_sen)}]")  # fmt: skip
            if p.observed_sen is not None and p.low_sen is not None:
                inside = p.low_sen <= p.observed_sen <= p.high_sen
                error = abs(p.predicted_sen - p.observed_sen) / p.observed_sen if p.observed_sen else 0
                line += (f"; final {format_rm(p.observed_sen)}: {'inside' if inside else 'OUTSIDE'} the interval, "
                         f"error {error:.1%}")  # fmt: skip
            print(line)
        block = review.get("projection")
        if block:
            checkpoints = "; ".join(
                f"{name}: error {percent_text(c['median_abs_pct_error'])}, interval held the final in "
                f"{percent_text(c['interval_coverage'])} of {c['with_interval']}"
                for name, c in block["backtest"].items()
            )
            print(f"  Backtest, replaying {', '.join(block['backtest_campaigns'])} hour by hour (median absolute "
                  f"error at 25/50/75 % of the event) {checkpoints}")  # fmt: skip



def load_spec_of(campaign_id: str, spec):
    """The spec of `campaign_id` (this demo's, or its previous campaign's from the specs folder)."""
    from creator_ops.core.settings import settings
    from creator_ops.core.spec import load_spec

    if campaign_id == spec.id:
        return spec
    return load_spec(settings().campaign_specs_dir / f"{campaign_id}.yaml")


def _stated_power(engine, campaign_id: str, mechanism: str) -> str | None:
    """What the holdout could detect, as the product said it before the event (traffic: the first live hour)."""
    from creator_ops.warehouse import mechanisms as wh
    from creator_ops.warehouse.experiments import stored_predictions

    if mechanism == "traffic":
        made = stored_predictions(engine, campaign_id, "traffic_power")
        return made[0].detail.get("text") if made else None
    record = wh.frozen_list(engine, campaign_id) or wh.latest_list(engine, campaign_id)
    power = (record.summary or {}).get("power") if record else None
    return power.get("text") if power else None


def _reviews_of(previous: dict | None, review: dict) -> list[dict]:
    """The reviews the next campaign pools: the previous campaign's and this one's (SPEC 15's loop)."""
    out = []
    if previous and previous.get("experiments"):
        out.append({"campaign": {"id": previous["campaign_id"]}, "experiments": previous["experiments"]})
    if review.get("experiments"):
        out.append(review)
    return out


def _print_incentive_response(spec, review: dict, truth: dict, previous: dict | None) -> None:
    """Print SPEC 16 per threshold: the measured push with its interval beside the simulated one, GMV per bonus RM."""
    from creator_ops.core.review.bunching import stands_out

    print("\nThe push at each tier threshold (bunching, SPEC 16) — measured against the simulated push")
    campaigns = [(spec.id, review.get("incentive_response"), truth.get("tier_push"))]
    if previous:
        campaigns.append((previous["campaign_id"], previous.get("incentive_response"),
                          (previous.get("truth") or {}).get("tier_push")))  # fmt: skip
    for campaign_id, entries, pushes in campaigns:
        simulated = {p["threshold_sen"]: p for p in pushes or []}
        if not entries:
            print(f"  {campaign_id}: no incentive response in its review")
            continue
        for entry in entries:
            threshold = entry["threshold_myr"].sen
            real = simulated.get(threshold, {"creators": 0, "pushed_gmv_sen": 0})
            head = f"  {campaign_id} {format_rm(threshold)} (+{format_rm(entry['bonus_myr'].sen)} bonus)"
            truth_text = f"simulated {real['creators']} creators, {format_rm(real['pushed_gmv_sen'])}"
            if entry["reason"]:
                print(f"{head}: too few selling creators near it to measure ({truth_text})")
                continue
            low, high = (float(x) for x in entry["excess_ci95"])
            gmv_low, gmv_high = (m.sen for m in entry["pushed_gmv_ci95_myr"])
            inside = gmv_low <= real["pushed_gmv_sen"] <= gmv_high
            per = entry["gmv_per_bonus_myr"]
            verdict = {True: "stands out of its placebos", False: "within placebo noise", None: "no placebo"}
            print(
                f"{head}: measured {float(entry['excess']):.1f} creators [{low:.1f}, {high:.1f}] vs simulated "
                f"{real['creators']};\n      pushed GMV {format_rm(entry['pushed_gmv_myr'].sen)} "
                f"[{format_rm(gmv_low)}, {format_rm(gmv_high)}] vs simulated {format_rm(real['pushed_gmv_sen'])} "
                f"({'inside' if inside else 'OUTSIDE'} the interval); "
                f"{f'RM {float(per):.2f}' if per is not None else 'n/a'} of GMV per bonus ringgit, tier cost "
                f"{format_rm(entry['tier_cost_myr'].sen)}; {verdict[stands_out(entry)]}"
            )


if __name__ == "__main__":
    sys.exit(main())
