"""A real S3 API on loopback: moto's server in its own process on 127.0.0.1, for tests, benches and the demo.

`LoopbackS3().start()` picks a free port, starts `moto.server` there (a child process, so
its request handling does not share the caller's interpreter lock), waits until it
answers, and creates the buckets asked for; `stop()` ends that process (and only it).
`connection_env()` gives the `AIRFLOW_CONN_*` variable pointing Airflow's amazon
provider (and so `ObjectStoragePath`) at it, and `settings_env()` the roots of the
project. The credentials are moto's placeholders; nothing here reaches the internet.
No production code path imports this module; no airflow import.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
CONN_ID = "creator_ops_storage"
ACCESS_KEY = "loopback-access-key"
SECRET_KEY = "loopback-secret-key"  # moto accepts any pair; the product reads it only through the connection
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class LoopbackS3:
    """moto's S3 server on a free loopback port, with `buckets` created once it answers."""

    buckets: tuple[str, ...] = ("creator-ops",)
    conn_id: str = CONN_ID
    startup_seconds: float = 30.0
    log_path: Path | None = None
    port: int = 0
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> LoopbackS3:
        """Start the server (a few tries if another process takes the port first) and create the buckets."""
        for _attempt in range(5):
            self.port = _free_port()
            log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
            if self._wait_ready():
                break
            self.stop()
        else:
            raise RuntimeError(f"moto's S3 server did not start on {HOST} (see {self.log_path or 'its output'})")
        try:
            client = self.client()
            for bucket in self.buckets:
                client.create_bucket(Bucket=bucket)
        except BaseException:
            self.stop()  # a bad bucket name must not leave the server running
            raise
        return self

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):
                    return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop the server process this object started."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def __enter__(self) -> LoopbackS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self):
        """A boto3 S3 client on the server (for tests and set-up; the product goes through the connection)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def connection_uri(self) -> str:
        """The Airflow connection (JSON form) of an `aws` connection on this server."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": ACCESS_KEY,
                "password": SECRET_KEY,
                "extra": {"endpoint_url": self.endpoint_url, "region_name": REGION},
            }
        )

    def connection_env(self) -> dict[str, str]:
        """`AIRFLOW_CONN_<ID>` pointing the amazon provider at this server."""
        return {f"AIRFLOW_CONN_{self.conn_id.upper()}": self.connection_uri()}

    def settings_env(self, bucket: str | None = None, prefix: str = "") -> dict[str, str]:
        """The project's landing and output roots in `bucket` (the first by default), and the connection."""
        base = f"s3://{bucket or self.buckets[0]}" + (f"/{prefix.strip('/')}" if prefix.strip("/") else "")
        return {
            "CREATOR_OPS_LANDING_ROOT": f"{base}/landing",
            "CREATOR_OPS_OUTPUT_ROOT": f"{base}/output",
            "CREATOR_OPS_STORAGE_CONN_ID": self.conn_id,
            **self.connection_env(),
        }
