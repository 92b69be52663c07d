"""The outbox state machine on SQLite and PostgreSQL: once per key, leases, backoff, concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from creator_ops.core.alerts import EMAIL, SLACK, Alert, ChannelUnavailable
from creator_ops.warehouse.outbox import claim, drain, enqueue, outbox_counts
from creator_ops.warehouse.schema import alert_outbox

NOW = dt.datetime(2026, 12, 8, 1, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.integration


def _alerts(n, campaign="my_1212_2026"):
    return [
        Alert(key=f"task_failed:{campaign}:run:t{i}:1", campaign_id=campaign, kind="task_failed",
              severity="critical", data={"dag_id": "d", "task_id": f"t{i}", "run_id": "run", "try_number": 1})
        for i in range(n)
    ]


class RecordingSender:
    """Records deliveries; fails rows whose key is in `fail` (per-row) or raises when `down`."""

    def __init__(self, fail=(), down=False):
        self.delivered = []
        self.fail = set(fail)
        self.down = down
        self.lock = threading.Lock()

    def deliver(self, rows):
        for row in rows:
            if self.down:
                raise ChannelUnavailable("endpoint down")
            if row.alert_key in self.fail:
                yield row, RuntimeError("rejected for +60 12-345 6789")
                continue
            with self.lock:
                self.delivered.append((row.alert_key, row.channel))
            yield row, None


def test_enqueue_writes_each_alert_once_per_channel(warehouse_engine):
    alerts = _alerts(3)
    assert enqueue(warehouse_engine, alerts, channels=[SLACK, EMAIL], campaign_name="C", now=NOW) == 6
    assert enqueue(warehouse_engine, alerts, channels=[SLACK, EMAIL], campaign_name="C", now=NOW) == 0
    assert enqueue(warehouse_engine, _alerts(4), channels=[SLACK], campaign_name="C", now=NOW) == 1
    assert outbox_counts(warehouse_engine) == {"pending": 7}


def test_failed_delivery_waits_for_backoff_and_keeps_its_error(warehouse_engine):
    alerts = _alerts(2)
    enqueue(warehouse_engine, alerts, channels=[SLACK], campaign_name="C", now=NOW)
    sender = RecordingSender(fail={alerts[0].key})
    result = drain(warehouse_engine, {SLACK: sender}, now=NOW)
    assert (result.sent, result.failed) == (1, 1)
    with warehouse_engine.connect() as conn:
        row = conn.execute(select(alert_outbox).where(alert_outbox.c.alert_key == alerts[0].key)).mappings().one()
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "[phone hidden]" in row["last_error"] and "6789" not in row["last_error"]
    # not due again within the backoff, due after it
    assert drain(warehouse_engine, {SLACK: RecordingSender()}, now=NOW + dt.timedelta(seconds=30)).sent == 0
    later = RecordingSender()
    assert drain(warehouse_engine, {SLACK: later}, now=NOW + dt.timedelta(minutes=5)).sent == 1
    assert later.delivered == [(alerts[0].key, SLACK)]
    assert outbox_counts(warehouse_engine) == {"sent": 2}


def test_unavailable_channel_stops_the_drain_for_that_channel_only(warehouse_engine):
    enqueue(warehouse_engine, _alerts(5), channels=[SLACK, EMAIL], campaign_name="C", now=NOW)
    mail = RecordingSender()
    result = drain(warehouse_engine, {SLACK: RecordingSender(down=True), EMAIL: mail}, now=NOW, batch=2)
    assert len(mail.delivered) == 5
    assert result.sent == 5
    # slack: the row of the first batch failed, later batches left it alone (never attempted)
    with warehouse_engine.connect() as conn:
        attempts = dict(conn.execute(
            select(alert_outbox.c.alert_key, alert_outbox.c.attempts).where(alert_outbox.c.channel == SLACK)
        ).all())
    assert sorted(attempts.values()) == [0, 0, 0, 0, 1]


def test_an_expired_lease_is_claimed_again(warehouse_engine):
    enqueue(warehouse_engine, _alerts(1), channels=[SLACK], campaign_name="C", now=NOW)
    _, first = claim(warehouse_engine, now=NOW, lease=dt.timedelta(minutes=10))
    assert len(first) == 1
    _, during = claim(warehouse_engine, now=NOW + dt.timedelta(minutes=5))
    assert during == []
    _, after = claim(warehouse_engine, now=NOW + dt.timedelta(minutes=11))
    assert [r.alert_key for r in after] == [first[0].alert_key]


def test_concurrent_claims_never_share_a_row(warehouse_engine):
    enqueue(warehouse_engine, _alerts(120), channels=[SLACK], campaign_name="C", now=NOW)
    claimed: list[list[str]] = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        mine = []
        while True:
            _, rows = claim(warehouse_engine, now=NOW, limit=7)
            if not rows:
                break
            mine += [r.alert_key for r in rows]
        claimed.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = [k for mine in claimed for k in mine]
    assert len(everything) == 120 == len(set(everything))


def test_concurrent_drains_deliver_each_row_once(warehouse_engine):
    enqueue(warehouse_engine, _alerts(60), channels=[SLACK, EMAIL], campaign_name="C", now=NOW)
    sender = RecordingSender()
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        drain(warehouse_engine, {SLACK: sender, EMAIL: sender}, now=NOW, batch=5)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(sender.delivered) == 120 == len(set(sender.delivered))
    assert outbox_counts(warehouse_engine) == {"sent": 120}
