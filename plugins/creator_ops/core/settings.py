"""The project's settings: every environment variable it reads, typed and documented in one place.

Read with `settings()` when needed (never cached: tests and the demo set variables at run
time). A bad value raises `SettingsError` naming the variable. Airflow's own variables
(`AIRFLOW__…`, `AIRFLOW_CONN_…`) and secrets stay Airflow's: the only secret here is the
PII key's environment form, which Airflow's variable lookup reads the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.paths import CAMPAIGNS_DIR, PROJECT_ROOT

ENV_PREFIX = "CREATOR_OPS_"
WAREHOUSE_CONN_ID = "creator_ops_warehouse"  # the Airflow connection of the warehouse (SQLite file without it)


class SettingsError(CreatorOpsError, ValueError):
    """An environment variable has a value the project cannot use."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every environment variable of the project (the README's table lists the same)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
    )

    campaign_specs_dir: Path = Field(CAMPAIGNS_DIR, validation_alias=_env("CAMPAIGN_SPECS_DIR"))
    """Folder of campaign specs (`include/campaigns/`)."""
    output_root: Path = PROJECT_ROOT / "output"
    """Folder of files ops open: run summaries, shortlists, finance exports."""
    landing_root: str = str(PROJECT_ROOT / "landing")
    """Where exports land: a folder, or `s3://…` / `gs://…` (through Airflow's object storage)."""
    landing_conn_id: str | None = None
    """Airflow connection for an object-storage landing root."""
    payouts_memory_limit: str = "1GB"
    """DuckDB's memory limit for the payout engine."""
    demo: bool = False
    """Demo mode: without a PII key, hash with the demo's public key (demo data is synthetic)."""
    deadline_alerts: bool = False
    """Give each DAG a DeadlineAlert (real runs only; `dag.test()` cannot run one)."""
    run_deadline_minutes: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)] | None = None
    """Minutes after a run is queued by which it must have finished (default 50)."""
    ui_now: dt.datetime | None = None
    """Pins "now" in the Campaigns view (ISO 8601 with offset), for demos and screenshots; unset in production."""
    pii_hash_key: SecretStr | None = Field(None, validation_alias=_env("AIRFLOW_VAR_PII_HASH_KEY"))
    """The PII hash key as Airflow's variable lookup reads it from the environment."""


def env_name(field: str) -> str:
    """Return the environment variable that sets `field`."""
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else f"{ENV_PREFIX}{field.upper()}"


def settings() -> Settings:
    """Return the settings as the environment holds them now; a bad value names its variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = env_name(field) if field in Settings.model_fields else field
            problems.append(f"{name}={error.get('input')!r}: {error['msg']}")
        raise SettingsError("; ".join(problems)) from None
