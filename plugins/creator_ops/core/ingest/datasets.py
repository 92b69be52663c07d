"""The five data sets: their canonical columns, the header aliases accepted for each, and how cells parse.

Headers match after normalization (Unicode NFKC, lower case, every run of non-word
characters made one `_`), so `Order ID`, `order id` and `ORDER_ID` are all `order_id`.
For each field the first alias present in the file wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

DATASETS = ("creators", "enrollments", "surveys", "orders", "exclusions")

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
    kind: str  # id | creator_id | text | lower | category | money | count | bool | timestamp | email | phone
    required: bool = False  # the file is rejected when no alias is present
    key: bool = False  # a blank cell quarantines the row as missing_key
    blank_ok: bool = True  # a blank cell is null (False: quarantined as missing_value)


@dataclass(frozen=True)
class DatasetSpec:
    """A data set: its fields in output order and whether duplicate creators are quarantined."""

    name: str
    fields: tuple[FieldSpec, ...]
    unique_creator: bool = False
    free_columns_are_questions: bool = False


def F(column: str, aliases: tuple[str, ...] | str, kind: str, **flags: bool) -> FieldSpec:
    """Shorthand for a FieldSpec; the column name is its own first alias unless it names a unit or a hash."""
    aliases = (aliases,) if isinstance(aliases, str) else aliases
    # A file's `gmv_sen` or `email_hash` column is not in MYR / not clear text: never read it as one.
    own = () if column.endswith(("_sen", "_hash")) else (column,)
    return FieldSpec(column, (*own, *[a for a in aliases if a != column]), kind, **flags)


CREATOR_ID = F("creator_id", CREATOR_ALIASES, "creator_id", required=True, key=True, blank_ok=False)
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
            EMAIL,
            PHONE,
        ),
        unique_creator=True,
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
        ),
    ),
    "exclusions": DatasetSpec(
        "exclusions",
        (
            CREATOR_ID,
            F("reason", ("reason", "exclusion_reason", "sebab", "note", "notes", "remarks"), "text"),
        ),
        unique_creator=True,
    ),
}

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
