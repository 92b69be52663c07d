"""Which ingested files are current: a later file landed under the same path supersedes earlier ones.

Ops fix bad data by landing the corrected export under the same name; the rows of the
file it replaces stay in the warehouse for lineage but no longer count for quality
verdicts, milestones or payouts. A file can also be retired (`campaignctl files retire`:
its status becomes `retired`, recorded in `file_actions` with who and why) and restored
the same way. The rule is the database view `current_files` (migration 0007), so the SQL
under include/sql/ and this module share one definition.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, Select, String, Table, Text, insert, select, update

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.masking import mask_pii

if TYPE_CHECKING:
    from sqlalchemy import Engine

RETIRED = "retired"
_TOKEN = re.compile(r"\[(email|phone):[0-9a-f]{16}\]")
COUNTED = ("accepted", "rejected")

# a view, kept out of the tables' metadata so migrations and create_all never treat it as a table
views = MetaData()
current_files = Table(
    "current_files",
    views,
    Column("file_id", Integer, primary_key=True),
    Column("campaign_id", String(200)),
    Column("dataset", String(40)),
    Column("source_uri", Text),
    Column("status", String(20)),
    Column("run_id", String(250)),
    Column("rows_in", BigInteger),
    Column("rows_accepted", BigInteger),
    Column("rows_quarantined", BigInteger),
)


def current_files_query(campaign_id: str, dataset: str | None = None) -> Select:
    """Return the SELECT of the current files (of `dataset`, or all) of a campaign, oldest first."""
    f = current_files
    query = (
        select(f.c.file_id, f.c.source_uri, f.c.status, f.c.rows_in, f.c.rows_accepted, f.c.rows_quarantined)
        .where(f.c.campaign_id == campaign_id)
        .order_by(f.c.file_id)
    )
    return query if dataset is None else query.where(f.c.dataset == dataset)


def current_file_ids(campaign_id: str, dataset: str):
    """Return a scalar subquery of the current files' ids, for `file_id IN (...)` filters."""
    return current_files_query(campaign_id, dataset).with_only_columns(current_files.c.file_id).scalar_subquery()


# --------------------------------------------------------------------------- retire / restore


class FileActionError(CreatorOpsError, ValueError):
    """A file to retire or restore that cannot be found, is ambiguous, or is already in that state."""


def list_files(engine: Engine, campaign_id: str, dataset: str | None = None) -> list[dict[str, Any]]:
    """Return every ingested file of a campaign, oldest first, with whether it counts and its last action."""
    from creator_ops.warehouse.schema import file_actions, ingested_files

    f = ingested_files
    query = select(f).where(f.c.campaign_id == campaign_id).order_by(f.c.file_id)
    if dataset:
        query = query.where(f.c.dataset == dataset)
    with engine.connect() as conn:
        files = [dict(r._mapping) for r in conn.execute(query)]
        current = {r.file_id for r in conn.execute(current_files_query(campaign_id, dataset))}
        actions = conn.execute(
            select(file_actions).where(file_actions.c.campaign_id == campaign_id).order_by(file_actions.c.action_id)
        )
        last = {a.file_id: dict(a._mapping) for a in actions}
    for row in files:
        row["current"] = row["file_id"] in current
        row["last_action"] = last.get(row["file_id"])
    return files


def comparable_name(name: Any) -> str:
    """Return a landed path as ops and the registry can both match it: personal data as its marker.

    Stored names are masked with keyed tokens (`[email:1f0c…]`); the name ops type is in clear.
    Both read the same once each token and each match is its fixed marker (`[email hidden]`):
    two files whose names differ only in the person need their id.
    """
    return _TOKEN.sub(lambda m: f"[{m.group(1)} hidden]", mask_pii(str(name).replace("\\", "/")))


def find_file(engine: Engine, campaign_id: str, ref: str) -> Mapping[str, Any]:
    """Return the file `ref` names: its file_id, or its file name / the end of its landed path."""
    files = list_files(engine, campaign_id)
    ref = ref.strip()
    if ref.isdigit():
        found = [f for f in files if f["file_id"] == int(ref)]
    else:
        tail = comparable_name(ref).strip("/")
        found = [
            f for f in files
            if PurePosixPath(comparable_name(f["source_uri"])).name == tail
            or comparable_name(f["source_uri"]).endswith("/" + tail)
        ]
    ref = mask_pii(ref)
    if not found:
        raise FileActionError(f"no ingested file {ref!r} in campaign {campaign_id!r}", field="FILE")
    if len(found) > 1:
        ids = ", ".join(f"{f['file_id']} ({f['status']}, {f['ingested_at']:%Y-%m-%d %H:%M})" for f in found)
        raise FileActionError(f"{ref!r} names {len(found)} files of {campaign_id!r}: give the file id, one of {ids}")
    return found[0]


def _act(engine: Engine, campaign_id: str, ref: str, action: str, by: str, reason: str, now: dt.datetime) -> dict:
    from creator_ops.warehouse.schema import file_actions, ingested_files

    if not by.strip() or not reason.strip():
        raise FileActionError(f"{action} needs who (--by) and why (--reason)", field="--reason")
    by, reason = mask_pii(by.strip()), mask_pii(reason.strip())  # recorded and printed, never in clear
    file = find_file(engine, campaign_id, ref)
    before = file["status"]
    if action == "retire":
        if before == RETIRED:
            raise FileActionError(f"file {file['file_id']} is already retired")
        after = RETIRED
    else:
        if before != RETIRED:
            raise FileActionError(f"file {file['file_id']} is {before}, not retired: nothing to restore")
        last = file["last_action"]
        after = last["status_before"] if last and last["action"] == "retire" else "accepted"
    with engine.begin() as conn:
        conn.execute(update(ingested_files).where(ingested_files.c.file_id == file["file_id"]).values(status=after))
        conn.execute(
            insert(file_actions).values(
                file_id=file["file_id"], campaign_id=campaign_id, action=action, status_before=before,
                status_after=after, decided_by=by.strip(), reason=reason.strip(), decided_at=now,
            )
        )
    return {"file_id": file["file_id"], "source_uri": file["source_uri"], "dataset": file["dataset"],
            "status_before": before, "status_after": after, "by": by.strip(), "reason": reason.strip()}


def retire_file(engine: Engine, campaign_id: str, ref: str, *, by: str, reason: str, now: dt.datetime) -> dict:
    """Retire a file: its rows stay for lineage but no longer count (quality, milestones, payouts)."""
    return _act(engine, campaign_id, ref, "retire", by, reason, now)


def restore_file(engine: Engine, campaign_id: str, ref: str, *, by: str, reason: str, now: dt.datetime) -> dict:
    """Restore a retired file to the status it had before it was retired."""
    return _act(engine, campaign_id, ref, "restore", by, reason, now)
