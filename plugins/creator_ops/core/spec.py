"""The campaign spec: one YAML file per campaign, validated into a typed model.

The model validates itself and raises `SpecError`, which names the file and the field
of every problem. Numbers in YAML are read as exact decimals (never binary floats), so
`rate: 0.045` is `Decimal("0.045")`. Typed campaigns derive their timeline from
`timeline.event_start` through the templates in `TIMELINE_TEMPLATES`; every derived
date can be overridden.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.safe_yaml import BadScalar, YamlFileError, read_yaml_file
from creator_ops.core.safe_yaml import load_yaml as load_yaml  # re-exported: callers parse spec text with it

DEFAULT_TIMEZONE = "Asia/Kuala_Lumpur"
CAMPAIGN_TYPES = ("double_digit", "payday", "scd", "linkshare", "custom")
TIMELINE_FIELDS = (
    "recruitment_opens",
    "registration_closes",
    "event_start",
    "event_end",
    "settlement_date",
    "payout_date",
)

_EMAIL_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Sensible limits: a spec beyond them is a mistake (or an attack), reported as a problem, never a crash.
MAX_SPEC_BYTES = 256 * 1024
MAX_SPEC_NODES = 20_000  # values in the parsed YAML, aliases counted each time they are used
MAX_LIST = 500  # items in any list of the spec
MAX_TEXT = 2_000  # characters in any text value
MIN_YEAR, MAX_YEAR = 2000, 2100  # campaign dates; anything else is a typo (9999-12-12, 0001-01-01)
MAX_OFFSET_DAYS = 3_660  # `event_start - Nd`: ten years either way at most
MAX_COUNT = 10**9  # creators, responses, followers, shortlist sizes


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class SpecProblem:
    """One problem in one spec file: where it is and what is wrong."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        """The problem in one line, masked: a spec value that is an e-mail or phone never echoes in clear."""
        from creator_ops.core.masking import mask_pii

        where = f"{self.file}: {self.field}" if self.field else self.file
        return mask_pii(f"{where}: {self.message}")


class SpecError(CreatorOpsError, ValueError):
    """A campaign spec is invalid; carries every problem found, each naming file and field."""

    def __init__(self, problems: list[SpecProblem]):
        self.problems = problems
        first = problems[0] if problems else None
        super().__init__(
            "; ".join(str(p) for p in problems),
            file=first.file if first else None,
            field=first.field if first and len(problems) == 1 else None,
        )


# --------------------------------------------------------------------------- YAML

# Specs are read by the one safe YAML loader, `core.safe_yaml` (YAML 1.2 scalars, exact decimals,
# duplicate keys refused, depth and alias bounds); `load_yaml` is re-exported for callers holding text.


# --------------------------------------------------------------------------- relative times

_RELATIVE = re.compile(r"^\s*(?P<anchor>[a-z_]+)\s*(?:(?P<sign>[+-])\s*(?P<n>\d+)\s*(?P<unit>d|h|m|w)\s*)?$")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
_PER_DAY = {"weeks": 1, "days": 1, "hours": 24, "minutes": 1440}  # the unit's count in a day (weeks: at most)


def resolve_when(value: Any, timeline: Timeline, tz: ZoneInfo) -> dt.datetime:
    """Resolve a date, datetime or `anchor ± N[d|h|m|w]` expression to an aware datetime."""
    if isinstance(value, str):
        match = _RELATIVE.match(value)
        if not match or match["anchor"] not in TIMELINE_FIELDS:
            raise ValueError(
                f"{value!r} is neither a date nor '<timeline field> ± N(d|h|m|w)', e.g. 'event_start - 5d'"
            )
        base: dt.datetime = getattr(timeline, match["anchor"])
        if not match["sign"]:
            return base
        n, unit = int(match["n"][:12]), _UNITS[match["unit"]]
        if n > MAX_OFFSET_DAYS * _PER_DAY[unit]:
            raise ValueError(f"{value!r}: an offset of more than {MAX_OFFSET_DAYS} days is not a campaign date")
        delta = dt.timedelta(**{unit: n})
        return _in_range(base + delta if match["sign"] == "+" else base - delta, value)
    return to_aware(value, tz)


def _in_range(when: dt.datetime, written: Any) -> dt.datetime:
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ValueError(f"{written!r} is in the year {when.year}: campaign dates are in {MIN_YEAR}–{MAX_YEAR}")
    return when


def to_aware(value: Any, tz: ZoneInfo) -> dt.datetime:
    """Return `value` as an aware datetime; dates are midnight and naive times are local to `tz`."""
    if isinstance(value, (dt.date, dt.datetime)) and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(
            f"{value.isoformat()} is in the year {value.year}: campaign dates are in {MIN_YEAR}–{MAX_YEAR}"
        )
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tzinfo=tz)
    if isinstance(value, str) and not isinstance(value, BadScalar):
        try:
            return to_aware(dt.datetime.fromisoformat(value.strip()), tz)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date or datetime (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")


# --------------------------------------------------------------------------- model

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$", min_length=1, max_length=200)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _masked(text: str) -> str:
    from creator_ops.core.masking import mask_pii

    return mask_pii(text)


# Text people write that reaches every sink (the DAG, review.*, ecosystem.*, alerts, stdout): masked
# once here, where the spec is read, so an e-mail, phone or IC number in a campaign's name, a
# survey's title or a step's title never leaves in clear, whichever sink prints it.
PeopleText = Annotated[NonEmpty, AfterValidator(_masked)]
Money = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
When = dt.date | dt.datetime | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Timeline(_Strict):
    """The resolved campaign calendar, every field an aware datetime in campaign time."""

    recruitment_opens: dt.datetime
    registration_closes: dt.datetime
    event_start: dt.datetime
    event_end: dt.datetime
    settlement_date: dt.datetime
    payout_date: dt.datetime

    def as_dict(self) -> dict[str, dt.datetime]:
        return {name: getattr(self, name) for name in TIMELINE_FIELDS}


class TimelineInput(_Strict):
    """The timeline as written: `event_start`, plus any field overriding the template."""

    recruitment_opens: When | None = None
    registration_closes: When | None = None
    event_start: When
    event_end: When | None = None
    settlement_date: When | None = None
    payout_date: When | None = None


@dataclass(frozen=True)
class TimelineTemplate:
    """How a campaign type derives its calendar from `event_start` (SPEC section 2)."""

    recruitment_days: int
    event_days: int
    registration_closes_days_before_start: int | None  # None: relative to event_end
    registration_closes_days_before_end: int | None = None


TIMELINE_TEMPLATES: dict[str, TimelineTemplate] = {
    "double_digit": TimelineTemplate(21, 1, 3),
    "payday": TimelineTemplate(14, 3, 2),
    "scd": TimelineTemplate(10, 1, 1),
    "linkshare": TimelineTemplate(7, 7, None, 1),
}
SETTLEMENT_DAYS_AFTER_EVENT = 15
PAYOUT_DAYS_AFTER_SETTLEMENT = 5
END_OF_DAY = dt.time(23, 59, 59)


class _FieldError(CreatorOpsError, ValueError):  # a ValueError, so pydantic reports it as a field problem
    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)


def derive_timeline(campaign_type: str, given: TimelineInput, tz: ZoneInfo) -> Timeline:
    """Fill the timeline from the type's template; explicit fields win."""
    values: dict[str, dt.datetime] = {}
    for name, value in given.model_dump().items():
        if value is not None:
            try:
                values[name] = to_aware(value, tz)
            except ValueError as exc:
                raise _FieldError(f"timeline.{name}", str(exc)) from None
    template = TIMELINE_TEMPLATES.get(campaign_type)
    if template is None:
        missing = [f for f in TIMELINE_FIELDS if f not in values]
        if missing:
            raise ValueError(f"a custom campaign gives every date; missing: {', '.join(missing)}")
        return Timeline(**values)
    start = values["event_start"]
    day = dt.timedelta(days=1)
    values.setdefault("event_end", start + template.event_days * day)
    values.setdefault("recruitment_opens", start - template.recruitment_days * day)
    if "registration_closes" not in values:
        if template.registration_closes_days_before_start is not None:
            last_day = (start - template.registration_closes_days_before_start * day).date()
        else:
            last_day = (values["event_end"] - (template.registration_closes_days_before_end or 0) * day).date()
        values["registration_closes"] = dt.datetime.combine(last_day, END_OF_DAY, tzinfo=tz)
    values.setdefault("settlement_date", values["event_end"] + SETTLEMENT_DAYS_AFTER_EVENT * day)
    values.setdefault("payout_date", values["settlement_date"] + PAYOUT_DAYS_AFTER_SETTLEMENT * day)
    return Timeline(**values)


