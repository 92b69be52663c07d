"""Ecosystem steps: build the cross-campaign figures (SPEC section 13), and the "creators lost" alert.

`build_ecosystem` is the ecosystem DAG's task: every settled campaign's stored payout result
(what its payouts step's latest calculation stored; the engine does not run here) and
samples, the figures through `figures.ecosystem`, written to `<output>/ecosystem/`
(ecosystem.json, creators.csv, ecosystem.html): the snapshot the UI page and recruitment
read. A settled campaign without a stored result is left out and named (log, page,
ecosystem.json's `missing`) with what brings it in: rerunning its payouts.calculate.
`creators_lost` runs after a campaign's settlement (after its payouts stage): it counts the
sellers of the campaign before it (section 13's order, any type) who did not enrol in this
one and queues one alert through the outbox, counts only, never who.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from creator_ops.core.steps import StepContext, StepSkipped, output_root

ECOSYSTEM_FOLDER = "ecosystem"


def ecosystem_dir() -> Path:
    """Return where the ecosystem's files are written (`<output>/ecosystem`)."""
    return output_root() / ECOSYSTEM_FOLDER


def build_ecosystem(
    engine: Any, out_dir: Path | None = None, *, log: Any = None, built_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Compute the ecosystem over the warehouse's settled campaigns and write its three files.

    With `built_at` (the Airflow run's clock), the page says it was built then and what moment its
    figures describe: the latest payout result recorded in the warehouse.
    """
    from creator_ops.core.ecosystem_render import write_ecosystem
    from creator_ops.figures.ecosystem import load_ecosystem

    eco = load_ecosystem(engine)
    for reason in eco.missing.values():
        if log is not None:
            log.warning("Not in the ecosystem: %s", reason)
    if not eco.campaigns:
        if eco.missing:
            raise StepSkipped("no settled campaign has a stored payout result: " + "; ".join(eco.missing.values()))
        raise StepSkipped("no campaign in the warehouse has had a settlement or payout run yet: nothing to compare")
    moment = None
    if built_at is not None:
        from creator_ops.warehouse.ecosystem import latest_payout_result_at

        moment = {"figures_as_of": latest_payout_result_at(engine), "built_at": built_at}
    paths = write_ecosystem(eco, out_dir or ecosystem_dir(), moment=moment)
    latest = eco.ids[-1]
    if log is not None:
        for cid in eco.ids:
            g, s = eco.growth[cid], eco.selling_growth[cid]
            log.info(
                "%s: enrolled %d (new %d, returning %d, reactivated %d, churned %d); selling %d (new %d, churned %d)",
                cid, g["enrolled"], g["new"], g["returning"], g["reactivated"], g["churned"], s["enrolled"], s["new"],
                s["churned"],
            )  # fmt: skip
        log.info("States at %s: %s; files in %s", latest, eco.states, paths["html"].parent)
    return {
        "campaigns": eco.ids,
        "creators": len(eco.scorecard),
        "states": eco.states,
        **({"missing": sorted(eco.missing)} if eco.missing else {}),
        "files": {kind: str(p) for kind, p in paths.items()},
    }


def creators_lost(ctx: StepContext, *, link: str | None = None) -> dict[str, Any]:
    """Queue, once per campaign, how many sellers of the previous campaign did not enrol in this one."""
    from creator_ops.core.alerts import channels_for
    from creator_ops.core.ecosystem import creators_lost_alert, lost_sellers
    from creator_ops.figures.ecosystem import MissingPayoutResult, load_campaign_facts
    from creator_ops.warehouse.ecosystem import previous_campaign_any_type
    from creator_ops.warehouse.outbox import enqueue

    spec = ctx.spec
    previous = previous_campaign_any_type(ctx.engine, spec)
    if previous is None:
        raise StepSkipped(f"{spec.id} is the first campaign in the warehouse: no earlier sellers to lose")
    try:  # the stored payout results of both (this run's payouts.calculate stored this campaign's)
        lost = lost_sellers([load_campaign_facts(ctx.engine, previous), load_campaign_facts(ctx.engine, spec)])
    except MissingPayoutResult as exc:
        raise StepSkipped(f"creators lost not counted: {exc}") from None
    alert = creators_lost_alert(spec, lost, previous_name=previous.name, link=link)
    queued = enqueue(ctx.engine, [alert], channels=channels_for(spec), campaign_name=spec.name, now=ctx.now())
    ctx.info(
        "Creators lost: %d of %d sellers of %s did not enrol in %s (%d alert row(s) queued)",
        lost["sellers_not_enrolled"], lost["previous_sellers"], previous.id, spec.id, queued,
    )  # fmt: skip
    return {
        "previous": previous.id,
        "previous_sellers": lost["previous_sellers"],
        "sellers_not_enrolled": lost["sellers_not_enrolled"],
        "alert_rows_queued": queued,
    }
