"""The demo on a loopback S3 bucket gives what it gives on local folders: the same warehouse, byte-identical files.

`make demo` and `make demo ARGS=--object-storage` run the 12.12 campaign through every
phase with `dag.test()` (its exports landed, ingested and archived, the review built, the
payouts approved through the REST API and exported for finance), once on local folders
and once with the landing root and the output root in a bucket of moto's S3 server, which
the demo starts and stops. The warehouses agree row for row (but where a file was and when
a row was written), and the review and finance files are the same bytes but for the review's
"built <time>" stamp (the wall clock of the run that built it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(3600)]
CAMPAIGN = "my_1212_2026"
# when a row was computed or first seen, not what it says
WALL_CLOCK_COLUMNS = {
    "ingested_at", "validated_at", "calculated_at", "created_at", "sent_at", "decided_at",
    "computed_at", "made_at", "first_seen_at", "claimed_by", "lease_until", "next_attempt_at",
}
# numbered in the order the run's tasks happened to take files (file_id is replaced by the file's sha256)
SURROGATE_KEYS = {"result_id", "action_id", "list_id"}
# what names a file's place (a folder or a bucket) or its file_id, and the identity token (Fernet: a fresh IV each time)
PLACE_COLUMNS = {("campaign_runs", "summary_json"), ("payout_calculations", "summary_json"), ("payees", "identity_token")}


def warehouse_rows(db: Path) -> dict[str, list[tuple]]:
    """Every warehouse row in a stable order: a file by its content hash, without where it was or when rows were made."""
    from sqlalchemy import create_engine, select

    from creator_ops.warehouse.schema import ingested_files, metadata

    engine = create_engine(f"sqlite:///{db}")
    rows: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        sha = dict(conn.execute(select(ingested_files.c.file_id, ingested_files.c.sha256)).all())
        for table in metadata.sorted_tables:
            keep = [
                c for c in table.columns
                if c.name not in WALL_CLOCK_COLUMNS | SURROGATE_KEYS and not c.name.endswith("_uri")
                and (table.name, c.name) not in PLACE_COLUMNS
                and not (c.name == "updated_at" and table.name in ("campaigns", "campaign_runs"))
            ]  # fmt: skip
            names = [c.name for c in keep]
            rows[table.name] = sorted(
                tuple(repr(sha.get(v, v) if n == "file_id" else v) for n, v in zip(names, row, strict=True))
                for row in conn.execute(select(*keep))
            )
    engine.dispose()
    return rows


# The review says when it was built (the wall clock of its run, "built <time>" and moment.built_at): the one
# thing two runs at different times cannot share. Only that stamp is blanked; every other byte is compared.
BUILD_CLOCK = re.compile(rb'(; built )[^.<\n]*(\.)|("built_at": ")[^"]*(")')


def without_build_clock(data: bytes) -> bytes:
    return BUILD_CLOCK.sub(lambda m: b"".join(g for g in (m[1], m[3]) if g) + b"<clock>"
                           + b"".join(g for g in (m[2], m[4]) if g), data)  # fmt: skip


def run_demo(folder: Path, *extra: str) -> tuple[str, Path, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREATOR_OPS", "CAMPAIGN_SPECS"))}
    env.update(AIRFLOW_HOME=str(folder / "airflow"), CREATOR_OPS_OUTPUT_ROOT=str(folder / "output"),
               PYTHONPATH=str(ROOT / "plugins"))  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "creator_ops.demo.run", "--creators", "300", *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outputs = folder / "airflow" / "object-storage-outputs" if extra else folder / "output"
    return done.stdout, outputs, folder / "airflow" / "creator_ops_warehouse.db"


def test_the_demo_on_a_bucket_matches_the_demo_on_local_folders(tmp_path):
    local_out, local_files, local_db = run_demo(tmp_path / "local")
    s3_out, s3_files, s3_db = run_demo(tmp_path / "s3", "--object-storage")
    assert "Object storage: moto's S3 server at http://127.0.0.1:" in s3_out
    assert not (tmp_path / "s3" / "output").exists()  # nothing was written to the local output root
    assert "Payouts: exported" in local_out and "Payouts: exported" in s3_out

    local_rows, s3_rows = warehouse_rows(local_db), warehouse_rows(s3_db)
    assert local_rows["order_lines"] and local_rows["ingested_files"]
    for table in local_rows:
        assert s3_rows[table] == local_rows[table], table

    compared = 0
    for sub in ("review", "finance"):
        local = {p.relative_to(local_files): p for p in (local_files / CAMPAIGN / sub).rglob("*") if p.is_file()}
        stored = {p.relative_to(s3_files): p for p in (s3_files / CAMPAIGN / sub).rglob("*") if p.is_file()}
        assert set(stored) == set(local), sub
        for name, path in local.items():
            assert without_build_clock(stored[name].read_bytes()) == without_build_clock(path.read_bytes()), name
            compared += 1
    assert compared >= 10  # review.json/.md/.html, the finance export and its control file, e-invoices, WHT summary