class Targets(_Strict):
    creators_enrolled: int | None = Field(default=None, gt=0, le=MAX_COUNT)
    gmv_myr: Money | None = None
    survey_responses: int | None = Field(default=None, gt=0, le=MAX_COUNT)


class Recruitment(_Strict):
    categories: list[NonEmpty] = Field(default_factory=list)
    states: list[NonEmpty] = Field(default_factory=list)
    min_followers: int = Field(default=0, ge=0, le=MAX_COUNT)
    min_gmv_30d_myr: Money = Decimal(0)
    min_avg_views_30d: int = Field(default=0, ge=0, le=MAX_COUNT)
    shortlist_size: int = Field(default=1000, gt=0, le=MAX_COUNT)
    account_managers: list[NonEmpty] = Field(default_factory=list)
    # at equal score, creators who sold in an earlier campaign rank first (core.recruitment; SPEC section 13)
    prefer_returning: bool = False


class Tier(_Strict):
    min_gmv_myr: Money
    bonus_myr: Money


class CommissionBonus(_Strict):
    rate: Decimal = Field(ge=0, le=1, max_digits=12)
    cap_myr: Money | None = None


class Leaderboard(_Strict):
    prizes_myr: list[Money] = Field(default_factory=list)


class Incentives(_Strict):
    budget_myr: Money
    tiers: list[Tier] = Field(default_factory=list)
    commission_bonus: CommissionBonus | None = None
    new_creator_bonus_myr: Money = Decimal(0)
    leaderboard: Leaderboard = Field(default_factory=Leaderboard)

    @field_validator("tiers")
    @classmethod
    def _tiers_distinct(cls, tiers: list[Tier]) -> list[Tier]:
        thresholds = [t.min_gmv_myr for t in tiers]
        if len(set(thresholds)) != len(thresholds):
            raise ValueError("two tiers share the same min_gmv_myr")
        return sorted(tiers, key=lambda t: t.min_gmv_myr)

    @model_validator(mode="after")
    def _prizes_fit_budget(self) -> Incentives:
        prizes = sum(self.leaderboard.prizes_myr, Decimal(0))
        if prizes > self.budget_myr:
            raise ValueError(f"leaderboard prizes total {prizes} MYR, more than budget_myr {self.budget_myr}")
        return self


