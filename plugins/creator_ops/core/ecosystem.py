"""The creator ecosystem across campaigns, SPEC section 13: who joins, who stays, who grows.

    facts = [campaign_facts(spec, orders, enrollments, exclusions, samples) for each campaign]   # files
    facts = [facts_of(spec, enrolled, selling_gmv_sen, samples) for each campaign]               # stored
    eco = compute_ecosystem(facts)          # growth, selling growth, retention, states, scorecard
    write_ecosystem(eco, out_dir)           # ecosystem.json, creators.csv, ecosystem.html

A creator is *enrolled* in a campaign by section 5 rule 2 and *selling* when it has a
section 5 result row there: both come from the payout engine itself (`enrolled_creators`:
the engine's `enrolled` table; `selling_gmv`: its result rows), never from a second
definition. The command line runs the engine over each campaign's files
(`campaign_facts`); in Airflow the payouts step stores them with every calculation
(`steps.payouts.calculate` → `warehouse.payout_results`) and the ecosystem reads the
stored result (`figures.ecosystem` → `facts_of`), never running the engine. Shipped and
posted samples are section 9's, counted by `sample_counts` with the review's one
definition of them (`core.review.figures.register_review_tables`: the current row per
sample, `core.samples`' statuses). Campaigns are ordered by `event_start`, then id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.review.values import Money, Ratio, dumps
from creator_ops.core.spec import CampaignSpec

STATES = ("new", "returning", "reactivated", "churned", "dormant")
SCORECARD_COLUMNS = (
    "creator_id",
    "state",
    "campaigns_enrolled",
    "campaigns_selling",
    "eligible_gmv_myr",
    "first_campaign",
    "last_campaign",
    "samples_shipped",
    "samples_posted",
    "post_rate",
)


class EcosystemInputError(CreatorOpsError, ValueError):
    """The campaigns cannot be put side by side (two with the same id)."""


@dataclass(frozen=True)
class CampaignFacts:
    """What section 13 needs of one campaign: its enrolled and selling creators, GMV and samples."""

    campaign_id: str
    name: str
    type: str
    event_start: dt.datetime
    enrolled: frozenset[str]
    # selling creators (a section 5 result row) -> their eligible GMV in sen
    selling_gmv_sen: Mapping[str, int]
    samples_shipped: Mapping[str, int] = field(default_factory=dict)
    samples_posted: Mapping[str, int] = field(default_factory=dict)

    @property
    def selling(self) -> frozenset[str]:
        return frozenset(self.selling_gmv_sen)

    @property
    def order_key(self) -> tuple[dt.datetime, str]:
        return (self.event_start, self.campaign_id)


def sample_counts(samples: Any) -> tuple[dict[str, int], dict[str, int]]:
    """Count shipped and posted samples per creator with the review's one definition of them.

    `samples` is the samples data set (any landed rows: the current row per sample_id wins) or
    None (no samples: nothing shipped).
    """
    if samples is None:
        return {}, {}
    import duckdb

    from creator_ops.core.review.figures import ReviewInputs, register_review_tables

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        register_review_tables(con, ReviewInputs(orders=None, enrollments=None, samples=samples))
        rows = con.execute(
            "SELECT creator_id, count(*), count(*) FILTER (WHERE posted) FROM shipped "
            "WHERE creator_id IS NOT NULL GROUP BY creator_id"
        ).fetchall()
    finally:
        con.close()
    shipped = {c: int(n) for c, n, _ in rows}
    posted = {c: int(p) for c, _, p in rows if p}
    return shipped, posted


def payout_rules(spec: CampaignSpec) -> Any:
    """Return the section 5 rules of a campaign (a campaign without incentives: a design that pays nothing)."""
    from creator_ops.core.payouts import PayoutRules

    return PayoutRules.from_incentives(spec.timeline, spec.incentives)


def enrolled_creators(rules: Any, enrollments: Any, *, threads: int | None = None) -> frozenset[str]:
    """Return section 5 rule 2's enrolled creators: the engine's `enrolled` table over the enrollments alone."""
    from creator_ops.core.payouts import PayoutSession

    with PayoutSession(rules, None, enrollments, None, threads=threads) as session:
        return frozenset(r[0] for r in session.con.execute("SELECT creator_id FROM enrolled").fetchall())


def selling_gmv(result: Any) -> dict[str, int]:
    """Return {creator with a section 5 result row: its eligible GMV in sen} of a `PayoutResult`."""
    columns = result.table.select(["creator_id", "eligible_gmv_sen"]).to_pydict()
    return dict(zip(columns["creator_id"], (int(v) for v in columns["eligible_gmv_sen"]), strict=True))


def facts_of(
    spec: CampaignSpec, enrolled: Iterable[str], selling_gmv_sen: Mapping[str, int], samples: Any = None
) -> CampaignFacts:
    """Put a campaign's enrolled set, result rows (eligible GMV) and samples into section 13's facts."""
    shipped, posted = sample_counts(samples)
    return CampaignFacts(
        campaign_id=spec.id,
        name=spec.name,
        type=spec.type,
        event_start=spec.timeline.event_start,
        enrolled=frozenset(enrolled),
        selling_gmv_sen=dict(selling_gmv_sen),
        samples_shipped=shipped,
        samples_posted=posted,
    )


def campaign_facts(
    spec: CampaignSpec,
    orders: Any,
    enrollments: Any,
    exclusions: Any = None,
    samples: Any = None,
    *,
    threads: int | None = None,
) -> CampaignFacts:
    """Run the section 5 engine on one campaign's inputs and keep its enrolled and selling creators (the CLI's path)."""
    from creator_ops.core.payouts import calculate_payouts

    rules = payout_rules(spec)
    # selling: the engine's result rows, from its one pipelined query (as the payouts step runs it)
    result = calculate_payouts(rules, orders, enrollments, exclusions, threads=threads)
    return facts_of(spec, enrolled_creators(rules, enrollments, threads=threads), selling_gmv(result), samples)


# --------------------------------------------------------------------------- figures


def order_campaigns(facts: Iterable[CampaignFacts]) -> list[CampaignFacts]:
    """Return the campaigns in section 13's order (event_start, then id); two with one id are an error."""
    ordered = sorted(facts, key=lambda f: f.order_key)
    seen: set[str] = set()
    for f in ordered:
        if f.campaign_id in seen:
            raise EcosystemInputError(f"campaign id {f.campaign_id!r} appears twice", field="id")
        seen.add(f.campaign_id)
    return ordered


