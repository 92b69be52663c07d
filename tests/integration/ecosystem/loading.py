"""Load the hand-computed ecosystem fixture's campaign folders into a warehouse through the real steps.

Each campaign's files land under `<landing>/<campaign>/<data set>/` and go through the
ingestion step, and (when `settle`) a payout-day run is registered and the payout step
calculates, as the DAG's settlement and payout runs do.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext
from creator_ops.steps.ingest import ingest
from creator_ops.steps.payouts import calculate
from creator_ops.steps.run_record import register_run

DATASETS = ("enrollments", "orders", "exclusions", "samples")


def load_folder(engine, folder: Path, landing: Path, *, settle: bool = True) -> str:
    """Ingest one campaign folder (spec.yaml + data files); return the campaign id."""
    spec_path = folder / "spec.yaml"
    spec = load_spec(spec_path)
    t = spec.timeline
    for dataset in DATASETS:
        source = folder / f"{dataset}.csv"
        if source.is_file():
            target = landing / spec.id / dataset
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / source.name)
    moment = t.payout_date if settle else t.recruitment_opens
    ctx = StepContext(
        spec,
        spec_path,
        f"fixture__{spec.id}",
        moment,
        moment + dt.timedelta(hours=1),
        engine,
        landing_path=str(landing),
    )
    if settle:
        register_run(ctx)
    for dataset in DATASETS:
        ingest(ctx, dataset)
    if settle and spec.incentives is not None:
        calculate(ctx)
    return spec.id
