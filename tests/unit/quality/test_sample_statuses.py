"""The samples suite's known statuses and core/samples.py's shipped, posted and cancelled stay in step."""

from __future__ import annotations

import json
import re

from repo_paths import ROOT

from creator_ops.core.samples import CANCELLED_MARKERS, POSTED_STATUSES, SHIPPED_STATUSES, is_cancelled


def _known_status_regex() -> re.Pattern[str]:
    suite = json.loads((ROOT / "include" / "expectations" / "samples.json").read_text(encoding="utf-8"))
    [known] = [e for e in suite["expectations"] if e["meta"]["name"] == "status_known"]
    return re.compile(known["kwargs"]["regex"])


def test_every_status_the_core_counts_is_one_the_suite_knows():
    known = _known_status_regex()
    cancellations = [f"DELIVERY_{m}ED" for m in CANCELLED_MARKERS] + [f"{m}LED_BY_SELLER" for m in CANCELLED_MARKERS]
    for status in (*SHIPPED_STATUSES, *POSTED_STATUSES, *cancellations):
        assert known.fullmatch(status), status
    assert all(is_cancelled(s) for s in cancellations)
    assert not known.fullmatch("LOST_IN_TRANSIT")  # neither shipped, posted nor a cancellation
