"""The data sets: one `DatasetSpec` per data set, the registry every layer iterates over.

A spec names the data set's canonical columns (its fields, with the header aliases accepted
for each and how cells parse), which of them the warehouse stores, its warehouse table, its
load mode and keys, its time columns, its quality suite, who reads it, and the pipeline task
that ingests it (stage, phases, documentation). Ingestion (`steps.ingest.ingest`), quality
(`steps.quality.validate`), the warehouse loads and batches (`warehouse.datasets`), the
payout inputs, the DAG's stages and `campaignctl ingest` all loop over `SPECS`; nothing else
names a data set's columns. Adding a data set is one entry here, its table's migration and
its suite (`include/expectations/<name>.json`): see docs/datasets.md.

Headers match after normalization (Unicode NFKC, lower case, every run of non-word
characters made one `_`), so `Order ID`, `order id` and `ORDER_ID` are all `order_id`.
For each field the first alias present in the file wins.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from creator_ops.core.calendar import Phase

# Phases of the ingestion tasks (SPEC 7: what can land when)
RECRUITMENT = (Phase.RECRUITMENT,)
# invitation lists and the product selection are settled before the event (matchmaking signs off then)
SELECTION_PHASES = (Phase.RECRUITMENT, Phase.PRE_EVENT)
ORDER_PHASES = (Phase.LIVE, Phase.COOLING, Phase.SETTLEMENT)

CREATOR_ALIASES = (
    "creator_id",
    "creator_username",
    "username",
    "creator",
    "creator_handle",
    "affiliate_username",
    "tiktok_username",
    "username_tiktok",
    "nama_pengguna",
    "id_pencipta",
    "user_name",
)
EMAIL_ALIASES = ("email", "e_mail", "email_address", "e_mail_address", "emel", "alamat_emel", "mail")
PHONE_ALIASES = (
    "phone",
    "phone_number",
    "phone_no",
    "mobile",
    "mobile_number",
    "mobile_no",
    "no_telefon",
    "no_tel",
    "nombor_telefon",
    "telefon",
    "tel",
    "contact_number",
    "contact_no",
    "whatsapp",
    "whatsapp_number",
    "no_hp",
    "hp",
)


# The DuckDB type of each field kind (every other kind is text: VARCHAR); naive instants are UTC.
DUCKDB_TYPES = {
    "money": "BIGINT", "count": "BIGINT", "integer": "BIGINT", "timestamp": "TIMESTAMPTZ", "bool": "BOOLEAN",
}  # fmt: skip
# Input order within a relation (a file's row order, or the warehouse's landing order then row order)
ROW_NUMBER = ("row_number", "BIGINT", False)


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field: output column, aliases, parser kind and what a blank cell means."""

    column: str
    aliases: tuple[str, ...]
    # id | creator_id | text | lower | upper | category | status | money | count | integer | bool | timestamp |
    # email | phone   (status: an order status in the vocabulary's normal form, core.order_status)
    kind: str
    required: bool = False  # the file is rejected when no alias is present
    key: bool = False  # a blank cell quarantines the row as missing_key
    blank_ok: bool = True  # a blank cell is null (False: quarantined as missing_value)
    default: str | int | None = None  # the value of a blank cell or an absent column (blank_ok fields)
    minimum: int | None = None  # integers and money below it are quarantined as out_of_range
    maximum: int | None = None  # integers above it are quarantined as out_of_range
    stored: bool = True  # False: read and checked, but not a warehouse column of the data set
    # text kinds: the warehouse column's String width (warehouse.schema builds String(width) from it); a
    # longer value is quarantined as too_long, since it would abort the whole file's load on PostgreSQL.
    # None: unbounded text (or not text)
    width: int | None = None

    @property
    def duckdb_type(self) -> str:
        """The DuckDB type of the column (every reader's relation casts to it)."""
        return DUCKDB_TYPES.get(self.kind, "VARCHAR")

    @property
    def arrow_type(self) -> Any:
        """The Arrow type of the column: integer sen and counts int64, instants UTC, the rest text."""
        import pyarrow as pa

        return {
            "BIGINT": pa.int64(),
            "BOOLEAN": pa.bool_(),
            "TIMESTAMPTZ": pa.timestamp("us", "UTC"),
        }.get(self.duckdb_type, pa.string())


