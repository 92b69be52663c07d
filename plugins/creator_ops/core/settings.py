"""The project's settings: every environment variable it reads, typed and documented in one place.

Read with `settings()` when needed (never cached: tests and the demo set variables at run
time). A bad value raises `SettingsError` naming the variable; an empty one counts as
unset. Airflow's own variables (`AIRFLOW__…`, `AIRFLOW_CONN_…`) and secrets stay
Airflow's: the only secret here is the PII key's environment form, which Airflow's
variable lookup reads the same way.

A plain pydantic model read from `os.environ`, not pydantic-settings: both DAG files read
settings at parse time, and importing pydantic-settings (it pulls python-dotenv and its
cloud providers) cost 0.09-0.35 s per parsed file on the development machine, a third of
the parse budget; pydantic itself is loaded by the spec model anyway.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.paths import CAMPAIGNS_DIR, PROJECT_ROOT

ENV_PREFIX = "CREATOR_OPS_"
WAREHOUSE_CONN_ID = "creator_ops_warehouse"  # the Airflow connection of the warehouse (SQLite file without it)


class SettingsError(CreatorOpsError, ValueError):
    """An environment variable has a value the project cannot use."""


def _memory_amount(value: str) -> str:
    """A memory limit as DuckDB reads it: a number and its unit (`1GB`, `512MiB`, `1.5GB`, `80%`)."""
    if not re.fullmatch(r"(?i)\d+(?:\.\d+)?\s*(?:[KMGT]i?B|B|%)", value):
        raise ValueError("not a memory amount; give a number and its unit, like 1GB, 512MiB or 80%")
    return value


def _folder_or_uri(value: object) -> object:
    """A root as given: object storage (`s3://…`, `gs://…`) stays a URI, anything else is a folder."""
    if isinstance(value, str) and "://" in value and not value.startswith("file://"):
        return value
    if isinstance(value, str):
        return Path(value.removeprefix("file://"))
    return value


class Settings(BaseModel):
    """Every environment variable of the project (the README's table lists the same); field aliases are the names."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True, populate_by_name=True
    )

    campaign_specs_dir: Path = Field(CAMPAIGNS_DIR, alias="CAMPAIGN_SPECS_DIR")
    """Folder of campaign specs (`include/campaigns/`)."""
    output_root: Annotated[Path | str, BeforeValidator(_folder_or_uri)] = Field(
        PROJECT_ROOT / "output", alias="CREATOR_OPS_OUTPUT_ROOT"
    )
    """Where files ops open go (run summaries, shortlists, reviews, finance exports): a folder, or `s3://bucket/prefix`."""
    landing_root: str = Field(str(PROJECT_ROOT / "landing"), alias="CREATOR_OPS_LANDING_ROOT")
    """Where exports land: a folder, or `s3://bucket/prefix` / `gs://…` (through Airflow's object storage)."""
    storage_conn_id: str | None = Field(None, alias="CREATOR_OPS_STORAGE_CONN_ID")
    """Airflow connection of object-storage roots (landing and output), e.g. an `aws` connection."""
    landing_conn_id: str | None = Field(None, alias="CREATOR_OPS_LANDING_CONN_ID")
    """Airflow connection for an object-storage landing root, when it differs from the storage connection."""
    payouts_memory_limit: Annotated[str, AfterValidator(_memory_amount)] = Field(
        "1GB", alias="CREATOR_OPS_PAYOUTS_MEMORY_LIMIT"
    )
    """DuckDB's memory limit for the payout engine: an amount with its unit (`1GB`, `512MiB`, `80%`)."""
    demo: bool = Field(False, alias="CREATOR_OPS_DEMO")
    """Demo mode: without a PII key, hash with the demo's public key (demo data is synthetic)."""
    deadline_alerts: bool = Field(False, alias="CREATOR_OPS_DEADLINE_ALERTS")
    """Give each DAG a DeadlineAlert (real runs only; `dag.test()` cannot run one)."""
    run_deadline_minutes: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = Field(
        None, alias="CREATOR_OPS_RUN_DEADLINE_MINUTES"
    )
    """Minutes after a run is queued by which it must have finished (default 50)."""
    ui_now: dt.datetime | None = Field(None, alias="CREATOR_OPS_UI_NOW")
    """Pins "now" in the Campaigns view (ISO 8601 with offset), for demos and screenshots; unset in production."""
    ui_slots: int = Field(4, ge=1, le=64, alias="CREATOR_OPS_UI_SLOTS")
    """Requests the Campaigns view serves at once per API server worker; more wait up to 2 s, then get 503."""
    pii_hash_key: SecretStr | None = Field(None, alias="AIRFLOW_VAR_PII_HASH_KEY")
    """The PII hash key as Airflow's variable lookup reads it from the environment."""

    @property
    def landing_connection(self) -> str | None:
        """The Airflow connection of the landing root: its own, else the storage connection."""
        return self.landing_conn_id or self.storage_conn_id


def env_name(field: str) -> str:
    """Return the environment variable that sets `field`."""
    return Settings.model_fields[field].alias or f"{ENV_PREFIX}{field.upper()}"


def settings() -> Settings:
    """Return the settings as the environment holds them now; a bad value names its variable."""
    names = [env_name(field) for field in Settings.model_fields]
    given = {name: os.environ[name] for name in names if os.environ.get(name, "").strip()}
    try:
        return Settings.model_validate(given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            problems.append(f"{name}={error.get('input')!r}: {error['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(problems)) from None
