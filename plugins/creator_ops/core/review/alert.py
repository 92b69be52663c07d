"""The "campaign review ready" alert (SPEC sections 6 and 10): the headline figures, once per phase."""

from __future__ import annotations

from typing import Any

from creator_ops.core.alerts import Alert, Fact, alert_key
from creator_ops.core.review.values import Money, Ratio, display_myr
from creator_ops.core.spec import CampaignSpec


def _signed(value: Any) -> str:
    if isinstance(value, Money):
        return ("+" if value.sen >= 0 else "-") + display_myr(Money(abs(value.sen)))
    return "n/a"


def review_ready_alert(
    spec: CampaignSpec, review: dict[str, Any], *, phase: str, headline: dict[str, str], link: str | None = None
) -> Alert:
    """Build the alert announcing the review; its key is per phase (settlement, then the final one)."""
    roi = review.get("roi")
    baseline = review.get("baseline") or {}
    gmv_delta = ((baseline.get("delta") or {}).get("gmv") or {}).get("eligible_myr")
    facts = [Fact(label, value) for label, value in headline.items()]
    if link:
        facts.append(Fact("Review", link))
    return Alert(
        key=alert_key("review_ready", spec.id, phase),
        campaign_id=spec.id,
        kind="review_ready",
        severity="info",
        data={
            "final": phase == "payout",
            "gmv_display": display_myr(review["gmv"]["eligible_myr"]),
            "selling": f"{review['funnel']['selling']:,}",
            "cost_display": display_myr(review["cost"]["total_myr"]),
            "roi_display": f"{roi.decimal():.2f}×" if isinstance(roi, Ratio) else "n/a",
            "baseline_name": baseline.get("name") or baseline.get("campaign_id") or "",
            "gmv_delta_display": _signed(gmv_delta),
        },
        facts=tuple(facts),
        link=link,
    )


def sample_ratio_alert(spec: CampaignSpec, review: dict[str, Any], *, link: str | None = None) -> Alert | None:
    """Build the one problem alert for a sample ratio mismatch (SPEC 15), or None when every split is as expected."""
    from creator_ops.core.review.experiments_render import srm_detail

    found = [
        (mechanism, which, test)
        for mechanism, block in (review.get("experiments") or {}).items()
        for which, test in ((block.get("srm") or {}).items())
        if test.get("mismatch")
    ]
    if not found:
        return None
    mechanisms = sorted({m for m, _, _ in found})
    detail = "; ".join(f"{m}, {srm_detail(which, test)}" for m, which, test in found)
    facts = [Fact(f"{m} ({which.replace('_', ' ')})", srm_detail(which, test)) for m, which, test in found]
    if link:
        facts.append(Fact("Review", link))
    return Alert(
        key=alert_key("sample_ratio_mismatch", spec.id),
        campaign_id=spec.id,
        kind="sample_ratio_mismatch",
        severity="warning",
        data={"mechanisms": " and ".join(mechanisms), "detail": detail},
        facts=tuple(facts),
        link=link,
    )
