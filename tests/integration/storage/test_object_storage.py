"""Landing and outputs in a real S3 API (moto's server on loopback), through Airflow's ObjectStoragePath.

Every check goes through the product's own path (the Airflow layer's opener, the
storage connection) and is verified with a plain boto3 client on the same server: what
the bucket holds, the objects' ACLs, that a landed object is never touched.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

pytestmark = pytest.mark.integration

ORDERS = (
    "order_id,line_id,creator_id,order_time,status,gmv_myr\n"
    "o1,1,@Alice,2026-12-12 10:00:00,completed,120.50\n"
    "o2,1,bob,2026-12-12 10:05:00,Delivered,\"RM1,234.50\"\n"
    "o3,1,carol,not a time,completed,10.00\n"
)


def _put(server, key: str, body: bytes) -> dict:
    return server.client().put_object(Bucket=server.bucket, Key=key, Body=body)


def _keys(server, prefix: str = "") -> list[str]:
    listed = server.client().list_objects_v2(Bucket=server.bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


@pytest.fixture
def s3_ctx(s3_bucket, warehouse_engine, demo_spec, demo_spec_path):
    """A live-hour StepContext of the demo campaign whose landing and output roots are the bucket's."""
    import creator_ops.airflow  # noqa: F401  (registers Airflow's ObjectStoragePath as the opener)
    from creator_ops.core.steps import StepContext, landing_root_path, output_root

    def make(run_id: str = "scheduled__2026-12-12T02:00:00+00:00") -> StepContext:
        start = dt.datetime(2026, 12, 12, 2, tzinfo=dt.UTC)
        return StepContext(
            spec=demo_spec, spec_path=demo_spec_path, run_id=run_id, interval_start=start,
            interval_end=start + dt.timedelta(hours=1), engine=warehouse_engine,
            landing_path=landing_root_path(), output_path=output_root(),
        )  # fmt: skip

    return make


def test_the_roots_open_as_object_storage_paths_on_the_connection(s3_bucket):
    import creator_ops.airflow  # noqa: F401
    from creator_ops.core.steps import landing_root_path, output_root

    out, landing = output_root(), landing_root_path()
    assert type(out).__name__ == "ObjectStoragePath" and out.conn_id == s3_bucket.conn_id
    assert (out.bucket, out.key) == (s3_bucket.bucket, "output")
    assert (landing.bucket, landing.key) == (s3_bucket.bucket, "landing")


def test_ingestion_from_the_bucket_keeps_its_promises(s3_bucket, s3_ctx, warehouse_engine, demo_spec):
    """Hash, archive, never touch a landed file, every row accounted for; a rerun takes nothing twice."""
    from sqlalchemy import select

    from creator_ops.steps.ingest import ingest
    from creator_ops.warehouse.schema import ingested_files

    landed_key = f"landing/{demo_spec.id}/orders/2026/orders_1212.csv"
    etag = _put(s3_bucket, landed_key, ORDERS.encode())["ETag"]
    first = ingest(s3_ctx(), "orders")
    assert (first["files"], first["rows_in"], first["accepted"], first["quarantined"]) == (1, 3, 2, 1)
    assert first["rows_in"] == first["accepted"] + first["quarantined"]
    archived = _keys(s3_bucket, f"landing/{demo_spec.id}/_archive/orders/")
    assert len(archived) == 1 and archived[0].endswith("/2026/orders_1212.csv")
    body = s3_bucket.client().get_object(Bucket=s3_bucket.bucket, Key=archived[0])["Body"].read()
    assert body == ORDERS.encode()
    # the landed object itself is untouched (same content, same ETag), and still there
    head = s3_bucket.client().head_object(Bucket=s3_bucket.bucket, Key=landed_key)
    assert head["ETag"] == etag

    again = ingest(s3_ctx("scheduled__2026-12-12T03:00:00+00:00"), "orders")
    assert (again["files"], again["already_ingested"], again["rows_in"]) == (0, 1, 0)

    # the same name overwritten with other content is a new file; a file landed after the first listing is seen
    _put(s3_bucket, landed_key, (ORDERS + "o4,1,dina,2026-12-12 11:00:00,completed,5.00\n").encode())
    _put(s3_bucket, f"landing/{demo_spec.id}/orders/late.csv", ORDERS.replace("o1,", "o9,").encode())
    third = ingest(s3_ctx("scheduled__2026-12-12T04:00:00+00:00"), "orders")
    assert (third["files"], third["already_ingested"], third["rows_in"]) == (2, 0, 7)
    with warehouse_engine.connect() as conn:
        files = conn.execute(
            select(ingested_files.c.sha256, ingested_files.c.rows_in, ingested_files.c.archived_uri)
            .where(ingested_files.c.dataset == "orders")
        ).all()  # fmt: skip
    assert len({f.sha256 for f in files}) == 3 and sum(f.rows_in for f in files) == 10
    assert all(f.archived_uri.startswith("s3://") and "/_archive/orders/" in f.archived_uri for f in files)
    assert len(_keys(s3_bucket, f"landing/{demo_spec.id}/_archive/orders/")) == 3