class MetricMilestone(_Strict):
    metric: Literal["creators_enrolled", "gmv_myr", "survey_responses"]
    fractions: list[Annotated[Decimal, Field(gt=0, le=10)]] = Field(min_length=1)


class TimeMilestone(_Strict):
    before: Literal[
        "recruitment_opens",
        "registration_closes",
        "event_start",
        "event_end",
        "settlement_date",
        "payout_date",
    ]
    hours: int = Field(gt=0, le=MAX_OFFSET_DAYS * 24)


# a role name of Airflow's FAB auth manager: the team that may see a campaign (docs/access.md)
RoleName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$", min_length=1, max_length=64)]
EmailAddress = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]


def _milestone_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "time" if "before" in value or "hours" in value else "metric"
    return "time" if isinstance(value, TimeMilestone) else "metric"


# one branch per milestone shape, so a problem names that shape's field (not both branches' noise)
Milestone = Annotated[
    Annotated[MetricMilestone, Tag("metric")] | Annotated[TimeMilestone, Tag("time")],
    Discriminator(_milestone_kind),
]


class Alerts(_Strict):
    slack_conn_id: NonEmpty | None = None
    slack_channel: NonEmpty | None = None
    smtp_conn_id: NonEmpty | None = None
    email_to: list[EmailAddress] = Field(default_factory=list)

    @field_validator("email_to", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str) and not _EMAIL_ADDRESS.fullmatch(item.strip()):
                raise ValueError(f"{item!r} is not an e-mail address (name@domain.tld)")
        return value