@dataclass(frozen=True)
class IngestTask:
    """The DAG task `<stage>.ingest_<name>` (`steps.ingest.ingest`): its stage (task group), phases, documentation."""

    stage: str
    phases: tuple[Phase, ...]
    doc_md: str


@dataclass(frozen=True)
class DatasetSpec:
    """A data set: its fields in output order, where and how the warehouse keeps it, who reads it.

    `load` is "append" (every landed row is kept under its file and row; readers take the
    current rows, e.g. the row landed last per key) or "replace" (a landed row replaces the
    stored row with the same `keys` in the campaign: the last landed wins at load time).

    "The row landed last" has one meaning (`last_landed`): the greatest landing order (the
    warehouse's `file_id`), then the greatest row order within the file (`row_number`). In
    one file a later row of the same `unique_key` replaces the earlier one (the earlier is
    quarantined as duplicate_in_file), so a creators file listing a creator twice gives the
    later row's figures everywhere.
    """

    last_landed: ClassVar[tuple[str, str]] = ("file_id", "row_number")  # landing order, then row order

    name: str
    fields: tuple[FieldSpec, ...]
    unique_key: str | None = None  # repeated in a file: the later row wins, earlier ones are duplicate_in_file
    free_columns_are_questions: bool = False
    table: str | None = None  # the warehouse table of its rows (None: never stored, e.g. match history)
    load: Literal["append", "replace"] = "append"
    keys: tuple[str, ...] = ()  # what identifies the row's subject (replace: the upsert key, with the campaign)
    derived_columns: tuple[str, ...] = ()  # stored columns the reader derives besides the fields
    insert_only: dict[str, Any] = dataclasses.field(default_factory=dict)  # warehouse columns set on first load only
    read_by: tuple[str, ...] = ()  # the consumers: payouts, review, matchmaking, traffic, experiments, ...
    ingest: IngestTask | None = None  # None: not landed per campaign (a command-line input only)

    @property
    def stored_fields(self) -> tuple[str, ...]:
        """The field columns the warehouse keeps (what a quality batch reads back)."""
        return tuple(f.column for f in self.fields if f.stored)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """Every column a load writes from the reader's table, `row_number` (input order) last."""
        return (*self.stored_fields, *self.derived_columns, "row_number")

    @property
    def time_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields if f.kind == "timestamp")

    def field(self, column: str) -> FieldSpec:
        """Return the field of `column` (KeyError naming the data set when it has none)."""
        for f in self.fields:
            if f.column == column:
                return f
        raise KeyError(f"data set {self.name!r} has no field {column!r}")

    def duckdb_columns(self, required: tuple[str, ...] | None = None) -> tuple[tuple[str, str, bool], ...]:
        """Return (column, DuckDB type, required) of the stored fields, then `row_number` (input order).

        `required`: the columns a consumer cannot do without (None: the fields a file must have,
        `FieldSpec.required`); the others may be absent from a relation handed over (NULL).
        """
        needed = {f.column for f in self.fields if f.required} if required is None else set(required)
        unknown = needed - set(self.stored_fields)
        if unknown:
            raise KeyError(f"data set {self.name!r} stores no {', '.join(sorted(unknown))}")
        return (*((f.column, f.duckdb_type, f.column in needed) for f in self.fields if f.stored), ROW_NUMBER)

    def arrow_schema(self, columns: tuple[str, ...] | None = None) -> Any:
        """Return the Arrow schema of `columns` (default: the stored fields), as every reader hands them over."""
        import pyarrow as pa

        return pa.schema([(c, self.field(c).arrow_type) for c in (columns or self.stored_fields)])

    @property
    def suite(self) -> str:
        """The quality suite's file name under include/expectations/."""
        return f"{self.name}.json"


def F(column: str, aliases: tuple[str, ...] | str, kind: str, **flags: Any) -> FieldSpec:
    """Shorthand for a FieldSpec; the column name is its own first alias unless it names a unit or a hash."""
    aliases = (aliases,) if isinstance(aliases, str) else aliases
    # A file's `gmv_sen` or `email_hash` column is not in MYR / not clear text: never read it as one.
    own = () if column.endswith(("_sen", "_hash")) else (column,)
    return FieldSpec(column, (*own, *[a for a in aliases if a != column]), kind, **flags)


