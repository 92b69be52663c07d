"""Campaign milestones (SPEC section 6): metric thresholds and timeline reminders.

A metric milestone is reached when a metric (enrolled creators, eligible GMV, survey
responses) is at least a fraction of its target in `spec.targets`; thresholds are
exact (integers and sen, rounded up, never floats). A time milestone ("48 h before
registration closes") is due in the run whose interval contains the moment `hours`
before its timeline field. Each milestone has a deterministic alert key, so the outbox
lets it alert once per campaign however often runs repeat. The figures are measured by
`creator_ops.warehouse.queries.measure`; no Airflow or warehouse import here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from creator_ops.core.alerts import Alert, Fact, alert_key
from creator_ops.core.money import format_rm, to_sen
from creator_ops.core.spec import MetricMilestone, TimeMilestone
from creator_ops.core.times import SHORT, format_local, utc

if TYPE_CHECKING:
    from creator_ops.core.spec import CampaignSpec

METRIC_LABELS = {
    "creators_enrolled": ("Enrolled creators", "creators"),
    "gmv_myr": ("Eligible GMV", ""),
    "survey_responses": ("Survey responses", "responses"),
}
TIMELINE_LABELS = {
    "recruitment_opens": "Recruitment opens",
    "registration_closes": "Registration closes",
    "event_start": "The event starts",
    "event_end": "The event ends",
    "settlement_date": "Settlement",
    "payout_date": "Payout day",
}


def percent(numerator: int | Decimal, denominator: int | Decimal) -> str:
    """Format a share as a percentage with at most one decimal, rounded down (never overstates)."""
    if not denominator:
        return "n/a"
    tenths = math.floor(Decimal(numerator) * 1000 / Decimal(denominator))
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


@dataclass(frozen=True)
class CampaignMetrics:
    """The live figures milestones compare with targets, as of one moment."""

    as_of: dt.datetime
    creators_enrolled: int
    eligible_gmv_sen: int
    survey_responses: int

    def value(self, metric: str) -> int:
        """Return the metric in its comparison unit (creators, sen, responses)."""
        return {
            "creators_enrolled": self.creators_enrolled,
            "gmv_myr": self.eligible_gmv_sen,
            "survey_responses": self.survey_responses,
        }[metric]


def target_value(spec: CampaignSpec, metric: str) -> int | None:
    """Return the metric's target in its comparison unit, or None when the spec sets none."""
    target = getattr(spec.targets, metric)
    if target is None:
        return None
    return to_sen(target) if metric == "gmv_myr" else int(target)


def threshold(target: int, fraction: Decimal) -> int:
    """Return the smallest whole value at or above `fraction` of `target` (exact)."""
    return int((Decimal(target) * fraction).to_integral_value(rounding=ROUND_CEILING))


def _display(metric: str, value: int) -> str:
    return format_rm(value) if metric == "gmv_myr" else f"{value:,}"


def _fraction_pct(fraction: Decimal) -> str:
    pct = (fraction * 100).normalize()
    return f"{format(pct, 'f')}%"


@dataclass(frozen=True)
class MilestoneStatus:
    """One milestone evaluated: whether it is reached (or due) now, and its alert if so."""

    key: str
    description: str
    reached: bool
    alert: Alert | None = None

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "milestone": self.description, "reached": self.reached}


def _metric_statuses(spec: CampaignSpec, milestone: MetricMilestone, metrics: CampaignMetrics):
    label, unit = METRIC_LABELS[milestone.metric]
    target = target_value(spec, milestone.metric)
    value = metrics.value(milestone.metric)
    for fraction in milestone.fractions:
        key = alert_key("milestone", spec.id, milestone.metric, fraction)
        description = f"{label} at {_fraction_pct(fraction)} of target"
        if target is None:
            yield MilestoneStatus(key, description + " (no target in the spec)", False)
            continue
        needed = threshold(target, fraction)
        if value < needed:
            yield MilestoneStatus(key, description, False)
            continue
        alert = Alert(
            key=key,
            campaign_id=spec.id,
            kind="milestone_reached",
            severity="info",
            data={
                "metric": milestone.metric,
                "metric_label": label,
                "metric_unit": unit,
                "fraction_pct": _fraction_pct(fraction),
                "value_display": _display(milestone.metric, value),
                "target_display": _display(milestone.metric, target),
                "threshold_display": _display(milestone.metric, needed),
                "share_pct": percent(value, target),
            },
            facts=(
                Fact(label, _display(milestone.metric, value)),
                Fact("Target", _display(milestone.metric, target)),
                Fact("Milestone", f"{_fraction_pct(fraction)} = {_display(milestone.metric, needed)}"),
                Fact("As of", format_local(metrics.as_of, spec.timezone, with_zone=True)),
            ),
        )
        yield MilestoneStatus(key, description, True, alert)


def _time_status(
    spec: CampaignSpec,
    milestone: TimeMilestone,
    metrics: CampaignMetrics,
    since: dt.datetime,
    until: dt.datetime,
) -> MilestoneStatus:
    anchor = getattr(spec.timeline, milestone.before)
    due = anchor - dt.timedelta(hours=milestone.hours)
    label = TIMELINE_LABELS[milestone.before]
    key = alert_key("time_milestone", spec.id, milestone.before, f"{milestone.hours}h")
    description = f"{label} in {milestone.hours} h (due {format_local(due, spec.tz, style=SHORT)})"
    # due in the run whose interval (since, until] reaches the due moment, while the anchor is ahead
    if not (utc(due) <= utc(until) and utc(anchor) > utc(since)):
        return MilestoneStatus(key, description, False)
    target = target_value(spec, "creators_enrolled")
    enrolled = metrics.creators_enrolled
    share = percent(enrolled, target) if target else ""
    facts = [
        Fact(label, format_local(anchor, spec.timezone, with_zone=True)),
        Fact("Enrolled creators", f"{enrolled:,}" + (f" of {target:,} ({share})" if target else "")),
    ]
    alert = Alert(
        key=key,
        campaign_id=spec.id,
        kind="time_milestone",
        severity="warning",
        data={
            "before": milestone.before,
            "anchor_label": label,
            "hours": milestone.hours,
            "anchor_at": format_local(anchor, spec.tz),
            "creators_enrolled": f"{enrolled:,}",
            "enrollment_share_pct": share or f"{enrolled:,}",
            "target_display": f"{target:,}" if target else "",
        },
        facts=tuple(facts),
    )
    return MilestoneStatus(key, description, True, alert)


def evaluate_milestones(
    spec: CampaignSpec,
    metrics: CampaignMetrics,
    *,
    since: dt.datetime,
    until: dt.datetime,
) -> list[MilestoneStatus]:
    """Evaluate every milestone of the spec for the run covering (since, until]."""
    statuses: list[MilestoneStatus] = []
    for milestone in spec.milestones:
        if isinstance(milestone, MetricMilestone):
            statuses.extend(_metric_statuses(spec, milestone, metrics))
        else:
            statuses.append(_time_status(spec, milestone, metrics, since, until))
    return statuses
