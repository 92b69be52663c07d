"""The counterfactual plan's ghosts (SPEC 15): what the plan would have given holdout creators.

`traffic_allocations` gains `ghost_spend_sen` and `ghost_expected_gmv_sen` (0 for a treated
creator; a ghost row has spend and expected GMV 0), `traffic_hours` gains `held_back_sen`
(the hour's ghost spend, counted against the budget and never bought), and
`matchmaking_pairs` gains `ghost` (a pair the plan gave a holdout creator: it used quota,
nothing is shipped, the account managers' lists never show it). Rows written before are
treated creators' rows, so the defaults (0, false) are what they were.

Revision ID: 0017_ghosts
Revises: 0016_hardening
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_ghosts"
down_revision: str | Sequence[str] | None = "0016_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the ghost columns with defaults that describe the rows already stored."""
    with op.batch_alter_table("traffic_allocations") as batch:
        batch.add_column(sa.Column("ghost_spend_sen", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("ghost_expected_gmv_sen", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("traffic_hours") as batch:
        batch.add_column(sa.Column("held_back_sen", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("matchmaking_pairs") as batch:
        batch.add_column(sa.Column("ghost", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop the ghost columns (ghost rows would then read as treated: delete them first)."""
    op.execute("DELETE FROM matchmaking_pairs WHERE ghost")
    op.execute("DELETE FROM traffic_allocations WHERE spend_sen = 0 AND ghost_spend_sen > 0")
    with op.batch_alter_table("matchmaking_pairs") as batch:
        batch.drop_column("ghost")
    with op.batch_alter_table("traffic_hours") as batch:
        batch.drop_column("held_back_sen")
    with op.batch_alter_table("traffic_allocations") as batch:
        batch.drop_column("ghost_expected_gmv_sen")
        batch.drop_column("ghost_spend_sen")
