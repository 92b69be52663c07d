"""The data sets: their canonical columns, the header aliases accepted for each, and how cells parse.

Headers match after normalization (Unicode NFKC, lower case, every run of non-word
characters made one `_`), so `Order ID`, `order id` and `ORDER_ID` are all `order_id`.
For each field the first alias present in the file wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

DATASETS = (
    "creators",
    "enrollments",
    "surveys",
    "orders",
    "exclusions",
    # SPEC section 9
    "products",
    "invitations",
    "samples",
    "content",
)

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


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field: output column, aliases, parser kind and what a blank cell means."""

    column: str
    aliases: tuple[str, ...]
    # id | creator_id | text | lower | upper | category | money | count | integer | bool | timestamp | email | phone
    kind: str
    required: bool = False  # the file is rejected when no alias is present
    key: bool = False  # a blank cell quarantines the row as missing_key
    blank_ok: bool = True  # a blank cell is null (False: quarantined as missing_value)
    default: str | int | None = None  # the value of a blank cell or an absent column (blank_ok fields)
    minimum: int | None = None  # integers and money below it are quarantined as out_of_range
    maximum: int | None = None  # integers above it are quarantined as out_of_range


@dataclass(frozen=True)
class DatasetSpec:
    """A data set: its fields in output order and which key must be unique within a file."""

    name: str
    fields: tuple[FieldSpec, ...]
    unique_key: str | None = None  # a later row repeating it is quarantined as duplicate_in_file
    free_columns_are_questions: bool = False


def F(column: str, aliases: tuple[str, ...] | str, kind: str, **flags: Any) -> FieldSpec:
    """Shorthand for a FieldSpec; the column name is its own first alias unless it names a unit or a hash."""
    aliases = (aliases,) if isinstance(aliases, str) else aliases
    # A file's `gmv_sen` or `email_hash` column is not in MYR / not clear text: never read it as one.
    own = () if column.endswith(("_sen", "_hash")) else (column,)
    return FieldSpec(column, (*own, *[a for a in aliases if a != column]), kind, **flags)


CREATOR_ID = F("creator_id", CREATOR_ALIASES, "creator_id", required=True, key=True, blank_ok=False)
PRODUCT_ID_ARGS = (
    "product_id",
    ("product_id", "productid", "product_no", "product_code", "spu_id", "id_produk"),
    "id",
)
PRODUCT_ID = F(*PRODUCT_ID_ARGS, required=True, key=True, blank_ok=False)
# SPEC section 9: trimmed, upper-cased (VIDEO, LIVE, SHOWCASE, LINKSHARE, ...); missing or empty is UNKNOWN
CONTENT_TYPE = F(
    "content_type",
    ("content_type", "content_source", "content_format", "source_type", "attribution_type", "jenis_kandungan"),
    "upper",
    default="UNKNOWN",
)
ACCOUNT_MANAGER = F(
    "account_manager",
    ("account_manager", "am", "account_manager_name", "manager", "invited_by", "pic", "person_in_charge"),
    "text",
)
EMAIL = F("email_hash", EMAIL_ALIASES, "email")
PHONE = F("phone_hash", PHONE_ALIASES, "phone")

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
            F("category", ("category", "main_category", "kategori", "niche", "product_category"), "category"),
            F("state", ("state", "negeri", "location", "region"), "text"),
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
            ACCOUNT_MANAGER,  # optional: who owns the creator (matchmaking's lists; SPEC 11)
            EMAIL,
            PHONE,
        ),
        unique_key="creator_id",
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
            EMAIL,
            PHONE,
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
            F("survey_id", ("survey_id", "survey", "form_id"), "lower"),
            EMAIL,
            PHONE,
        ),
        free_columns_are_questions=True,
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
            ),
            F(
                "line_id",
                ("line_id", "sku_id", "order_line_id", "line_no", "item_id", "line_item_id"),
                "id",
                required=True,
                key=True,
                blank_ok=False,
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
            F("status", ("status", "order_status", "status_pesanan"), "lower", required=True, blank_ok=False),
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
            ),
            # SPEC section 9: optional
            F(*PRODUCT_ID_ARGS),
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
    ),
    "exclusions": DatasetSpec(
        "exclusions",
        (
            CREATOR_ID,
            F("reason", ("reason", "exclusion_reason", "sebab", "note", "notes", "remarks"), "text"),
        ),
        unique_key="creator_id",
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
            ),
            CREATOR_ID,
            F(*PRODUCT_ID_ARGS, required=True, key=True, blank_ok=False),
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
            ),
            F(
                "shipped_at",
                ("shipped_at", "shipped_time", "ship_time", "shipping_time", "dispatched_at", "dispatch_time"),
                "timestamp",
            ),
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
    ),
}

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
    ),
)

# SPEC section 14: who is paid, with the identity a self-billed e-invoice and CP58 need. Not a
# per-campaign export like the ones above: finance keeps one list for the company, the last landed
# row per creator wins, and the identity fields are encrypted rather than hashed
# (`creator_ops.core.finance.payees` reads it; nothing here is written out in clear).
SPECS["payees"] = DatasetSpec(
    "payees",
    (
        CREATOR_ID,
        F("entity_type", ("entity_type", "entity", "payee_type", "taxpayer_type", "jenis_entiti"), "lower",
          required=True, blank_ok=False),
        F("resident", ("resident", "is_resident", "tax_resident", "residency", "pemastautin"), "bool"),
        F("legal_name", ("legal_name", "name", "full_name", "registered_name", "nama_penuh", "nama"), "text"),
        F("id_type", ("id_type", "identification_type", "id_scheme", "jenis_pengenalan"), "upper"),
        F("id_number", ("id_number", "identification_number", "ic_number", "nric", "mykad", "passport_number",
                        "brn", "registration_number", "no_kp", "no_pengenalan"), "text"),
        F("tin", ("tin", "tax_identification_number", "tax_id", "income_tax_number", "no_cukai"), "upper"),
        F("address", ("address", "address_line", "street_address", "alamat"), "text"),
        F("postcode", ("postcode", "postal_code", "zip", "zip_code", "poskod"), "text"),
        F("city", ("city", "town", "bandar"), "text"),
        F("state", ("state", "negeri"), "text"),
        F("country", ("country", "country_code", "negara"), "upper", default="MYS"),
        F("phone", PHONE_ALIASES, "text"),
    ),
)  # fmt: skip
