"""Seeded, realistic Malaysian creator-campaign data for the demo, the tests and the benchmarks.

`generate(spec, creators=..., seed=...)` returns canonical, clean values (timestamps UTC,
money in integer sen) per data set: creators across the states of Malaysia with
heavy-tailed followers and GMV, their e-mails and MY mobile numbers (so PII hashing has
work to do), enrollments (some late, some twice), pre/post surveys answered in Malay,
English, Chinese and Tamil, order lines over the event window (a few just outside it,
duplicates carrying a later `updated_at`, and, with `defects=True`, negative or blank
rows ingestion must quarantine) and exclusions.

`write_dataset` turns one frame into a landing file (CSV, XLSX, JSON lines, Parquet);
with `mess=True` it writes the way real exports arrive (SPEC section 3): UTF-8 BOM,
UTF-16 tab-separated or Windows-1252, `;`/tab delimiters, `RM1,234.50`, `12.3K`,
`@Handle ` ids, mixed timestamp formats and the affiliate center's seller order export.
`land_slice` drops the part of a data set whose timestamps fall in one run's interval
under `<landing_root>/<campaign_id>/<dataset>/`. Everything is vectorized numpy/pandas
so `generate_orders` reaches 10 million lines; CSV and JSON lines are written in chunks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from creator_ops.core.ingest.datasets import DATASETS
from creator_ops.core.ingest.pii import DEMO_PII_KEY, hash_values
from creator_ops.core.spec import CampaignSpec

FileFormat = Literal["csv", "xlsx", "jsonl", "parquet"]
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "jsonl": "jsonl", "parquet": "parquet"}

# Population shares (DOSM 2020 census, rounded): where creators live follows where people live.
STATE_WEIGHTS = {
    "Selangor": 0.22,
    "Johor": 0.12,
    "Sabah": 0.10,
    "Sarawak": 0.08,
    "Perak": 0.075,
    "Kuala Lumpur": 0.08,
    "Kedah": 0.065,
    "Kelantan": 0.055,
    "Penang": 0.055,
    "Pahang": 0.047,
    "Terengganu": 0.036,
    "Negeri Sembilan": 0.035,
    "Melaka": 0.030,
    "Perlis": 0.008,
    "Putrajaya": 0.004,
    "Labuan": 0.003,
}
MY_STATES = tuple(STATE_WEIGHTS)
CATEGORIES = ("beauty", "fashion", "home_living", "electronics", "food", "health", "mother_baby", "sports")
CATEGORY_THEMES = {
    "beauty": ("glow", "makeup", "skincare", "beauty"),
    "fashion": ("ootd", "style", "fesyen", "tudung"),
    "home_living": ("home", "deco", "rumah", "kitchen"),
    "electronics": ("tech", "gadget", "review", "unbox"),
    "food": ("makan", "eats", "foodie", "sedap"),
    "health": ("fit", "sihat", "wellness", "gym"),
    "mother_baby": ("mama", "baby", "ibu", "family"),
    "sports": ("sukan", "run", "futsal", "active"),
}
FIRST_NAMES = (
    # Malay, Chinese and Indian given names, roughly in the country's mix
    "aisyah", "nurul", "farah", "hafiz", "amirul", "syafiq", "izzati", "danish", "balqis", "haziq",
    "aina", "irfan", "sofea", "adam", "alya", "luqman", "hana", "firdaus", "qistina", "zikri",
    "weijie", "xinyi", "junhao", "meiling", "kahwai", "jiayi", "zhiwei", "huiwen", "yeeling", "chongwei",
    "kavitha", "arjun", "priya", "ganesh", "divya", "ravi", "shalini", "suresh", "tharshini", "vikram",
)  # fmt: skip
EMAIL_DOMAINS = ("gmail.com", "yahoo.com.my", "hotmail.com", "outlook.my", "icloud.com")
MOBILE_PREFIXES = ("10", "11", "12", "13", "14", "16", "17", "18", "19")
LANGUAGES = ("ms", "en", "zh", "ta")
LANGUAGE_WEIGHTS = (0.45, 0.30, 0.18, 0.07)
ORDER_STATUSES = ("completed", "delivered", "settled", "cancelled", "returned", "pending")
ORDER_STATUS_WEIGHTS = (0.55, 0.14, 0.10, 0.08, 0.05, 0.08)
# What the affiliate center's seller export says for each canonical status (returned: COMPLETED + "Yes").
AFFILIATE_STATUS = {
    "completed": "COMPLETED",
    "delivered": "COMPLETED",
    "settled": "COMPLETED",
    "returned": "COMPLETED",
    "cancelled": "CANCELLED",
    "pending": "PROCESSING",
    "processing": "PROCESSING",
    "frozen": "FROZEN",
    "deducted": "DEDUCTED",
}
EXCLUSION_REASONS = (
    "Fraudulent orders detected by Trust & Safety",
    "Self-purchase of promoted products",
    "Creator’s account suspended – community guidelines",
    "Duplicate account of an existing creator",
    "Opted out of the campaign by e-mail",
)
DEFAULT_SURVEY_QUESTIONS = {
    "pre_event": (
        ("Readiness for the campaign (1-5)", "rating"),
        ("Main product category you will promote", "category"),
        ("Planned number of live sessions", "count"),
        ("What support do you need from Creator Ops?", "text_pre"),
    ),
    "post_event": (
        ("Overall satisfaction (1-5)", "rating"),
        ("Did the incentive motivate you? (Yes/No)", "yes_no"),
        ("What should we improve next time?", "text_post"),
    ),
}
ANSWER_BANK = {
    "text_pre": {
        "ms": ("Saya perlukan lebih banyak sampel produk", "Tolong hantar baucar lebih awal",
               "Perlukan panduan skrip live", "Boleh beri komisen tambahan untuk produk baharu?"),
        "en": ("More product samples please", "Send the voucher codes earlier",
               "A script guide for live sessions would help", "Clearer brief on the hero products"),
        "zh": ("希望提供更多产品样品", "请提前发放优惠券", "需要直播脚本指导", "希望佣金更高一点"),
        "ta": ("மேலும் தயாரிப்பு மாதிரிகள் தேவை", "வவுச்சர்களை முன்கூட்டியே அனுப்பவும்",
               "நேரலைக்கு வழிகாட்டி தேவை", "கமிஷன் அதிகரிக்க வேண்டும்"),
    },
    "text_post": {
        "ms": ("Kempen ini sangat membantu jualan saya", "Masa live terlalu singkat",
               "Bayaran insentif perlu lebih cepat", "Stok habis terlalu awal"),
        "en": ("Great campaign, my sales doubled", "The live slot was too short",
               "Payout timing was unclear", "Hero products went out of stock early"),
        "zh": ("这次活动销量很好", "直播时间太短", "佣金结算时间不够清楚", "热门产品太早缺货"),
        "ta": ("இந்த பிரச்சாரம் விற்பனைக்கு உதவியது", "நேரலை நேரம் குறைவாக இருந்தது",
               "கட்டண நேரம் தெளிவாக இல்லை", "பொருட்கள் சீக்கிரம் தீர்ந்துவிட்டன"),
    },
    "yes_no": {"ms": ("Ya", "Tidak"), "en": ("Yes", "No"), "zh": ("是", "否"), "ta": ("ஆம்", "இல்லை")},
    "category": {
        "ms": ("Kecantikan", "Fesyen", "Rumah & Gaya Hidup", "Elektronik", "Makanan"),
        "en": ("Beauty", "Fashion", "Home & Living", "Electronics", "Food"),
        "zh": ("美妆", "时尚", "家居生活", "电子产品", "美食"),
        "ta": ("அழகு", "ஃபேஷன்", "வீடு & வாழ்க்கை", "மின்னணு", "உணவு"),
    },
}  # fmt: skip
# Likelihood to recommend (0-10): creators of a good campaign lean to 8-10
NPS_WEIGHTS = np.array([1, 0.5, 0.5, 1, 1, 3, 5, 9, 18, 28, 33]) / 100
NOT_A_SCORE = ("10/10", "Sangat baik", "N/A", "maybe")
CONTACT_TEMPLATES = {
    "ms": ("Hubungi saya di {email}", "WhatsApp saya {phone}"),
    "en": ("Email me at {email}", "Call me on {phone}"),
    "zh": ("请发邮件到 {email}", "我的电话 {phone}"),
    "ta": ("என் மின்னஞ்சல் {email}", "என் தொலைபேசி {phone}"),
}
TIME_COLUMNS = {
    "creators": (),
    "enrollments": ("registered_at",),
    "surveys": ("submitted_at",),
    "orders": ("order_time", "updated_at"),
    "exclusions": (),
    "products": (),
    "invitations": ("invited_at",),
    # a sample's status changes: each change is a row, exported when it happens (the last landed wins)
    "samples": ("requested_at", "status_changed_at"),
    "content": ("posted_at",),
}
DEFAULT_ACCOUNT_MANAGERS = ("aisyah", "wei_jie", "kavitha")
CONTENT_TYPES = ("VIDEO", "LIVE", "SHOWCASE")
CONTENT_TYPE_WEIGHTS = (0.5, 0.35, 0.15)
# The platform's commission rate per category (what the seller pays the creator), in basis points.
COMMISSION_BPS = {
    "beauty": 1200, "fashion": 1000, "home_living": 800, "electronics": 400,
    "food": 700, "health": 900, "mother_baby": 800, "sports": 600,
}  # fmt: skip
PRODUCT_NOUNS = {
    "beauty": ("Serum Vitamin C", "Cushion Foundation", "Lip Matte", "Sunscreen SPF50", "Toner Rose"),
    "fashion": ("Tudung Bawal", "Baju Kurung Moden", "Sneakers Putih", "Kemeja Linen", "Beg Tangan"),
    "home_living": ("Air Fryer 5L", "Cadar Cotton", "Periuk Nasi", "Rak Kasut", "Lampu LED"),
    "electronics": ("TWS Earbuds", "Power Bank 20000mAh", "Smart Watch", "Phone Tripod", "USB-C Charger"),
    "food": ("Sambal Nyet", "Kopi Tongkat Ali", "Kerepek Pedas", "Madu Kelulut", "Dodol Durian"),
    "health": ("Kolagen Minuman", "Vitamin D3", "Yoga Mat", "Whey Protein", "Minyak Urut"),
    "mother_baby": ("Lampin Bayi", "Botol Susu", "Baby Wipes", "Stroller Ringan", "Minyak Telon"),
    "sports": ("Jersi Futsal", "Kasut Lari", "Dumbbell Set", "Raket Badminton", "Botol Air 1L"),
}  # fmt: skip
SAMPLE_PATHS = (
    # status histories, with their weights: most samples end posted, some stall, some are cancelled
    (("PENDING", "AWAITING_SHIPMENT", "SHIPPED", "CONTENT_PENDING", "COMPLETED"), 0.45),
    (("PENDING", "AWAITING_SHIPMENT", "SHIPPED", "CONTENT_PENDING"), 0.2),
    (("PENDING", "AWAITING_SHIPMENT", "SHIPPED"), 0.1),
    (("PENDING", "AWAITING_SHIPMENT"), 0.05),
    (("PENDING", "CANCELLED"), 0.1),
    (("PENDING", "AWAITING_SHIPMENT", "DELIVERY_FAILED"), 0.05),
    (("PENDING",), 0.05),
)
# Evening peaks in MY shopping (local hour of day); the sale's midnight rush is added on top.
HOUR_WEIGHTS = np.array([5, 3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 6, 5, 5, 6, 7, 8, 9, 11, 12, 11, 8], dtype=float)


@dataclass
class DemoData:
    """One campaign's generated data sets, in canonical clean form (UTC, integer sen)."""

    spec: CampaignSpec
    seed: int
    creators: pd.DataFrame
    enrollments: pd.DataFrame
    surveys: pd.DataFrame
    orders: pd.DataFrame
    exclusions: pd.DataFrame
    products: pd.DataFrame = field(default_factory=pd.DataFrame)
    invitations: pd.DataFrame = field(default_factory=pd.DataFrame)
    samples: pd.DataFrame = field(default_factory=pd.DataFrame)
    content: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict[str, int] = field(default_factory=dict)

    def frame(self, dataset: str) -> pd.DataFrame:
        """Return the frame of one data set by name."""
        if dataset not in DATASETS:
            raise ValueError(f"unknown data set {dataset!r}; expected one of {', '.join(DATASETS)}")
        return getattr(self, dataset)

    def accepted(self, dataset: str, pii_key: bytes = DEMO_PII_KEY) -> pd.DataFrame:
        """Return the rows ingestion accepts from a clean file, in the readers' canonical columns."""
        frame = self.frame(dataset).copy()
        if dataset == "orders":
            bad = frame["order_id"].isna() | frame["line_id"].isna() | frame["creator_id"].isna()
            frame = frame.loc[~bad & (frame["gmv_sen"] >= 0)].reset_index(drop=True)
        elif dataset == "creators":
            # hashed exactly as the readers hash them (core/ingest/pii.py), under the one demo key
            frame["email_hash"] = hash_values(list(frame.pop("email")), "email", pii_key)
            frame["phone_hash"] = hash_values(list(frame.pop("phone")), "phone", pii_key)
        elif dataset == "surveys":  # ingestion masks e-mails and phones typed into answers
            from creator_ops.core.masking import mask_pii

            frame = frame.drop(columns=["survey_id"])
            frame["answer"] = [mask_pii(a, pii_key) if isinstance(a, str) else a for a in frame["answer"]]
        elif dataset == "samples":
            frame = frame.drop(columns=["status_changed_at"])
        elif dataset == "invitations":  # the account managers' lists carry no personal data
            frame["email_hash"] = None
            frame["phone_hash"] = None
        frame.attrs["dataset"] = dataset
        return frame