class RunbookStep(_Strict):
    id: Identifier
    title: PeopleText
    due: When
    owner: NonEmpty | None = None
    # the answer's deadline: unanswered by then, the sign-off escalates by alert and fails visibly
    # (default: the next phase boundary after it opens)
    respond_by: When | None = None


class Survey(_Strict):
    id: Identifier
    title: PeopleText
    opens: When
    closes: When
    # the column headers of the score questions (matched trimmed, ignoring case; SPEC section 10)
    nps_question: NonEmpty | None = None  # answers 0-10
    csat_question: NonEmpty | None = None  # answers 1-5

    @model_validator(mode="after")
    def _distinct_questions(self) -> Survey:
        nps, csat = self.nps_question, self.csat_question
        if nps and csat and nps.strip().lower() == csat.strip().lower():
            raise ValueError("nps_question and csat_question name the same column")
        return self


class WhatIf(_Strict):
    """An alternative incentive design the review computes beside the actual one (SPEC section 10)."""

    name: PeopleText
    incentives: Incentives


class Review(_Strict):
    what_if: list[WhatIf] = Field(default_factory=list)

    @field_validator("what_if")
    @classmethod
    def _names_distinct(cls, alternatives: list[WhatIf]) -> list[WhatIf]:
        names = [a.name for a in alternatives]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate what-if name(s): {', '.join(duplicates)}")
        return alternatives


class Matchmaking(_Strict):
    """Product matchmaking (SPEC section 11)."""

    max_products_per_creator: int = Field(default=1, ge=1)


class Traffic(_Strict):
    """Paid traffic allocation (SPEC section 11): spend in steps of `step_myr`, each step less efficient."""

    budget_myr: Money
    cpm_myr: Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=2)]
    step_myr: Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=2)]
    efficiency: list[Annotated[Decimal, Field(ge=0, le=1)]] = Field(min_length=1)
    # scale gpm by the last measured calibration of the same campaign type (SPEC 12)
    calibrate: bool = False

    @field_validator("efficiency")
    @classmethod
    def _diminishing(cls, efficiency: list[Decimal]) -> list[Decimal]:
        if any(later > earlier for earlier, later in zip(efficiency, efficiency[1:], strict=False)):
            raise ValueError("efficiency must not increase from one step to the next (diminishing returns)")
        return efficiency


class Holdout(_Strict):
    """One mechanism's holdout (SPEC 12): the share of its creators who do not get it."""

    holdout_share: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("0.5"))


class Experiments(_Strict):
    """Holdouts per mechanism (SPEC 12); absent or a share of 0 means no holdout."""

    traffic: Holdout | None = None
    samples: Holdout | None = None


class Quality(_Strict):
    max_quarantine_share: Decimal = Field(default=Decimal("0.05"), ge=0, le=1)
    max_gmv_per_line_myr: Money = Decimal(100000)
    margin_days: int = Field(default=2, ge=0, le=366)
    # plausibility caps for marketplace pulls (a misparsed "1.2M" must not pass as 12 billion)
    max_followers: int = Field(default=200_000_000, gt=0, le=10 * MAX_COUNT)
    max_gmv_30d_myr: Money = Decimal(10_000_000)


class Finance(_Strict):
    """Malaysian payout compliance (SPEC section 14): each rule is finance's decision, off by default."""

    s107d: bool = False  # withhold 2 % from resident individuals paid more than RM100,000 the year before
    cp58: bool = False  # the yearly CP58 statements, due 31 March
    einvoice: bool = False  # one self-billed MyInvois e-invoice per paid payment
    company_conn_id: NonEmpty | None = None  # the Airflow connection holding the company (buyer) details