def test_outputs_are_one_private_put_and_names_cannot_climb(s3_bucket):
    import creator_ops.airflow  # noqa: F401
    from creator_ops.core.finance.einvoice import write_private
    from creator_ops.core.paths import OutputTargetError
    from creator_ops.core.safe_csv import write_atomically, write_csv
    from creator_ops.core.steps import output_root

    campaign = output_root() / "c1"
    write_csv(campaign / "recruitment" / "shortlist.csv", ["creator_id", "handle"], [["a", "=cmd()"]])
    write_private(campaign / "finance" / "einvoice" / "INV-1.json", b'{"amount": 1.00}\n')
    written = write_private(campaign / "finance" / "einvoice" / "INV-1.json", b'{"amount": 1.00}\n')  # unchanged
    assert written.exists()
    assert _keys(s3_bucket) == ["output/c1/finance/einvoice/INV-1.json", "output/c1/recruitment/shortlist.csv"]
    client = s3_bucket.client()
    body = client.get_object(Bucket=s3_bucket.bucket, Key="output/c1/recruitment/shortlist.csv")["Body"].read()
    assert body == "\ufeffcreator_id,handle\r\na,'=cmd()\r\n".encode()
    for key in _keys(s3_bucket):  # canned ACL `private`: the owner's one grant, nobody else's
        acl = client.get_object_acl(Bucket=s3_bucket.bucket, Key=key)
        owner = acl["Owner"]["ID"]
        assert acl["Grants"] == [
            {"Grantee": {"ID": owner, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}
        ], key
    # an anonymous client (no credentials) is refused
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError

    anonymous = boto3.client("s3", endpoint_url=s3_bucket.endpoint_url, region_name="us-east-1",
                             config=Config(signature_version=UNSIGNED))  # fmt: skip
    with pytest.raises(ClientError) as refused:
        anonymous.get_object(Bucket=s3_bucket.bucket, Key="output/c1/finance/einvoice/INV-1.json")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # (the refusal is the ACL's: an object put public-read is served to the same anonymous client)
    client.put_object(Bucket=s3_bucket.bucket, Key="public/probe.txt", Body=b"probe", ACL="public-read")
    assert anonymous.get_object(Bucket=s3_bucket.bucket, Key="public/probe.txt")["Body"].read() == b"probe"
    client.delete_object(Bucket=s3_bucket.bucket, Key="public/probe.txt")
    # a name from data with a climbing segment never becomes a key
    for bad in (campaign / ".." / "x.csv", campaign / "." / "x.csv"):
        with pytest.raises(OutputTargetError, match="not a usable object name"):
            write_atomically(bad, b"x")
    assert _keys(s3_bucket) == ["output/c1/finance/einvoice/INV-1.json", "output/c1/recruitment/shortlist.csv"]


@pytest.fixture
def s3_api(s3_bucket, airflow_db, tmp_path):
    """The Airflow API app (campaigns view) over outputs in the bucket, and a viewer's token."""
    from creator_ops.warehouse.db import make_engine, upgrade

    warehouse = tmp_path / "warehouse.db"
    upgrade(make_engine(f"sqlite:///{warehouse}"))
    mp = pytest.MonkeyPatch()
    mp.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(warehouse)}))
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    from airflow.api_fastapi.app import create_app, get_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    purge_cached_app()
    app = create_app()
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="ops_viewer", role="viewer"))
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {token}"}
    purge_cached_app()
    mp.undo()


