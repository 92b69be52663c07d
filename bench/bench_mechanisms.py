"""Mechanisms benchmark: product matchmaking and traffic allocation (SPEC 11), beside HiGHS.

Figures, each beside a reference measured in the same process on the same input:

- matchmaking: `match()` end to end (scoring every pair exactly, the min-cost flow in
  OR-Tools, the sorted list and its summary) for N creators × M products, most creators
  with history in a few categories; beside SciPy's `milp` (HiGHS) solving the same allowed
  pairs as a 0/1 programme. Both optima must be equal. Peak memory is the process's
  resident peak right after our run (interpreter and libraries included).
- traffic: `allocate()` (exact fractions, whole sen, exact ordering) for N creators'
  content; beside the same greedy vectorized in numpy floats (which can misorder near-equal
  rates and rounds every product). Both totals must agree to 1e-9. SciPy's `linprog`
  (HiGHS) on the same 300,000 segments took 690 s here, so it is a test oracle on small
  instances (tests/unit/mechanisms), not a benchmark reference.

    .venv/bin/python bench/bench_mechanisms.py           # 5,000 × 300 matchmaking, 100,000 creators traffic
    .venv/bin/python bench/bench_mechanisms.py --quick   # 1,000 × 100, 20,000 creators
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from creator_ops.core.matchmaking import (  # noqa: E402
    MatchCreator,
    Product,
    history_by_category,
    match,
    sample_histories,
    score_pairs,
)
from creator_ops.core.traffic import CreatorContent, TrafficParams, allocate  # noqa: E402

CATEGORIES = [
    "beauty",
    "fashion",
    "home_living",
    "food",
    "electronics",
    "sports",
    "baby",
    "health",
    "pets",
    "toys",
    "automotive",
    "books",
]
SAMPLE_STATUSES = ["PENDING", "AWAITING_SHIPMENT", "SHIPPED", "CONTENT_PENDING", "COMPLETED", "CANCELLED"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def matchmaking_inputs(n_creators: int, n_products: int, seed: int = 1212):
    """Seeded creators (long-tailed GMV), products, history for ~85% of creators, and past samples."""
    rng = random.Random(seed)
    creators, history_rows, sample_rows = [], [], []
    for i in range(n_creators):
        creator_id = f"creator{i:06d}"
        creators.append(
            MatchCreator(
                creator_id=creator_id,
                category=rng.choice(CATEGORIES),
                followers=int(rng.paretovariate(1.2) * 800),
                gmv_30d_sen=int(rng.paretovariate(1.1) * 50_000),
                account_manager=rng.choice(["aisyah", "wei_jie", "kavitha", None]),
            )
        )
        if rng.random() < 0.85:
            for category in rng.sample(CATEGORIES, rng.randint(1, 5)):
                history_rows.append((creator_id, category, int(rng.paretovariate(1.3) * 20_000)))
        for k in range(rng.randint(0, 4)):
            sample_rows.append((f"s{i}_{k}", creator_id, rng.choice(SAMPLE_STATUSES)))
    products = [
        Product(
            product_id=f"sku{j:04d}",
            category=rng.choice(CATEGORIES),
            sample_quota=rng.randint(5, 40),
            priority=rng.choice([1, 1, 2, 3]),
            min_followers=rng.choice([0, 0, 0, 1000, 5000]),
        )
        for j in range(n_products)
    ]
    return creators, products, history_by_category(history_rows), sample_histories(sample_rows)


def milp_reference(scored, max_per_creator: int) -> tuple[float, int]:
    """Solve the same allowed pairs with SciPy's milp (HiGHS); return (seconds, optimal total)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    started = time.perf_counter()
    n = len(scored)
    n_creators, n_products = len(scored.creators), len(scored.products)
    columns = np.arange(n)
    rows = np.concatenate([scored.creator_index, n_creators + scored.product_index])
    shape = (n_creators + n_products, n)
    matrix = coo_matrix((np.ones(2 * n), (rows, np.concatenate([columns, columns]))), shape=shape)
    upper = np.concatenate(
        [np.full(n_creators, max_per_creator), np.array([p.sample_quota for p in scored.products], dtype=float)]
    )
    result = milp(
        -scored.value_sen.astype(float),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix.tocsr(), -np.inf, upper),
    )
    elapsed = time.perf_counter() - started
    assert result.status == 0, result.message
    chosen = result.x > 0.5
    return elapsed, int(scored.value_sen[chosen].sum())


