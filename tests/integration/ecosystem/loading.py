"""Load the hand-computed ecosystem fixture's campaign folders into a warehouse through the real steps.

Each campaign's files land under `<landing>/<campaign>/<data set>/` and go through the
ingestion step, and (when `settle`) a payout-day run is registered and the payout step
calculates, as the DAG's settlement and payout runs do: it stores the section 5 result the
ecosystem reads (a campaign without incentives too, before the step skips: nothing to pay).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from creator_ops.core.spec import load_spec
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.steps.ingest import ingest
from creator_ops.steps.payouts import calculate
from creator_ops.steps.run_record import register_run

DATASETS = ("enrollments", "orders", "exclusions", "samples")


def folder_context(engine, folder: Path, landing: Path, *, settle: bool = True) -> StepContext:
    """Return the step context of one campaign folder's run: its payout day (`settle`), else recruitment's start."""
    spec_path = folder / "spec.yaml"
    spec = load_spec(spec_path)
    t = spec.timeline
    moment = t.payout_date if settle else t.recruitment_opens
    return StepContext(
        spec,
        spec_path,
        f"fixture__{spec.id}",
        moment,
        moment + dt.timedelta(hours=1),
        engine,
        landing_path=str(landing),
    )


def load_folder(engine, folder: Path, landing: Path, *, settle: bool = True) -> str:
    """Ingest one campaign folder (spec.yaml + data files); return the campaign id."""
    ctx = folder_context(engine, folder, landing, settle=settle)
    spec = ctx.spec
    for dataset in DATASETS:
        source = folder / f"{dataset}.csv"
        if source.is_file():
            target = landing / spec.id / dataset
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / source.name)
    if settle:
        register_run(ctx)
    for dataset in DATASETS:
        ingest(ctx, dataset)
    if settle:
        try:
            calculate(ctx)  # stores the section 5 result the ecosystem reads
        except StepSkipped:  # no incentives: nothing to pay, the result is stored all the same
            assert spec.incentives is None
    return spec.id
