"""Matchmaking stage (SPEC 11): the product matchmaking list, daily before the event until BD signs it off.

Runs in the recruitment and pre_event phases (BD's sign-off is due before registration
closes in the typed templates, e.g. `event_start - 5d`); it skips until products and
enrolled creators have landed, and once BD approved a list it skips for good.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creator_ops.core.calendar import Phase

if TYPE_CHECKING:
    from creator_ops.airflow.stages import StageBuilder

MATCHMAKING_PHASES = [Phase.RECRUITMENT, Phase.PRE_EVENT]


def build(stage: StageBuilder) -> None:
    """Add `match_products`."""
    stage.step(
        "match_products",
        "creator_ops.steps.matchmaking:run_matchmaking",
        phases=MATCHMAKING_PHASES,
        doc_md=(
            "Values every allowed (enrolled creator, product) pair exactly as SPEC 11 defines it and assigns "
            "samples for the maximum total value (min-cost flow; each product at most its sample_quota, each "
            "creator at most `matchmaking.max_products_per_creator`). Stores this run's list as a draft and "
            "writes `pairs.csv`, `products.csv`, `list_<account manager>.csv` and `summary.json` under "
            "`output/<campaign>/matchmaking/`. Skips once BD's sign-off froze a list."
        ),
    )