def growth_accounting(sets: Sequence[frozenset[str]]) -> list[dict[str, Any]]:
    """Return section 13's growth accounting of each set in order (enrolled, or selling)."""
    out: list[dict[str, Any]] = []
    ever: set[str] = set()
    previous: frozenset[str] = frozenset()
    for current in sets:
        new = len(current - ever)
        returning = len(current & previous)
        churned = len(previous - current)
        reactivated = len(current) - new - returning
        out.append(
            {
                "enrolled": len(current),
                "new": new,
                "returning": returning,
                "reactivated": reactivated,
                "churned": churned,
                "quick_ratio": Ratio.of(new + reactivated, churned),
            }
        )
        ever |= current
        previous = current
    return out


def _growth_block(ids: Sequence[str], rows: list[dict[str, Any]], selling: bool = False) -> dict[str, Any]:
    """Key the rows by campaign id; selling growth has the same keys, plus `selling` (= its `enrolled`, |S_k|)."""
    return {cid: ({"selling": row["enrolled"], **row} if selling else row) for cid, row in zip(ids, rows, strict=True)}


def cohort_retention(campaigns: Sequence[CampaignFacts]) -> dict[str, dict[str, dict[str, Any]]]:
    """Return {cohort: {campaign from the cohort on: enrolled, enrolled_share, selling, selling_share}}.

    A creator's cohort is the first campaign it enrolled in; a campaign where nobody enrolled
    for the first time has no cohort.
    """
    cohorts: dict[str, set[str]] = {}
    seen: set[str] = set()
    for f in campaigns:
        members = set(f.enrolled) - seen
        if members:
            cohorts[f.campaign_id] = members
        seen |= f.enrolled
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for i, f in enumerate(campaigns):
        members = cohorts.get(f.campaign_id)
        if not members:
            continue
        row = {}
        for later in campaigns[i:]:
            enrolled = len(members & later.enrolled)
            selling = sum(1 for c in members if c in later.selling_gmv_sen)
            row[later.campaign_id] = {
                "enrolled": enrolled,
                "enrolled_share": Ratio.of(enrolled, len(members)),
                "selling": selling,
                "selling_share": Ratio.of(selling, len(members)),
            }
        out[f.campaign_id] = row
    return out