ID_WIDTH = 200  # ids (order, line, creator, product, sample, content, survey): String(200) in the warehouse
CREATOR_ID = F("creator_id", CREATOR_ALIASES, "creator_id", required=True, key=True, blank_ok=False, width=ID_WIDTH)
PRODUCT_ID_ARGS = (
    "product_id",
    ("product_id", "productid", "product_no", "product_code", "spu_id", "id_produk"),
    "id",
)
PRODUCT_ID = F(*PRODUCT_ID_ARGS, required=True, key=True, blank_ok=False, width=ID_WIDTH)
# SPEC section 9: trimmed, upper-cased (VIDEO, LIVE, SHOWCASE, LINKSHARE, ...); missing or empty is UNKNOWN
CONTENT_TYPE = F(
    "content_type",
    ("content_type", "content_source", "content_format", "source_type", "attribution_type", "jenis_kandungan"),
    "upper",
    default="UNKNOWN",
    width=40,
)
ACCOUNT_MANAGER = F(
    "account_manager",
    ("account_manager", "am", "account_manager_name", "manager", "invited_by", "pic", "person_in_charge"),
    "text",
    width=80,
)
HASH_WIDTH = 64  # a keyed hash's hex digest
EMAIL = F("email_hash", EMAIL_ALIASES, "email", width=HASH_WIDTH)
PHONE = F("phone_hash", PHONE_ALIASES, "phone", width=HASH_WIDTH)

