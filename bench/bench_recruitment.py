"""Recruitment benchmark: scoring and shortlisting, request signing, and the open API client's pace.

Figures, each beside a reference measured in the same process:

- shortlist: `recruit()` (plain Python, integer score) on N seeded candidates, beside the
  same screening, score and ranking written as vectorized pandas; both shortlists must be
  identical, rank for rank;
- signing: `sign()` per request, beside one bare `hmac.new` over the same canonical bytes;
- client: requests per second through `OpenApiClient` against the loopback fake of the
  platform, with the 50 rps limit, beside the same client with the limit lifted.

    .venv/bin/python bench/bench_recruitment.py           # 200,000 candidates, 150 requests
    .venv/bin/python bench/bench_recruitment.py --quick   # 20,000 candidates, 60 requests
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from creator_ops.core.open_api import OpenApiClient, OpenApiConfig, canonical_string, sign  # noqa: E402
from creator_ops.core.recruitment import Candidate, recruit  # noqa: E402
from creator_ops.core.spec import Recruitment  # noqa: E402

CATEGORIES = ["beauty", "fashion", "home_living", "food", "electronics", "sports"]
STATES = ["Selangor", "Johor", "Pulau Pinang", "Sabah", "Sarawak", "Kuala Lumpur"]
CRITERIA = Recruitment(
    categories=["beauty", "fashion", "home_living"],
    min_followers=1_000,
    min_gmv_30d_myr=Decimal("500"),
    shortlist_size=5_000,
    account_managers=["aisyah", "wei_jie", "kavitha"],
)


def candidates(n: int, seed: int = 1212) -> list[Candidate]:
    """Seeded candidates with long-tailed followers, GMV and views."""
    rng = random.Random(seed)
    pool = []
    for i in range(n):
        followers = int(rng.paretovariate(1.2) * 800)
        pool.append(
            Candidate(
                creator_id=f"creator{i:07d}",
                handle=f"handle {i}",
                followers=followers,
                category=rng.choice(CATEGORIES),
                state=rng.choice(STATES),
                gmv_30d_sen=int(rng.paretovariate(1.1) * 30_000),
                avg_views_30d=int(followers * rng.random() * 0.4),
            )
        )
    return pool


def pandas_shortlist(pool: list[Candidate]) -> list[str]:
    """The same screening, score and ranking, vectorized in pandas (the reference)."""
    import numpy as np
    import pandas as pd

    df = pd.DataFrame([c.__dict__ for c in pool])
    keep = (
        df["category"].str.casefold().isin(CRITERIA.categories)
        & (df["followers"] >= CRITERIA.min_followers)
        & (df["gmv_30d_sen"] >= int(CRITERIA.min_gmv_30d_myr * 100))
    )
    df = df[keep]
    gmv = np.minimum(500, df["gmv_30d_sen"] // 20_000)
    engagement = np.where(
        df["followers"] > 0,
        np.minimum(300, (df["avg_views_30d"] * 10_000 // df["followers"].clip(lower=1)) // 10),
        0,
    )
    bands = np.select(
        [
            df["followers"] >= 1_000_000,
            df["followers"] >= 100_000,
            df["followers"] >= 10_000,
            df["followers"] >= 1_000,
        ],
        [200, 150, 100, 50],
        0,
    )
    df = df.assign(score=gmv + engagement + bands)
    df = df.sort_values(
        ["score", "gmv_30d_sen", "avg_views_30d", "followers", "creator_id"],
        ascending=[False, False, False, False, True],
        kind="stable",
    )
    return df["creator_id"].head(CRITERIA.shortlist_size).tolist()


def best_of(runs: int, fn):
    best = float("inf")
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def bench_shortlist(n: int) -> None:
    pool = candidates(n)
    engine_s, result = best_of(3, lambda: recruit(pool, CRITERIA))
    reference_s, reference = best_of(3, lambda: pandas_shortlist(pool))
    ours = [e.candidate.creator_id for e in result.shortlist]
    assert ours == reference, "the pandas reference ranks differently"
    print(
        f"shortlist  {n:>9,} candidates: recruit() {engine_s * 1000:8.1f} ms | pandas reference "
        f"{reference_s * 1000:8.1f} ms | ratio {engine_s / reference_s:5.2f}x | "
        f"{len(result.scores):,} passed, {len(ours):,} shortlisted (identical)"
    )


def bench_signing(n: int = 20_000) -> None:
    params = {
        "app_key": "ak",
        "shop_id": "7495001",
        "timestamp": "1764000000",
        "page_size": "50",
        "page_token": "abcdef",
    }
    body = b'{"category_names":["beauty","fashion"],"follower_count_range":{"min":1000}}'
    path = "/affiliate_seller/202406/marketplace_creators/search"
    message = canonical_string("secret", path, params, body)
    ours, _ = best_of(3, lambda: [sign("secret", path, params, body) for _ in range(n)])
    bare, _ = best_of(3, lambda: [hmac.new(b"secret", message, hashlib.sha256).hexdigest() for _ in range(n)])
    print(
        f"signing    {n:>9,} requests:   sign() {ours / n * 1e6:8.2f} µs | bare hmac {bare / n * 1e6:8.2f} µs"
        f" | ratio {ours / bare:5.2f}x"
    )


def bench_client(requests: int) -> None:
    from creator_ops.stand_ins.open_api import APP_KEY, APP_SECRET, SHOP_ID, make_creator, start_fake_platform

    platform, stop = start_fake_platform()
    try:
        platform.creators = [make_creator(i) for i in range(requests)]
        rates = {}
        for label, limit in (("limited", 50.0), ("unlimited", 1e9)):
            config = OpenApiConfig(
                base_url=platform.url,
                app_key=APP_KEY,
                app_secret=APP_SECRET,
                shop_id=SHOP_ID,
                rate_per_second=limit,
            )
            client = OpenApiClient(config)
            started = time.perf_counter()
            got = sum(1 for _ in client.search_creators(page_size=1))
            elapsed = time.perf_counter() - started
            assert got == requests
            rates[label] = requests / elapsed
        print(
            f"client     {requests:>9,} requests:   limited {rates['limited']:6.1f} req/s (limit 50) | "
            f"unlimited reference {rates['unlimited']:7.1f} req/s | "
            f"limited/limit {rates['limited'] / 50:5.2f}"
        )
    finally:
        stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (20,000 candidates, 60 requests)")
    args = parser.parse_args()
    bench_shortlist(20_000 if args.quick else 200_000)
    bench_signing(5_000 if args.quick else 20_000)
    bench_client(60 if args.quick else 150)


if __name__ == "__main__":
    main()
