"""Recruitment steps: land API candidates, ingest landed creator files, shortlist and write invite lists.

Candidates come from two sources that end up in the same place: files ops drop under
`<landing_root>/<campaign>/creators/`, and the platform's open API, whose pull is written
there as one more CSV (`api_marketplace_<run date>.csv`, canonical headers, rows sorted),
so both go through the same ingestion (content-hash registry, quarantine, archive) into
the warehouse table `creators`. The shortlist step then screens and scores every
candidate of the campaign, marks the shortlist in `creators` and writes the files ops
open under `<output>/<campaign>/recruitment/<run date>/`. Every step can rerun: the same
inputs leave the same rows and the same bytes on disk.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from creator_ops.core.open_api import creator_landing_row
from creator_ops.core.recruitment import Candidate, RecruitmentResult, recruit, write_recruitment_files
from creator_ops.core.safe_csv import write_atomically
from creator_ops.core.steps import StepContext, StepSkipped
from creator_ops.warehouse import recruitment as warehouse

LANDED_CREATOR_COLUMNS = (
    "creator_id",
    "handle",
    "followers",
    "category",
    "state",
    "gmv_30d_myr",
    "avg_views_30d",
)
CreatorSearch = Callable[..., Iterable[Mapping[str, Any]]]


def run_date(ctx: StepContext) -> str:
    """Return the run's date in campaign time (`YYYY-MM-DD`), which names its files."""
    return ctx.interval_start.astimezone(ctx.spec.tz).date().isoformat()


def creators_landing_uri(ctx: StepContext) -> str:
    """Return where creator files for this campaign land."""
    return f"{str(ctx.landing).rstrip('/')}/{ctx.spec.id}/creators"


def _write_landed(ctx: StepContext, name: str, data: bytes) -> str:
    """Land `data` as `<landing>/<campaign>/creators/<name>` in one atomic write (a local rename or one put)."""
    from creator_ops.core.storage import root_path

    target = root_path(ctx.landing) / ctx.spec.id / "creators" / name
    write_atomically(target, data)  # ingestion never sees half a file
    return str(target)


def land_api_candidates(ctx: StepContext, search: CreatorSearch) -> dict[str, Any]:
    """Pull candidates with `search` (the open API) and land them as a creators CSV for ingestion."""
    criteria = ctx.spec.recruitment
    records = search(categories=list(criteria.categories), min_followers=criteria.min_followers)
    rows = [creator_landing_row(record) for record in records]
    # sorted so the same pull is the same file (and ingestion, keyed on its hash, takes it once)
    rows.sort(key=lambda row: tuple(row[c] for c in LANDED_CREATOR_COLUMNS))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=LANDED_CREATOR_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    uri = _write_landed(ctx, f"api_marketplace_{run_date(ctx).replace('-', '')}.csv", buffer.getvalue().encode("utf-8"))
    ctx.info("Landed %d open API candidates of %s at %s", len(rows), ctx.spec.id, uri)
    return {"records": len(rows), "landed": uri}


def load_candidates(ctx: StepContext) -> list[Candidate]:
    """Read the campaign's candidates from the warehouse, in creator_id order."""
    return warehouse.candidates(ctx.engine, ctx.spec.id)


def store_shortlist(ctx: StepContext, result: RecruitmentResult) -> None:
    """Store every candidate's score, shortlisted flag and account manager (no score when screened out)."""
    shortlisted = {entry.candidate.creator_id: entry for entry in result.shortlist}
    every_id = list(result.scores) + [c.creator_id for c, _ in result.screened_out]
    marks = []
    for creator_id in every_id:
        card, entry = result.scores.get(creator_id), shortlisted.get(creator_id)
        manager = entry.account_manager if entry else None
        marks.append((creator_id, card.total if card else None, entry is not None, manager))
    warehouse.store_shortlist(ctx.engine, ctx.spec.id, marks)


def record_invitations(ctx: StepContext, result: RecruitmentResult) -> int:
    """Record the shortlist (the invite lists) as invitations, invited at this run's end; return how many."""
    from creator_ops.warehouse.campaign_data import record_recruitment_invitations

    invited = [(entry.candidate.creator_id, entry.account_manager) for entry in result.shortlist]
    return record_recruitment_invitations(ctx.engine, ctx.spec.id, invited, ctx.interval_end, ctx.run_id)


def creator_history(ctx: StepContext) -> dict:
    """Return each creator's ecosystem state and past eligible GMV, from the ecosystem DAG's latest build."""
    from creator_ops.core.ecosystem import HISTORY_FILE, read_history
    from creator_ops.steps.ecosystem import ecosystem_dir

    history = read_history(ecosystem_dir() / HISTORY_FILE)
    ctx.info("Creator history: %d creators known to the ecosystem", len(history))
    return history


def shortlist_candidates(ctx: StepContext) -> dict[str, Any]:
    """Screen and score the campaign's candidates, store the shortlist and write the files ops open."""
    candidates = load_candidates(ctx)
    if not candidates:
        raise StepSkipped(
            f"no candidates for {ctx.spec.id} in the warehouse yet: land creators files under "
            f"{creators_landing_uri(ctx)} or define the open API connection"
        )
    history = creator_history(ctx)
    result = recruit(candidates, ctx.spec.recruitment, history)
    store_shortlist(ctx, result)
    invited = record_invitations(ctx, result)
    folder = ctx.output_dir / "recruitment" / run_date(ctx)
    files = write_recruitment_files(result, folder)
    per_am = {am: len(entries) for am, entries in result.by_account_manager().items()}
    ctx.info(
        "%s: %d candidates, %d passed screening, %d shortlisted (of %d wanted); screened out: %s; per AM: %s",
        ctx.spec.id,
        result.candidates,
        len(result.scores),
        len(result.shortlist),
        ctx.spec.recruitment.shortlist_size,
        dict(result.reasons),
        per_am,
    )
    return {
        "candidates": result.candidates,
        "passed_screening": len(result.scores),
        "shortlisted": len(result.shortlist),
        "screened_out": dict(sorted(result.reasons.items())),
        "per_account_manager": per_am,
        "shortlisted_by_state": dict(sorted(Counter(e.history.state for e in result.shortlist).items())),
        "invitations_recorded": invited,
        "files": [str(p) for p in files],
    }