def bench_matchmaking(n_creators: int, n_products: int, max_per_creator: int = 2) -> None:
    creators, products, history, samples = matchmaking_inputs(n_creators, n_products)
    started = time.perf_counter()
    result = match(
        creators, products, history=history, samples=samples, max_products_per_creator=max_per_creator
    )
    ours = time.perf_counter() - started
    peak = peak_rss_mb()
    scored = score_pairs(creators, products, history, samples)
    reference, reference_total = milp_reference(scored, max_per_creator)
    assert reference_total == result.total_value_sen, (reference_total, result.total_value_sen)
    print(
        f"matchmaking {n_creators:,} creators × {n_products} products ({len(scored):,} allowed pairs, "
        f"{len(result.pairs):,} assigned): match() {ours:6.2f} s, peak RSS {peak:,.0f} MB | "
        f"scipy milp (HiGHS) on the same pairs {reference:6.2f} s | ratio {ours / reference:5.2f}x | "
        f"same optimum RM {result.summary()['total_value_myr']}"
    )


def traffic_inputs(n: int, seed: int = 1212) -> list[CreatorContent]:
    rng = random.Random(seed)
    return [
        CreatorContent(
            creator_id=f"creator{i:07d}",
            gmv_sen=int(rng.paretovariate(1.1) * 10_000) if rng.random() < 0.7 else 0,
            views=int(rng.paretovariate(1.2) * 2_000),
        )
        for i in range(n)
    ]


def float_greedy_reference(creators, params) -> tuple[float, float]:
    """The same greedy in vectorized numpy floats (argsort by rate, cumulative spend); return (s, GMV MYR)."""
    import numpy as np

    started = time.perf_counter()
    g = sum(c.gmv_sen for c in creators)
    v = sum(c.views for c in creators)
    gmv = np.array([c.gmv_sen for c in creators], dtype=float)
    views = np.array([c.views for c in creators], dtype=float)
    gpm = 1000 * (gmv + 10_000 * g / v) / (views + 10_000) / 100  # MYR per 1,000 views
    efficiency = np.array([float(e) for e in params.efficiency])
    rates = (gpm[:, None] * efficiency[None, :] / float(params.cpm) / 100).ravel()  # GMV MYR per sen
    order = np.argsort(-rates, kind="stable")
    before = np.arange(order.size) * params.step_sen
    spend = np.clip(params.budget_sen - before, 0, params.step_sen)
    gmv_total = float((spend * rates[order]).sum())
    return time.perf_counter() - started, gmv_total


def bench_traffic(n: int) -> None:
    creators = traffic_inputs(n)
    params = TrafficParams.of(budget_myr=2_000_000, cpm_myr="12.50", step_myr=100, efficiency=["1.0", "0.6", "0.3"])
    started = time.perf_counter()
    result = allocate(creators, params)
    ours = time.perf_counter() - started
    reference, reference_gmv = float_greedy_reference(creators, params)
    exact = float(result.expected_gmv_exact)
    assert abs(exact - reference_gmv) <= 1e-9 * max(1.0, reference_gmv), (exact, reference_gmv)
    summary = result.summary()
    print(
        f"traffic     {n:,} creators (budget RM {summary['budget_myr']}, {summary['boosted_creators']:,} boosted): "
        f"allocate() {ours:6.2f} s | the same greedy in numpy floats {reference:6.2f} s | "
        f"ratio {ours / reference:5.2f}x | expected GMV RM {summary['expected_gmv_myr']} (same optimum)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 × 100 matchmaking, 20,000 creators traffic")
    args = parser.parse_args()
    if args.quick:
        bench_matchmaking(1_000, 100)
        bench_traffic(20_000)
    else:
        bench_matchmaking(5_000, 300)
        bench_traffic(100_000)


if __name__ == "__main__":
    main()
