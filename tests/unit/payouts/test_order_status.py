"""The one order-status vocabulary (SPEC 3): Python, the engine's SQL and ingestion read it alike."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from creator_ops.core import order_status
from creator_ops.core.ingest.normalize import order_status_text
from creator_ops.core.order_status import normalise_status, status_class

SPELLINGS = {
    "COMPLETED": "eligible", " Delivered ": "eligible", "settled": "eligible",
    "AWAITING_SHIPMENT": "open", "In Transit": "open", "in-transit": "open", "Shipped": "open",
    "awaiting  collection": "open", "On Hold": "open", "partially-shipping": "open", "UNPAID": "open",
    "CANCELLED": "final", "Returned": "final", "frozen": "final", "DEDUCTED": "final", "Ineligible": "final",
    "refunded": "final", "to_ship": "unknown", "shipped?": "unknown", "lost parcel": "unknown", "": "unknown",
}  # fmt: skip


def test_the_spec_list_is_the_vocabulary():
    assert order_status.ELIGIBLE == ("completed", "delivered", "settled")
    assert set(order_status.OPEN) == {"pending", "processing", "unpaid", "on_hold", "awaiting_shipment",
                                      "partially_shipping", "awaiting_collection", "shipped", "in_transit"}
    assert set(order_status.FINAL_NOT_ELIGIBLE) == {"cancelled", "returned", "refunded", "frozen", "deducted",
                                                    "ineligible"}
    assert len(set(order_status.KNOWN)) == len(order_status.KNOWN) == 18


@pytest.mark.parametrize(("text", "expected"), SPELLINGS.items())
def test_python_sql_and_ingestion_agree(text, expected):
    assert status_class(text) == expected
    con = duckdb.connect()
    con.execute(order_status.sql_macros())
    normal, klass = con.execute("SELECT order_status($s), order_status_class(order_status($s))", {"s": text}).fetchone()
    assert normal == normalise_status(text)
    assert klass == expected
    ingested = order_status_text(pa.array([text], pa.string()))
    assert ingested.values.to_pylist() == [normalise_status(text)]
    assert ingested.missing.to_pylist() == [normalise_status(text) is None]
