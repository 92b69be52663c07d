"""Turn campaign specs into DAGs: one deterministic loader, no database or network at parse time.

Stages are task groups in the order of `STAGES`, an explicit list of each stage module's
`build(stage: StageBuilder) -> None` (which adds the stage's tasks with `stage.step(...)`),
so a missing stage fails the import instead of silently dropping out of every DAG. Steps
are named `module:function` and imported when their task runs (parsing stays cheap);
`tests/dags/test_wiring.py` resolves every one.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, TaskGroup, TriggerRule

from creator_ops.airflow.access import dag_access_control
from creator_ops.airflow.notifiers import campaign_deadline, task_failure_callback
from creator_ops.airflow.operators import CampaignStepOperator, MatchmakingSignoffOperator, RunbookSignoffOperator
from creator_ops.airflow.stages import (
    StageBuilder,
    enrollment,
    matchmaking,
    milestones,
    orders,
    payouts,
    quality,
    recruitment,
    report,
    review,
    surveys,
    traffic,
)
from creator_ops.airflow.timetable import CampaignTimetable
from creator_ops.core.calendar import Phase
from creator_ops.core.matchmaking import SIGNOFF_STEP_ID
from creator_ops.core.money import format_rm_myr
from creator_ops.core.people import step_assignees
from creator_ops.core.settings import Settings, settings
from creator_ops.core.spec import CampaignSpec, SpecCollection, SpecError, SpecProblem, discover_specs
from creator_ops.core.times import DATE, format_local

log = logging.getLogger(__name__)
# The stages, in the order they chain: (task group id, the module's `build(stage)`).
STAGES: tuple[tuple[str, Callable[[StageBuilder], None]], ...] = (
    ("recruitment", recruitment.build),
    ("enrollment", enrollment.build),
    ("surveys", surveys.build),
    ("orders", orders.build),
    ("quality", quality.build),
    ("matchmaking", matchmaking.build),
    ("traffic", traffic.build),
    ("milestones", milestones.build),
    ("payouts", payouts.build),
    ("review", review.build),
    ("report", report.build),
)
# Stages that follow the stage before them but hold up nothing after them: the campaign
# review runs whatever the payouts did, and must not turn a failed payout run green.
SIDE_STAGES = frozenset({"review"})
ALL_PHASES = tuple(Phase)


def campaign_doc_md(spec: CampaignSpec, spec_path: Path) -> str:
    """Render the DAG's UI documentation: timeline, targets, owners, runbook."""
    t = spec.timeline
    lines = [
        f"# {spec.name}",
        "",
        f"`{spec.id}` · type **{spec.type}** · market {spec.market} · {spec.timezone} · spec `{spec_path.name}`",
        "",
        spec.description or "",
        "",
        f"**Owners:** {', '.join(spec.owners)}",
        "",
        "## Timeline",
        "| milestone | when |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {format_local(value, spec.tz)} |" for name, value in t.as_dict().items()]
    targets = spec.targets
    lines += [
        "",
        "## Targets",
        f"- creators enrolled: {targets.creators_enrolled or '—'}",
        f"- GMV: {format_rm_myr(targets.gmv_myr)}",
        f"- survey responses: {targets.survey_responses or '—'}",
    ]
    if spec.incentives:
        inc = spec.incentives
        tiers = ", ".join(f"≥ {format_rm_myr(x.min_gmv_myr)} → {format_rm_myr(x.bonus_myr)}" for x in inc.tiers)
        lines += ["", "## Incentives", f"- budget: {format_rm_myr(inc.budget_myr)}", f"- tiers: {tiers or '—'}"]
    if spec.runbook:
        lines += ["", "## Runbook sign-offs", "| step | owner | due |", "| --- | --- | --- |"]
        lines += [
            f"| {s.title} | {s.owner or '—'} | {format_local(spec.when(s.due), spec.tz)} |" for s in spec.runbook
        ]
    return "\n".join(lines)


