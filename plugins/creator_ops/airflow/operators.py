"""Operators of the campaign DAG: a phase-gated step runner and the runbook sign-off.

Both are thin: `CampaignStepOperator` builds a `StepContext` and calls a plain step
function named by dotted path (imported at run time, so parsing stays cheap);
`RunbookSignoffOperator` opens a human-in-the-loop request in the run due for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from creator_ops.core.calendar import CampaignCalendar, Phase, signoff_deadline
from creator_ops.core.masking import mask_pii
from creator_ops.core.settings import WAREHOUSE_CONN_ID
from creator_ops.core.spec import SpecError, load_spec
from creator_ops.core.times import format_local

if TYPE_CHECKING:
    from creator_ops.airflow.hooks import WarehouseHook
    from creator_ops.core.spec import CampaignSpec
    from creator_ops.core.steps import StepContext


def _interval(context: Any) -> tuple[dt.datetime, dt.datetime]:
    start = context.get("data_interval_start") or context["logical_date"]
    end = context.get("data_interval_end") or start
    return start, end


def _phases(phases: Sequence[Phase | str]) -> list[Phase]:
    """Return `phases` as `Phase` members (the stages pass members: converting them again is parse time)."""
    return [p if type(p) is Phase else Phase(p) for p in phases]


def _import_step(path: str):
    module_name, _, attr = path.partition(":")
    module = __import__(module_name, fromlist=[attr])
    return getattr(module, attr)


def _load(spec_path: str):
    try:
        return load_spec(spec_path)
    except SpecError as exc:
        raise AirflowFailException(f"campaign spec is invalid now: {exc}") from None


def airflow_variable(name: str) -> str | None:
    """Return an Airflow variable, or None when it is not set (the step decides whether that is fatal)."""
    from airflow.sdk import Variable

    try:
        return Variable.get(name, default=None)
    except Exception:  # outside a task's runtime there is no variable to read: the step falls back
        return None


def connection_extra(conn_id: str) -> dict[str, Any] | None:
    """Return an Airflow connection's extra as a mapping, or None when the connection is not defined."""
    from airflow.sdk import BaseHook

    try:
        return dict(BaseHook.get_connection(conn_id).extra_dejson)
    except Exception:  # an undefined connection: the step says which one is missing
        return None


def landing_path(root: str, conn_id: str | None) -> Any:
    """Return the landing root: object-storage roots as Airflow's `ObjectStoragePath`, folders as they are."""
    from creator_ops.core.storage import is_uri, root_path

    return root_path(root, conn_id) if is_uri(root) else root


class WarehouseMixin:
    """The warehouse hook of an operator, made once per task (as the common.sql operators cache theirs)."""

    warehouse_conn_id: str

    @cached_property
    def hook(self) -> WarehouseHook:
        from creator_ops.airflow.hooks import WarehouseHook

        return WarehouseHook(self.warehouse_conn_id)


def step_context(operator: Any, context: Any, spec_path: str, spec: CampaignSpec | None = None) -> StepContext:
    """Build the `StepContext` of a running task: the spec as it is now, the run's interval, the warehouse."""
    from creator_ops.core.settings import settings
    from creator_ops.core.steps import StepContext
    from creator_ops.core.storage import root_path

    current = settings()
    start, end = _interval(context)
    return StepContext(
        spec=spec or _load(spec_path),
        spec_path=Path(spec_path),
        run_id=context["run_id"],
        interval_start=start,
        interval_end=end,
        engine=operator.hook.engine,
        log=operator.log,
        extras={"try_number": getattr(context.get("ti"), "try_number", None), "connection_extra": connection_extra},
        variable=airflow_variable,
        landing_path=landing_path(current.landing_root, current.landing_connection),
        output_path=root_path(current.output_root, current.storage_conn_id),
    )


