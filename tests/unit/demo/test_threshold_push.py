"""The demo's known push at the tier thresholds (SPEC 16): what the generator adds is what its truth says."""

from __future__ import annotations

import numpy as np

from creator_ops.core.payouts import calculate_for_spec
from creator_ops.stand_ins.data import THRESHOLD_PUSH_BINS, add_threshold_push, generate


def _eligible(data) -> dict[str, int]:
    result = calculate_for_spec(data.spec, *(data.accepted(d) for d in ("orders", "enrollments", "exclusions")))
    return dict(zip(result.table["creator_id"].to_pylist(), result.table["eligible_gmv_sen"].to_pylist(), strict=True))


def test_the_push_lands_creators_just_past_each_threshold_and_its_truth_is_what_was_added(demo_spec):
    data = generate(demo_spec, creators=600, seed=3)
    before = _eligible(data)
    pushed, truth = add_threshold_push(data)
    after = _eligible(pushed)
    assert [t["threshold_sen"] for t in truth] == [100_000, 500_000, 2_000_000]
    assert set(after) == set(before)  # the same selling creators, some selling more
    moved = {c: (before[c], after[c]) for c in before if after[c] != before[c]}
    assert sum(t["creators"] for t in truth) == len(moved) > 0
    assert sum(t["pushed_gmv_sen"] for t in truth) == sum(a - b for b, a in moved.values())
    for threshold in (t["threshold_sen"] for t in truth):
        width = threshold // 50
        here = [(b, a) for b, a in moved.values() if threshold - THRESHOLD_PUSH_BINS * width <= b < threshold]
        assert all(threshold <= a < threshold + width for _, a in here)  # into the bin just above
        candidates = sum(1 for g in before.values() if threshold - THRESHOLD_PUSH_BINS * width <= g < threshold)
        assert len(here) <= candidates
    again, same = add_threshold_push(generate(demo_spec, creators=600, seed=3))
    assert same == truth and np.array_equal(again.orders["gmv_sen"].to_numpy(), pushed.orders["gmv_sen"].to_numpy())
    assert pushed.orders["order_id"].str.startswith("EFFB").sum() == len(moved)
