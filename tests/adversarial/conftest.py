"""Fixtures of the adversarial corpus: a landing area and a step context of the 12.12 campaign."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from repo_paths import DEMO_SPEC as SPEC_FILE


@pytest.fixture
def landing(tmp_path, monkeypatch):
    """A landing root for this test; `land(dataset, file, name=None)` drops a file into it."""
    from creator_ops.core.spec import load_spec

    root = tmp_path / "landing"
    monkeypatch.setenv("CREATOR_OPS_LANDING_ROOT", str(root))
    spec = load_spec(SPEC_FILE)

    def land(dataset: str, source: Path, name: str | None = None) -> Path:
        target = root / spec.id / dataset / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    land.root = root
    land.spec = spec
    return land


@pytest.fixture
def make_ctx(landing):
    """Build the StepContext of a live-phase run of the 12.12 campaign on a warehouse engine."""
    from creator_ops.core.steps import StepContext

    def make(engine, run_id: str = "scheduled__2026-12-12T02:00:00+00:00"):
        start = dt.datetime(2026, 12, 12, 2, tzinfo=dt.UTC)
        return StepContext(
            spec=landing.spec,
            spec_path=SPEC_FILE,
            run_id=run_id,
            interval_start=start,
            interval_end=start + dt.timedelta(hours=1),
            engine=engine,
        )

    return make