SPECS: dict[str, DatasetSpec] = {
    "creators": DatasetSpec(
        "creators",
        (
            CREATOR_ID,
            F("handle", ("handle", "nickname", "display_name", "creator_name", "name", "nama"), "text"),
            F(
                "followers",
                ("followers", "follower_count", "followers_count", "no_of_followers", "pengikut"),
                "count",
                required=True,
                blank_ok=False,
            ),
            F("category", ("category", "main_category", "kategori", "niche", "product_category"), "category", width=80),
            F("state", ("state", "negeri", "location", "region"), "text", width=80),
            F(
                "gmv_30d_sen",
                (
                    "gmv_30d_myr",
                    "gmv_30d",
                    "gmv_30_days",
                    "gmv_last_30_days",
                    "gmv_30d_rm",
                    "gmv_30_days_myr",
                    "gmv_30_days_rm",
                ),
                "money",
            ),
            F(
                "avg_views_30d",
                (
                    "avg_views_30d",
                    "avg_views",
                    "average_views",
                    "avg_video_views",
                    "average_video_views",
                    "purata_tontonan",
                ),
                "count",
            ),
            # optional: who owns the creator (`campaignctl match`'s lists, SPEC 11); the warehouse's
            # account manager comes from the shortlist
            replace(ACCOUNT_MANAGER, stored=False),
            EMAIL,
            PHONE,
        ),
        unique_key="creator_id",
        table="creators",
        load="replace",
        keys=("creator_id",),
        insert_only={"shortlisted": False},  # a later pull updates a creator; recruitment's shortlist stays
        read_by=("recruitment", "matchmaking", "experiments", "review"),
        ingest=IngestTask(
            "recruitment",
            RECRUITMENT,
            "Ingests every creators file landed for the campaign (once per content hash; "
            "bad rows to quarantine with a reason; files archived).",
        ),
    ),
    "enrollments": DatasetSpec(
        "enrollments",
        (
            CREATOR_ID,
            F(
                "registered_at",
                (
                    "registered_at",
                    "registration_time",
                    "registered_time",
                    "enrolled_at",
                    "enrollment_time",
                    "registration_date",
                    "joined_at",
                    "tarikh_daftar",
                    "timestamp",
                    "submitted_at",
                ),
                "timestamp",
                required=True,
                blank_ok=False,
            ),
            F(
                "is_new_creator",
                ("is_new_creator", "new_creator", "is_new", "first_campaign", "pencipta_baru"),
                "bool",
            ),
            replace(EMAIL, stored=False),  # read (and hashed) to mask the file, not stored
            replace(PHONE, stored=False),
        ),
        table="enrollments",
        load="append",
        keys=("creator_id",),  # a creator enrolled twice counts from the earliest row (SPEC 5 rule 2)
        read_by=("payouts", "review", "matchmaking", "experiments"),
        ingest=IngestTask(
            "enrollment",
            (Phase.RECRUITMENT, Phase.PRE_EVENT, Phase.LIVE),
            "Loads new enrollment files from the landing area (each file once, by content hash); "
            "rows that cannot be used go to quarantine with a reason.",
        ),
    ),
    "surveys": DatasetSpec(
        "surveys",
        (
            CREATOR_ID,
            F(
                "submitted_at",
                (
                    "submitted_at",
                    "timestamp",
                    "submission_time",
                    "submitted",
                    "submitted_on",
                    "completion_time",
                    "cap_masa",
                    "时间戳记",
                    "時間戳記",
                    "时间戳",
                    "நேர_முத்திரை",
                ),
                "timestamp",
                required=True,
                blank_ok=False,
            ),
            F("survey_id", ("survey_id", "survey", "form_id"), "lower", width=ID_WIDTH),
            EMAIL,
            PHONE,
        ),
        free_columns_are_questions=True,
        table="survey_responses",  # and survey_answers: one row per answered question
        load="append",
        read_by=("review", "milestones"),
        ingest=IngestTask(
            "surveys",
            tuple(Phase),
            "Loads new survey response files (answers kept as written, language tagged ms/en/zh/ta); "
            "e-mail and phone columns are stored only as keyed hashes.",
        ),
    ),
    "orders": DatasetSpec(
        "orders",
        (
            F(
                "order_id",
                ("order_id", "order_no", "order_number", "orderid", "no_pesanan", "id_pesanan"),
                "id",
                required=True,
                key=True,
                blank_ok=False,
                width=ID_WIDTH,
            ),
            F(
                "line_id",
                ("line_id", "sku_id", "order_line_id", "line_no", "item_id", "line_item_id"),
                "id",
                required=True,
                key=True,
                blank_ok=False,
                width=ID_WIDTH,
            ),
            CREATOR_ID,
            F(
                "order_time",
                (
                    "order_time",
                    "time_created",
                    "created_time",
                    "order_created_time",
                    "order_date",
                    "order_created_at",
                    "created_at",
                    "masa_pesanan",
                ),
                "timestamp",
                required=True,
                blank_ok=False,
            ),
            F(
                "status",
                ("status", "order_status", "status_pesanan"),
                "status",
                required=True,
                blank_ok=False,
                width=40,
            ),
            F(
                "gmv_sen",
                ("gmv_myr", "gmv", "gmv_rm", "payment_amount", "order_amount", "amount", "jumlah_bayaran"),
                "money",
                required=True,
                blank_ok=False,
            ),
            F(
                "updated_at",
                (
                    "updated_at",
                    "update_time",
                    "updated_time",
                    "time_updated",
                    "last_updated",
                    "last_update_time",
                ),
                "timestamp",
            ),
            F(
                "fully_returned",
                (
                    "fully_returned_or_refunded",
                    "fully_returned",
                    "returned_or_refunded",
                    "is_returned",
                    "refunded",
                ),
                "bool",
                stored=False,  # a "Yes" turns the status into "returned" (source_status keeps the export's)
            ),
            # SPEC section 9: optional
            F(*PRODUCT_ID_ARGS, width=ID_WIDTH),
            CONTENT_TYPE,
            F(
                "commission_sen",
                (
                    "commission_myr",
                    "actual_commission",
                    "actual_commission_myr",
                    "actual_commission_rm",
                    "commission",
                    "commission_rm",
                    "creator_commission",
                    "komisen",
                    "komisen_sebenar",
                ),
                "money",
                default=0,
            ),
        ),
        table="order_lines",
        load="append",  # every version of a line is kept; SPEC 5 rule 1 picks the winner
        keys=("order_id", "line_id"),
        derived_columns=("source_status",),  # the export's own status, kept when "returned" replaces it
        read_by=("payouts", "review", "matchmaking", "experiments"),
        ingest=IngestTask(
            "orders",
            ORDER_PHASES,
            "Loads new order exports (the affiliate center's seller export as it is, or canonical files); "
            "duplicates are kept for the payout engine's rule 1, bad rows are quarantined with a reason.",
        ),
    ),
    "exclusions": DatasetSpec(
        "exclusions",
        (
            CREATOR_ID,
            F("reason", ("reason", "exclusion_reason", "sebab", "note", "notes", "remarks"), "text"),
        ),
        unique_key="creator_id",
        table="exclusions",
        load="replace",
        keys=("creator_id",),
        read_by=("payouts", "review"),
        ingest=IngestTask("orders", ORDER_PHASES, "Loads new payout exclusion lists (creators barred from payouts)."),
    ),
    "products": DatasetSpec(
        "products",
        (
            PRODUCT_ID,
            F("name", ("name", "product_name", "product_title", "title", "item_name", "nama_produk"), "text"),
            F(
                "category",
                ("category", "product_category", "main_category", "category_name", "kategori", "kategori_produk"),
                "category",
                width=80,
            ),
            F(
                "price_sen",
                (
                    "price_myr",
                    "price",
                    "price_rm",
                    "unit_price",
                    "selling_price",
                    "sale_price",
                    "product_price",
                    "harga",
                    "harga_rm",
                ),
                "money",
                required=True,
                blank_ok=False,
                minimum=0,
            ),
            F(
                "sample_quota",
                (
                    "sample_quota",
                    "quota",
                    "samples",
                    "sample_qty",
                    "sample_quantity",
                    "free_samples",
                    "free_sample_quota",
                    "sample_stock",
                    "kuota_sampel",
                ),
                "integer",
                required=True,
                blank_ok=False,
                minimum=0,
            ),
            F(
                "priority",
                ("priority", "product_priority", "tier", "keutamaan"),
                "integer",
                default=1,
                minimum=1,
                maximum=3,
            ),
            F(
                "min_followers",
                ("min_followers", "minimum_followers", "follower_threshold", "min_follower_count", "min_pengikut"),
                "count",
                default=0,
                minimum=0,
            ),
        ),
        unique_key="product_id",
        table="products",
        load="append",  # the row landed last wins per product (warehouse.campaign_data)
        keys=("product_id",),
        read_by=("matchmaking", "review", "experiments"),
        ingest=IngestTask(
            "recruitment",
            SELECTION_PHASES,
            "Ingests the campaign's product selection (price, category, sample quota, priority, "
            "minimum followers); a re-landed selection replaces the earlier one product by product.",
        ),
    ),
    "invitations": DatasetSpec(
        "invitations",
        (
            CREATOR_ID,
            F(
                "invited_at",
                (
                    "invited_at",
                    "invitation_time",
                    "invite_time",
                    "invited_time",
                    "invitation_date",
                    "invite_date",
                    "sent_at",
                    "tarikh_jemputan",
                    "timestamp",
                ),
                "timestamp",
                required=True,
                blank_ok=False,
            ),
            ACCOUNT_MANAGER,
            EMAIL,
            PHONE,
        ),
        table="invitations",
        load="append",  # the earliest invitation per creator counts (warehouse.campaign_data)
        keys=("creator_id",),
        read_by=("review", "matchmaking"),
        ingest=IngestTask(
            "recruitment",
            SELECTION_PHASES,
            "Ingests invitation lists landed by account managers (creator, invited at, account manager); "
            "the shortlist's own invite lists are recorded by `shortlist_creators`.",
        ),
    ),
    "samples": DatasetSpec(
        "samples",
        (
            F(
                "sample_id",
                (
                    "sample_id",
                    "sample_request_id",
                    "request_id",
                    "sample_order_id",
                    "application_id",
                    "id_sampel",
                ),
                "id",
                required=True,
                key=True,
                blank_ok=False,
                width=ID_WIDTH,
            ),
            CREATOR_ID,
            F(*PRODUCT_ID_ARGS, required=True, key=True, blank_ok=False, width=ID_WIDTH),
            F(
                "requested_at",
                (
                    "requested_at",
                    "request_time",
                    "requested_time",
                    "application_time",
                    "applied_at",
                    "apply_time",
                    "created_time",
                    "created_at",
                    "tarikh_mohon",
                ),
                "timestamp",
                required=True,
                blank_ok=False,
            ),
            F(
                "status",
                ("status", "sample_status", "request_status", "application_status", "status_sampel"),
                "upper",
                required=True,
                blank_ok=False,
                width=40,
            ),
            F(
                "shipped_at",
                ("shipped_at", "shipped_time", "ship_time", "shipping_time", "dispatched_at", "dispatch_time"),
                "timestamp",
            ),
        ),
        table="samples",
        load="append",  # statuses change: the row landed last wins per sample (warehouse.campaign_data)
        keys=("sample_id",),
        read_by=("review", "matchmaking", "experiments", "ecosystem"),
        ingest=IngestTask(
            "enrollment",
            (Phase.RECRUITMENT, Phase.PRE_EVENT, Phase.LIVE, Phase.COOLING, Phase.SETTLEMENT),
            "Loads free-sample request exports; a sample's status changes from landing to landing "
            "and the row landed last wins (shipped: SHIPPED, CONTENT_PENDING, COMPLETED; posted: COMPLETED).",
        ),
    ),
    "content": DatasetSpec(
        "content",
        (
            F(
                "content_id",
                ("content_id", "video_id", "live_id", "post_id", "content_link_id", "id_kandungan"),
                "id",
                required=True,
                key=True,
                blank_ok=False,
                width=ID_WIDTH,
            ),
            CREATOR_ID,
            CONTENT_TYPE,
            F(
                "posted_at",
                (
                    "posted_at",
                    "post_time",
                    "posted_time",
                    "publish_time",
                    "published_at",
                    "video_post_time",
                    "live_start_time",
                    "start_time",
                    "create_time",
                    "created_at",
                    "masa_siar",
                ),
                "timestamp",
                required=True,
                blank_ok=False,
            ),
            F(
                "views",
                ("views", "video_views", "view_count", "views_count", "play_count", "plays", "viewers", "tontonan"),
                "count",
                required=True,
                default=0,
            ),
            F(
                "gmv_sen",
                ("gmv_myr", "gmv", "gmv_rm", "content_gmv", "video_gmv", "live_gmv", "attributed_gmv"),
                "money",
                required=True,
                default=0,
            ),
        ),
        table="content",
        load="append",  # newer figures for the same content replace the earlier row (warehouse.campaign_data)
        keys=("content_id",),
        read_by=("review", "traffic"),
        ingest=IngestTask(
            "orders",
            (Phase.RECRUITMENT, Phase.PRE_EVENT, *ORDER_PHASES),
            "Loads content exports (videos and LIVE sessions: type, posted at, views, GMV); the same "
            "content landed again with newer figures replaces the earlier row.",
        ),
    ),
}

