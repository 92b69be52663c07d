"""Data quality: validate a batch of accepted rows with its Great Expectations suite (SPEC section 4).

Suites are static JSON files, `include/expectations/<dataset>.json`, one per data set plus
`ingested_files.json` for the landed file itself (readable, few rows quarantined).
Campaign-specific thresholds are suite parameters (`{"$PARAMETER": "name"}`) filled at
validation time from the spec by `suite_parameters(spec)`. Validation runs in one
ephemeral GX context per process (progress bars off) and never materializes every row:
the whole suite runs first with the BOOLEAN_ONLY result format, then only the
expectations that failed run again with SUMMARY (counts and at most a few offending
values) on the same validator, whose metric cache already holds what the first pass
computed. The batch is fetched once per validation, and GX's md5 fingerprint of the
whole frame (batch metadata we never store: the landed file's sha256 is the lineage)
is switched off: on a million Arrow-string rows it cost as much as all the checks.
The result is a `QualityReport` whose `to_dict()` the alerts send: failed expectations
with their arguments and observed values, and a small sample of offending rows with
personal data masked. Surveys are validated in long form, one row per answer
(`survey_answers_frame` turns a reader's result into that shape). Great Expectations is
imported lazily: importing it costs seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creator_ops.core import order_status
from creator_ops.core.ingest.datasets import DATASETS
from creator_ops.core.masking import mask_pii
from creator_ops.core.money import to_sen
from creator_ops.core.paths import EXPECTATIONS_DIR
from creator_ops.core.spec import CampaignSpec
from creator_ops.core.times import utc

if TYPE_CHECKING:
    import pandas as pd

    from creator_ops.core.ingest import ReadResult

SUITES_DIR = EXPECTATIONS_DIR
FILE_SUITE = "ingested_files"
SAMPLE_ROWS = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}

_HASH = re.compile(r"^[0-9a-f]{64}$")
_PERSONAL_COLUMNS = re.compile(r"e-?mail|phone|mobile|telefon", re.IGNORECASE)
_lock = threading.Lock()


# --------------------------------------------------------------------------- reports


@dataclass
class FailedExpectation:
    """One expectation that did not hold, as ops read it in an alert."""

    name: str
    expectation_type: str
    why: str
    kwargs: dict[str, Any]
    observed: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_values: list[Any] = field(default_factory=list)
    error: str | None = None


@dataclass
class QualityReport:
    """The verdict on one batch: which suite, whether it passed, what failed, and a masked sample."""

    suite: str
    dataset: str
    passed: bool
    rows: int
    evaluated: int
    failed: list[FailedExpectation] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def failed_names(self) -> list[str]:
        return [f.name for f in self.failed]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict (what alerts render and the warehouse stores)."""
        return _json_safe(asdict(self) | {"failed_names": self.failed_names})

    def summary(self) -> str:
        """Return one line for the task log."""
        verdict = "passed" if self.passed else f"FAILED {len(self.failed)}: {', '.join(self.failed_names)}"
        return f"suite {self.suite} on {self.rows} rows: {self.evaluated} expectations, {verdict}"


