"""Record the campaign's spec version and each run's phase and interval in the warehouse."""

from __future__ import annotations

import hashlib

from creator_ops.core.steps import StepContext
from creator_ops.warehouse import runs


def spec_fingerprint(ctx: StepContext) -> tuple[str, str]:
    """Return (sha256 of the spec file, the resolved spec as JSON)."""
    raw = ctx.spec_path.read_bytes()
    return hashlib.sha256(raw).hexdigest(), ctx.spec.model_dump_json()


def register_run(ctx: StepContext) -> dict:
    """Upsert the campaign and this run (phase, interval); rerunning leaves the same rows."""
    sha, spec_json = spec_fingerprint(ctx)
    campaign = {
        "campaign_id": ctx.spec.id,
        "name": ctx.spec.name,
        "campaign_type": ctx.spec.type,
        "spec_sha256": sha,
        "spec_json": spec_json,
    }
    run = {
        "campaign_id": ctx.spec.id,
        "run_id": ctx.run_id,
        "phase": str(ctx.phase),
        "interval_start": ctx.interval_start,
        "interval_end": ctx.interval_end,
    }
    runs.register_run(ctx.engine, campaign, run)
    ctx.info("Run %s of %s is in the %s phase", ctx.run_id, ctx.spec.id, ctx.phase)
    return {"phase": str(ctx.phase), "spec_sha256": sha}