# The data sets landed per campaign, in registry order, and those the payout engine reads (SPEC 5).
DATASETS = tuple(name for name, spec in SPECS.items() if spec.ingest is not None)
PAYOUT_DATASETS = tuple(name for name in DATASETS if "payouts" in SPECS[name].read_by)


def last_landed_sql(relation: str, key: str, columns: tuple[str, ...]) -> str:
    """Return a DuckDB query of one row per `key` of `relation`: the row landed last (`DatasetSpec.last_landed`).

    A relation handed to DuckDB carries its landing order as `row_number` (a file's row order,
    or the warehouse's landing order then row order), so the greatest `row_number` wins.
    """
    picked = ", ".join(f"arg_max_null({c}, row_number) AS {c}" for c in columns if c != key)  # the whole row wins
    return f"SELECT {key}, {picked} FROM {relation} WHERE {key} IS NOT NULL GROUP BY {key}"


def landed(stage: str | None = None) -> list[DatasetSpec]:
    """Return the specs of the landed data sets (of one stage's ingestion tasks), in registry order."""
    return [s for s in SPECS.values() if s.ingest is not None and stage in (None, s.ingest.stage)]


# Not landed per campaign: a creator's past GMV per category, which `campaignctl match` reads
# for affinity (SPEC 11). Rows are summed per (creator, category).
SPECS["history"] = DatasetSpec(
    "history",
    (
        CREATOR_ID,
        F(
            "category",
            ("category", "product_category", "main_category", "category_name", "kategori"),
            "category",
            required=True,
            blank_ok=False,
            width=80,
        ),
        F(
            "gmv_sen",
            ("gmv_myr", "gmv", "gmv_rm", "history_gmv_myr", "past_gmv_myr", "total_gmv_myr", "jumlah_gmv"),
            "money",
            required=True,
            blank_ok=False,
        ),
    ),
)

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_header(name: str) -> str:
    """Return the comparable form of a header: NFKC, lower case, non-word runs as one `_`."""
    name = unicodedata.normalize("NFKC", name).replace("\ufeff", "").replace("\u200b", "")
    return _NON_WORD.sub("_", name.strip().lower()).strip("_")


