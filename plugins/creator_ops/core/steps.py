"""What a campaign step receives and may raise; steps are plain functions, testable without Airflow.

A step is `def step(ctx: StepContext) -> dict | None`. The Airflow operator builds the
context from the run (phase, data interval, run id), the spec file and the warehouse
connection, calls the step, and turns `StepSkipped` into a visible skip.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creator_ops.core.calendar import CampaignCalendar, Phase
from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.masking import mask_pii
from creator_ops.core.settings import settings
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.storage import is_uri, root_path

if TYPE_CHECKING:
    from sqlalchemy import Engine


class StepSkipped(CreatorOpsError):
    """The step does not apply to this run; the message says why (shown in the UI)."""


class DataNotTrusted(CreatorOpsError):
    """A payout step refused to run on data whose quality suite failed."""


def output_root() -> Path | Any:
    """Return where files ops open go (shortlists, reports, finance exports): a folder, or an object-storage path.

    An `s3://…` root opens through the opener the Airflow layer registered (core/storage.py):
    an `ObjectStoragePath` with the storage connection.
    """
    current = settings()
    return root_path(current.output_root, current.storage_conn_id)


def landing_root() -> str:
    """Return the landing root URI (a local folder by default; `s3://…` or `gs://…` in production)."""
    return settings().landing_root


def landing_root_path() -> Path | Any:
    """Return the landing root as a path object (an object-storage path for `s3://…`, see `output_root`)."""
    current = settings()
    return root_path(current.landing_root, current.landing_connection)


def utc_now() -> dt.datetime:
    """Return the wall clock in UTC: the clock a step reads unless it is given another."""
    return dt.datetime.now(dt.UTC)


@dataclass
class StepContext:
    """Everything a step needs about the campaign and the run it is part of."""

    spec: CampaignSpec
    spec_path: Path
    run_id: str
    interval_start: dt.datetime
    interval_end: dt.datetime
    engine: Engine
    log: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    # Airflow-provided things, passed in by the Airflow layer (absent in plain-Python runs):
    # a variable lookup (`name -> value or None`) and the landing root as a path object
    # (an `ObjectStoragePath` for `s3://`/`gs://` roots).
    variable: Callable[[str], str | None] | None = None
    landing_path: Any = None
    # the output root as a path object (an `ObjectStoragePath` for `s3://` roots); None: `output_root()`
    output_path: Any = None
    # The wall clock, for what happens "now" (alerts queued and sent); a test passes a fixed one.
    clock: Callable[[], dt.datetime] = utc_now

    @cached_property
    def calendar(self) -> CampaignCalendar:
        return CampaignCalendar(self.spec.timeline)

    @property
    def phase(self) -> Phase:
        return self.calendar.phase_of(self.interval_start)

    @property
    def campaign_id(self) -> str:
        return self.spec.id

    @property
    def output_base(self) -> Path | Any:
        """Return the output root: the path the Airflow layer passed in, else the configured one."""
        return self.output_path if self.output_path is not None else output_root()

    @property
    def output_dir(self) -> Path | Any:
        """Return the campaign's output folder (a prefix on object storage, where folders need no making)."""
        path = self.output_base / self.spec.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def now(self) -> dt.datetime:
        """Return the current time from the context's clock."""
        return self.clock()

    def get_variable(self, name: str) -> str | None:
        """Return an Airflow variable through the lookup the Airflow layer passed in, or None."""
        return self.variable(name) if self.variable is not None else None

    @property
    def landing(self) -> Any:
        """Return the landing root: the path the Airflow layer passed in, else the configured folder."""
        if self.landing_path is not None:
            return self.landing_path
        root = landing_root()
        return landing_root_path() if is_uri(root) else root

    def info(self, message: str, *args: Any) -> None:
        """Log a line, personal data masked (file names, headers and values may carry it)."""
        if self.log is not None:
            self.log.info("%s", mask_pii(message % args if args else message))

    def warning(self, message: str, *args: Any) -> None:
        """Log a warning, personal data masked."""
        if self.log is not None:
            self.log.warning("%s", mask_pii(message % args if args else message))
