"""The campaign warehouse schema (SQLAlchemy 2 Core), on SQLite or PostgreSQL.

Money is integer sen (`*_sen`, BIGINT). Timestamps are stored in UTC. Personal data
(e-mail, phone) appears only as keyed hashes (`*_hash`). The tables are created and
changed only by the versioned migrations in `migrations/versions/`; this module
describes the current head for queries.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from creator_ops.core.ingest.datasets import SPECS

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _ts(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


def _text(dataset: str, column: str, **kw) -> Column:
    """Return a data set's text column, as wide as its registry field says (`FieldSpec.width`; None: Text)."""
    width = SPECS[dataset].field(column).width
    return Column(column, String(width) if width else Text, **kw)


campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("campaign_type", String(20), nullable=False),
    Column("spec_sha256", String(64), nullable=False),
    Column("spec_json", Text, nullable=False),
    _ts("updated_at", nullable=False),
)

ingested_files = Table(
    "ingested_files",
    metadata,
    Column("file_id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(200), nullable=False),
    Column("dataset", String(40), nullable=False),
    Column("source_uri", Text, nullable=False),
    Column("archived_uri", Text),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),  # accepted | rejected | retired (campaignctl files retire)
    Column("rejection_reason", Text),
    Column("rows_in", BigInteger, nullable=False, default=0),
    Column("rows_accepted", BigInteger, nullable=False, default=0),
    Column("rows_quarantined", BigInteger, nullable=False, default=0),
    Column("run_id", String(250)),
    _ts("ingested_at", nullable=False),
    Column("file_format", String(20)),  # csv | xlsx | jsonl | parquet
    Column("encoding", String(40)),
    UniqueConstraint("campaign_id", "dataset", "sha256", name="file_once"),
    Index("ix_ingested_files_run", "campaign_id", "dataset", "run_id"),
    CheckConstraint("rows_in = rows_accepted + rows_quarantined", name="rows_reconcile"),
)

