"""The ledger's per-creator components are named once: the ledger table's marked columns, CreatorPayout's fields."""

from __future__ import annotations

from dataclasses import fields

from creator_ops.core.payouts import CreatorPayout
from creator_ops.warehouse.payout_ledger import COMPONENTS
from creator_ops.warehouse.schema import payout_ledger


def test_the_ledger_records_every_figure_of_a_creator_payout_and_nothing_else():
    # a new money field of CreatorPayout is a new ledger column (and migration), or this fails
    per_creator = {f.name for f in fields(CreatorPayout)} - {"creator_id", "leaderboard_rank", "is_new_creator"}
    assert set(COMPONENTS) == per_creator
    assert all(c in payout_ledger.c for c in COMPONENTS) and COMPONENTS[-1] == "total_sen"