class CampaignStepOperator(WarehouseMixin, BaseOperator):
    """Run one campaign step (`module:function`) when the run's phase is one the step applies to.

    `step_kwargs` are passed to the step after the context (e.g. `{"dataset": "orders"}` for
    the one ingestion and the one validation step of every data set).
    """

    template_fields: Sequence[str] = ()
    ui_color = "#e8f4ea"

    def __init__(
        self,
        *,
        spec_path: str,
        step: str,
        phases: Sequence[Phase],
        step_kwargs: dict[str, Any] | None = None,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        phases = _phases(phases)
        # the default documentation goes in with the other arguments (setting it after costs a second pass)
        kwargs["doc_md"] = kwargs.get("doc_md") or f"Runs in phases: {', '.join(phases)}. Step: `{step}`."
        super().__init__(**kwargs)
        self.spec_path = spec_path
        self.step = step
        self.step_kwargs = dict(step_kwargs or {})
        self.phases = phases
        self.warehouse_conn_id = warehouse_conn_id

    def execute(self, context: Any) -> Any:
        from creator_ops.core.steps import DataNotTrusted, StepSkipped

        start, end = _interval(context)
        spec = _load(self.spec_path)
        phase = CampaignCalendar(spec.timeline).phase_of(start)
        if phase not in self.phases:  # decided before the warehouse is opened: most skips are cheap
            raise AirflowSkipException(
                f"{self.task_id} runs in the {', '.join(self.phases)} phase(s); "
                f"this run ({format_local(start, spec.tz, with_zone=True)}) is in the {phase} phase"
            )
        ctx = step_context(self, context, self.spec_path, spec)
        # the interval in the campaign's time zone, with UTC beside it (what Airflow's own lines use)
        self.log.info(
            "Campaign %s, phase %s, interval %s → %s (%s); UTC %s → %s", ctx.spec.id, ctx.phase,
            format_local(start, spec.tz), format_local(end, spec.tz), spec.timezone,
            f"{start.astimezone(dt.UTC):%Y-%m-%d %H:%M}", f"{end.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
        )  # fmt: skip
        try:
            return _import_step(self.step)(ctx, **self.step_kwargs)
        except StepSkipped as exc:
            raise AirflowSkipException(mask_pii(str(exc))) from None
        except DataNotTrusted as exc:
            raise AirflowFailException(mask_pii(str(exc))) from None
        except Exception as exc:
            # the task log and the failure alert print the message: personal data in it is masked first
            exc.args = tuple(mask_pii(a) if isinstance(a, str) else a for a in exc.args)
            raise


class RunbookSignoffOperator(WarehouseMixin, ApprovalOperator):
    """A sign-off by another team, opened in the run whose interval covers its due time.

    It parks in the UI (Required Actions) without holding a worker slot; "Reject" skips
    what depends on it. In every other run it skips, saying when it is due. Unanswered by
    its deadline (the step's `respond_by`, default the next phase boundary), it escalates
    by alert and then fails visibly, so it never holds one of the DAG's active runs forever.
    """

    ui_color = "#fff4d6"
    MIN_WAIT = dt.timedelta(minutes=1)  # a sign-off opened past its deadline still gets a moment

    def __init__(
        self,
        *,
        spec_path: str,
        step_id: str,
        due: dt.datetime,
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.spec_path = spec_path
        self.step_id = step_id
        self.due_iso = due.isoformat()
        self.warehouse_conn_id = warehouse_conn_id
        self.deadline_iso: str | None = None

    def execute(self, context: Any) -> Any:
        spec = load_spec(self.spec_path)
        calendar = CampaignCalendar(spec.timeline)
        step = next((s for s in spec.runbook if s.id == self.step_id), None)
        if step is None:
            raise AirflowSkipException(f"runbook step {self.step_id!r} is no longer in the spec")
        due = spec.when(step.due)
        due_run = calendar.run_containing(due)
        self.open_or_skip(context, step, due, due_run.start)
        now = dt.datetime.now(dt.UTC)
        respond_by = spec.when(step.respond_by) if step.respond_by is not None else None
        deadline = signoff_deadline(spec.timeline, max(now, due), respond_by)
        self.response_timeout = max(deadline - now, self.MIN_WAIT)
        self.deadline_iso = deadline.isoformat()
        self.log.info("Opening sign-off %r, due %s; escalates unanswered at %s", self.step_id, due, deadline)
        return super().execute(context)

    def process_trigger_event_error(self, event: dict[str, Any]) -> None:
        """On a timeout: escalate by alert, then fail with a message saying so (other errors: as Airflow does)."""
        if event.get("error_type") != "timeout":
            super().process_trigger_event_error(event)
        self.escalate(self._context)
        raise AirflowFailException(
            f"sign-off {self.step_id!r} got no answer by {self.deadline_iso or 'its deadline'}: escalated by alert;"
            " clear this task to open it again"
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        self._context = context  # the timeout path needs the run to escalate in
        return super().execute_complete(context, event)

    def escalate(self, context: Any) -> int:
        """Queue the 'sign-off overdue' alert to the campaign's channels; return rows added."""
        from creator_ops.core.alerts import channels_for
        from creator_ops.core.problems import signoff_overdue_alert
        from creator_ops.warehouse.outbox import enqueue

        ctx = step_context(self, context, self.spec_path)
        step = next(s for s in ctx.spec.runbook if s.id == self.step_id)
        now = dt.datetime.now(dt.UTC)
        due = ctx.spec.when(step.due)
        respond_by = ctx.spec.when(step.respond_by) if step.respond_by is not None else None
        deadline = dt.datetime.fromisoformat(self.deadline_iso) if self.deadline_iso else (
            signoff_deadline(ctx.spec.timeline, due, respond_by)
        )
        alert = signoff_overdue_alert(
            ctx.spec, step_id=step.id, title=step.title, owner=step.owner, due=due, deadline=deadline,
            run_id=ctx.run_id,
        )
        added = enqueue(ctx.engine, [alert], channels=channels_for(ctx.spec), campaign_name=ctx.spec.name, now=now)
        self.log.warning("Sign-off %r unanswered by %s: escalated (%d alert row(s))", self.step_id, deadline, added)
        return added

    def open_or_skip(self, context: Any, step: Any, due: dt.datetime, due_run_start: dt.datetime) -> None:
        """Skip unless this run is the one due for the sign-off (a subclass may open it in more runs)."""
        start, _ = _interval(context)
        if start.astimezone(dt.UTC) != due_run_start.astimezone(dt.UTC):
            raise AirflowSkipException(
                f"sign-off {self.step_id!r} is due {due.isoformat()}; it opens in the run of "
                f"{due_run_start.isoformat()}, not this one ({start.isoformat()})"
            )


class MatchmakingSignoffOperator(RunbookSignoffOperator):
    """BD's sign-off of the matchmaking list (SPEC 11): shows the list, Approve freezes it, Reject re-opens it.

    Opens in the run due for it and, after a rejection, in every later run before the
    event (with that run's new list) until a list is approved. Once a list is frozen it
    skips, saying who froze it and when.
    """

    def __init__(self, **kwargs: Any) -> None:
        from airflow.sdk import Param

        kwargs.setdefault(
            "params",
            {"note": Param("", type=["null", "string"], description="Why (required in practice for Reject)")},
        )
        super().__init__(**kwargs)

    def open_or_skip(self, context: Any, step: Any, due: dt.datetime, due_run_start: dt.datetime) -> None:
        from creator_ops.core.times import format_local
        from creator_ops.steps.matchmaking import prepare_signoff, signoff_should_open
        from creator_ops.warehouse.mechanisms import frozen_list

        ctx = step_context(self, context, self.spec_path)
        frozen = frozen_list(ctx.engine, ctx.campaign_id)
        if frozen is not None:
            raise AirflowSkipException(
                f"the matchmaking list {frozen.list_id} was signed off by {frozen.decided_by} at "
                f"{format_local(frozen.decided_at, ctx.spec.tz, with_zone=True)}; nothing left to sign"
            )
        why = signoff_should_open(ctx, due_run_start)
        if why is None:
            super().open_or_skip(context, step, due, due_run_start)  # raises the skip with the due time
        request = prepare_signoff(ctx, step.title)
        self.subject, self.body = request.subject, request.body
        self.log.info("BD sign-off opens (%s) on list %s", why, request.list_id)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from creator_ops.steps.matchmaking import record_signoff

        chosen = (event.get("chosen_options") or [None])[0]
        if "error" not in event and chosen in (self.APPROVE, self.REJECT):
            user = event.get("responded_by_user") or {}
            at = event.get("responded_at") or dt.datetime.now(dt.UTC)
            record_signoff(
                step_context(self, context, self.spec_path),
                approved=chosen == self.APPROVE,
                by=str(user.get("name") or user.get("id") or "unknown"),
                at=at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at)),
                note=(event.get("params_input") or {}).get("note") or None,
            )
        return super().execute_complete(context, event)


class PayoutApprovalOperator(WarehouseMixin, ApprovalOperator):
    """Payout approval: shows totals, top earners, budget use and quality warnings; records the decision.

    Runs only in its phases; refuses untrusted data; "Reject" (with a note) records the
    reason in the ledger and skips the finance export.
    """

    ui_color = "#fde2e4"

    def __init__(
        self,
        *,
        spec_path: str,
        phases: Sequence[Phase],
        warehouse_conn_id: str = WAREHOUSE_CONN_ID,
        **kwargs: Any,
    ) -> None:
        from airflow.sdk import Param

        kwargs.setdefault("subject", "Approve campaign payouts")
        kwargs.setdefault("body", "The calculation to approve is shown when the payout run reaches this task.")
        kwargs.setdefault(
            "params",
            {"note": Param("", type=["null", "string"], description="Why (required in practice for Reject)")},
        )
        super().__init__(**kwargs)
        self.spec_path = spec_path
        self.phases = [Phase(p) for p in phases]
        self.warehouse_conn_id = warehouse_conn_id

    def _step_context(self, context: Any):
        return step_context(self, context, self.spec_path)

    def execute(self, context: Any) -> Any:
        from creator_ops.core.steps import DataNotTrusted, StepSkipped
        from creator_ops.steps.payouts import prepare_approval

        ctx = self._step_context(context)
        if ctx.phase not in self.phases:
            raise AirflowSkipException(
                f"{self.task_id} runs in the {', '.join(self.phases)} phase(s); this run is in the {ctx.phase} phase"
            )
        try:
            request = prepare_approval(ctx)
        except StepSkipped as exc:
            raise AirflowSkipException(str(exc)) from None
        except DataNotTrusted as exc:
            raise AirflowFailException(str(exc)) from None
        from creator_ops.steps.finance import approval_section

        # SPEC 14: how many payments would be held and why, before anyone approves
        finance = approval_section(ctx, request.calculation_id)
        head, _, last = request.body.rpartition("\n\n")  # before the closing "Approve to release…" line
        self.subject = request.subject
        self.body = f"{head}{finance}\n\n{last}" if finance and head else request.body + finance
        self.log.info("Asking approval of payout calculation %s", request.calculation_id)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from creator_ops.steps.payouts import record_decision
        from creator_ops.warehouse.payout_ledger import LedgerError

        chosen = (event.get("chosen_options") or [None])[0]
        if "error" not in event and chosen in (self.APPROVE, self.REJECT):
            user = event.get("responded_by_user") or {}
            note = (event.get("params_input") or {}).get("note") or None
            try:
                record_decision(
                    self._step_context(context),
                    approved=chosen == self.APPROVE,
                    by=str(user.get("name") or user.get("id") or "unknown"),
                    note=note,
                )
            except LedgerError as exc:
                raise AirflowFailException(str(exc)) from None
        return super().execute_complete(context, event)
