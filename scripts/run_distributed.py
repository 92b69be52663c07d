"""Run the distributed Airflow topology natively: scheduler, dag-processor, triggerer, api-server and Celery workers.

The same shape as docker-compose.yaml, without containers: PostgreSQL on 127.0.0.1:5432
(metadata and warehouse databases of its own), Redis on 127.0.0.1:6379 (a database number
of its own) as the Celery broker, the result backend in PostgreSQL, and every Airflow
component as a separate process in its own process group, stopped by its pid.

    .venv/bin/python scripts/run_distributed.py              # run until Ctrl-C
    .venv/bin/python scripts/run_distributed.py --workers 2 --executor CeleryExecutor
    .venv/bin/python scripts/run_distributed.py --object-storage   # no shared disk (below)

`--object-storage` (`DistributedAirflow(object_storage=True)`): nothing on disk is shared.
moto's S3 server runs on loopback (started and stopped here); the landing and output roots
are `s3://creator-ops-dist/landing` and `…/output`, reached through the `creator_ops_storage`
connection; each Celery worker (two by default) has its own AIRFLOW_HOME, working folder and
TMPDIR, in a folder of its own outside the server side's home, as on separate hosts. The
API server reads the review from the bucket. (The code and the campaign specs are the
image's, read-only, as in any deployment.)

The integration test (tests/integration/distributed/) and bench/bench_distributed.py drive
`DistributedAirflow` from Python.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql+psycopg2://postgres@127.0.0.1:5432"
REDIS_DB = 11  # a Redis database of this project's own; other tools on the machine use others
COMPONENTS = ("dag-processor", "scheduler", "triggerer", "api-server")


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(name: str) -> None:
    """Drop and create a PostgreSQL database (trust auth, user postgres)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


class ResourceClaim:
    """Hold, machine-wide, the databases and broker database a cluster drops and flushes.

    `prepare()` drops its databases `WITH (FORCE)` and flushes its Redis database: a second
    cluster on the same names (a test run in another checkout, the bench, a demo) would have its
    connections cut ("server closed the connection unexpectedly") and its Celery messages
    deleted. A cluster waits for the other to stop instead; the claim is an flock on a file
    per resource in the temporary folder, released by the kernel if the holder dies.
    """

    def __init__(self, resources: list[str], *, wait_s: float = 3600) -> None:
        self.resources = sorted(set(resources))  # one order for everyone: no two claims deadlock
        self.wait_s = wait_s
        self._files: list[Any] = []

    def acquire(self) -> None:
        if self._files:
            return  # held already (prepare() again): a second flock of ours would wait for ourselves
        folder = Path(tempfile.gettempdir())
        for resource in self.resources:
            handle = open(folder / f"creator_ops_dist_{resource}.lock", "a+")  # held until release()
            deadline = time.monotonic() + self.wait_s
            said = False
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        handle.close()
                        self.release()
                        held = f"{resource} is held by another distributed Airflow on this machine"
                        raise TimeoutError(held) from None
                    if not said:
                        print(f"waiting for another distributed Airflow on this machine to free {resource}",
                              file=sys.stderr, flush=True)  # fmt: skip
                        said = True
                    time.sleep(1)
            self._files.append(handle)

    def release(self) -> None:
        for handle in self._files:
            with contextlib.suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        self._files.clear()