# --------------------------------------------------------------------------- generation


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Return an independent generator per data set, so changing one leaves the others as they were."""
    return np.random.default_rng([seed, int(hashlib.sha256(stream.encode()).hexdigest()[:8], 16)])


def _utc(moment: dt.datetime) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_convert("UTC")


def _round_significant(values: np.ndarray, digits: int = 3) -> np.ndarray:
    """Round counts of 10,000 and more to `digits` significant figures, as marketplaces show them."""
    values = values.astype(np.int64)
    magnitude = np.floor(np.log10(np.maximum(values, 1))).astype(np.int64)
    step = np.power(10, np.maximum(magnitude - digits + 1, 0))
    rounded = np.round(values / step).astype(np.int64) * step
    return np.where(values >= 10_000, rounded, values)


def _spread(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> pd.Series:
    """Return `n` whole-second moments uniformly in [start, end)."""
    seconds = max(int((end - start).total_seconds()), 1)
    offsets = rng.integers(0, seconds, n)
    return pd.Series(start + pd.to_timedelta(offsets, unit="s"))


def make_creators(spec: CampaignSpec, n: int, seed: int = 0) -> pd.DataFrame:
    """Generate `n` marketplace candidates with unique ids, heavy-tailed reach and GMV."""
    rng = _rng(seed, "creators")
    preferred = [c for c in spec.recruitment.categories if c in CATEGORIES] or list(CATEGORIES)
    weights = np.array([3.0 if c in preferred else 1.0 for c in CATEGORIES])
    category = rng.choice(CATEGORIES, n, p=weights / weights.sum())
    state_p = np.array(list(STATE_WEIGHTS.values()))
    state = rng.choice(MY_STATES, n, p=state_p / state_p.sum())
    # Reach is lognormal (median ~6k) with a Pareto tail of mega creators
    followers = rng.lognormal(np.log(6_000), 1.5, n)
    mega = rng.random(n) < 0.02
    followers[mega] *= rng.pareto(1.3, mega.sum()) * 20 + 5
    followers = _round_significant(np.clip(followers, 120, 30_000_000))
    views = np.clip(followers * rng.lognormal(np.log(0.12), 0.8, n), 0, None).astype(np.int64)
    # Sales follow reach loosely; a fifth of candidates sold nothing in the last 30 days
    gmv_30d = np.round(followers**0.8 * rng.lognormal(np.log(45), 1.2, n)).astype(np.int64) * 10
    gmv_30d[rng.random(n) < 0.2] = 0
    handles = _handles(rng, category)
    domain = rng.choice(EMAIL_DOMAINS, n)
    email = [f"{h.lower().replace('.', '_')}@{d}" for h, d in zip(handles, domain, strict=True)]
    frame = pd.DataFrame(
        {
            "creator_id": [h.lower() for h in handles],
            "handle": handles,
            "followers": followers,
            "category": category,
            "state": state,
            "gmv_30d_sen": gmv_30d,
            "avg_views_30d": views,
            "email": email,
            "phone": _mobile_numbers(rng, n),
        }
    )
    frame.attrs["dataset"] = "creators"
    return frame


def _handles(rng: np.random.Generator, category: np.ndarray) -> list[str]:
    """Return unique display handles like `Aisyah.Glow88` (ids are their lower-case form)."""
    n = len(category)
    names = rng.choice(FIRST_NAMES, n)
    separators = rng.choice(["", ".", "_"], n)
    numbers = np.where(rng.random(n) < 0.6, rng.integers(1, 999, n).astype(str), "")
    capital = rng.random(n) < 0.3
    handles, seen = [], set()
    for i in range(n):
        theme = CATEGORY_THEMES[category[i]][rng.integers(0, 4)]
        handle = f"{names[i]}{separators[i]}{theme}{numbers[i]}"
        if capital[i]:
            handle = ".".join(part.capitalize() for part in handle.split("."))
        while handle.lower() in seen:  # ids are unique after lower-casing, as the platform guarantees
            handle = f"{handle}{rng.integers(0, 10)}"
        seen.add(handle.lower())
        handles.append(handle)
    return handles


def _mobile_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """Return MY mobile numbers in E.164 (011 numbers have 8 subscriber digits, the others 7)."""
    prefix = rng.choice(MOBILE_PREFIXES, n)
    # subscriber numbers starting 2 or 3 are allocated in every prefix (phonenumbers validates them)
    lead = rng.integers(2, 4, n)
    digits = rng.integers(0, 10**7, n)
    return [
        f"+60{p}{f}{d:07d}" if p == "11" else f"+60{p}{f}{d % 10**6:06d}"
        for p, f, d in zip(prefix, lead, digits, strict=True)
    ]


def make_enrollments(spec: CampaignSpec, creators: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Enroll ~60% of candidates over recruitment: early burst, deadline rush, some late, some twice."""
    rng = _rng(seed, "enrollments")
    t = spec.timeline
    opens, closes, event_end = _utc(t.recruitment_opens), _utc(t.registration_closes), _utc(t.event_end)
    n = max(1, round(len(creators) * 0.6))
    chosen = rng.choice(len(creators), n, replace=False)
    span = (closes - opens).total_seconds()
    shape = rng.random(n)
    fraction = np.where(
        shape < 0.35,
        np.clip(rng.exponential(0.12, n), 0, 0.999),  # the announcement burst
        np.where(shape < 0.6, 1 - rng.random(n) * 0.2, rng.random(n)),  # the deadline rush, the rest
    )
    registered = opens + pd.to_timedelta(np.floor(fraction * span), unit="s")
    late = rng.random(n) < 0.04
    registered = pd.Series(registered)
    if late.any():
        registered[late] = _spread(rng, closes + pd.Timedelta(seconds=1), event_end, int(late.sum())).to_numpy()
    frame = pd.DataFrame(
        {
            "creator_id": creators["creator_id"].to_numpy()[chosen],
            "registered_at": registered,
            "is_new_creator": rng.random(n) < 0.25,
        }
    )
    twice = frame.sample(frac=0.03, random_state=int(rng.integers(2**31))).copy()
    twice["registered_at"] = twice["registered_at"] + pd.to_timedelta(
        rng.integers(3_600, 3 * 86_400, len(twice)), unit="s"
    )
    twice["is_new_creator"] = ~twice["is_new_creator"]  # the earliest row's flag is the one that applies
    frame = pd.concat([frame, twice], ignore_index=True)
    frame = frame.sort_values(["registered_at", "creator_id"], kind="stable", ignore_index=True)
    frame.attrs["dataset"] = "enrollments"
    return frame


