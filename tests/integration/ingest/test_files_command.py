"""`campaignctl files list|retire|restore`: a bad file leaves the counts by command, recorded with who and why."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from creator_ops.cli import main
from creator_ops.steps.ingest import ingest
from creator_ops.warehouse import schema
from creator_ops.warehouse.files import current_files_query


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.integration
def test_retire_and_restore_are_recorded_and_change_what_counts(
    warehouse_engine, export_files, landing, make_ctx, capsys
):
    landing("orders", export_files["orders_canonical_semicolon.csv"])
    landing("orders", export_files["orders_missing_columns.csv"])
    ctx = make_ctx(warehouse_engine)
    ingest(ctx, "orders")
    url = ["--warehouse", _url(warehouse_engine)]

    assert main(["files", "list", ctx.campaign_id, *url]) == 0
    table = capsys.readouterr().out
    assert "orders_canonical_semicolon.csv" in table and "rejected" in table and "missing required" in table

    code = main(["files", "retire", ctx.campaign_id, "orders_canonical_semicolon.csv", "--by", "aisyah.rahman",
                 "--reason", "wrong shop's export", *url])
    assert code == 0 and "accepted -> retired by aisyah.rahman" in capsys.readouterr().out
    with warehouse_engine.connect() as conn:
        assert [r.source_uri for r in conn.execute(current_files_query(ctx.campaign_id, "orders"))] == [
            str(landing.root / ctx.campaign_id / "orders" / "orders_missing_columns.csv")
        ]
        [action] = conn.execute(select(schema.file_actions)).fetchall()
    assert (action.action, action.decided_by, action.reason) == ("retire", "aisyah.rahman", "wrong shop's export")

    # again: a clear error, exit 2; an unknown file too; a restore needs a reason
    assert main(["files", "retire", ctx.campaign_id, "orders_canonical_semicolon.csv", "--reason", "x", *url]) == 2
    assert "already retired" in capsys.readouterr().err
    assert main(["files", "retire", ctx.campaign_id, "nope.csv", "--reason", "x", *url]) == 2
    assert "no ingested file 'nope.csv'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["files", "restore", ctx.campaign_id, "orders_canonical_semicolon.csv", *url])
    assert usage.value.code == 2
    capsys.readouterr()

    assert main(["files", "restore", ctx.campaign_id, str(action.file_id), "--by", "wei.jie.tan",
                 "--reason", "it was the right shop after all", *url]) == 0
    assert "retired -> accepted by wei.jie.tan" in capsys.readouterr().out
    with warehouse_engine.connect() as conn:
        assert len(conn.execute(current_files_query(ctx.campaign_id, "orders")).fetchall()) == 2
        assert len(conn.execute(select(schema.file_actions)).fetchall()) == 2
    assert main(["files", "list", ctx.campaign_id, "--json", *url]) == 0
    assert '"last_action": {' in capsys.readouterr().out
