"""The warehouse side of the campaign figures: the payout inputs (cached per warehouse state) and trust.

The figures themselves (`figures.campaign.CampaignFigures`) are computed by the figures layer
(`creator_ops.figures.campaign`) over these inputs; the definitions below say what each one is.

- **Eligible lines / eligible GMV**: SPEC section 5 rules 1-2 exactly as the payout engine
  applies them: `include/sql/payouts_eligible_lines.sql`, run by `core.payouts.PayoutSession`
  (DuckDB, exact sen) on the payout inputs of the warehouse (`payout_inputs`: current files
  only, input order = ingestion order). The payouts and the review run that same session,
  so the view's GMV, a milestone's GMV and the payout engine's eligible GMV are one number.
- **Enrolled**: rule 2, the session's `enrolled` table: creators whose earliest enrollment
  row (current files) is no later than `registration_closes`.
- **Live GMV** (progress during the event, labelled "live" wherever it is shown): the same
  rule 1 winning version of each line and the same enrolled, not excluded creators, in the
  event window so far, whose status is eligible *or still open* (the `live` column of the
  eligible-lines definition, from the one vocabulary `core.order_status`: placed but not yet
  delivered). It is what the eligible GMV may become; it is never paid on.
- **GMV placed** (the live projection's input, SPEC 12): the same winning lines of the same
  creators in the event window, whatever their (known) status; a line counts as placed in the
  hour of its `order_time` even if it is later cancelled or returned. A line whose status is
  unknown counts in no figure (SPEC 3; the orders suite fails naming it).
- **Trusted**: a data set is trusted when the latest verdict on every current file passed
  (section 4); `untrusted_datasets` is the one reading of `quality_results`.

Figures "as of" a moment count lines ordered before it and creators registered by it.
Loading the warehouse inputs is the costly part: it is cached per warehouse state (the
current files and exclusions), so a page listing every campaign reloads only what changed.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from creator_ops.core.ingest.datasets import PAYOUT_DATASETS  # the data sets the payout engine reads
from creator_ops.warehouse.files import current_files, current_files_query
from creator_ops.warehouse.schema import exclusions, quality_results

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from creator_ops.core.payouts import PayoutInputs

# Enough entries for every campaign a Campaigns view lists, bounded by memory instead: a list
# of 50 campaigns must not reload every campaign on each request (an 8-entry cache did).
_CACHE_ENTRIES = 256
_CACHE_BYTES = 768 * 1024 * 1024
_cache: OrderedDict[tuple, PayoutInputs] = OrderedDict()
_cache_lock = threading.Lock()


def _fingerprint(engine: Engine, campaign_id: str) -> tuple:
    """Return what identifies the payout inputs' content: the current files and the exclusions."""
    f = current_files
    with engine.connect() as conn:
        files = conn.execute(
            select(f.c.dataset, func.count(), func.max(f.c.file_id), func.sum(f.c.rows_accepted))
            .where(f.c.campaign_id == campaign_id, f.c.dataset.in_(PAYOUT_DATASETS))
            .group_by(f.c.dataset)
            .order_by(f.c.dataset)
        ).all()
        excluded = conn.execute(
            select(func.count(), func.max(exclusions.c.file_id), func.min(exclusions.c.creator_id),
                   func.max(exclusions.c.creator_id))
            .where(exclusions.c.campaign_id == campaign_id)
        ).one()  # fmt: skip
    return tuple(tuple(r) for r in files), tuple(excluded)


def warehouse_inputs(engine: Engine, campaign_id: str) -> PayoutInputs:
    """Return the payout engine's inputs of the campaign (current files), cached per warehouse state."""
    from creator_ops.warehouse.payout_inputs import load_warehouse_inputs

    key = (str(engine.url), campaign_id, _fingerprint(engine, campaign_id))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    inputs = load_warehouse_inputs(engine, campaign_id)
    with _cache_lock:
        _cache[key] = inputs
        while len(_cache) > 1 and (len(_cache) > _CACHE_ENTRIES or _cached_bytes() > _CACHE_BYTES):
            _cache.popitem(last=False)
    return inputs


def _cached_bytes() -> int:
    return sum(i.orders.nbytes + i.enrollments.nbytes + i.exclusions.nbytes for i in _cache.values())


def untrusted_datasets(engine: Engine, campaign_id: str) -> dict[str, list[str]]:
    """Return {data set: failed expectation names} where a current file's latest verdict failed.

    Verdicts on superseded files do not count; verdicts stored without a file count as one
    batch of their data set. A data set never validated is not listed (nothing landed,
    nothing to doubt).
    """
    q = quality_results
    current = current_files_query(campaign_id).with_only_columns(current_files.c.file_id)
    query = (
        select(q.c.dataset, q.c.file_id, q.c.success, q.c.failed_expectations_json)
        .where(q.c.campaign_id == campaign_id)
        .where(q.c.file_id.is_(None) | q.c.file_id.in_(current.scalar_subquery()))
        .order_by(q.c.validated_at, q.c.result_id)
    )
    latest: dict[tuple[str, int | None], tuple[bool, str | None]] = {}
    with engine.connect() as conn:
        for dataset, file_id, success, failed_json in conn.execute(query):
            latest[(dataset, file_id)] = (bool(success), failed_json)  # later rows overwrite earlier ones
    untrusted: dict[str, list[str]] = {}
    for (dataset, _file_id), (success, failed_json) in sorted(latest.items(), key=lambda item: str(item[0])):
        if success:
            continue
        names = untrusted.setdefault(dataset, [])
        for failure in json.loads(failed_json or "[]"):
            name = failure.get("name") or failure.get("expectation_type") or "unnamed expectation"
            if name not in names:
                names.append(name)
    return untrusted


def validated_datasets(engine: Engine, campaign_id: str) -> set[str]:
    """Return the data sets with at least one stored verdict."""
    with engine.connect() as conn:
        return set(
            conn.execute(
                select(quality_results.c.dataset).where(quality_results.c.campaign_id == campaign_id).distinct()
            ).scalars()
        )
