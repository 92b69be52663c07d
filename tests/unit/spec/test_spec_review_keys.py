"""Spec keys of sections 10 and 11: review.what_if, survey score questions, matchmaking, traffic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creator_ops.core.spec import SpecError, parse_spec

BASE = {"id": "x", "name": "X", "type": "double_digit", "timeline": {"event_start": "2026-12-12"}}


def _fields(exc: SpecError) -> list[str]:
    return [p.field for p in exc.problems]


def test_the_keys_parse_exactly():
    spec = parse_spec(
        {
            **BASE,
            "surveys": [
                {"id": "post", "title": "Post", "opens": "event_end", "closes": "event_end + 7d",
                 "nps_question": "How likely are you to recommend us? (0-10)", "csat_question": "Overall satisfaction (1-5)"},
            ],
            "review": {"what_if": [{"name": "flat tiers", "incentives": {"budget_myr": 1000, "tiers": [{"min_gmv_myr": 100, "bonus_myr": 5}]}}]},
            "matchmaking": {"max_products_per_creator": 2},
            "traffic": {"budget_myr": 5000, "cpm_myr": Decimal("12.50"), "step_myr": 100, "efficiency": [Decimal("1.0"), Decimal("0.6"), Decimal("0.3")]},
        }
    )  # fmt: skip
    assert spec.surveys[0].nps_question.startswith("How likely") and spec.surveys[0].csat_question
    assert spec.review.what_if[0].incentives.tiers[0].bonus_myr == Decimal(5)
    assert spec.matchmaking.max_products_per_creator == 2
    assert spec.traffic.efficiency == [Decimal("1.0"), Decimal("0.6"), Decimal("0.3")]
    assert spec.traffic.cpm_myr == Decimal("12.50")


def test_defaults():
    spec = parse_spec(BASE)
    assert spec.review.what_if == [] and spec.matchmaking.max_products_per_creator == 1 and spec.traffic is None
    assert parse_spec({**BASE, "surveys": [{"id": "s", "title": "S", "opens": "event_end", "closes": "event_end + 1d"}]}).surveys[0].nps_question is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"review": {"what_if": [{"name": "a", "incentives": {"budget_myr": 10, "leaderboard": {"prizes_myr": [20]}}}]}}, "review.what_if[0].incentives"),
        ({"review": {"what_if": [{"name": "a", "incentives": {"budget_myr": 1}}, {"name": "a", "incentives": {"budget_myr": 2}}]}}, "review.what_if"),
        ({"review": {"what_if": [{"incentives": {"budget_myr": 1}}]}}, "review.what_if[0].name"),
        ({"review": {"whatif": []}}, "review.whatif"),
        ({"matchmaking": {"max_products_per_creator": 0}}, "matchmaking.max_products_per_creator"),
        ({"traffic": {"budget_myr": 1, "cpm_myr": 0, "step_myr": 1, "efficiency": [1]}}, "traffic.cpm_myr"),
        ({"traffic": {"budget_myr": 1, "cpm_myr": 1, "step_myr": 1, "efficiency": []}}, "traffic.efficiency"),
        ({"traffic": {"budget_myr": 1, "cpm_myr": 1, "step_myr": 1, "efficiency": [Decimal("0.5"), 1]}}, "traffic.efficiency"),
        ({"traffic": {"budget_myr": 1, "cpm_myr": 1, "step_myr": 1, "efficiency": [2]}}, "traffic.efficiency[0]"),
        ({"surveys": [{"id": "s", "title": "S", "opens": "event_end", "closes": "event_end + 1d", "nps_question": "Q", "csat_question": " q "}]}, "surveys[0]"),
    ],
)  # fmt: skip
def test_invalid_values_name_the_field(extra, field):
    with pytest.raises(SpecError) as caught:
        parse_spec({**BASE, **extra}, "camp.yaml")
    assert field in _fields(caught.value), str(caught.value)