def _json_safe(value: Any) -> Any:
    if value is None or (not isinstance(value, list | tuple | set | dict | str) and _is_missing(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _is_missing(value: Any) -> bool:
    """NaN, NaT and pandas NA are not JSON: they become null."""
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- masking


def mask_value(column: str, value: Any) -> Any:
    """Mask a cell for an alert: personal columns entirely, hashes shortened, free text scrubbed."""
    if value is None:
        return None
    if _PERSONAL_COLUMNS.search(column):
        # a real hash may be shortened; anything else in a personal column could be the clear value
        return f"{value[:8]}…" if isinstance(value, str) and _HASH.match(value) else "***"
    if isinstance(value, str):
        return mask_pii(value)
    return value


# --------------------------------------------------------------------------- suites


def suite_path(name: str) -> Path:
    """Return the suite file for a data set (or `ingested_files`)."""
    return SUITES_DIR / f"{name}.json"


@cache
def load_suite_json(name: str) -> dict[str, Any]:
    """Read a suite file as a dict (cached; suites are static)."""
    path = suite_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"no expectation suite {path} for data set {name!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def suite_parameters(spec: CampaignSpec) -> dict[str, Any]:
    """Return the run-time values of the suites' `$PARAMETER`s, from the campaign spec."""
    t, q = spec.timeline, spec.quality
    margin = dt.timedelta(days=q.margin_days)
    surveys = [(spec.when(s.opens), spec.when(s.closes)) for s in spec.surveys] or [
        (t.recruitment_opens, t.event_end + dt.timedelta(days=7))
    ]
    return {
        "order_window_start": utc(t.event_start - margin),
        "order_window_end": utc(t.event_end + margin),
        "max_gmv_per_line_sen": to_sen(q.max_gmv_per_line_myr),
        "enrollment_window_start": utc(t.recruitment_opens - margin),
        "enrollment_window_end": utc(t.event_end + margin),
        "survey_window_start": utc(min(o for o, _ in surveys) - margin),
        "survey_window_end": utc(max(c for _, c in surveys) + margin),
        # samples and content (SPEC section 9): from recruitment to the payout
        "campaign_window_start": utc(t.recruitment_opens - margin),
        "campaign_window_end": utc(t.payout_date + margin),
        "max_followers": q.max_followers,
        "max_gmv_30d_sen": to_sen(q.max_gmv_30d_myr),
        "max_quarantine_share": float(q.max_quarantine_share),  # a share, compared, never paid
        "order_statuses": list(order_status.KNOWN),  # the one vocabulary (SPEC 3), in its normal form
    }


# --------------------------------------------------------------------------- validation


@cache
def _context() -> Any:
    """Return the process's ephemeral GX context with a pandas data source (built once)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network from tasks
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints frames below this many bytes with an md5 of every cell, kept only as
    # batch metadata; 0 skips it as GX already does for frames of 1 GB and more.
    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    context.data_sources.add_pandas("creator_ops")
    return context


@cache
def _batch_definition(asset_name: str) -> Any:
    source = _context().data_sources.get("creator_ops")
    asset = source.add_dataframe_asset(asset_name)
    return asset.add_batch_definition_whole_dataframe("batch")


@cache
def _suite(name: str) -> Any:
    import great_expectations as gx

    suite = gx.ExpectationSuite(**load_suite_json(name))
    names = [e.meta.get("name") for e in suite.expectations]
    if len(set(names)) != len(names) or None in names:
        # failed expectations are re-run by name: every one needs its own
        raise ValueError(f"suite {name!r}: every expectation needs a distinct meta.name, got {names}")
    return suite


def _validate(name: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> tuple[Any, list[Any]]:
    """Return (BOOLEAN_ONLY suite result, SUMMARY results of the failed expectations)."""
    from great_expectations.validator.v1_validator import Validator

    suite = _suite(name)
    validator = Validator(
        batch_definition=_batch_definition(name),
        batch_parameters={"dataframe": frame},
        result_format="BOOLEAN_ONLY",
    )
    verdict = validator.validate_expectation_suite(suite, expectation_parameters=parameters)
    failed_names = {r.expectation_config.meta.get("name") for r in verdict.results if not r.success}
    if not failed_names:
        return verdict, []
    # same batch, same metric cache: only the extra detail (sample values, row indexes) is computed
    validator.result_format = RESULT_FORMAT
    details = [
        validator.validate_expectation(expectation, expectation_parameters=parameters)
        for expectation in suite.expectations
        if expectation.meta.get("name") in failed_names
    ]
    return verdict, details


def run_suite(name: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> QualityReport:
    """Validate `frame` with suite `name`; return the report (offending rows masked)."""
    frame = frame.reset_index(drop=True)  # GX reports offending rows by index: make it positional
    suite_json = load_suite_json(name)
    with _lock:  # GX contexts are not thread-safe; tasks run one per process anyway
        verdict, details = _validate(name, frame, parameters)
    failed: list[FailedExpectation] = []
    offending: list[int] = []
    for outcome in details:  # each result carries its own configuration
        failed.append(_failure(outcome))
        offending += list(outcome.result.get("partial_unexpected_index_list") or [])[:SAMPLE_ROWS]
    sample_index = list(dict.fromkeys(i for i in offending if isinstance(i, int)))[: SAMPLE_ROWS * 2]
    sample = [
        {column: mask_value(column, _json_safe(value)) for column, value in row.items()}
        for row in frame.iloc[sample_index].to_dict(orient="records")
    ]
    used = {k: v for k, v in parameters.items() if f'"{k}"' in json.dumps(suite_json)}
    return QualityReport(
        suite=name,
        dataset=suite_json.get("meta", {}).get("dataset", name),
        passed=bool(verdict.success),
        rows=len(frame),
        evaluated=len(verdict.results),
        failed=failed,
        sample=_json_safe(sample),
        parameters=_json_safe(used),
    )


def _failure(outcome: Any) -> FailedExpectation:
    """Describe one failed expectation with its resolved arguments and what was observed."""
    config = outcome.expectation_config
    meta = config.meta or {}
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("result_format", "batch_id")}
    result = outcome.result or {}
    column = str(kwargs.get("column", ""))
    error = None
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        error = str(outcome.exception_info.get("exception_message"))[:300]
    return FailedExpectation(
        name=meta.get("name") or f"{config.type}({column})",
        expectation_type=config.type,
        why=meta.get("why", ""),
        kwargs=_json_safe(kwargs),
        observed=mask_value(column, _json_safe(result.get("observed_value"))),
        unexpected_count=result.get("unexpected_count"),
        unexpected_percent=result.get("unexpected_percent"),
        unexpected_values=[
            mask_value(column, _json_safe(v)) for v in (result.get("partial_unexpected_list") or [])
        ][:SAMPLE_ROWS],
        error=error,
    )


def validate_batch(
    dataset: str,
    frame: pd.DataFrame,
    spec: CampaignSpec,
    *,
    file_stats: dict[str, Any] | None = None,
) -> QualityReport:
    """Validate one batch of accepted rows of `dataset` (plus, if given, its file's ingestion figures).

    `file_stats` has the file's `status`, `rows_in` and `rows_quarantined` (table
    ingested_files); its expectations (readable, quarantined share below the spec's
    threshold) join the data set's report.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown data set {dataset!r}; expected one of {', '.join(DATASETS)}")
    missing = [c for c in suite_columns(dataset) if c not in frame.columns]
    if missing:
        hint = (
            " (surveys are validated in long form: pass survey_answers_frame(result))"
            if dataset == "surveys"
            else ""
        )
        raise ValueError(
            f"the {dataset} batch lacks column(s) {', '.join(missing)} that its suite checks{hint}"
        )
    parameters = suite_parameters(spec)
    report = run_suite(dataset, frame, parameters)
    if file_stats is not None:
        import pandas as pd

        rows_in = int(file_stats.get("rows_in") or 0)
        share = (int(file_stats.get("rows_quarantined") or 0) / rows_in) if rows_in else 0.0
        files = pd.DataFrame(
            [{"status": file_stats.get("status", "accepted"), "rows_in": rows_in, "quarantine_share": share}]
        )
        file_report = run_suite(FILE_SUITE, files, parameters)
        report.evaluated += file_report.evaluated
        report.failed += file_report.failed
        report.passed = report.passed and file_report.passed
        report.parameters |= file_report.parameters
    return report


def suite_columns(name: str) -> list[str]:
    """Return the columns suite `name` checks, in order of first use."""
    columns: list[str] = []
    for expectation in load_suite_json(name)["expectations"]:
        kwargs = expectation["kwargs"]
        named = [
            kwargs.get("column"),
            kwargs.get("column_A"),
            kwargs.get("column_B"),
            *kwargs.get("column_list", []),
        ]
        columns += [c for c in named if c and c not in columns]
    return columns


SURVEY_BATCH_COLUMNS = ("creator_id", "submitted_at", "question", "answer", "language")


def survey_answers_frame(result: ReadResult) -> pd.DataFrame:
    """Return a surveys read as the suite's batch: one row per answer given, with its form's creator and time.

    The reader's `accepted` frame has one row per form (questions melted away) and
    `answers` the long form; a form whose every question is blank has no row here, as in
    the warehouse (survey_answers joined to survey_responses), which the quality step
    validates the same way.
    """
    if result.dataset != "surveys" or result.answers is None:
        raise ValueError(
            f"{result.path}: a surveys read has answers in long form; this is {result.dataset!r}"
        )
    return result.answers.loc[:, list(SURVEY_BATCH_COLUMNS)]


def batch_frame(result: ReadResult) -> pd.DataFrame:
    """Return the frame a data set's suite validates from one reader result."""
    return survey_answers_frame(result) if result.dataset == "surveys" else result.accepted


def validate_read_result(result: ReadResult, spec: CampaignSpec) -> QualityReport:
    """Validate one file as read by `creator_ops.core.ingest.read_dataset`, with its quarantine figures."""
    stats = {"status": "accepted", "rows_in": result.rows_in, "rows_quarantined": result.n_quarantined}
    return validate_batch(result.dataset, batch_frame(result), spec, file_stats=stats)