def creator_state(creator: str, latest: CampaignFacts, previous: CampaignFacts | None, before_latest: set[str]) -> str:
    """Return a creator's state at the latest campaign (`before_latest`: enrolled anywhere earlier)."""
    if creator in latest.enrolled:
        if creator not in before_latest:
            return "new"
        if previous is not None and creator in previous.enrolled:
            return "returning"
        return "reactivated"
    if previous is not None and creator in previous.enrolled:
        return "churned"
    return "dormant"


@dataclass
class Ecosystem:
    """Section 13's figures over the campaigns, in order."""

    campaigns: list[CampaignFacts]
    growth: dict[str, dict[str, Any]]
    selling_growth: dict[str, dict[str, Any]]
    retention: dict[str, dict[str, dict[str, Any]]]
    states: dict[str, int]
    scorecard: list[dict[str, Any]]
    lost: dict[str, Any]
    # settled campaigns left out, with why: no stored payout result to read (the warehouse's path only)
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return [f.campaign_id for f in self.campaigns]

    def as_json(self) -> dict[str, Any]:
        """The ecosystem.json document (money as two-decimal strings, shares with six decimals)."""
        missing = {"missing": dict(sorted(self.missing.items()))} if self.missing else {}
        return {
            **missing,
            "campaigns": self.ids,
            "campaign_details": {
                f.campaign_id: {"name": f.name, "type": f.type, "event_start": f.event_start.isoformat()}
                for f in self.campaigns
            },
            "growth": self.growth,
            "selling_growth": self.selling_growth,
            "retention": self.retention,
            "states": self.states,
            "lost": self.lost,
            "creators": len(self.scorecard),
            "leaders": self.scorecard[:LEADERS],
        }

    def dumps(self) -> str:
        return dumps(self.as_json())

    def state_of(self) -> dict[str, dict[str, Any]]:
        """Return {creator_id: scorecard row}: what recruitment shows beside each candidate."""
        return {row["creator_id"]: row for row in self.scorecard}


LEADERS = 20


def _scorecard(campaigns: Sequence[CampaignFacts]) -> list[dict[str, Any]]:
    latest = campaigns[-1]
    previous = campaigns[-2] if len(campaigns) > 1 else None
    before_latest: set[str] = set().union(*(f.enrolled for f in campaigns[:-1]))
    rows: dict[str, dict[str, Any]] = {}
    for f in campaigns:
        for creator in f.enrolled:
            row = rows.get(creator)
            if row is None:
                row = rows[creator] = {
                    "creator_id": creator,
                    "campaigns_enrolled": 0,
                    "campaigns_selling": 0,
                    "gmv_sen": 0,
                    "first_campaign": f.campaign_id,
                }
            row["campaigns_enrolled"] += 1
            row["last_campaign"] = f.campaign_id
            gmv = f.selling_gmv_sen.get(creator)
            if gmv is not None:
                row["campaigns_selling"] += 1
                row["gmv_sen"] += gmv
    out = []
    for creator, row in rows.items():
        shipped = sum(f.samples_shipped.get(creator, 0) for f in campaigns)
        posted = sum(f.samples_posted.get(creator, 0) for f in campaigns)
        out.append(
            {
                "creator_id": creator,
                "state": creator_state(creator, latest, previous, before_latest),
                "campaigns_enrolled": row["campaigns_enrolled"],
                "campaigns_selling": row["campaigns_selling"],
                "eligible_gmv_myr": Money(row["gmv_sen"]),
                "first_campaign": row["first_campaign"],
                "last_campaign": row["last_campaign"],
                "samples_shipped": shipped,
                "samples_posted": posted,
                "post_rate": Ratio.of(posted, shipped),
            }
        )
    out.sort(key=lambda r: (-r["eligible_gmv_myr"].sen, r["creator_id"]))
    return out


def lost_sellers(campaigns: Sequence[CampaignFacts]) -> dict[str, Any]:
    """Return the sellers of the campaign before the latest who did not enrol in the latest."""
    if len(campaigns) < 2:
        return {"campaign": campaigns[-1].campaign_id if campaigns else None, "previous": None,
                "previous_sellers": 0, "sellers_not_enrolled": 0, "gmv_myr": Money(0), "creator_ids": []}  # fmt: skip
    latest, previous = campaigns[-1], campaigns[-2]
    lost = sorted(previous.selling - latest.enrolled, key=lambda c: (-previous.selling_gmv_sen[c], c))
    return {
        "campaign": latest.campaign_id,
        "previous": previous.campaign_id,
        "previous_sellers": len(previous.selling_gmv_sen),
        "sellers_not_enrolled": len(lost),
        "gmv_myr": Money(sum(previous.selling_gmv_sen[c] for c in lost)),
        "creator_ids": lost,
    }


