"""Five small campaigns whose section 13 figures are computed by hand in the tests.

Creators a-f. scd campaigns: registration closes the day before the event at 23:59:59,
the event lasts one day (campaign-local time). `c3_alpha` and `c3_beta` share their
event_start (ordered by id). In c1, d enrols late (its order does not count); in c2, a is
excluded (enrolled, not selling); b skips c2 and c3_alpha and comes back in c3_beta.
"""

from __future__ import annotations

from pathlib import Path

INCENTIVES = """incentives:
  budget_myr: 10000
  tiers: [{min_gmv_myr: 50, bonus_myr: 5}]
  leaderboard: {prizes_myr: [10]}
"""


def _spec(cid: str, day: str, incentives: bool = True) -> str:
    text = f"id: {cid}\nname: Campaign {cid}\ntype: scd\ntimeline: {{event_start: {day}}}\n"
    return text + (INCENTIVES if incentives else "")


ORDERS_HEADER = "order_id,line_id,creator_id,order_time,status,gmv_myr\n"
ENROLL_HEADER = "creator_id,registered_at,is_new_creator\n"

CAMPAIGNS: dict[str, dict[str, str]] = {
    "c1": {
        "spec.yaml": _spec("c1", "2027-01-10"),
        "enrollments.csv": ENROLL_HEADER
        + "a,2027-01-05 10:00:00,yes\nB,2027-01-05 10:00:00,yes\n@c,2027-01-09 23:59:59,yes\nd,2027-01-10 08:00:00,yes\n",
        "orders.csv": ORDERS_HEADER
        + "o1,1,a,2027-01-10 12:00:00,COMPLETED,100.00\no2,1,b,2027-01-10 13:00:00,completed,50.00\n"
        "o3,1,c,2027-01-10 14:00:00,CANCELLED,80.00\no4,1,d,2027-01-10 15:00:00,COMPLETED,200.00\n",
    },
    "c2": {
        "spec.yaml": _spec("c2", "2027-02-10"),
        "enrollments.csv": ENROLL_HEADER
        + "a,2027-02-01 10:00:00,no\nc,2027-02-01 10:00:00,no\nd,2027-02-02 10:00:00,yes\n",
        "orders.csv": ORDERS_HEADER
        + "o1,1,a,2027-02-10 12:00:00,COMPLETED,300.00\no2,1,c,2027-02-10 12:00:00,COMPLETED,20.00\n"
        "o3,1,d,2027-02-10 12:00:00,SETTLED,40.00\n",
        "exclusions.csv": "creator_id,reason\na,fraud review\n",
    },
    # folder names are not the order: event_start then id is
    "z_alpha": {
        "spec.yaml": _spec("c3_alpha", "2027-03-10", incentives=False),
        "enrollments.csv": ENROLL_HEADER + "c,2027-03-01 10:00:00,no\ne,2027-03-01 10:00:00,yes\n",
        "orders.csv": ORDERS_HEADER + "o1,1,e,2027-03-10 12:00:00,COMPLETED,10.00\n",
    },
    "a_beta": {
        "spec.yaml": _spec("c3_beta", "2027-03-10"),
        "enrollments.csv": ENROLL_HEADER + "b,2027-03-01 10:00:00,no\ne,2027-03-01 10:00:00,no\n",
        "orders.csv": ORDERS_HEADER
        + "o1,1,b,2027-03-10 12:00:00,COMPLETED,70.00\no2,1,e,2027-03-10 12:00:00,DELIVERED,5.00\n",
    },
    "c5": {
        "spec.yaml": _spec("c5", "2027-04-10"),
        "enrollments.csv": ENROLL_HEADER
        + "a,2027-04-01 10:00:00,no\nb,2027-04-01 10:00:00,no\nf,2027-04-01 10:00:00,yes\n",
        "orders.csv": ORDERS_HEADER
        + "o1,1,a,2027-04-10 12:00:00,COMPLETED,600.00\no1,2,a,2027-04-10 12:00:00,COMPLETED,400.00\n"
        "o2,1,f,2027-04-10 12:00:00,CANCELLED,30.00\n",
        "samples.csv": "sample_id,creator_id,product_id,requested_at,status,shipped_at\n"
        "s1,a,p1,2027-03-30 10:00:00,SHIPPED,2027-03-31 10:00:00\n"
        "s2,a,p1,2027-03-30 10:00:00,COMPLETED,2027-03-31 10:00:00\n"
        "s3,b,p1,2027-03-30 10:00:00,PENDING,\n"
        "s3,b,p1,2027-03-30 10:00:00,COMPLETED,2027-03-31 10:00:00\n"
        "s4,f,p1,2027-03-30 10:00:00,CANCELLED,\n",
    },
}
ORDER = ["c1", "c2", "c3_alpha", "c3_beta", "c5"]


def write_campaigns(root: Path, campaigns: dict[str, dict[str, str]] | None = None) -> Path:
    """Write the campaign folders under `root` and return it."""
    for folder, files in (campaigns or CAMPAIGNS).items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (root / folder / name).write_text(content, encoding="utf-8")
    return root