def test_the_campaigns_view_serves_the_review_and_files_from_the_bucket(s3_api, s3_bucket):
    client, auth = s3_api
    base = "/creator-ops/campaigns/my_1212_2026"
    assert client.get(f"{base}/review", headers=auth).status_code == 404  # nothing written yet
    html = b"<!doctype html><html><body><h1>Review from the bucket</h1></body></html>\n"
    _put(s3_bucket, "output/my_1212_2026/review/review.html", html)
    _put(s3_bucket, "output/my_1212_2026/review/review.json", b'{"campaign": {"id": "my_1212_2026"}}\n')
    _put(s3_bucket, "output/my_1212_2026/matchmaking/list_aisyah.csv", b"creator_id\r\nalice\r\n")
    _put(s3_bucket, "output/ecosystem/ecosystem.html", b"<html><body>ecosystem from the bucket</body></html>\n")
    _put(s3_bucket, "output/my_1212_2026/secret.txt", b"not served")
    page = client.get(f"{base}/review", headers=auth)
    assert page.status_code == 200 and page.content == html
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get(f"{base}/review/review.json", headers=auth).json() == {"campaign": {"id": "my_1212_2026"}}
    assert client.get(f"{base}/review", headers={}).status_code == 401  # same login as on disk
    for path in (f"{base}/review/secrets.txt", f"{base}/review/..%2Fsecret.txt", f"{base}/review/%2e%2e",
                 "/creator-ops/campaigns/my_scd_raya_2027/review"):  # fmt: skip
        assert client.get(path, headers=auth).status_code == 404, path
    # the campaign page links the matchmaking file it found in the bucket, and the download serves it
    campaign = client.get(base, headers=auth)
    assert campaign.status_code == 200 and 'href="my_1212_2026/matchmaking/list_aisyah.csv"' in campaign.text
    download = client.get(f"{base}/matchmaking/list_aisyah.csv", headers=auth)
    assert download.status_code == 200 and download.content == b"creator_id\r\nalice\r\n"
    _put(s3_bucket, "output/my_1212_2026/matchmaking/list_wei_jie.csv", b"creator_id\r\nbob\r\n")  # landed later
    assert 'href="my_1212_2026/matchmaking/list_wei_jie.csv"' in client.get(base, headers=auth).text
    listing = client.get("/creator-ops/campaigns", headers=auth)
    assert listing.status_code == 200 and f"{base}/review" in listing.text
    eco = client.get("/creator-ops/ecosystem/ecosystem.html", headers=auth)
    assert eco.status_code == 200 and b"ecosystem from the bucket" in eco.content


def test_a_set_of_files_replaces_the_previous_set_in_the_bucket(s3_bucket):
    """E-invoices are one set: a rerun's set replaces the last one's, none of it left behind, each object private."""
    import creator_ops.airflow  # noqa: F401
    from creator_ops.core.safe_csv import replace_folder
    from creator_ops.core.steps import output_root

    folder = output_root() / "c1" / "finance" / "einvoices"
    replace_folder(folder, {"PAY-1.json": b"1", "PAY-2.json": b"2"}, mode=0o600)
    assert sorted(p.name for p in folder.iterdir()) == ["PAY-1.json", "PAY-2.json"]  # a listing the client keeps
    replace_folder(folder, {"PAY-2.json": b"2b", "PAY-3.json": b"3"}, mode=0o600)
    assert _keys(s3_bucket) == ["output/c1/finance/einvoices/PAY-2.json", "output/c1/finance/einvoices/PAY-3.json"]
    body = s3_bucket.client().get_object(Bucket=s3_bucket.bucket, Key="output/c1/finance/einvoices/PAY-2.json")
    assert body["Body"].read() == b"2b"
    replace_folder(folder, {}, mode=0o600)  # e-invoices switched off: the set goes
    assert _keys(s3_bucket) == []