def flush_redis_db(db: int) -> None:
    """Empty the broker's Redis database so no message of an earlier run is delivered."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=db)
    client.flushdb()
    client.close()


class DistributedAirflow:
    """A running distributed Airflow on loopback; use as a context manager (stops everything on exit)."""

    def __init__(
        self,
        *,
        executor: str = "CeleryExecutor",
        workers: int = 1,
        meta_db: str = "creator_ops_af_meta",
        warehouse_db: str = "creator_ops_wh_dist",
        specs_dir: Path | None = None,
        home: Path | None = None,
        parallelism: int = 8,
        worker_concurrency: int = 4,
        extra_env: dict[str, str] | None = None,
        redis_db: int = REDIS_DB,
        object_storage: bool = False,
    ) -> None:
        self.executor = executor
        self.object_storage = object_storage
        self.bucket: Any = None  # the loopback S3 server, started by prepare() in object-storage mode
        # each worker's own folder, outside the server side's home (no path in common with the API server)
        self.workers_root = Path(tempfile.mkdtemp(prefix="creator_ops_workers_")) if object_storage else None
        self.redis_db = redis_db
        self.worker_count = workers if executor == "CeleryExecutor" else 0
        self.meta_db = meta_db
        self.warehouse_db = warehouse_db
        self._own_home = home is None
        self.home = home or Path(tempfile.mkdtemp(prefix="creator_ops_dist_"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(16)
        self.processes: dict[str, subprocess.Popen] = {}
        resources = [f"pg_{meta_db}", f"pg_{warehouse_db}"]
        if self.worker_count:
            resources.append(f"redis_{redis_db}")
        self.claim = ResourceClaim(resources)
        self._worker_serial = 0
        self._token: str | None = None
        self.env = self._environment(specs_dir, parallelism, worker_concurrency, extra_env or {})

    # -- set-up -------------------------------------------------------------------------
    @property
    def meta_url(self) -> str:
        return f"{PG_BASE}/{self.meta_db}"

    @property
    def warehouse_url(self) -> str:
        return f"{PG_BASE}/{self.warehouse_db}"

    def _environment(
        self, specs_dir: Path | None, parallelism: int, concurrency: int, extra: dict[str, str]
    ) -> dict[str, str]:
        from cryptography.fernet import Fernet

        passwords = self.home / "passwords.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
                "PYTHONPATH": str(ROOT / "plugins"),
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__PARALLELISM": str(parallelism),
                "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.meta_url,
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
                # Every component signs and checks task tokens with the same secret.
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(48),
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{self.redis_db}",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://postgres@127.0.0.1:5432/{self.meta_db}",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(concurrency),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                # A worker that dies loses its tasks' heartbeats: notice within seconds, not minutes.
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
                "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "30",
                "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "5",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE": self.warehouse_url.replace("+psycopg2", ""),
                "AIRFLOW_VAR_PII_HASH_KEY": os.environ.get("AIRFLOW_VAR_PII_HASH_KEY", "distributed-demo-key"),
                "CREATOR_OPS_LANDING_ROOT": str(self.home / "landing"),
                "CREATOR_OPS_OUTPUT_ROOT": str(self.home / "output"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if specs_dir is not None:
            env["CAMPAIGN_SPECS_DIR"] = str(specs_dir)
        env.update(extra)
        passwords.parent.mkdir(parents=True, exist_ok=True)
        passwords.write_text(json.dumps({"admin": self.password}))
        return env

    def prepare(self) -> None:
        """Create fresh metadata and warehouse databases, migrate both, and empty the broker.

        In object-storage mode, start moto's S3 server on loopback and point both roots at its bucket.
        """
        self.claim.acquire()  # released by stop()
        if self.object_storage and self.bucket is None:
            sys.path.insert(0, str(ROOT / "plugins"))
            from creator_ops.stand_ins.object_store import LoopbackS3

            self.bucket = LoopbackS3(buckets=("creator-ops-dist",), log_path=self.home / "moto.log").start()
            self.env.update(self.bucket.settings_env())
        recreate_database(self.meta_db)
        self.reset_warehouse()
        if self.executor == "CeleryExecutor":
            flush_redis_db(self.redis_db)
        subprocess.run(
            [str(VENV_BIN / "airflow"), "db", "migrate"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )

    def reset_warehouse(self) -> None:
        """Recreate and migrate the warehouse database."""
        from creator_ops.warehouse.db import make_engine, upgrade

        recreate_database(self.warehouse_db)
        engine = make_engine(self.warehouse_url)
        upgrade(engine)
        engine.dispose()

    # -- processes ----------------------------------------------------------------------
    def worker_home(self, name: str) -> Path:
        """Where a Celery worker runs: the shared home, or in object-storage mode a folder of its own."""
        if self.workers_root is None:
            return self.home
        return self.workers_root / name

    def _spawn(self, name: str, args: list[str], home: Path | None = None) -> subprocess.Popen:
        log = open(self.home / f"{name}.log", "ab")  # closed with the process
        env = self.env
        if home is not None and home != self.home:
            (home / "tmp").mkdir(parents=True, exist_ok=True)
            env = {k: v for k, v in self.env.items() if k != "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"}
            env.update(AIRFLOW_HOME=str(home), TMPDIR=str(home / "tmp"))
        process = subprocess.Popen(
            [str(VENV_BIN / "airflow"), *args],
            env=env,
            cwd=home or self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
        )
        log.close()
        self.processes[name] = process
        return process

    def start(self, timeout: float = 180) -> None:
        """Start every component and wait until the API answers and the workers are up."""
        for component in COMPONENTS:
            self._spawn(component, [component])
        for _ in range(self.worker_count):
            self.start_worker()
        self.wait_healthy(timeout)

    def start_worker(self) -> str:
        """Start one more Celery worker; return its name."""
        self._worker_serial += 1
        name = f"worker-{self._worker_serial}"
        self._spawn(name, ["celery", "worker", "--concurrency", self.env["AIRFLOW__CELERY__WORKER_CONCURRENCY"],
                           "--celery-hostname", f"{name}@%h"], home=self.worker_home(name))
        return name

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a component's whole process group (the pid this object started), then reap it."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)

    def stop(self) -> None:
        """Stop everything started here: SIGTERM to each process group, SIGKILL to what lingers."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            # Grandchildren (task supervisors) share the group even after the leader exits.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        self.processes.clear()
        if self.bucket is not None:
            self.bucket.stop()
            self.bucket = None
        self.claim.release()

    def __enter__(self) -> DistributedAirflow:
        try:
            self.prepare()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        if self._own_home and not os.environ.get("CREATOR_OPS_KEEP_DIST_HOME"):
            shutil.rmtree(self.home, ignore_errors=True)
            if self.workers_root is not None:
                shutil.rmtree(self.workers_root, ignore_errors=True)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.home / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            with contextlib.suppress(httpx.HTTPError):
                health = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).json()
                if health.get("scheduler", {}).get("status") == "healthy" and (
                    health.get("dag_processor", {}).get("status") == "healthy"
                ):
                    return
            time.sleep(1)
        raise TimeoutError(f"Airflow not healthy after {timeout}s:\n{self.log_tail('api-server')}")

    # -- REST -----------------------------------------------------------------------------
    @property
    def token(self) -> str:
        if self._token is None:
            response = httpx.post(
                f"{self.base_url}/auth/token", json={"username": "admin", "password": self.password}, timeout=30
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call the REST API as the admin user."""
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, f"{self.base_url}/api/v2{path}", headers=headers, timeout=60, **kwargs)

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.api("GET", f"/dags/{dag_id}")
            if response.status_code == 200:
                return response.json()
            time.sleep(1)
        raise TimeoutError(f"{dag_id} not parsed after {timeout}s:\n{self.log_tail('dag-processor')}")

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, logical_date: str, run_id: str) -> dict:
        response = self.api(
            "POST", f"/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": logical_date}
        )
        if response.status_code >= 400:
            raise RuntimeError(f"trigger {dag_id} failed: {response.status_code} {response.text}")
        return response.json()

    def run_state(self, dag_id: str, run_id: str) -> str:
        response = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        response.raise_for_status()
        return response.json()["state"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        response = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        response.raise_for_status()
        return response.json()["task_instances"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        raise TimeoutError(f"run {run_id} of {dag_id} still {state} after {timeout}s")


@contextlib.contextmanager
def distributed(**kwargs: Any) -> Iterator[DistributedAirflow]:
    """Start the topology for the length of a `with` block."""
    with DistributedAirflow(**kwargs) as cluster:
        yield cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", default="CeleryExecutor", choices=["CeleryExecutor", "LocalExecutor"])
    parser.add_argument("--workers", type=int, help="Celery workers to start (1; 2 with --object-storage)")
    parser.add_argument("--specs-dir", type=Path, help="campaign folder (default include/campaigns)")
    parser.add_argument("--object-storage", action="store_true",
                        help="no shared disk: landing and outputs in a loopback S3 bucket, each worker its own folder")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "plugins"))
    workers = args.workers or (2 if args.object_storage else 1)
    cluster = DistributedAirflow(executor=args.executor, workers=workers, specs_dir=args.specs_dir,
                                 object_storage=args.object_storage)  # fmt: skip
    with cluster:
        print(f"Airflow UI: {cluster.base_url}  user admin  password {cluster.password}")
        print(f"Logs and AIRFLOW_HOME: {cluster.home}  (Ctrl-C stops every process)")
        if cluster.bucket is not None:
            print(f"Landing and outputs: s3://{cluster.bucket.buckets[0]} at {cluster.bucket.endpoint_url} "
                  f"(connection {cluster.bucket.conn_id}); workers' own folders under {cluster.workers_root}")
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in cluster.processes.values()):
                time.sleep(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
