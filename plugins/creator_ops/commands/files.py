"""`campaignctl files list|retire|restore CAMPAIGN [FILE]`: take a bad file out of the counts, and back, by command.

Ops fix data as section 4 describes (land a corrected export under the same name), or
retire a file that should not count at all: its rows stay in the warehouse for lineage
but no longer count for quality, milestones or payouts. Every retire and restore is
recorded with who (`--by`, default the login name) and why (`--reason`, required).

The warehouse is `--warehouse URL`, else the Airflow connection `creator_ops_warehouse`
given as `AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE` (a URI), else the embedded SQLite file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os

from creator_ops.core.errors import CreatorOpsError

HELP = "list the ingested files of a campaign, retire a bad one or restore it (recorded with who and why)"
ENV_CONN = "AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every ingested file of the campaign, with status and last action")
    listing.add_argument("campaign", metavar="CAMPAIGN", help="campaign id (the spec's `id`)")
    listing.add_argument("--dataset", help="only this data set")
    listing.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    for name, what in (("retire", "stop counting a file"), ("restore", "count a retired file again")):
        sub = actions.add_parser(name, help=what)
        sub.add_argument("campaign", metavar="CAMPAIGN", help="campaign id (the spec's `id`)")
        sub.add_argument("file", metavar="FILE", help="the file id, or its file name as landed")
        sub.add_argument("--reason", required=True, help="why (recorded)")
        sub.add_argument("--by", default=None, help="who decides (recorded; default: your login name)")
    for sub in actions.choices.values():
        sub.add_argument("--warehouse", metavar="URL", help=f"warehouse URL (default: ${ENV_CONN}, else SQLite)")


def warehouse_url(given: str | None) -> str:
    """Return the warehouse URL: the option, the Airflow connection in the environment, or the SQLite default."""
    from creator_ops.warehouse.db import connection_url, default_url

    value = given or os.environ.get(ENV_CONN) or ""
    if value.lstrip().startswith("{"):  # an Airflow connection in JSON form
        try:
            conn = json.loads(value)
        except json.JSONDecodeError:
            raise CreatorOpsError(f"{ENV_CONN} is neither a URI nor JSON", field=ENV_CONN) from None
        value = connection_url(
            conn.get("conn_type"), host=conn.get("host"), login=conn.get("login"), password=conn.get("password"),
            port=conn.get("port"), schema=conn.get("schema"), extra=conn.get("extra") or {},
        ) or ""  # fmt: skip
    return value or default_url()


def shown_url(url: str) -> str:
    """Return a warehouse URL as it may be printed: the password replaced by `***`."""
    import re

    return re.sub(r"(://[^:/@]*:).*@", r"\1***@", url)  # up to the last `@`: a password may hold `/` or `@`


def _engine(args: argparse.Namespace):
    """Open and migrate the warehouse; a URL that is no database, or one that cannot be reached, is exit 2."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from creator_ops.warehouse.db import make_engine, upgrade

    url = warehouse_url(args.warehouse)
    source = "--warehouse" if args.warehouse else (ENV_CONN if os.environ.get(ENV_CONN) else "the warehouse")
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise CreatorOpsError(
            f"{source} {shown_url(url)}: not a database URL ({type(exc).__name__}); "
            "give sqlite:///FILE or postgresql://USER@HOST[:PORT]/DATABASE",
            field=source,
        ) from None
    try:
        upgrade(engine)
    except DBAPIError as exc:
        engine.dispose()
        cause = " ".join(str(getattr(exc, "orig", None) or exc).split()) or type(exc).__name__
        password = _password(url)
        if password:
            cause = cause.replace(password, "***")
        message = f"{source} {shown_url(url)}: cannot open the warehouse: {cause[:300]}"
        raise CreatorOpsError(message, field=source) from None
    return engine


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password
    except Exception:
        return None


def _print_table(files: list[dict]) -> None:
    from creator_ops.core.masking import mask_pii

    if not files:
        print("no ingested files")
        return
    print(f"{'id':>6}  {'data set':<12} {'status':<9} {'counts':<6} {'rows in':>9} {'quar.':>7}  file / last action")
    for f in files:
        name = str(f["source_uri"]).replace("\\", "/").rsplit("/", 1)[-1]
        last = f["last_action"]
        note = f"  [{last['action']} by {last['decided_by']}: {last['reason']}]" if last else ""
        reason = f"  ({f['rejection_reason']})" if f["status"] == "rejected" and f["rejection_reason"] else ""
        print(
            f"{f['file_id']:>6}  {f['dataset']:<12} {f['status']:<9} {'yes' if f['current'] else 'no':<6} "
            f"{f['rows_in']:>9,} {f['rows_quarantined']:>7,}  {mask_pii(name + reason + note)}"
        )


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.masking import mask_pii
    from creator_ops.warehouse.files import list_files, restore_file, retire_file

    engine = _engine(args)
    try:
        if args.action == "list":
            files = list_files(engine, args.campaign, args.dataset)
            if args.json:
                for f in files:
                    print(mask_pii(json.dumps(f, default=str, ensure_ascii=False)))
            else:
                _print_table(files)
            return 0
        act = retire_file if args.action == "retire" else restore_file
        by = args.by or getpass.getuser()
        done = act(engine, args.campaign, args.file, by=by, reason=args.reason, now=dt.datetime.now(dt.UTC))
        print(
            f"file {done['file_id']} ({done['dataset']}) {done['status_before']} -> {done['status_after']}"
            f" by {done['by']}: {done['reason']}"
        )
        return 0
    finally:
        engine.dispose()