def match_columns(spec: DatasetSpec, headers: list[str]) -> dict[str, str]:
    """Map each canonical column to the file's header that provides it (first alias present wins)."""
    by_normal: dict[str, str] = {}
    for header in headers:
        by_normal.setdefault(normalize_header(header), header)
    used: set[str] = set()
    found: dict[str, str] = {}
    for field in spec.fields:
        for alias in field.aliases:
            header = by_normal.get(alias)
            if header is not None and header not in used:
                found[field.column] = header
                used.add(header)
                break
    return found


def pii_headers(headers: list[str]) -> dict[str, str]:
    """Return {header: "email" | "phone"} for every header that holds personal data."""
    out = {}
    for header in headers:
        normal = normalize_header(header)
        if normal in EMAIL_ALIASES:
            out[header] = "email"
        elif normal in PHONE_ALIASES:
            out[header] = "phone"
    return out

# Not landed per campaign: the traffic allocation's rows, which `campaignctl review` reads for
# the measured lift of boosts (SPEC 12): every hour's rows, spend and expected GMV summed.
SPECS["traffic"] = DatasetSpec(
    "traffic",
    (
        CREATOR_ID,
        F("spend_sen", ("spend_myr", "spend", "spend_rm", "boost_spend_myr"), "money", required=True,
          blank_ok=False, minimum=0),  # fmt: skip
        F("expected_gmv_sen", ("expected_gmv_myr", "expected_gmv", "expected_gmv_rm"), "money", default=0, minimum=0),
        # SPEC 15: what the plan would have given a holdout creator (a ghost); absent columns are 0
        F("ghost_spend_sen", ("ghost_spend_myr", "ghost_spend"), "money", default=0, minimum=0),
        F("ghost_expected_gmv_sen", ("ghost_expected_gmv_myr", "ghost_expected_gmv"), "money", default=0, minimum=0),
    ),
    read_by=("review", "experiments"),  # `campaignctl review`'s traffic.csv (the allocation's rows)
)