def build_campaign_dag(spec: CampaignSpec, spec_path: Path, configured: Settings | None = None) -> DAG:
    """Build the DAG of one campaign (`configured`: the settings, read once per load)."""
    owner = ", ".join(spec.owners)
    dag = DAG(
        dag_id=spec.dag_id,
        dag_display_name=spec.name,  # what ops call the campaign; the id stays campaign__<id>
        description=f"{spec.name} ({spec.type}, event {format_local(spec.timeline.event_start, spec.tz, style=DATE)})",
        schedule=CampaignTimetable(spec.timeline),
        start_date=spec.timeline.recruitment_opens,
        catchup=False,
        max_active_runs=4,
        tags=["campaign", f"type:{spec.type}", f"market:{spec.market}"],
        doc_md=campaign_doc_md(spec, spec_path),
        default_args={
            "owner": owner,
            "on_failure_callback": task_failure_callback(spec_path),
            "retries": 2,
            "retry_delay": dt.timedelta(minutes=2),
            "retry_exponential_backoff": True,
        },
        render_template_as_native_obj=False,
        # None unless CREATOR_OPS_DEADLINE_ALERTS is on: dag.test() cannot run a DAG with a deadline.
        deadline=campaign_deadline(spec, spec_path, configured),
    )
    # the spec's team (FAB auth manager, docs/access.md); set after construction, where the SDK does not flag it
    # as the deprecated permissions module (it is still the one way to give a FAB role one DAG)
    dag.access_control = dag_access_control(spec)
    with dag:
        start = CampaignStepOperator(
            task_id="register_run",
            spec_path=str(spec_path),
            step="creator_ops.steps.run_record:register_run",
            phases=ALL_PHASES,
            doc_md="Records the campaign spec version and this run's phase in the warehouse.",
        )
        previous: Any = start
        groups: dict[str, TaskGroup] = {}
        for stage, build in STAGES:
            with TaskGroup(group_id=stage, tooltip=f"{stage} stage") as group:
                build(StageBuilder(spec, spec_path, group))
            previous >> group
            if stage not in SIDE_STAGES:
                previous = group
            groups[stage] = group
        if spec.runbook:
            with TaskGroup(group_id="runbook", tooltip="sign-offs from other teams") as runbook:
                for step in spec.runbook:
                    # BD's sign-off shows and freezes the matchmaking list, so it waits for this run's list
                    bd_signoff = step.id == SIGNOFF_STEP_ID and "matchmaking" in groups
                    # finance's steps go to the spec's finance people, refused for others (Airflow answers 403)
                    assignees = step_assignees(spec, step)
                    signoff = (MatchmakingSignoffOperator if bd_signoff else RunbookSignoffOperator)(
                        task_id=step.id,
                        spec_path=str(spec_path),
                        step_id=step.id,
                        due=spec.when(step.due),
                        subject=f"{spec.name}: {step.title}",
                        assigned_users=[{"id": name, "name": name} for name in assignees] or None,
                        body=(
                            f"**{step.title}**\n\nOwner: {step.owner or 'unassigned'}"
                            f"{'; answered by ' + ', '.join(assignees) if assignees else ''}. "
                            f"Due {format_local(spec.when(step.due), spec.timezone, with_zone=True)}.\n\n"
                            "Approve once the sign-off is given; Reject records that it was refused."
                        ),
                        retries=0,
                        trigger_rule=TriggerRule.NONE_FAILED,
                    )
                    if bd_signoff:
                        groups["matchmaking"] >> signoff
            start >> runbook
    return dag


@dataclass
class LoadedCampaigns:
    dags: dict[str, DAG]
    collection: SpecCollection
    build_errors: list[tuple[Path, SpecError]] = field(default_factory=list)

    @property
    def problems(self) -> list[SpecProblem]:
        """Every problem of an invalid spec or one whose DAG could not be built, naming file and field."""
        errors = [*self.collection.errors, *self.build_errors]
        return [problem for _, error in errors for problem in error.problems]


def load_campaign_dags(folder: Path | None = None, only_dag_id: str | None = None) -> LoadedCampaigns:
    """Build every valid spec's DAG; one that fails to build is logged as a problem and never hides the others.

    With `only_dag_id` (a task's process: Airflow's parsing context names the DAG it runs)
    only that campaign's DAG is built; the specs are still all read, so the one built is the
    one the dag-processor built (the first file of that id). Invalid specs are reported by
    `dags/campaign_spec_errors.py`. The cyclic garbage
    collector is paused while the DAGs are built: building allocates tens of thousands of
    long-lived objects (operators, groups, edges) and nothing cyclic to free. Where the heap
    is not frozen (tests, `airflow dags` commands, any process holding other DAGs) its passes
    walk everything alive and were 20-30 % of a fill; the dag-processor freezes its heap
    before it forks a parse (`gc.freeze()`), and there the pause saves 1-4 % (issue 29,
    `bench/bench_parse.py`).
    """
    configured = settings()
    collection = discover_specs(folder or configured.campaign_specs_dir)
    dags: dict[str, DAG] = {}
    build_errors: list[tuple[Path, SpecError]] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path, spec in collection.specs:
            if only_dag_id is not None and spec.dag_id != only_dag_id:
                continue
            try:
                dags[spec.dag_id] = build_campaign_dag(spec, path, configured)
            except Exception as exc:  # one campaign's failure must not hide the others
                problem = SpecProblem(str(path), "", f"the DAG cannot be built: {type(exc).__name__}: {exc}")
                build_errors.append((path, SpecError([problem])))
                log.error("%s", problem)
    finally:
        if was_enabled:
            gc.enable()
    return LoadedCampaigns(dags, collection, build_errors)
