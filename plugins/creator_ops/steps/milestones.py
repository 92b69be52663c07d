"""Milestone and problem checks feeding the alert outbox, and the outbox drain (SPEC section 6).

`check_milestones` reads the campaign's figures as of the run's interval end (the run's
snapshot, `steps/snapshot.py`), evaluates every
milestone of the spec and the warehouse problem checks (failed quality suites,
quarantined share per file of this run, payouts waiting for approval), and writes the
alerts to `alert_outbox`; keys are deterministic, so reruns add nothing twice.
`drain_alerts` delivers due rows through the senders it is given (the Airflow stage
passes the provider-backed ones), so this module stays free of Airflow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from creator_ops.core.alerts import Alert, Sender, channels_for
from creator_ops.core.milestones import CampaignMetrics, evaluate_milestones
from creator_ops.core.problems import (
    payout_waiting_alerts,
    quality_alerts,
    quarantine_alerts,
    rejected_file_alerts,
    summarize,
)
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.steps import StepContext
from creator_ops.figures.campaign import measure
from creator_ops.warehouse import queries
from creator_ops.warehouse.outbox import drain, enqueue, outbox_counts

if TYPE_CHECKING:
    from sqlalchemy import Engine


def problem_alerts(engine: Engine, spec: CampaignSpec, *, run_id: str, now: dt.datetime) -> list[Alert]:
    """Run every warehouse problem check for this run."""
    return [
        *quality_alerts(queries.quality_failures(engine, spec.id, run_id), spec, run_id),
        *quarantine_alerts(queries.quarantine_by_file(engine, spec.id, run_id), spec, run_id),
        *rejected_file_alerts(queries.rejected_files(engine, spec.id, run_id), spec, run_id),
        *payout_waiting_alerts(queries.payouts_waiting(engine, spec.id, now), spec, now),
    ]


def _run_metrics(ctx: StepContext) -> CampaignMetrics:
    """Return the figures this run's snapshot stored (`snapshot_figures`), or measure them when it has none."""
    from creator_ops.figures.snapshot import run_snapshot

    snapshot = run_snapshot(ctx.engine, ctx.spec.id, ctx.run_id)
    if snapshot is None or snapshot.as_of != ctx.interval_end.astimezone(dt.UTC):
        return measure(ctx.engine, ctx.spec, ctx.interval_end)
    return CampaignMetrics(
        as_of=ctx.interval_end,
        creators_enrolled=snapshot.figures.enrolled,
        eligible_gmv_sen=snapshot.figures.eligible_gmv_sen,
        survey_responses=snapshot.survey_responses,
    )


def check_milestones(ctx: StepContext) -> dict[str, Any]:
    """Evaluate milestones and problem checks for this run and queue their alerts."""
    spec = ctx.spec
    metrics = _run_metrics(ctx)
    statuses = evaluate_milestones(spec, metrics, since=ctx.interval_start, until=ctx.interval_end)
    alerts = [s.alert for s in statuses if s.alert is not None]
    alerts += problem_alerts(ctx.engine, spec, run_id=ctx.run_id, now=ctx.now())
    channels = channels_for(spec)
    queued = enqueue(ctx.engine, alerts, channels=channels, campaign_name=spec.name, now=ctx.now())
    if not channels:
        ctx.info("No alert channel in the spec's `alerts` section: %d alert(s) not queued", len(alerts))
    for status in statuses:
        ctx.info("Milestone %-60s %s", status.description, "reached" if status.reached else "not yet")
    ctx.info(
        "Metrics as of %s: %d enrolled, %d sen eligible GMV, %d survey responses; %d alert(s), %d new row(s)",
        metrics.as_of.isoformat(),
        metrics.creators_enrolled,
        metrics.eligible_gmv_sen,
        metrics.survey_responses,
        len(alerts),
        queued,
    )
    return {
        "creators_enrolled": metrics.creators_enrolled,
        "eligible_gmv_sen": metrics.eligible_gmv_sen,
        "survey_responses": metrics.survey_responses,
        "milestones_reached": [s.key for s in statuses if s.reached],
        "alerts": summarize(alerts),
        "outbox_rows_added": queued,
        "channels": channels,
    }


def drain_alerts(ctx: StepContext, senders: Mapping[str, Sender]) -> dict[str, Any]:
    """Deliver this campaign's due outbox rows; failures stay pending for a later drain."""
    result = drain(ctx.engine, senders, now=ctx.now(), campaign_id=ctx.spec.id)
    counts = outbox_counts(ctx.engine, ctx.spec.id)
    ctx.info("Alerts sent %d, failed %d; outbox now %s", result.sent, result.failed, counts)
    for error in result.errors:
        ctx.info("Delivery failed (will retry): %s", error)
    return {**result.as_dict(), "outbox": counts}
