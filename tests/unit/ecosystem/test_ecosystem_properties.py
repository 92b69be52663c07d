"""Section 13's figures against an independent brute force over random enrolled and selling sets."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from creator_ops.core.ecosystem import STATES, CampaignFacts, compute_ecosystem

CREATORS = list("abcdefgh")
campaign = st.tuples(st.sets(st.sampled_from(CREATORS)), st.sets(st.sampled_from(CREATORS)), st.integers(0, 3))


def _facts(draws) -> list[CampaignFacts]:
    facts = []
    for i, (enrolled, selling, day) in enumerate(draws):
        selling = selling & enrolled  # selling needs a valid enrollment (section 5 rule 2)
        facts.append(
            CampaignFacts(
                campaign_id=f"k{i:02d}",
                name=f"K{i}",
                type="scd",
                event_start=dt.datetime(2027, 1, 1 + day, tzinfo=dt.UTC),  # often the same day: id breaks the tie
                enrolled=frozenset(enrolled),
                selling_gmv_sen={c: 100 * (i + 1) for c in sorted(selling)},
            )
        )
    return facts


def _brute(sets: list[frozenset[str]]) -> list[dict]:
    rows = []
    for k, current in enumerate(sets):
        earlier = [c for j in range(k) for c in sets[j]]
        previous = sets[k - 1] if k else frozenset()
        new = {c for c in current if c not in earlier}
        returning = {c for c in current if c in previous}
        rows.append(
            {
                "enrolled": len(current),
                "new": len(new),
                "returning": len(returning),
                "reactivated": len(current - new - returning),
                "churned": len({c for c in previous if c not in current}),
            }
        )
    return rows


@given(st.lists(campaign, min_size=1, max_size=6))
def test_growth_cohorts_and_states_agree_with_a_brute_force(draws):
    facts = _facts(draws)
    eco = compute_ecosystem(reversed(facts))  # any input order: section 13's order out
    ordered = sorted(facts, key=lambda f: (f.event_start, f.campaign_id))
    assert eco.ids == [f.campaign_id for f in ordered]
    for key, sets in (("growth", [f.enrolled for f in ordered]), ("selling_growth", [f.selling for f in ordered])):
        block = getattr(eco, key)
        for cid, expected in zip(eco.ids, _brute(sets), strict=True):
            row = {k: block[cid][k] for k in expected}
            assert row == expected, (key, cid)
            quick = block[cid]["quick_ratio"]
            if expected["churned"] == 0:
                assert quick is None
            else:
                assert quick.value * expected["churned"] == expected["new"] + expected["reactivated"]
    # every enrolled creator of campaign j is in exactly one cohort at or before j
    for f in ordered:
        assert sum(eco.retention[c][f.campaign_id]["enrolled"] for c in eco.retention if f.campaign_id in
                   eco.retention[c]) == len(f.enrolled)  # fmt: skip
    everyone = set().union(*(f.enrolled for f in ordered))
    assert sum(eco.states.values()) == len(everyone) == len(eco.scorecard)
    assert set(eco.states) == set(STATES)
    latest, previous = ordered[-1], (ordered[-2] if len(ordered) > 1 else None)
    for row in eco.scorecard:
        c = row["creator_id"]
        in_n, in_prev = c in latest.enrolled, previous is not None and c in previous.enrolled
        first = next(f.campaign_id for f in ordered if c in f.enrolled)
        expected = ("new" if first == latest.campaign_id else "returning" if in_prev else "reactivated") if in_n \
            else ("churned" if in_prev else "dormant")  # fmt: skip
        assert row["state"] == expected
        assert row["first_campaign"] == first
        assert row["eligible_gmv_myr"].sen == sum(f.selling_gmv_sen.get(c, 0) for f in ordered)
    gmv = [(-r["eligible_gmv_myr"].sen, r["creator_id"]) for r in eco.scorecard]
    assert gmv == sorted(gmv)