class CampaignSpec(_Strict):
    """A campaign as the team writes it, with its timeline resolved."""

    id: Identifier
    name: PeopleText
    type: Literal["double_digit", "payday", "scd", "linkshare", "custom"]
    market: Literal["MY"] = "MY"
    currency: Literal["MYR"] = "MYR"
    timezone: NonEmpty = DEFAULT_TIMEZONE
    owners: list[NonEmpty] = Field(default_factory=lambda: ["creator-ops-my"])
    # finance people who approve payouts; with the owners, the Airflow users who decide (core/people.py)
    payout_approvers: list[NonEmpty] = Field(default_factory=list)
    # the role that may see this campaign (its DAG, pages, review, files) beside admins, with the FAB auth manager
    team: RoleName | None = None
    description: Annotated[str, AfterValidator(_masked)] | None = None
    timeline: Timeline
    targets: Targets = Field(default_factory=Targets)
    recruitment: Recruitment = Field(default_factory=Recruitment)
    incentives: Incentives | None = None
    milestones: list[Milestone] = Field(default_factory=list)
    alerts: Alerts = Field(default_factory=Alerts)
    runbook: list[RunbookStep] = Field(default_factory=list)
    surveys: list[Survey] = Field(default_factory=list)
    quality: Quality = Field(default_factory=Quality)
    review: Review = Field(default_factory=Review)
    matchmaking: Matchmaking = Field(default_factory=Matchmaking)
    traffic: Traffic | None = None
    experiments: Experiments = Field(default_factory=Experiments)
    finance: Finance = Field(default_factory=Finance)

    @property
    def dag_id(self) -> str:
        return f"campaign__{self.id}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def when(self, value: Any) -> dt.datetime:
        """Resolve a date or `anchor ± N` expression against this campaign's timeline."""
        return resolve_when(value, self.timeline, self.tz)


def _check_timeline_order(t: Timeline) -> list[tuple[str, str]]:
    """Return (field, message) for every impossible ordering in the timeline."""
    rules = [
        ("registration_closes", "recruitment_opens", t.registration_closes > t.recruitment_opens, "after"),
        ("event_start", "recruitment_opens", t.event_start > t.recruitment_opens, "after"),
        ("event_end", "event_start", t.event_end > t.event_start, "after"),
        ("registration_closes", "event_end", t.registration_closes < t.event_end, "before"),
        ("settlement_date", "event_end", t.settlement_date >= t.event_end, "on or after"),
        ("payout_date", "settlement_date", t.payout_date >= t.settlement_date, "on or after"),
    ]
    return [
        (f"timeline.{a}", f"{getattr(t, a).isoformat()} must be {word} {b} ({getattr(t, b).isoformat()})")
        for a, b, ok, word in rules
        if not ok
    ]