# Not landed per campaign: the matchmaking list `campaignctl match` wrote, which `campaignctl review`
# reads for SPEC 15's would-be-treated: `matchmaking.csv` (the treated pairs, as the account managers
# got them) and `matchmaking_ghosts.csv` (the pairs the plan gave holdout creators; nothing shipped).
_PAIR_FIELDS = (CREATOR_ID, PRODUCT_ID, F("value_sen", ("value_myr", "value"), "money", default=0), ACCOUNT_MANAGER)
SPECS["matchmaking"] = DatasetSpec("matchmaking", _PAIR_FIELDS, read_by=("review", "experiments"))
SPECS["matchmaking_ghosts"] = DatasetSpec("matchmaking_ghosts", _PAIR_FIELDS, read_by=("review", "experiments"))

# SPEC section 14: who is paid, with the identity a self-billed e-invoice and CP58 need. Not a
# per-campaign export like the ones above: finance keeps one list for the company, the last landed
# row per creator wins, and the identity fields are encrypted rather than hashed
# (`creator_ops.core.finance.payees` reads it; nothing here is written out in clear).
SPECS["payees"] = DatasetSpec(
    "payees",
    (
        CREATOR_ID,
        F("entity_type", ("entity_type", "entity", "payee_type", "taxpayer_type", "jenis_entiti"), "lower",
          required=True, blank_ok=False, width=20),
        F("resident", ("resident", "is_resident", "tax_resident", "residency", "pemastautin"), "bool"),
        # the identity: stored only inside `identity_token` (Fernet under payee_data_key), never as a column
        F("legal_name", ("legal_name", "name", "full_name", "registered_name", "nama_penuh", "nama"), "text",
          stored=False),
        F("id_type", ("id_type", "identification_type", "id_scheme", "jenis_pengenalan"), "upper", width=10),
        F("id_number", ("id_number", "identification_number", "ic_number", "nric", "mykad", "passport_number",
                        "brn", "registration_number", "no_kp", "no_pengenalan"), "text", stored=False),
        F("tin", ("tin", "tax_identification_number", "tax_id", "income_tax_number", "no_cukai"), "upper",
          stored=False),
        F("address", ("address", "address_line", "street_address", "alamat"), "text", stored=False),
        F("postcode", ("postcode", "postal_code", "zip", "zip_code", "poskod"), "text", stored=False),
        F("city", ("city", "town", "bandar"), "text", stored=False),
        F("state", ("state", "negeri"), "text", stored=False, width=80),
        F("country", ("country", "country_code", "negara"), "upper", default="MYS", stored=False),
        F("phone", PHONE_ALIASES, "text", stored=False),
    ),
    table="payees",
    load="append",  # every landed row kept; the last landed per creator is current, across campaigns
    keys=("creator_id",),
    derived_columns=("has_identity", "id_hint", "identity_token"),
    read_by=("finance",),
    ingest=None,  # landed and loaded by the payout stage's `ingest_payees` (steps/finance.py): encrypted, not hashed
)  # fmt: skip
