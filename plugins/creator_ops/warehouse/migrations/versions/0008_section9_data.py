"""SPEC section 9 data: order lines gain product, content type and commission; products,
invitations (landed and the recruitment stage's own), samples and content.

Revision ID: 0008_section9_data
Revises: 0007_current_files
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_section9_data"
down_revision: str | Sequence[str] | None = "0007_current_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _file_key() -> list:
    return [
        sa.Column("file_id", sa.Integer(), sa.ForeignKey("ingested_files.file_id"), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    """Add the order-line columns and create the four data sets' tables."""
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("product_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("content_type", sa.String(length=40), nullable=False, server_default="UNKNOWN"))
        batch.add_column(sa.Column("commission_sen", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "products",
        *_file_key(),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("price_sen", sa.BigInteger(), nullable=False),
        sa.Column("sample_quota", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("min_followers", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("file_id", "row_number", name=op.f("pk_products")),
    )
    op.create_index("ix_products_campaign_product", "products", ["campaign_id", "product_id"])
    op.create_table(
        "invitations",
        *_file_key(),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        _ts("invited_at", nullable=False),
        sa.Column("account_manager", sa.String(length=80), nullable=True),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("file_id", "row_number", name=op.f("pk_invitations")),
    )
    op.create_index("ix_invitations_campaign_creator", "invitations", ["campaign_id", "creator_id"])
    op.create_table(
        "recruitment_invitations",
        sa.Column("campaign_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        _ts("invited_at", nullable=False),
        sa.Column("account_manager", sa.String(length=80), nullable=True),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "creator_id", name=op.f("pk_recruitment_invitations")),
    )
    op.create_table(
        "samples",
        *_file_key(),
        sa.Column("sample_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("product_id", sa.String(length=200), nullable=False),
        _ts("requested_at", nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        _ts("shipped_at"),
        sa.PrimaryKeyConstraint("file_id", "row_number", name=op.f("pk_samples")),
    )
    op.create_index("ix_samples_campaign_sample", "samples", ["campaign_id", "sample_id"])
    op.create_table(
        "content",
        *_file_key(),
        sa.Column("content_id", sa.String(length=200), nullable=False),
        sa.Column("creator_id", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        _ts("posted_at", nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("gmv_sen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "row_number", name=op.f("pk_content")),
    )
    op.create_index("ix_content_campaign_content", "content", ["campaign_id", "content_id"])


def downgrade() -> None:
    """Drop what upgrade added."""
    for table in ("content", "samples", "recruitment_invitations", "invitations", "products"):
        op.drop_table(table)
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("commission_sen")
        batch.drop_column("content_type")
        batch.drop_column("product_id")