def compute_ecosystem(facts: Iterable[CampaignFacts]) -> Ecosystem:
    """Compute every figure of section 13 over the campaigns (any order in; section 13's order out)."""
    campaigns = order_campaigns(facts)
    ids = [f.campaign_id for f in campaigns]
    growth = _growth_block(ids, growth_accounting([f.enrolled for f in campaigns]))
    selling = _growth_block(ids, growth_accounting([f.selling for f in campaigns]), selling=True)
    scorecard = _scorecard(campaigns) if campaigns else []
    states = dict.fromkeys(STATES, 0)
    for row in scorecard:
        states[row["state"]] += 1
    return Ecosystem(
        campaigns=campaigns,
        growth=growth,
        selling_growth=selling,
        retention=cohort_retention(campaigns),
        states=states,
        scorecard=scorecard,
        lost=lost_sellers(campaigns),
    )


HISTORY_FILE = "history.json"


def history_json(eco: Ecosystem) -> str:
    """The scorecard as recruitment reads it: {creator_id: {state, past_eligible_gmv_sen, campaigns_selling}}."""
    import json

    rows = {
        r["creator_id"]: {
            "state": r["state"],
            "past_eligible_gmv_sen": r["eligible_gmv_myr"].sen,
            "campaigns_selling": r["campaigns_selling"],
        }
        for r in sorted(eco.scorecard, key=lambda r: r["creator_id"])
    }
    latest = eco.ids[-1] if eco.ids else None
    return json.dumps({"as_of_campaign": latest, "creators": rows}, sort_keys=True, separators=(",", ":")) + "\n"


def read_history(path: str | Any) -> dict[str, Any]:
    """Read history.json into {creator_id: CreatorHistory} (empty when the ecosystem was never built)."""
    import json

    from creator_ops.core.recruitment import CreatorHistory
    from creator_ops.core.storage import root_path

    file = root_path(path)  # the output root may be object storage
    if not file.is_file():
        return {}
    data = json.loads(file.read_text(encoding="utf-8"))
    return {cid: CreatorHistory(**row) for cid, row in data.get("creators", {}).items()}


def scorecard_csv_rows(eco: Ecosystem) -> Iterable[dict[str, Any]]:
    """The scorecard as creators.csv rows: money two decimals, post_rate six decimals or empty."""
    for row in eco.scorecard:
        rate = row["post_rate"]
        yield {**row, "eligible_gmv_myr": str(row["eligible_gmv_myr"]), "post_rate": "" if rate is None else str(rate)}


def creators_lost_alert(
    spec: CampaignSpec, lost: Mapping[str, Any], *, previous_name: str, link: str | None = None
) -> Any:
    """Build the "creators lost" alert of a settled campaign: counts and money, never who (one per campaign)."""
    from creator_ops.core.alerts import Alert, Fact, alert_key
    from creator_ops.core.money import format_rm

    share = Ratio.of(lost["sellers_not_enrolled"], lost["previous_sellers"])
    share_text = "n/a" if share is None else f"{share.decimal() * 100:.1f}%"
    facts = [
        Fact("Previous campaign", previous_name),
        Fact("Sellers there", f"{lost['previous_sellers']:,}"),
        Fact("Did not enrol here", f"{lost['sellers_not_enrolled']:,} ({share_text})"),
    ]
    if link:
        facts.append(Fact("Ecosystem", link))
    return Alert(
        key=alert_key("creators_lost", spec.id),
        campaign_id=spec.id,
        kind="creators_lost",
        severity="warning" if lost["sellers_not_enrolled"] else "info",
        data={
            "lost": f"{lost['sellers_not_enrolled']:,}",
            "previous_sellers": f"{lost['previous_sellers']:,}",
            "previous_name": previous_name,
            "lost_gmv_display": format_rm(lost["gmv_myr"].sen),
            "lost_share": share_text,
        },
        facts=tuple(facts),
        link=link,
    )