def _survey_windows(spec: CampaignSpec) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    t = spec.timeline
    if spec.surveys:
        return [(s.id, _utc(spec.when(s.opens)), _utc(spec.when(s.closes))) for s in spec.surveys]
    return [
        ("pre_event", _utc(t.recruitment_opens), _utc(t.registration_closes)),
        ("post_event", _utc(t.event_end), _utc(t.event_end + dt.timedelta(days=7))),
    ]


def make_surveys(spec: CampaignSpec, enrollments: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Answer each survey of the spec (or a pre and a post survey) in Malay, English, Chinese and Tamil."""
    rng = _rng(seed, "surveys")
    enrolled = enrollments["creator_id"].drop_duplicates().to_numpy()
    rows: list[dict] = []
    for survey_id, opens, closes in _survey_windows(spec):
        kind = (
            "post_event" if survey_id.startswith("post") or opens >= _utc(spec.timeline.event_start) else ("pre_event")
        )
        questions = _questions(spec, survey_id, kind)
        n = max(1, round(len(enrolled) * (0.3 if kind == "pre_event" else 0.25)))
        respondents = rng.choice(enrolled, min(n, len(enrolled)), replace=False)
        submitted = _spread(rng, opens, closes, len(respondents))
        language = rng.choice(LANGUAGES, len(respondents), p=LANGUAGE_WEIGHTS)
        for creator, moment, lang in zip(respondents, submitted, language, strict=True):
            for question, answer_kind in questions:
                answer, answer_lang = _answer(rng, answer_kind, lang, creator)
                rows.append(
                    {
                        "survey_id": survey_id,
                        "creator_id": creator,
                        "submitted_at": moment,
                        "question": question,
                        "answer": answer,
                        "language": answer_lang,
                    }
                )
    frame = pd.DataFrame(rows, columns=["survey_id", "creator_id", "submitted_at", "question", "answer", "language"])
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True)
    frame = frame.sort_values(["submitted_at", "creator_id"], kind="stable", ignore_index=True)
    frame.attrs["dataset"] = "surveys"
    return frame


def _questions(spec: CampaignSpec, survey_id: str, kind: str) -> list[tuple[str, str]]:
    """The survey's questions: the defaults, with the spec's CSAT question as the rating and its NPS question added."""
    questions = list(DEFAULT_SURVEY_QUESTIONS[kind])
    survey = next((s for s in spec.surveys if s.id == survey_id), None)
    if survey is not None and survey.csat_question:
        questions = [(survey.csat_question, k) if k == "rating" else (q, k) for q, k in questions]
    if survey is not None and survey.nps_question:
        questions.insert(1, (survey.nps_question, "nps"))
    return questions


def _answer(rng: np.random.Generator, kind: str, language: str, creator: str = "") -> tuple[str, str | None]:
    """Return (answer text, its language); numbers carry no language.

    NPS answers are mostly 0-10 with a few that are not a score (`10/10`, `Sangat baik`), and a
    few free-text answers carry the creator's e-mail or phone number, which ingestion masks.
    """
    if kind == "rating":
        return str(rng.choice([1, 2, 3, 4, 5], p=[0.04, 0.08, 0.2, 0.38, 0.3])), None
    if kind == "nps":
        if rng.random() < 0.03:
            return str(rng.choice(NOT_A_SCORE)), None
        return str(rng.choice(11, p=NPS_WEIGHTS)), None
    if kind == "count":
        return str(int(rng.integers(0, 15))), None
    options = ANSWER_BANK[kind][language]
    if kind.startswith("text") and rng.random() < 0.06:
        handle = creator.replace(".", "_") or "creator"
        contact = CONTACT_TEMPLATES[language][int(rng.integers(0, 2))]
        phone = f"01{rng.integers(2, 10)}-{rng.integers(100, 1000)} {rng.integers(1000, 10000)}"
        text = options[rng.integers(0, len(options))]
        return f"{text}. {contact.format(email=f'{handle}@gmail.com', phone=phone)}", language
    return str(options[rng.integers(0, len(options))]), language


def make_exclusions(enrollments: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Bar ~2% of enrolled creators from payouts, with the reason Trust & Safety gave."""
    rng = _rng(seed, "exclusions")
    enrolled = enrollments["creator_id"].drop_duplicates().to_numpy()
    n = max(1, round(len(enrolled) * 0.02))
    frame = pd.DataFrame(
        {
            "creator_id": np.sort(rng.choice(enrolled, min(n, len(enrolled)), replace=False)),
            "reason": rng.choice(EXCLUSION_REASONS, min(n, len(enrolled))),
        }
    )
    frame.attrs["dataset"] = "exclusions"
    return frame


def _event_offsets(rng: np.random.Generator, spec: CampaignSpec, n: int, outside_share: float) -> np.ndarray:
    """Return seconds after event start: midnight rush, evening peaks, and a few just outside the window."""
    start, end = _utc(spec.timeline.event_start), _utc(spec.timeline.event_end)
    duration = int((end - start).total_seconds())
    local_start = spec.timeline.event_start
    first_midnight = (
        dt.datetime.combine(local_start.date(), dt.time(), tzinfo=local_start.tzinfo) - local_start
    ).total_seconds()
    days = max(1, -(-duration // 86_400))
    hour = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    offsets = first_midnight + rng.integers(0, days, n) * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
    offsets = offsets.astype(np.int64)
    rush = rng.random(n) < 0.2
    offsets[rush] = rng.integers(0, min(2 * 3_600, duration), rush.sum())
    stray = (offsets < 0) | (offsets >= duration)
    offsets[stray] = rng.integers(0, duration, stray.sum())
    outside = rng.random(n) < outside_share
    before = rng.random(n) < 0.5
    offsets[outside & before] = -rng.integers(1, 6 * 3_600, (outside & before).sum())
    offsets[outside & ~before] = duration + rng.integers(0, 6 * 3_600, (outside & ~before).sum())
    return offsets


def generate_orders(
    spec: CampaignSpec,
    n_lines: int,
    seed: int = 0,
    *,
    creator_ids: np.ndarray | None = None,
    defects: bool = True,
    duplicate_share: float = 0.02,
    products: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Generate about `n_lines` order lines (plus re-sent duplicates) over the event window, vectorized.

    With `products`, each line also carries SPEC section 9's `product_id`, `content_type` and
    `commission_sen` (the product's category rate of the line's GMV).
    """
    rng = _rng(seed, "orders")
    if creator_ids is None:
        pool = max(50, n_lines // 200)
        creator_ids = np.array([f"creator_{i:07d}" for i in range(pool)], dtype=object)
    # A few creators sell most: Pareto activity weights
    activity = rng.pareto(1.16, len(creator_ids)) + 0.05
    activity /= activity.sum()
    lines_per_order = np.minimum(rng.geometric(0.62, n_lines), 4)
    n_orders = int(np.searchsorted(np.cumsum(lines_per_order), n_lines) + 1)
    lines_per_order = lines_per_order[:n_orders]
    lines_per_order[-1] -= int(lines_per_order.sum() - n_lines)
    order_index = np.repeat(np.arange(n_orders), lines_per_order)
    position = np.arange(n_lines) - np.repeat(np.cumsum(lines_per_order) - lines_per_order, lines_per_order)

    order_numbers = (
        577_000_000_000_000_000 + np.arange(n_orders, dtype=np.int64) * 1_000 + rng.integers(0, 1_000, n_orders)
    )
    order_creator = rng.choice(len(creator_ids), n_orders, p=activity)
    order_status = rng.choice(len(ORDER_STATUSES), n_orders, p=ORDER_STATUS_WEIGHTS)
    order_offsets = _event_offsets(rng, spec, n_orders, outside_share=0.01)
    n_skus = 40_000
    first_sku = rng.integers(0, n_skus, n_orders)
    sku = (first_sku[order_index] + position * 7_919) % n_skus  # distinct lines within an order

    price = np.round(rng.lognormal(np.log(32), 0.9, n_lines) * 10).astype(np.int64) * 10 - 10
    quantity = np.minimum(rng.geometric(0.7, n_lines), 6)
    gmv = np.clip(np.maximum(price, 190) * quantity, 190, 5_000_000)

    status_codes = order_status[order_index]
    status_flip = rng.random(n_lines) < 0.05  # a line of a completed order can be returned alone
    status_codes = np.where(status_flip & (status_codes == 0), 4, status_codes)
    start = _utc(spec.timeline.event_start)
    order_time = start + pd.to_timedelta(order_offsets[order_index], unit="s")
    lag_seconds = (rng.lognormal(np.log(4 * 86_400), 0.7, n_lines)).astype(np.int64)
    updated_at = pd.Series(order_time + pd.to_timedelta(lag_seconds, unit="s"))
    updated_at[rng.random(n_lines) < 0.08] = pd.NaT

    frame = pd.DataFrame(
        {
            "order_id": pd.Series(order_numbers[order_index]).astype(str),
            "line_id": pd.Series(1_729_000_000_000_000 + sku * 37).astype(str),
            "creator_id": pd.Series(creator_ids[order_creator[order_index]]).astype(str),
            "order_time": order_time,
            "status": pd.Series(np.asarray(ORDER_STATUSES)[status_codes]),
            "gmv_sen": gmv.astype(np.int64),
            "updated_at": updated_at,
        }
    )
    if products is not None and len(products):
        _add_product_columns(frame, products, np.random.default_rng([seed, 99]))
    frame = _add_resends(frame, rng, duplicate_share)
    if defects:
        frame = _add_defects(frame, rng)
    sort_key = frame["updated_at"].fillna(frame["order_time"])
    frame = frame.iloc[np.argsort(sort_key.to_numpy(), kind="stable")].reset_index(drop=True)
    frame.attrs["dataset"] = "orders"
    return frame


def _add_product_columns(frame: pd.DataFrame, products: pd.DataFrame, rng: np.random.Generator) -> None:
    """Add product_id (priority products sell more), content_type and commission_sen, in place."""
    n = len(frame)
    weights = (4 - products["priority"].to_numpy()).astype(float)
    pick = rng.choice(len(products), n, p=weights / weights.sum())
    frame["product_id"] = products["product_id"].to_numpy()[pick]
    kind = rng.choice(len(CONTENT_TYPES), n, p=CONTENT_TYPE_WEIGHTS)
    content_type = np.asarray(CONTENT_TYPES, dtype=object)[kind]
    content_type[rng.random(n) < 0.04] = "UNKNOWN"  # lines the platform could not attribute
    frame["content_type"] = content_type
    bps = products["category"].map(COMMISSION_BPS).fillna(800).to_numpy().astype(np.int64)[pick]
    frame["commission_sen"] = frame["gmv_sen"].to_numpy() * bps // 10_000


def _add_resends(frame: pd.DataFrame, rng: np.random.Generator, share: float) -> pd.DataFrame:
    """Append re-sent lines: the same (order_id, line_id) with a later `updated_at` and a newer status."""
    picks = np.flatnonzero(rng.random(len(frame)) < share)
    if not len(picks):
        return frame
    resent = frame.iloc[picks].copy()
    base = resent["updated_at"].fillna(resent["order_time"])
    resent["updated_at"] = base + pd.to_timedelta(rng.integers(3_600, 5 * 86_400, len(resent)), unit="s")
    moves = {"pending": "completed", "delivered": "settled", "completed": "returned", "settled": "settled"}
    resent["status"] = resent["status"].map(lambda s: moves.get(s, s))
    return pd.concat([frame, resent], ignore_index=True)


def _add_defects(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Break ~0.4% of lines the way exports do: negative GMV (reversals) and blank keys."""
    n = len(frame)
    frame = frame.copy()
    negative = rng.random(n) < 0.002
    frame.loc[negative, "gmv_sen"] = -frame.loc[negative, "gmv_sen"]
    for column in ("order_id", "creator_id", "line_id"):
        blank = rng.random(n) < 0.0007
        frame[column] = frame[column].astype(object)
        frame.loc[blank, column] = None
    return frame


def make_products(spec: CampaignSpec, seed: int = 0, per_category: int = 5) -> pd.DataFrame:
    """The campaign's product selection: the spec's categories first, prices, sample quotas, priorities."""
    rng = _rng(seed, "products")
    preferred = [c for c in spec.recruitment.categories if c in CATEGORIES]
    categories = preferred + [c for c in CATEGORIES if c not in preferred][: max(0, 4 - len(preferred))]
    rows = []
    for category in categories:
        for index, noun in enumerate(PRODUCT_NOUNS[category][:per_category]):
            price = int(rng.choice([990, 1490, 1990, 2990, 3990, 4990, 7990, 12900, 19900, 29900]))
            rows.append(
                {
                    "product_id": f"{1_730_000_000 + 1_000 * CATEGORIES.index(category) + index}",
                    "name": noun,
                    "category": category,
                    "price_sen": price,
                    "sample_quota": int(rng.choice([0, 5, 10, 20, 30, 50], p=[0.05, 0.2, 0.3, 0.25, 0.1, 0.1])),
                    "priority": int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3])),
                    "min_followers": int(rng.choice([0, 1_000, 5_000, 10_000], p=[0.4, 0.3, 0.2, 0.1])),
                }
            )
    frame = pd.DataFrame(rows)
    frame.attrs["dataset"] = "products"
    return frame


def _account_managers(spec: CampaignSpec) -> tuple[str, ...]:
    return tuple(spec.recruitment.account_managers) or DEFAULT_ACCOUNT_MANAGERS


def make_invitations(
    spec: CampaignSpec, creators: pd.DataFrame, enrollments: pd.DataFrame, seed: int = 0
) -> pd.DataFrame:
    """Invitations account managers sent: most enrolled creators were invited, and many who never enrolled."""
    rng = _rng(seed, "invitations")
    t = spec.timeline
    opens = _utc(t.recruitment_opens)
    first = enrollments.groupby("creator_id", sort=True)["registered_at"].min()
    everyone = creators["creator_id"].to_numpy()
    invited = everyone[rng.random(len(everyone)) < 0.7]
    enrolled_invited = first.index.to_numpy()[rng.random(len(first)) < 0.85]  # the rest found it themselves
    ids = np.union1d(invited, enrolled_invited)
    latest = pd.Series(_utc(t.registration_closes), index=ids)
    latest.loc[latest.index.intersection(first.index)] = first.reindex(latest.index.intersection(first.index))
    span = np.maximum((latest - opens).dt.total_seconds().to_numpy(), 1)
    invited_at = opens + pd.to_timedelta(np.floor(rng.random(len(ids)) * span), unit="s")
    frame = pd.DataFrame(
        {
            "creator_id": ids,
            "invited_at": pd.Series(invited_at).dt.floor("s"),
            "account_manager": rng.choice(_account_managers(spec), len(ids)),
        }
    )
    frame = frame.sort_values(["invited_at", "creator_id"], kind="stable", ignore_index=True)
    frame.attrs["dataset"] = "invitations"
    return frame


def make_samples(
    spec: CampaignSpec, creators: pd.DataFrame, enrollments: pd.DataFrame, products: pd.DataFrame, seed: int = 0
) -> pd.DataFrame:
    """Free-sample requests of enrolled creators, one row per status change (the last one landed wins)."""
    rng = _rng(seed, "samples")
    t = spec.timeline
    first = enrollments.groupby("creator_id", sort=True)["registered_at"].min()
    requesters = first.index.to_numpy()[rng.random(len(first)) < 0.4]
    category_of = creators.set_index("creator_id")["category"]
    paths, weights = zip(*SAMPLE_PATHS, strict=True)
    end = _utc(t.event_start)
    rows = []
    number = 0
    for creator in requesters:
        same = products.index[products["category"] == category_of.get(creator)].to_numpy()
        pool = same if len(same) else products.index.to_numpy()
        for product in rng.choice(pool, min(len(pool), int(rng.integers(1, 3))), replace=False):
            number += 1
            start = max(first[creator], _utc(t.recruitment_opens))
            requested = start + pd.Timedelta(seconds=int(rng.integers(0, max(1, int((end - start).total_seconds())))))
            path = paths[rng.choice(len(paths), p=np.array(weights) / sum(weights))]
            moment, shipped_at = requested, pd.NaT
            for status in path:
                if status != "PENDING":
                    moment = moment + pd.Timedelta(seconds=int(rng.integers(6 * 3_600, 3 * 86_400)))
                if status == "SHIPPED":
                    shipped_at = moment
                rows.append(
                    {
                        "sample_id": f"SMP{number:06d}",
                        "creator_id": creator,
                        "product_id": products.at[product, "product_id"],
                        "requested_at": requested.floor("s"),
                        "status": status,
                        "shipped_at": shipped_at.floor("s") if shipped_at is not pd.NaT else pd.NaT,
                        "status_changed_at": moment.floor("s"),
                    }
                )
    columns = ["sample_id", "creator_id", "product_id", "requested_at", "status", "shipped_at", "status_changed_at"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("requested_at", "shipped_at", "status_changed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame = frame.sort_values(["status_changed_at", "sample_id"], kind="stable", ignore_index=True)
    frame.attrs["dataset"] = "samples"
    return frame


def make_content(spec: CampaignSpec, enrollments: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Videos and LIVE sessions of enrolled creators, mostly just before and during the event."""
    rng = _rng(seed, "content")
    t = spec.timeline
    creators = enrollments["creator_id"].drop_duplicates().sort_values().to_numpy()
    posting = creators[rng.random(len(creators)) < 0.6]
    counts = rng.integers(1, 5, len(posting))
    owner = np.repeat(posting, counts)
    n = len(owner)
    kind = np.asarray(CONTENT_TYPES, dtype=object)[rng.choice(len(CONTENT_TYPES), n, p=CONTENT_TYPE_WEIGHTS)]
    warm_up = _spread(rng, _utc(t.registration_closes) - pd.Timedelta(days=7), _utc(t.event_start), n)
    during = _spread(rng, _utc(t.event_start), _utc(t.event_end), n)
    posted = warm_up.where(pd.Series(rng.random(n) < 0.45), during)
    views = _round_significant(rng.lognormal(np.log(np.where(kind == "LIVE", 3_000, 8_000)), 1.3, n))
    gmv = (views * rng.lognormal(np.log(0.4), 0.9, n)).astype(np.int64) * 10  # about RM 4 per 100 views
    frame = pd.DataFrame(
        {
            "content_id": [f"{7_400_000_000_000_000_000 + i * 7_919}" for i in range(n)],
            "creator_id": owner,
            "content_type": kind,
            "posted_at": posted.dt.floor("s"),
            "views": views.astype(np.int64),
            "gmv_sen": gmv,
        }
    )
    frame = frame.sort_values(["posted_at", "content_id"], kind="stable", ignore_index=True)
    frame.attrs["dataset"] = "content"
    return frame


def generate(
    spec: CampaignSpec,
    *,
    creators: int = 500,
    order_lines: int | None = None,
    seed: int = 0,
    defects: bool = True,
) -> DemoData:
    """Generate every data set of one campaign, deterministically for `seed`."""
    if creators < 10:
        raise ValueError("creators must be at least 10 for the distributions to mean anything")
    creator_frame = make_creators(spec, creators, seed)
    enrollments = make_enrollments(spec, creator_frame, seed)
    enrolled = enrollments["creator_id"].drop_duplicates().to_numpy()
    # Most sales come from enrolled creators; some from creators who never enrolled (not eligible)
    outsiders = np.setdiff1d(creator_frame["creator_id"].to_numpy(), enrolled)[: max(1, len(enrolled) // 20)]
    sellers = np.concatenate([enrolled, outsiders]).astype(object)
    lines = order_lines if order_lines is not None else creators * 20
    products = make_products(spec, seed)
    orders = generate_orders(spec, lines, seed, creator_ids=sellers, defects=defects, products=products)
    return DemoData(
        spec=spec,
        seed=seed,
        creators=creator_frame,
        enrollments=enrollments,
        surveys=make_surveys(spec, enrollments, seed),
        orders=orders,
        exclusions=make_exclusions(enrollments, seed),
        products=products,
        invitations=make_invitations(spec, creator_frame, enrollments, seed),
        samples=make_samples(spec, creator_frame, enrollments, products, seed),
        content=make_content(spec, enrollments, seed),
        meta={"enrolled_creators": len(enrolled), "non_enrolled_sellers": len(outsiders)},
    )


# --------------------------------------------------------------------------- formatting


def format_money(sen: pd.Series, style: np.ndarray | None = None) -> pd.Series:
    """Format integer sen as MYR text; style 0 `1234.50`, 1 `1,234.50`, 2 `RM1,234.50`."""
    values = pd.to_numeric(sen, errors="coerce")
    missing = values.isna()
    ints = values.fillna(0).astype(np.int64).to_numpy()
    sign = np.where(ints < 0, "-", "")
    whole, cents = np.divmod(np.abs(ints), 100)
    plain = pd.Series(sign, index=sen.index) + pd.Series(whole, index=sen.index).astype(str)
    cents_text = "." + pd.Series(cents, index=sen.index).astype(str).str.zfill(2)
    out = plain + cents_text
    if style is not None and (style > 0).any():
        grouped_mask = style > 0
        grouped = pd.Series([f"{w:,}" for w in whole[grouped_mask]], index=sen.index[grouped_mask])
        text = pd.Series(sign[grouped_mask], index=grouped.index) + grouped + cents_text[grouped_mask]
        prefix = np.where((style[grouped_mask] == 2) & (ints[grouped_mask] >= 0), "RM", "")
        out[grouped_mask] = prefix + text
    return out.mask(missing, "")


def format_followers(values: pd.Series, rng: np.random.Generator, share: float = 0.6) -> pd.Series:
    """Write follower counts as `12.3K`/`1.23M` where that is exact, as creator marketplaces do."""
    ints = values.astype(np.int64).to_numpy()
    out = pd.Series(ints, index=values.index).astype(str)
    pick = rng.random(len(ints)) < share
    millions = pick & (ints >= 1_000_000) & (ints % 10_000 == 0)
    thousands = pick & ~millions & (ints >= 1_000) & (ints % 100 == 0)
    out[millions] = [f"{v / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M" for v in ints[millions]]
    out[thousands] = [f"{v / 1_000:.1f}".rstrip("0").rstrip(".") + "K" for v in ints[thousands]]
    return out


def mess_ids(ids: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Write creator ids as exports do: `@` prefix, other letter case, surrounding spaces."""
    text = ids.astype(object).where(ids.notna(), None)
    n = len(text)
    at, case, spaces = rng.random(n) < 0.3, rng.integers(0, 4, n), rng.random(n) < 0.25
    out = []
    for value, a, c, s in zip(text, at, case, spaces, strict=True):
        if value is None:
            out.append("")
            continue
        value = value.upper() if c == 1 else value.title() if c == 2 else value
        value = f"@{value}" if a else value
        out.append(f" {value}  " if s else value)
    return pd.Series(out, index=ids.index)


def mess_phones(phones: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Write E.164 MY mobiles as people type them: `012-345 6789`, `60123456789`, `+60 12-345 6789`."""
    out = []
    for phone, style in zip(phones, rng.integers(0, 4, len(phones)), strict=True):
        national = phone.removeprefix("+60")
        head, tail = national[:2], national[2:]
        if style == 0:
            out.append(f"0{head}-{tail[:-4]} {tail[-4:]}")
        elif style == 1:
            out.append(phone.removeprefix("+"))
        elif style == 2:
            out.append(f"+60 {head}-{tail[:-4]} {tail[-4:]}")
        else:
            out.append(phone)
    return pd.Series(out, index=phones.index)


def format_times(values: pd.Series, tz: str, rng: np.random.Generator | None = None) -> pd.Series:
    """Format UTC moments as text: ISO with offset, or (with `rng`) a mix of the formats exports use."""
    moments = pd.to_datetime(values, utc=True)
    local = moments.dt.tz_convert(tz)
    iso = local.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    iso = iso.str[:-2] + ":" + iso.str[-2:]
    if rng is None:
        return iso.mask(moments.isna(), "")
    choice = rng.integers(0, 5, len(values))
    out = iso.copy()
    utc_z = moments.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out[choice == 1] = utc_z[choice == 1]
    out[choice == 2] = local[choice == 2].dt.strftime("%Y-%m-%dT%H:%M:%S")
    with_seconds = local.dt.second != 0
    day_first = choice == 3
    out[day_first & with_seconds] = local[day_first & with_seconds].dt.strftime("%d/%m/%Y %H:%M:%S")
    out[day_first & ~with_seconds] = local[day_first & ~with_seconds].dt.strftime("%d/%m/%Y %H:%M")
    out[choice == 4] = local[choice == 4].dt.strftime("%Y-%m-%d %H:%M:%S")
    return out.mask(moments.isna(), "")


def to_export_frame(  # noqa: C901 - one branch per export layout, read top to bottom
    frame: pd.DataFrame,
    dataset: str,
    *,
    tz: str,
    mess: bool,
    rng: np.random.Generator,
    affiliate_export: bool = False,
) -> pd.DataFrame:
    """Return the frame as a file shows it: text columns, money in MYR, messy when asked."""
    if dataset == "orders" and affiliate_export:
        return _affiliate_frame(frame, tz=tz, mess=mess, rng=rng)
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column == "survey_id":
            continue
        if column in (
            "registered_at", "submitted_at", "order_time", "updated_at", "invited_at", "requested_at",
            "shipped_at", "status_changed_at", "posted_at",
        ):  # fmt: skip
            out[column] = format_times(values, tz, rng if mess else None)
        elif column.endswith("_sen"):
            style = rng.integers(0, 3, len(values)) if mess else None
            out[column.removesuffix("_sen") + "_myr"] = format_money(values, style)
        elif column == "creator_id" and mess:
            out[column] = mess_ids(values, rng)
        elif column in ("followers", "views") and mess:
            out[column] = format_followers(values, rng)
        elif column == "phone" and mess:
            out[column] = mess_phones(values, rng)
        elif column == "email" and mess:
            out[column] = [
                f" {e.upper()}" if u else e for e, u in zip(values, rng.random(len(values)) < 0.2, strict=True)
            ]
        elif column == "is_new_creator":
            yes, no = ("Yes", "No") if mess and rng.random() < 0.5 else ("true", "false")
            out[column] = np.where(values.astype(bool), yes, no)
        else:
            out[column] = values.astype(object).where(values.notna(), "").astype(str)
    if dataset == "surveys":
        out = _survey_wide(out)
    if mess:
        out.columns = [_mess_header(c, rng) for c in out.columns]
    return out


def _mess_header(name: str, rng: np.random.Generator) -> str:
    """Headers differ in case and spacing between exports (SPEC: both are ignored)."""
    style = rng.integers(0, 3)
    if style == 1:
        return name.replace("_", " ").title()
    if style == 2:
        return f" {name.upper()} "
    return name


def _survey_wide(long: pd.DataFrame) -> pd.DataFrame:
    """One row per submitted form: timestamp, creator, then one column per question."""
    if long.empty:
        return pd.DataFrame(columns=["timestamp", "creator_id"])
    questions = list(dict.fromkeys(long["question"]))
    wide = long.pivot_table(
        index=["submitted_at", "creator_id"], columns="question", values="answer", aggfunc="first", sort=False
    ).reset_index()
    wide = wide.rename(columns={"submitted_at": "timestamp"})
    wide.columns.name = None
    return wide[["timestamp", "creator_id", *questions]].fillna("")


def _affiliate_frame(frame: pd.DataFrame, *, tz: str, mess: bool, rng: np.random.Generator) -> pd.DataFrame:
    """The affiliate center's seller order export: its own headers and upper-case statuses."""
    status = frame["status"].astype(str)
    export = pd.DataFrame(
        {
            "Order ID": frame["order_id"].astype(object).where(frame["order_id"].notna(), ""),
            "SKU ID": frame["line_id"].astype(object).where(frame["line_id"].notna(), ""),
            "Creator Username": mess_ids(frame["creator_id"], rng)
            if mess
            else frame["creator_id"].astype(object).where(frame["creator_id"].notna(), ""),
            "Time Created": format_times(frame["order_time"], tz, rng if mess else None),
            "Order Status": status.map(AFFILIATE_STATUS).fillna(status.str.upper()),
            "Payment Amount": format_money(frame["gmv_sen"], rng.integers(0, 3, len(frame)) if mess else None),
            "Fully returned or refunded": np.where(status == "returned", "Yes", "No"),
        },
        index=frame.index,
    )
    if "product_id" in frame:  # SPEC section 9: the export's own headers
        export["Product ID"] = frame["product_id"].astype(object).where(frame["product_id"].notna(), "")
        content_type = frame["content_type"].astype(object).where(frame["content_type"] != "UNKNOWN", "")
        export["Content Type"] = content_type.str.title() if mess else content_type  # "Live", "Video"
        export["Actual Commission"] = format_money(
            frame["commission_sen"], rng.integers(0, 3, len(frame)) if mess else None
        )
    return export


# --------------------------------------------------------------------------- writing

_CP1252_SAFE = r"^[\x00-\x7f\u00a0-\u00ff‘’“”–—€…•™]*$"


def _encodable_cp1252(frame: pd.DataFrame) -> bool:
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            if not values.astype(str).str.match(_CP1252_SAFE).all():
                return False
    return True


def _choose_layout(
    export: pd.DataFrame, mess: bool, rng: np.random.Generator, encoding: str | None, delimiter: str | None
) -> tuple[str, str]:
    if encoding is None:
        options = ["utf-8-sig", "utf-16", "cp1252", "utf-8"] if mess else ["utf-8"]
        encoding = str(rng.choice(options))
        if encoding == "cp1252" and not _encodable_cp1252(export):
            encoding = "utf-8-sig"  # Chinese and Tamil answers cannot be written in Windows-1252
    if delimiter is None:
        # Spreadsheet "Unicode text" is UTF-16 with tabs
        delimiter = "\t" if encoding == "utf-16" else str(rng.choice([",", ";", "\t"])) if mess else ","
    return encoding, delimiter


def write_dataset(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    fmt: FileFormat = "csv",
    mess: bool = False,
    seed: int = 0,
    dataset: str | None = None,
    tz: str = "Asia/Kuala_Lumpur",
    encoding: str | None = None,
    delimiter: str | None = None,
    affiliate_export: bool | None = None,
    chunk_rows: int = 250_000,
) -> Path:
    """Write one data set as a landing file; `mess=True` writes it the way real exports arrive."""
    dataset = dataset or frame.attrs.get("dataset")
    if dataset not in DATASETS:
        raise ValueError(f"say which data set this frame is (dataset=...), one of {', '.join(DATASETS)}")
    if fmt not in EXTENSIONS:
        raise ValueError(f"unknown format {fmt!r}; expected csv, xlsx, jsonl or parquet")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 7])
    if affiliate_export is None:
        affiliate_export = dataset == "orders" and mess and bool(rng.random() < 0.5)
    if fmt == "parquet" and not mess and dataset != "surveys":
        _write_typed_parquet(frame, path, dataset)
        return path
    if fmt == "csv":
        _write_csv(frame, path, dataset, tz, mess, rng, encoding, delimiter, affiliate_export, chunk_rows)
        return path
    export = to_export_frame(frame, dataset, tz=tz, mess=mess, rng=rng, affiliate_export=affiliate_export)
    if fmt == "xlsx":
        export.to_excel(path, index=False, engine="openpyxl")
        _pin_xlsx_clock(path)
    elif fmt == "jsonl":
        export.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        export.to_parquet(path, index=False)
    return path


XLSX_CLOCK = (2026, 1, 1, 0, 0, 0)


def _pin_xlsx_clock(path: Path) -> None:
    """Make an XLSX file's bytes depend on its data only: the zip entries' times and the document's
    created/modified stamps (openpyxl writes the wall clock there) are pinned, so the same demo data
    is the same file (and the same content hash) in every run, as the rest of the demo's exports are."""
    import re
    import zipfile

    stamp = dt.datetime(*XLSX_CLOCK).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    partial = path.with_name(f".{path.name}.pinned")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            pinned = zipfile.ZipInfo(info.filename, date_time=XLSX_CLOCK)
            pinned.compress_type, pinned.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(pinned, data)
    os.replace(partial, path)


def _write_csv(
    frame: pd.DataFrame,
    path: Path,
    dataset: str,
    tz: str,
    mess: bool,
    rng: np.random.Generator,
    encoding: str | None,
    delimiter: str | None,
    affiliate_export: bool,
    chunk_rows: int,
) -> None:
    """Write CSV in chunks so 10 million lines never sit in memory as text at once."""
    # Surveys pivot to one row per form, so they are written whole; they are small.
    step = len(frame) if dataset == "surveys" else max(1, chunk_rows)
    chunks = (frame.iloc[begin : begin + step] for begin in range(0, max(len(frame), 1), max(step, 1)))
    first = to_export_frame(next(chunks), dataset, tz=tz, mess=mess, rng=rng, affiliate_export=affiliate_export)
    enc, delim = _choose_layout(first, mess, rng, encoding, delimiter)
    newline = "\r\n" if mess else "\n"
    with open(path, "w", encoding=enc, newline="") as handle:
        export, header = first, True
        while True:
            try:
                export.to_csv(handle, sep=delim, index=False, header=header, lineterminator=newline)
            except UnicodeEncodeError as exc:
                raise ValueError(f"{path}: this data cannot be written as {enc}: {exc.reason}") from None
            chunk = next(chunks, None)
            if chunk is None:
                break
            columns = export.columns
            export = to_export_frame(chunk, dataset, tz=tz, mess=mess, rng=rng, affiliate_export=affiliate_export)
            export.columns = columns  # messy headers are chosen once per file
            header = False


def _write_typed_parquet(frame: pd.DataFrame, path: Path, dataset: str) -> None:
    """Clean Parquet carries real types: UTC timestamps, money as exact decimal(15,2), ids as text."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, pa.Array] = {}
    for column in frame.columns:
        values = frame[column]
        if column.endswith("_sen"):
            money = [None if pd.isna(v) else Decimal(int(v)).scaleb(-2) for v in values]
            columns[column.removesuffix("_sen") + "_myr"] = pa.array(money, type=pa.decimal128(15, 2))
        elif pd.api.types.is_datetime64_any_dtype(values):
            columns[column] = pa.array(values, type=pa.timestamp("us", tz="UTC"))
        elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
            columns[column] = pa.array(values)
        else:
            columns[column] = pa.array(values.astype(object).where(values.notna(), None), type=pa.string())
    pq.write_table(pa.table(columns), path)


# --------------------------------------------------------------------------- landing


def slice_by_time(frame: pd.DataFrame, dataset: str, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """Return the rows a system would export for [since, until): by last change, else creation time."""
    columns = TIME_COLUMNS[dataset]
    if not columns:
        return frame
    moment = frame[columns[0]]
    if len(columns) > 1:
        moment = frame[columns[1]].fillna(moment)
    since_utc, until_utc = _utc(since), _utc(until)
    part = frame.loc[(moment >= since_utc) & (moment < until_utc)]
    part.attrs["dataset"] = dataset
    return part


def placed_versions(orders: pd.DataFrame, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """Lines placed in [since, until) whose status changes only later, as the export lists them meanwhile.

    A seller export lists an order line from the hour it is placed (status pending) and lists it
    again when its status changes; the warehouse keeps the latest version (SPEC 5 rule 1). Without
    these rows a live run would see only the lines whose final status had already come, a few
    days after the sale, and every live figure (and the live projection) would lag the sales.
    """
    placed = orders["order_time"]
    changed = orders["updated_at"].fillna(placed)
    since_utc, until_utc = _utc(since), _utc(until)
    rows = orders.loc[(placed >= since_utc) & (placed < until_utc) & (changed >= until_utc)]
    rows = rows.drop_duplicates(["order_id", "line_id"]).copy()
    rows["status"] = "pending"
    rows["updated_at"] = rows["order_time"]
    return rows


def land_slice(
    data: DemoData,
    dataset: str,
    since: dt.datetime,
    until: dt.datetime,
    *,
    root: str | Path | None = None,
    name: str | None = None,
    fmt: FileFormat = "csv",
    mess: bool = False,
    seed: int | None = None,
) -> str | None:
    """Drop the rows of `dataset` in [since, until) as one file under the campaign's landing folder.

    Returns the file's path (or URI), or None when no row falls in the interval. Creators
    and exclusions carry no timestamp and land whole.
    """
    from creator_ops.core.steps import landing_root_path
    from creator_ops.core.storage import is_local, root_path

    part = slice_by_time(data.frame(dataset), dataset, since, until)
    if dataset == "orders":
        part = pd.concat([part, placed_versions(data.frame(dataset), since, until)], ignore_index=True)
        part.attrs["dataset"] = dataset
    if part.empty:
        return None
    stamp = f"{_utc(since):%Y%m%dT%H%M}_{_utc(until):%Y%m%dT%H%M}"
    name = name or f"{dataset}_{stamp}.{EXTENSIONS[fmt]}"
    file_seed = data.seed if seed is None else seed
    file_seed = int(hashlib.sha256(f"{file_seed}:{dataset}:{stamp}".encode()).hexdigest()[:8], 16)
    base = root_path(root) if root is not None else landing_root_path()
    target = base / data.spec.id / dataset / name
    kwargs = {"fmt": fmt, "mess": mess, "seed": file_seed, "dataset": dataset, "tz": data.spec.timezone}
    if is_local(target):
        # write then rename, so a watcher never sees half a file
        partial = target.with_name(f".{target.name}.partial")
        write_dataset(part, partial, **kwargs)
        os.replace(partial, target)
        return str(target)
    from creator_ops.core.safe_csv import write_atomically

    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / name
        write_dataset(part, local, **kwargs)
        write_atomically(target, local.read_bytes())  # object storage: one put of the whole file
    return str(target)


# --------------------------------------------------------------------------- simulated causal effects (SPEC 12, 15)

TRAFFIC_EFFECT_SHARE = 0.25  # a boost adds a quarter of the boosted creator's content GMV as orders after it
SAMPLE_EFFECT_SEN = 6_000  # each shipped sample adds RM 60 of orders after shipping, on average (lognormal spread)
EFFECT_ORDER_PREFIX = "EFF"


def _effect_population(data: DemoData) -> np.ndarray:
    """Rule 2's population of the estimator: earliest enrollment on time, not excluded (sorted ids)."""
    first = data.enrollments.groupby("creator_id")["registered_at"].min()
    on_time = first.index[first <= _utc(data.spec.timeline.registration_closes)]
    excluded = set(data.exclusions["creator_id"]) if len(data.exclusions) else set()
    return np.array(sorted(c for c in on_time if c not in excluded), dtype=object)


def _effect_lines(
    data: DemoData, rng: np.random.Generator, owners: list[str], gmv: list[int], tag: str,
    after: list[pd.Timestamp] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Completed, eligible order lines carrying a simulated effect (one per creator and amount).

    Each line is placed at a random moment of the event after its cause (`after`: the boost's
    hour end, the sample's shipping; default the event's start), so the effect follows what
    the product did and never comes before it. A cause at or after the event's end has no
    line (the caller counts it as no effect).
    """
    t = data.spec.timeline
    start, end = _utc(t.event_start), _utc(t.event_end)
    lows = [max(start, _utc(x)) if x is not None else start for x in (after or [None] * len(owners))]
    spans = np.array([max(0, int((end - low).total_seconds())) for low in lows], dtype=np.int64)
    offsets = (rng.random(len(owners)) * spans).astype(np.int64)
    order_time = pd.Series([low + pd.Timedelta(seconds=int(o)) for low, o in zip(lows, offsets, strict=True)],
                           dtype="datetime64[ns, UTC]")  # fmt: skip
    frame = pd.DataFrame(
        {
            "order_id": [f"{EFFECT_ORDER_PREFIX}{tag}{i:07d}" for i in range(len(owners))],
            "line_id": "1",
            "creator_id": owners,
            "order_time": order_time,
            "status": "completed",
            "gmv_sen": np.asarray(gmv, dtype=np.int64),
            "updated_at": order_time + pd.Timedelta(days=2),
        }
    )
    if "product_id" in data.orders.columns and len(data.products):
        frame["product_id"] = data.products["product_id"].to_numpy()[rng.integers(0, len(data.products), len(frame))]
        frame["content_type"] = "VIDEO"
        frame["commission_sen"] = np.zeros(len(frame), dtype=np.int64)
    return frame[spans > 0].reset_index(drop=True)


def _with_orders(data: DemoData, extra: list[pd.DataFrame], **changes: Any) -> DemoData:
    orders = pd.concat([data.orders, *[f for f in extra if len(f)]], ignore_index=True)
    sort_key = orders["updated_at"].fillna(orders["order_time"])
    orders = orders.iloc[np.argsort(sort_key.to_numpy(), kind="stable")].reset_index(drop=True)
    orders.attrs["dataset"] = "orders"
    fields = {f: getattr(data, f) for f in ("spec", "seed", "creators", "enrollments", "surveys", "exclusions",
                                            "products", "invitations", "samples", "content", "meta")}  # fmt: skip
    return DemoData(**{**fields, **changes, "orders": orders})


def add_simulated_effects(data: DemoData, spec: CampaignSpec | None = None) -> tuple[DemoData, dict[str, dict]]:
    """Give samples their known causal effect, prepare the boosts', and return (data, the simulated truth).

    The world simulated: a creator's 30-day GMV before the campaign tracks what it sells in
    the campaign (the same creators sell, with noise), so CUPED has something to use. The
    effect goes only to what the product did (SPEC 15): a shipped sample adds RM 60
    (lognormal) of orders after it was shipped; a boost adds a quarter of the boosted
    creator's content GMV after the boost (`add_boost_effects`, called with the creators
    the allocation actually boosted, since that is decided hour by hour during the event).
    Holdout creators' sample requests disappear (matchmaking never gives them a sample).

    The truth per mechanism records what each creator was given (`given_sen`): the effect
    per treated creator is what the on-treated estimate measures, computed once the plan
    is known (`truth_per_treated`). Traffic's `would_be_sen` is each creator's effect if
    boosted, fixed before any assignment.
    """
    from creator_ops.core.experiments import holdout_ids, holdout_share_of
    from creator_ops.core.samples import is_shipped

    spec = spec or data.spec
    rng = _rng(data.seed, "effects")
    population = _effect_population(data)
    in_population = set(population)
    # the pre-campaign covariate: campaign sales with noise (creators without orders keep a little)
    base = data.orders.groupby("creator_id")["gmv_sen"].sum()
    creators = data.creators.copy()
    noise = rng.lognormal(0.0, 0.5, len(creators))
    own = creators["creator_id"].map(base).fillna(0).to_numpy(dtype=float)
    creators["gmv_30d_sen"] = (np.round((own * noise + creators["gmv_30d_sen"].to_numpy() * 0.05) / 10) * 10).astype(
        np.int64
    )
    creators.attrs["dataset"] = "creators"
    content_gmv = data.content.groupby("creator_id")["gmv_sen"].sum() if len(data.content) else pd.Series(dtype=int)
    truth: dict[str, dict] = {
        "traffic": {"would_be_sen": {c: int(round(TRAFFIC_EFFECT_SHARE * content_gmv.get(c, 0))) for c in population},
                    "given_sen": {}},
    }  # fmt: skip
    # samples: per sample shipped, after shipping; held-out creators' requests are removed
    samples = data.samples
    samples_share = holdout_share_of(spec, "samples")
    samples_held = holdout_ids(spec.id, "samples", population, samples_share) if samples_share else set()
    last = samples.groupby("sample_id", sort=True).tail(1) if len(samples) else samples
    shipped = last[[is_shipped(s) for s in last["status"]]] if len(last) else last
    per_sample = np.round(rng.lognormal(np.log(SAMPLE_EFFECT_SEN) - 0.125, 0.5, len(shipped))).astype(np.int64)
    when = shipped["shipped_at"].tolist() if "shipped_at" in shipped.columns else [None] * len(shipped)
    owners, amounts, after = [], [], []
    for creator, amount, moment in zip(shipped["creator_id"].to_numpy(), per_sample, when, strict=True):
        if creator in in_population and creator not in samples_held:
            owners.append(creator)
            amounts.append(int(amount))
            after.append(None if moment is None or pd.isna(moment) else moment)
    lines = _effect_lines(data, rng, owners, amounts, "S", after)
    given: dict[str, int] = {}
    for creator, amount in zip(lines["creator_id"], lines["gmv_sen"], strict=True):
        given[creator] = given.get(creator, 0) + int(amount)
    truth["samples"] = {"given_sen": given}
    if samples_held:
        samples = samples.loc[~samples["creator_id"].isin(samples_held)].reset_index(drop=True)
        samples.attrs["dataset"] = "samples"
    meta = {**data.meta, "effect_lines": len(lines)}
    return _with_orders(data, [lines], creators=creators, samples=samples, meta=meta), truth


def add_boost_effects(
    data: DemoData, truth: dict[str, dict], boosted: dict[str, dt.datetime]
) -> DemoData:
    """Give each newly boosted creator its effect after the boost (`boosted`: creator → the boosted hour's end).

    A creator is given its effect once, at its first boost; `truth["traffic"]["given_sen"]`
    records what it got (0 when the boost came too late in the event for any order after it).
    """
    traffic = truth["traffic"]
    fresh = sorted(c for c in boosted if c not in traffic["given_sen"])
    if not fresh:
        return data
    rng = _rng(data.seed, f"boosts|{fresh[0]}|{len(traffic['given_sen'])}")
    amounts = [traffic["would_be_sen"].get(c, 0) for c in fresh]
    chosen = [i for i, amount in enumerate(amounts) if amount > 0]
    lines = _effect_lines(data, rng, [fresh[i] for i in chosen], [amounts[i] for i in chosen],
                          f"T{len(traffic['given_sen']):05d}", [boosted[fresh[i]] for i in chosen])  # fmt: skip
    for c in fresh:
        traffic["given_sen"][c] = 0
    for creator, amount in zip(lines["creator_id"], lines["gmv_sen"], strict=True):
        traffic["given_sen"][creator] += int(amount)
    meta = {**data.meta, "effect_lines": data.meta.get("effect_lines", 0) + len(lines)}
    return _with_orders(data, [lines], meta=meta)


def truth_per_treated(given: dict[str, int], treated: list[str]) -> float | None:
    """The simulated effect per treated creator: what the plan's treated creators were given, on average (sen)."""
    return sum(given.get(c, 0) for c in treated) / len(treated) if treated else None


# --------------------------------------------------------------------------- simulated push at the tiers (SPEC 16)

THRESHOLD_PUSH_SHARE = 0.5  # of the creators in the five bins below a threshold, this share sells enough to pass it
THRESHOLD_PUSH_BINS = 5  # the push comes from [T − 5w, T), w = T // 50: up to 10 % short of the threshold


def add_threshold_push(data: DemoData, spec: CampaignSpec | None = None) -> tuple[DemoData, list[dict]]:
    """Give the tier bonuses a known push and return (data, the simulated push per threshold).

    The world simulated: of the selling creators whose section 5 eligible GMV (the payout
    engine on the accepted rows, after every other simulated effect) falls within 10 % below
    a tier threshold `T` (the five bins of width `T // 50` below it), a fixed share sells a
    little more to reach the bonus: one more completed, eligible order line of `T − g` plus
    up to one bin, so it ends in the bin just above `T`. Thresholds are taken from the top
    down, so a creator pushed past one threshold is not counted below the next. The truth
    per threshold is the creators pushed and the GMV their extra lines add: what SPEC 16's
    `excess` and `pushed_gmv_myr` estimate.
    """
    from creator_ops.core.payouts import calculate_for_spec

    spec = spec or data.spec
    truth: list[dict] = []
    if spec.incentives is None or not spec.incentives.tiers:
        return data, truth
    rng = _rng(data.seed, "threshold_push")
    accepted = (data.accepted(d) for d in ("orders", "enrollments", "exclusions"))
    result = calculate_for_spec(spec, *accepted)
    ids = np.asarray(result.table["creator_id"].to_pylist(), dtype=object)
    gmv = result.table["eligible_gmv_sen"].to_numpy().astype(np.int64).copy()
    order = np.argsort(ids, kind="stable")  # a fixed order whatever order the engine returns rows in
    ids, gmv = ids[order], gmv[order]
    owners: list[str] = []
    amounts: list[int] = []
    for tier in sorted(spec.incentives.tiers, key=lambda t: t.min_gmv_myr, reverse=True):
        threshold = int(tier.min_gmv_myr * 100)
        width = threshold // 50
        near = np.flatnonzero((gmv >= threshold - THRESHOLD_PUSH_BINS * width) & (gmv < threshold))
        pushed = near[rng.random(len(near)) < THRESHOLD_PUSH_SHARE] if width else near[:0]
        added = threshold - gmv[pushed] + rng.integers(0, max(width, 1), len(pushed))
        gmv[pushed] += added
        owners += list(ids[pushed])
        amounts += [int(a) for a in added]
        truth.append({"threshold_sen": threshold, "creators": int(len(pushed)), "pushed_gmv_sen": int(added.sum())})
    truth.sort(key=lambda t: t["threshold_sen"])
    lines = _effect_lines(data, rng, owners, amounts, "B")
    if not len(lines):
        return data, truth
    orders = pd.concat([data.orders, lines], ignore_index=True)
    sort_key = orders["updated_at"].fillna(orders["order_time"])
    orders = orders.iloc[np.argsort(sort_key.to_numpy(), kind="stable")].reset_index(drop=True)
    orders.attrs["dataset"] = "orders"
    meta = {**data.meta, "threshold_push_lines": len(lines)}
    changed = DemoData(
        spec=data.spec, seed=data.seed, creators=data.creators, enrollments=data.enrollments, surveys=data.surveys,
        orders=orders, exclusions=data.exclusions, products=data.products, invitations=data.invitations,
        samples=data.samples, content=data.content, meta=meta,
    )  # fmt: skip
    return changed, truth


# --------------------------------------------------------------------------- SPEC section 14: payees


def make_payees(data: DemoData, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (payees, prior-year totals) for the demo's enrolled creators, synthetic and deterministic.

    Most payees are resident individuals with an NRIC; a few are sole proprietors, companies,
    partnerships or foreigners; some have no identity yet and a few no payees row at all.
    The prior-year totals (what the company paid them in the year before the payout, outside
    this campaign) put the top sellers over the s107D threshold of RM100,000.00, one exactly
    at it; the 6th and 7th sellers have no payees row and no identity (held payments).
    """
    rng = _rng(seed, "payees")
    creators = pd.Series(sorted(data.enrollments["creator_id"].astype(str).str.strip().str.lstrip("@").str.lower()
                                .unique()))  # fmt: skip
    completed = data.orders[data.orders["status"].astype(str).str.lower().str.strip() == "completed"]
    top = (completed.assign(creator_id=completed["creator_id"].astype(str).str.strip().str.lstrip("@").str.lower())
           .groupby("creator_id")["gmv_sen"].sum().sort_values(ascending=False, kind="stable"))  # fmt: skip
    top = [c for c in top.index if c in set(creators)][:8]
    kinds = rng.choice(
        ["individual", "sole_proprietor", "company", "partnership", "foreign", "no_identity", "no_row"],
        size=len(creators), p=[0.84, 0.05, 0.03, 0.02, 0.02, 0.02, 0.02],
    )  # fmt: skip
    kind = dict(zip(creators, kinds, strict=True))
    for i, creator in enumerate(top):
        kind[creator] = ("individual", "individual", "sole_proprietor", "individual", "company", "no_row",
                         "no_identity", "individual")[i]  # fmt: skip
    states = list(MY_STATES)
    first = ["Nur", "Siti", "Aisyah", "Wei", "Mei", "Kavitha", "Arjun", "Farah", "Hafiz", "Jia"]
    last = ["Ahmad", "Tan", "Lim", "Raj", "Abdullah", "Wong", "Ismail", "Chong", "Kumar", "Lee"]
    rows = []
    for n, creator in enumerate(creators):
        k = kind[creator]
        if k == "no_row":
            continue
        born = dt.date(1970, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 35)))
        nric = f"{born:%y%m%d}{int(rng.integers(1, 16)):02d}{int(rng.integers(0, 10000)):04d}"
        name = f"{first[n % len(first)]} {last[(n // len(first)) % len(last)]}"
        row = {
            "creator_id": creator, "entity_type": k if k != "no_identity" else "individual", "resident": "yes",
            "legal_name": name, "id_type": "NRIC", "id_number": nric, "tin": "",
            "address": f"{int(rng.integers(1, 200))}, Jalan Demo {int(rng.integers(1, 40))}",
            "postcode": f"{int(rng.integers(10000, 99999))}", "city": "Shah Alam",
            "state": states[n % len(states)], "country": "MYS", "phone": f"01{int(rng.integers(0, 10))}-"
            f"{int(rng.integers(100, 1000))} {int(rng.integers(1000, 10000))}",
        }  # fmt: skip
        if k == "sole_proprietor":
            row["legal_name"] = f"{name} Enterprise"
        elif k in ("company", "partnership"):
            brn = f"20{int(rng.integers(10, 25))}{int(rng.integers(1, 10**8)):08d}"
            prefix = "C" if k == "company" else "D"
            row |= {"legal_name": f"{name} {'Sdn. Bhd.' if k == 'company' else 'Partners'}", "id_type": "BRN",
                    "id_number": brn, "tin": f"{prefix}{int(rng.integers(10**9, 10**10))}0"}  # fmt: skip
        elif k == "foreign":
            row |= {"resident": "no", "id_type": "PASSPORT", "id_number": f"K{int(rng.integers(10**7, 10**8))}",
                    "country": "SGP", "state": "Singapore", "city": "Singapore"}  # fmt: skip
        elif k == "no_identity":
            row |= {"id_type": "", "id_number": ""}
        rows.append(row)
    amounts = ["135400.00", "100000.01", "250000.00", "100000.00", "500000.00", "120000.00", "0.00", "42000.00"]
    prior = pd.DataFrame({"creator_id": top, "total_myr": amounts[: len(top)]})
    return pd.DataFrame(rows), prior


def land_payees(data: DemoData, *, root: str | Path | None = None, seed: int = 0) -> list[str]:
    """Land the demo's payees (and finance's prior-year totals) under the campaign's landing folder."""
    from creator_ops.core.safe_csv import csv_bytes, write_atomically
    from creator_ops.core.steps import landing_root_path
    from creator_ops.core.storage import root_path

    payees, prior = make_payees(data, seed)
    base = root_path(root) if root is not None else landing_root_path()
    paths = []
    for dataset, frame in (("payees", payees), ("prior_totals", prior)):
        path = base / data.spec.id / dataset / f"{dataset}_{data.spec.timeline.payout_date.year - 1}.csv"
        rows = frame.to_dict(orient="records")
        write_atomically(path, csv_bytes(list(frame.columns), rows, bom=dataset == "payees"))
        paths.append(str(path))
    return paths