# every `campaignctl files retire|restore`, with who and why (migration 0009)
file_actions = Table(
    "file_actions",
    metadata,
    Column("action_id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), nullable=False),
    Column("campaign_id", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # retire | restore
    Column("status_before", String(20), nullable=False),
    Column("status_after", String(20), nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    _ts("decided_at", nullable=False),
    CheckConstraint("action IN ('retire', 'restore')", name="action"),
    Index("ix_file_actions_file", "file_id", "action_id"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("reason", String(80), nullable=False),
    Column("field", String(80)),
    Column("detail", Text),
    Column("raw_json", Text),  # the input row with personal data hashed
)

creators = Table(
    "creators",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    _text("creators", "creator_id", primary_key=True),
    _text("creators", "handle"),
    Column("followers", BigInteger),
    _text("creators", "category"),
    _text("creators", "state"),
    Column("gmv_30d_sen", BigInteger),
    Column("avg_views_30d", BigInteger),
    _text("creators", "email_hash"),
    _text("creators", "phone_hash"),
    Column("score", BigInteger),
    Column("shortlisted", Boolean, nullable=False, default=False, server_default=false()),
    _text("creators", "account_manager"),
    Column("file_id", Integer, ForeignKey("ingested_files.file_id")),
    Column("row_number", BigInteger),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("enrollments", "creator_id", nullable=False),
    _ts("registered_at", nullable=False),
    Column("is_new_creator", Boolean, nullable=False, default=False),
    Index("ix_enrollments_campaign_creator", "campaign_id", "creator_id"),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("surveys", "survey_id", nullable=False),
    _text("surveys", "creator_id", nullable=False),
    _ts("submitted_at", nullable=False),
)

survey_answers = Table(
    "survey_answers",
    metadata,
    Column("file_id", Integer, primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("question", String(400), primary_key=True),
    Column("answer", Text),
    Column("language", String(8)),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("orders", "order_id", nullable=False),
    _text("orders", "line_id", nullable=False),
    _text("orders", "creator_id", nullable=False),
    _ts("order_time", nullable=False),
    _text("orders", "status", nullable=False),
    Column("gmv_sen", BigInteger, nullable=False),
    _ts("updated_at"),
    Column("source_status", String(80)),  # the export's own status, kept when "returned" replaces it
    # SPEC section 9 (0008_section9_data)
    _text("orders", "product_id"),
    _text("orders", "content_type", nullable=False, server_default="UNKNOWN"),
    Column("commission_sen", BigInteger, nullable=False, server_default="0"),
    Index("ix_order_lines_campaign_order", "campaign_id", "order_id", "line_id"),
)

exclusions = Table(
    "exclusions",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    _text("exclusions", "creator_id", primary_key=True),
    _text("exclusions", "reason"),
    Column("file_id", Integer, ForeignKey("ingested_files.file_id")),
)

quality_results = Table(
    "quality_results",
    metadata,
    Column("result_id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(200), nullable=False),
    Column("dataset", String(40), nullable=False),
    Column("file_id", Integer, ForeignKey("ingested_files.file_id")),
    Column("run_id", String(250), nullable=False),
    Column("suite", String(200), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("evaluated", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("failed_expectations_json", Text),
    Column("sample_json", Text),
    _ts("validated_at", nullable=False),
    Column("row_count", BigInteger),  # rows validated (0004_quality)
    Column("report_json", Text),  # QualityReport.to_dict(), what the alert shows (0004_quality)
    UniqueConstraint("campaign_id", "dataset", "run_id", "file_id", name="result_once"),
    Index("ix_quality_results_latest", "campaign_id", "dataset", "validated_at"),
)

payout_calculations = Table(
    "payout_calculations",
    metadata,
    Column("calculation_id", String(64), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("state", String(20), nullable=False),  # calculated | approved | rejected | exported
    Column("spec_sha256", String(64), nullable=False),
    Column("inputs_sha256", String(64), nullable=False),
    Column("creators", Integer, nullable=False),
    Column("total_sen", BigInteger, nullable=False),
    Column("budget_sen", BigInteger, nullable=False),
    Column("scaled", Boolean, nullable=False),
    Column("decided_by", String(200)),
    Column("decision_note", Text),
    _ts("calculated_at", nullable=False),
    _ts("decided_at"),
    Column("base_calculation_id", String(64)),  # the approved calculation an adjustment corrects
    Column("summary_json", Text),
    Column("approval_run_id", String(250)),  # the DAG run whose approval task shows this calculation
    Index("ix_payout_calculations_campaign_state", "campaign_id", "state"),
)

PAYOUT_COMPONENT = {"payout_component": True}  # marks the ledger columns that hold one creator's payout figures

payout_ledger = Table(
    "payout_ledger",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(200), nullable=False),
    Column("calculation_id", String(64), ForeignKey("payout_calculations.calculation_id"), nullable=False),
    Column("creator_id", String(200), nullable=False),
    Column("kind", String(20), nullable=False),  # payout | adjustment
    Column("state", String(20), nullable=False),  # calculated | approved | exported
    # a creator's payout components (`core.payouts.CreatorPayout`'s fields of the same names): the one
    # list of them, `warehouse.payout_ledger.COMPONENTS` reads it from here
    Column("eligible_gmv_sen", BigInteger, nullable=False, info=PAYOUT_COMPONENT),
    Column("eligible_orders", Integer, nullable=False, info=PAYOUT_COMPONENT),
    Column("tier_bonus_sen", BigInteger, nullable=False, info=PAYOUT_COMPONENT),
    Column("commission_bonus_sen", BigInteger, nullable=False, info=PAYOUT_COMPONENT),
    Column("new_creator_bonus_sen", BigInteger, nullable=False, info=PAYOUT_COMPONENT),
    Column("leaderboard_prize_sen", BigInteger, nullable=False, info=PAYOUT_COMPONENT),
    Column("total_sen", BigInteger, nullable=False, info=PAYOUT_COMPONENT),
    Column("payment_reference", String(64)),
    _ts("created_at", nullable=False),
    Index("ix_payout_ledger_campaign_creator", "campaign_id", "creator_id"),
    Index("uq_payout_ledger_calculation_creator", "calculation_id", "creator_id", unique=True),
    Index("uq_payout_ledger_payment_reference", "payment_reference", unique=True),
)

# Each campaign's latest section 5 result (0018_payout_results), what the ecosystem (SPEC 13) reads:
# one header row per campaign (the calculation it is), and per creator whether rule 2 enrols it
# and whether it has a result row (with that row's eligible GMV, orders and total; 0 when not selling).
# Every calculation replaces its campaign's rows (`warehouse.payout_results`).
payout_results = Table(
    "payout_results",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("calculation_id", String(64)),  # the ledger calculation (None: nothing to pay, no ledger entry)
    Column("run_id", String(250), nullable=False),
    Column("spec_sha256", String(64), nullable=False),
    Column("inputs_sha256", String(64), nullable=False),
    _ts("computed_at", nullable=False),
)

payout_result_rows = Table(
    "payout_result_rows",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("creator_id", String(200), primary_key=True),
    Column("enrolled", Boolean, nullable=False),  # section 5 rule 2
    Column("selling", Boolean, nullable=False),  # has a section 5 result row
    Column("eligible_gmv_sen", BigInteger, nullable=False),
    Column("eligible_orders", Integer, nullable=False),
    Column("total_sen", BigInteger, nullable=False),
)

alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("alert_key", String(200), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("channel", String(20), primary_key=True),  # slack | email
    Column("subject", Text, nullable=False),
    Column("payload_json", Text, nullable=False),
    Column("status", String(20), nullable=False),  # pending | sending (claimed) | sent
    Column("attempts", Integer, nullable=False, default=0),
    _ts("next_attempt_at"),
    Column("last_error", Text),
    _ts("created_at", nullable=False),
    _ts("sent_at"),
    # a drain claims rows with a lease so concurrent drains never deliver the same row twice
    Column("claimed_by", String(64)),
    _ts("lease_until"),
    Index("ix_alert_outbox_due", "campaign_id", "status", "next_attempt_at"),
)

campaign_runs = Table(
    "campaign_runs",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("phase", String(20), nullable=False),
    _ts("interval_start", nullable=False),
    _ts("interval_end", nullable=False),
    Column("summary_json", Text),
    _ts("updated_at", nullable=False),
)


# --------------------------------------------------------------------------- SPEC section 9 (0008_section9_data)
# Every landed row is kept (primary key: file and row), so superseded files keep their lineage;
# `creator_ops.warehouse.campaign_data` reads the current rows (current files, last landing wins).

products = Table(
    "products",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("products", "product_id", nullable=False),
    _text("products", "name"),
    _text("products", "category"),
    Column("price_sen", BigInteger, nullable=False),
    Column("sample_quota", Integer, nullable=False),
    Column("priority", Integer, nullable=False, server_default="1"),
    Column("min_followers", BigInteger, nullable=False, server_default="0"),
    Index("ix_products_campaign_product", "campaign_id", "product_id"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("invitations", "creator_id", nullable=False),
    _ts("invited_at", nullable=False),
    _text("invitations", "account_manager"),
    _text("invitations", "email_hash"),
    _text("invitations", "phone_hash"),
    Index("ix_invitations_campaign_creator", "campaign_id", "creator_id"),
)

# The recruitment stage's own invite lists: one row per creator, the first invitation kept.
recruitment_invitations = Table(
    "recruitment_invitations",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("creator_id", String(200), primary_key=True),
    _ts("invited_at", nullable=False),
    Column("account_manager", String(80)),
    Column("run_id", String(250), nullable=False),
)

samples = Table(
    "samples",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("samples", "sample_id", nullable=False),
    _text("samples", "creator_id", nullable=False),
    _text("samples", "product_id", nullable=False),
    _ts("requested_at", nullable=False),
    _text("samples", "status", nullable=False),  # trimmed, upper-cased
    _ts("shipped_at"),
    Index("ix_samples_campaign_sample", "campaign_id", "sample_id"),
)

content = Table(
    "content",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("content", "content_id", nullable=False),
    _text("content", "creator_id", nullable=False),
    _text("content", "content_type", nullable=False),
    _ts("posted_at", nullable=False),
    Column("views", BigInteger, nullable=False),
    Column("gmv_sen", BigInteger, nullable=False),
    Index("ix_content_campaign_content", "campaign_id", "content_id"),
)


# --------------------------------------------------------------------------- SPEC section 11 (0010_mechanisms)

# One matchmaking list per run that computed it; `frozen` once BD approved its sign-off
# (who and when in decided_by/decided_at), `rejected` with the reason in decision_note.
matchmaking_lists = Table(
    "matchmaking_lists",
    metadata,
    Column("list_id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(200), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("state", String(20), nullable=False),  # draft | frozen | rejected
    Column("pairs", Integer, nullable=False),
    Column("total_value_sen", BigInteger, nullable=False),
    Column("summary_json", Text, nullable=False),
    _ts("computed_at", nullable=False),
    Column("decided_by", String(200)),
    _ts("decided_at"),
    Column("decision_note", Text),
    UniqueConstraint("campaign_id", "run_id", name="uq_matchmaking_lists_run"),
    Index("ix_matchmaking_lists_campaign_state", "campaign_id", "state"),
)

matchmaking_pairs = Table(
    "matchmaking_pairs",
    metadata,
    Column("list_id", Integer, ForeignKey("matchmaking_lists.list_id"), primary_key=True),
    Column("creator_id", String(200), primary_key=True),
    Column("product_id", String(200), primary_key=True),
    Column("value_sen", BigInteger, nullable=False),
    Column("account_manager", String(80)),
    # SPEC 15 (0017_ghosts): a pair the plan gave a holdout creator; uses quota, never shipped or listed
    Column("ghost", Boolean, nullable=False, default=False, server_default=false()),
)

# Traffic: one row per live hour (what was left, this hour's share, spent, expected GMV) and
# one row per creator boosted in that hour.
traffic_hours = Table(
    "traffic_hours",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("hour_start", DateTime(timezone=True), primary_key=True),
    Column("run_id", String(250), nullable=False),
    Column("remaining_before_sen", BigInteger, nullable=False),
    Column("hour_budget_sen", BigInteger, nullable=False),
    Column("spent_sen", BigInteger, nullable=False),
    Column("expected_gmv_sen", BigInteger, nullable=False),
    Column("creators", Integer, nullable=False),
    Column("boosted", Integer, nullable=False),
    _ts("computed_at", nullable=False),
    Column("held_back_sen", BigInteger, nullable=False, server_default="0"),  # SPEC 15: ghost spend, not bought
)

traffic_allocations = Table(
    "traffic_allocations",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("hour_start", DateTime(timezone=True), primary_key=True),
    Column("creator_id", String(200), primary_key=True),
    Column("spend_sen", BigInteger, nullable=False),
    Column("expected_gmv_sen", BigInteger, nullable=False),
    Column("spent_before_sen", BigInteger, nullable=False),
    # SPEC 15 (0017_ghosts): what the plan would have given a holdout creator (spend and expected GMV 0)
    Column("ghost_spend_sen", BigInteger, nullable=False, server_default="0"),
    Column("ghost_expected_gmv_sen", BigInteger, nullable=False, server_default="0"),
    Index("ix_traffic_allocations_creator", "campaign_id", "creator_id"),
)

# --------------------------------------------------------------------------- SPEC section 12 (0011_experiments)

# Who is held out of which mechanism (a pure function of campaign, mechanism and creator,
# recorded for every candidate with the moment it was first seen).
experiment_assignments = Table(
    "experiment_assignments",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("mechanism", String(20), primary_key=True),  # traffic | samples
    Column("creator_id", String(200), primary_key=True),
    Column("group_name", String(10), nullable=False),  # holdout | treated
    Column("holdout_share", String(20), nullable=False),
    _ts("first_seen_at", nullable=False),
)

# The review's measured lift per campaign and mechanism: what the next campaign's
# calibration (traffic) and matchmaking's "measured per sample" (samples) read.
experiment_results = Table(
    "experiment_results",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("mechanism", String(20), primary_key=True),
    Column("campaign_type", String(20), nullable=False),
    _ts("event_start", nullable=False),
    Column("calibration", String(40)),  # decimal text; null when predicted was 0 or too few
    Column("incremental_gmv_sen", BigInteger),
    Column("units", Integer),  # samples: shipped samples of treated creators
    Column("result_json", Text, nullable=False),
    _ts("computed_at", nullable=False),
)

# Every prediction when it was made (the live projection per hour), set beside the outcome.
predictions = Table(
    "predictions",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("kind", String(40), primary_key=True),  # live_projection
    Column("as_of", DateTime(timezone=True), primary_key=True),
    Column("predicted_sen", BigInteger, nullable=False),
    Column("low_sen", BigInteger),
    Column("high_sen", BigInteger),
    Column("observed_sen", BigInteger),
    Column("detail_json", Text, nullable=False),
    _ts("made_at", nullable=False),
)

# One row per run (0012_run_snapshots): the campaign's figures as of the end of the run's data
# interval, computed once by the run (`figures.snapshot`); the Campaigns view, the campaign
# page and the milestones read them (`warehouse.snapshots`), so every surface shows one number.
campaign_snapshots = Table(
    "campaign_snapshots",
    metadata,
    Column("campaign_id", String(200), primary_key=True),
    Column("run_id", String(250), primary_key=True),
    Column("phase", String(20), nullable=False),
    _ts("as_of", nullable=False),
    _ts("computed_at", nullable=False),
    Column("figures_json", Text, nullable=False),
    Index("ix_campaign_snapshots_campaign_as_of", "campaign_id", "as_of"),
)

# --------------------------------------------------------------------------- SPEC section 14 (0013_payees)

# Every landed payees row (the last landed per creator is current, whichever campaign it landed
# for). The identity fields live only in `identity_token` (Fernet under `payee_data_key`);
# `id_hint` is the masked id (`********5678`) people may see.
payees = Table(
    "payees",
    metadata,
    Column("file_id", Integer, ForeignKey("ingested_files.file_id"), primary_key=True),
    Column("row_number", BigInteger, primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    _text("payees", "creator_id", nullable=False),
    _text("payees", "entity_type", nullable=False),
    Column("resident", Boolean, nullable=False),
    _text("payees", "id_type"),
    Column("has_identity", Boolean, nullable=False),
    Column("id_hint", String(24)),
    Column("identity_token", Text, nullable=False),
    Index("ix_payees_creator", "creator_id", "file_id"),
)

# One row per finance document of a payout: invoice (11) per paid or held payment, credit (12)
# or debit note (13) per adjustment; what CP58 and the next year's prior totals read.
finance_payments = Table(
    "finance_payments",
    metadata,
    Column("payment_reference", String(64), primary_key=True),
    Column("campaign_id", String(200), nullable=False),
    Column("calculation_id", String(64), nullable=False),
    Column("creator_id", String(200), nullable=False),
    Column("document_type", String(2), nullable=False),  # 11 | 12 | 13
    Column("original_reference", String(64)),
    Column("payout_date", Date, nullable=False),
    Column("gross_sen", BigInteger, nullable=False),  # signed: a credit note's difference is negative
    Column("wht_sen", BigInteger, nullable=False),
    Column("net_sen", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),  # paid | held
    Column("reason", String(40)),
    Column("prior_total_sen", BigInteger, nullable=False),
    Column("run_id", String(250), nullable=False),
    _ts("computed_at", nullable=False),
    CheckConstraint("net_sen = gross_sen - wht_sen", name="net"),
    Index("ix_finance_payments_creator", "creator_id", "payout_date"),
    Index("ix_finance_payments_campaign", "campaign_id", "calculation_id"),
)
