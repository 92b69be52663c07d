"""Milestones stage: evaluate milestones and problem checks into the outbox, then deliver it.

Both tasks run in every phase and with `all_done`, so a failed upstream stage (a quality
suite, an ingestion) still gets its alert evaluated and delivered. Delivery uses the
Slack and SMTP providers' hooks, created at run time from the spec's connection ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import TriggerRule

from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder
    from creator_ops.core.steps import StepContext

ALL_PHASES = list(Phase)


def send_alerts(ctx: StepContext) -> dict[str, Any]:
    """Drain the campaign's outbox through the provider-backed senders."""
    from creator_ops.airflow.notifiers import senders_for
    from creator_ops.steps.milestones import drain_alerts

    return drain_alerts(ctx, senders_for(ctx.spec))


def build(stage: StageBuilder) -> None:
    """Add `snapshot_figures` >> `check_milestones` >> `send_alerts`."""
    snapshot = stage.step(
        "snapshot_figures",
        "creator_ops.steps.snapshot:take_snapshot",
        phases=ALL_PHASES,
        trigger_rule=TriggerRule.ALL_DONE,
        retries=1,  # safe: a rerun replaces the run's snapshot
        doc_md=(
            "Computes the campaign's figures as of the end of this run's interval (enrolled, eligible "
            "and live GMV, selling creators, trust, the funnel, hourly series) once, from "
            "`warehouse/metrics.py`, and stores them: the Campaigns view, the campaign page and the "
            "milestones read this snapshot."
        ),
    )
    check = stage.step(
        "check_milestones",
        "creator_ops.steps.milestones:check_milestones",
        phases=ALL_PHASES,
        trigger_rule=TriggerRule.ALL_DONE,
        retries=1,
        doc_md=(
            "Measures enrolled creators, eligible GMV and survey responses as of this run, "
            "evaluates the spec's milestones and the problem checks (failed quality suites, "
            "quarantined share, payouts waiting for approval) and queues each alert once."
        ),
    )
    send = stage.step(
        "send_alerts",
        "creator_ops.airflow.stages.milestones:send_alerts",
        phases=ALL_PHASES,
        trigger_rule=TriggerRule.ALL_DONE,
        retries=1,  # safe: the outbox never sends a row twice
        doc_md=(
            "Delivers queued alerts to Slack and e-mail. An alert that cannot be delivered "
            "stays in the outbox and is retried with backoff by later runs; none is sent twice."
        ),
    )
    project = stage.step(
        "project_gmv",
        "creator_ops.steps.projection:project_gmv",
        phases=[Phase.LIVE],
        trigger_rule=TriggerRule.ALL_DONE,
        doc_md=(
            "Projects the final eligible GMV with an 80 % interval from the live GMV landed so far and the "
            "hourly shape of earlier campaigns of the same type (docs/projection.md), stores the projection "
            "for the campaign page and the Campaigns view, and queues a 'behind pace' alert once when the "
            "interval's top is below the GMV target."
        ),
    )
    project >> snapshot >> check >> send  # the snapshot carries the projection of its hour