def _field_name(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if item in ("metric", "time") and i >= 2 and loc[i - 2] == "milestones" and isinstance(loc[i - 1], int):
            continue  # the milestone shape's tag, not a field
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item in ("MetricMilestone", "TimeMilestone") or "[" in str(item) and "," in str(item):
            continue  # union branch names add noise, not location
        else:
            parts.append(str(item))
    return ".".join(parts)


def _problems_from_validation(file: str, exc: ValidationError, prefix: str = "") -> list[SpecProblem]:
    problems = []
    seen = set()
    for err in exc.errors():
        field = _field_name(err["loc"])
        if prefix:
            field = f"{prefix}.{field}" if field else prefix
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        key = (field, message)
        if key not in seen:
            seen.add(key)
            problems.append(SpecProblem(file, field, message))
    return problems


def _resolve_timeline(
    data: dict, campaign_type: Any, tz: ZoneInfo, file: str
) -> tuple[Timeline | None, list[SpecProblem]]:
    """Derive and check the timeline; return it (None if it cannot be built) and its problems."""
    problems: list[SpecProblem] = []
    timeline: Timeline | None = None
    raw_timeline = data.get("timeline")
    if "timeline" in data and not isinstance(raw_timeline, dict):
        problems.append(SpecProblem(file, "timeline", "must be a mapping with at least event_start"))
    elif isinstance(raw_timeline, dict) and campaign_type in CAMPAIGN_TYPES:
        try:
            timeline = derive_timeline(str(campaign_type), TimelineInput(**raw_timeline), tz)
        except ValidationError as exc:
            problems += _problems_from_validation(file, exc, "timeline")
        except _FieldError as exc:
            problems.append(SpecProblem(file, exc.field, str(exc)))
        except (ValueError, TypeError) as exc:
            problems.append(SpecProblem(file, "timeline", str(exc)))
    if timeline is not None:
        problems += [SpecProblem(file, f, m) for f, m in _check_timeline_order(timeline)]
        start = timeline.event_start
        if campaign_type == "double_digit" and start.day != start.month:
            problems.append(
                SpecProblem(
                    file,
                    "timeline.event_start",
                    f"a double_digit sale is on a day equal to its month (9.9 … 12.12), not {start.date()}",
                )
            )
    return timeline, problems


def _shape_problems(data: Any, file: str) -> list[SpecProblem]:
    """Return problems of the YAML's shape: non-text keys, too many values, too long lists or texts."""
    problems: list[SpecProblem] = []
    budget = [MAX_SPEC_NODES]

    def walk(value: Any, where: str) -> None:
        budget[0] -= 1
        if budget[0] < 0 or len(problems) >= 20:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    kind = type(key).__name__
                    message = f"key {key!r} must be text (a name), not {kind}"
                    problems.append(SpecProblem(file, where or "(top level)", message))
                    continue
                walk(item, f"{where}.{key}" if where else key)
        elif isinstance(value, list):
            if len(value) > MAX_LIST:
                problems.append(SpecProblem(file, where, f"has {len(value)} items, at most {MAX_LIST} are allowed"))
                return
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")
        elif isinstance(value, BadScalar):
            problems.append(SpecProblem(file, where, f"{str(value)!r} is not a valid date or number (out of range)"))
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            problems.append(SpecProblem(file, where, f"text of {len(value)} characters, at most {MAX_TEXT}"))

    walk(data, "")
    if budget[0] < 0:
        problems.append(SpecProblem(file, "", f"more than {MAX_SPEC_NODES} values (YAML aliases count each use)"))
    return problems


def parse_spec(data: Any, file: str = "<spec>") -> CampaignSpec:
    """Validate a spec mapping into a `CampaignSpec`, or raise `SpecError` naming file and fields."""
    if not isinstance(data, dict):
        raise SpecError([SpecProblem(file, "", "a campaign spec is a mapping of keys to values")])
    shape = _shape_problems(data, file)
    if shape:
        raise SpecError(shape)  # keys, sizes, impossible dates: named here, before the model is asked
    try:
        return _parse_mapping(data, file)
    except SpecError:
        raise
    except (ArithmeticError, OverflowError, TypeError, ValueError, RecursionError) as exc:
        # the class of problem, not one example: whatever slipped past the checks names the file
        raise SpecError([SpecProblem(file, "", f"cannot be validated: {type(exc).__name__}: {exc}")]) from None


def _parse_mapping(data: dict, file: str) -> CampaignSpec:
    problems: list[SpecProblem] = []
    for required in ("id", "name", "type", "timeline"):
        if required not in data:
            problems.append(SpecProblem(file, required, "missing required key"))
    tz_name = data.get("timezone", DEFAULT_TIMEZONE)
    try:
        tz = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(SpecProblem(file, "timezone", f"unknown time zone {tz_name!r}"))
        tz = ZoneInfo(DEFAULT_TIMEZONE)
    campaign_type = data.get("type")
    if "type" in data and campaign_type not in CAMPAIGN_TYPES:
        problems.append(SpecProblem(file, "type", f"{campaign_type!r} is not one of {', '.join(CAMPAIGN_TYPES)}"))
    timeline, timeline_problems = _resolve_timeline(data, campaign_type, tz, file)
    problems += timeline_problems
    timeline_ok = timeline is not None and not problems
    # validate the rest even when the timeline is broken, so one run reports every problem
    stand_in = timeline or derive_timeline("scd", TimelineInput(event_start=dt.date(2000, 1, 1)), tz)
    fields = {k: v for k, v in data.items() if not (k == "type" and v not in CAMPAIGN_TYPES)}
    fields.setdefault("type", "custom")
    try:
        spec = CampaignSpec(**{**fields, "timeline": stand_in, "timezone": str(tz.key)})
    except ValidationError as exc:
        known = {p.field for p in problems}
        problems += [p for p in _problems_from_validation(file, exc) if p.field not in known]
        raise SpecError(problems) from None
    if not timeline_ok:
        raise SpecError(problems or [SpecProblem(file, "timeline", "cannot be derived from the values given")])
    problems += _check_relative_times(spec, file)
    if problems:
        raise SpecError(problems)
    return _with_finance_runbook(spec)


def _with_finance_runbook(spec: CampaignSpec) -> CampaignSpec:
    """Add the runbook steps the `finance` switches bring (a step the spec itself lists with that id wins)."""
    from creator_ops.core.finance.schedule import finance_runbook_steps  # a leaf: no import runs back here

    steps = finance_runbook_steps(spec.finance.s107d, spec.finance.cp58, spec.timeline.payout_date, spec.tz)
    extra = [RunbookStep(**step) for step in steps if step["id"] not in {s.id for s in spec.runbook}]
    return spec.model_copy(update={"runbook": [*spec.runbook, *extra]}) if extra else spec


def _check_relative_times(spec: CampaignSpec, file: str) -> list[SpecProblem]:
    problems = []
    for i, step in enumerate(spec.runbook):
        try:
            due = spec.when(step.due)
        except ValueError as exc:
            problems.append(SpecProblem(file, f"runbook[{i}].due", str(exc)))
            continue
        if step.respond_by is not None:
            try:
                if spec.when(step.respond_by) <= due:
                    problems.append(SpecProblem(file, f"runbook[{i}].respond_by", "must be after due"))
            except ValueError as exc:
                problems.append(SpecProblem(file, f"runbook[{i}].respond_by", str(exc)))
    for i, survey in enumerate(spec.surveys):
        try:
            if spec.when(survey.closes) <= spec.when(survey.opens):
                problems.append(SpecProblem(file, f"surveys[{i}].closes", "must be after opens"))
        except ValueError as exc:
            problems.append(SpecProblem(file, f"surveys[{i}]", str(exc)))
    ids = [s.id for s in spec.runbook]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(SpecProblem(file, "runbook", f"duplicate step id {dup!r}"))
    return problems


def load_spec(path: str | Path) -> CampaignSpec:
    """Read and validate one spec file (through the one safe YAML loader)."""
    path = Path(path)
    try:
        data = read_yaml_file(path, max_bytes=MAX_SPEC_BYTES, max_values=MAX_SPEC_NODES, what="spec")
    except YamlFileError as exc:
        raise SpecError([SpecProblem(str(path), exc.field or "", str(exc.args[0]))]) from None
    return parse_spec(data, str(path))


@dataclass
class SpecCollection:
    """Every valid spec of a folder, plus the problems of the files that are not."""

    specs: list[tuple[Path, CampaignSpec]]
    errors: list[tuple[Path, SpecError]]


def _spec_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.is_file())


def discover_specs(folder: str | Path) -> SpecCollection:
    """Load every `*.yaml`/`*.yml` in `folder`, sorted; a bad file never hides the others.

    Cached per process on the files' names, sizes and modification times, so the two
    DAG files that read the folder in one DagBag fill parse each spec once.
    """
    folder = Path(folder)
    files = _spec_files(folder)
    key = (str(folder.resolve()), tuple((p.name, *_stat_key(p)) for p in files))
    cached = _DISCOVERY_CACHE.get(key[0])
    if cached is not None and cached[0] == key:
        return cached[1]
    collection = _discover(files)
    _DISCOVERY_CACHE[key[0]] = (key, collection)
    return collection


_DISCOVERY_CACHE: dict[str, tuple[Any, SpecCollection]] = {}


def _stat_key(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _discover(files: list[Path]) -> SpecCollection:
    specs: list[tuple[Path, CampaignSpec]] = []
    errors: list[tuple[Path, SpecError]] = []
    owners: dict[str, Path] = {}
    for path in files:
        try:
            spec = load_spec(path)
        except SpecError as exc:
            errors.append((path, exc))
            continue
        except Exception as exc:  # the last line of defence: one file never hides the others
            errors.append((path, SpecError([SpecProblem(str(path), "", f"cannot be read: {type(exc).__name__}")])))
            continue
        if spec.id in owners:
            errors.append(
                (
                    path,
                    SpecError(
                        [SpecProblem(str(path), "id", f"duplicate campaign id {spec.id!r}, also in {owners[spec.id]}")]
                    ),
                )
            )
            continue
        owners[spec.id] = path
        specs.append((path, spec))
    return SpecCollection(specs, errors)
