"""The servers the embedded default starts: loopback where Airflow lets us, and what is exposed where it does not.

docs/hardening.md ("Servers the embedded default starts") says the API server and the
scheduler's health check bind 127.0.0.1, and that the task-log servers (8793, 8794) cannot be
bound (Airflow hard-codes every interface) but answer nothing without a token signed with
the installation's `[api] secret_key`. These tests keep each of those sentences true.
"""

from __future__ import annotations

import inspect
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from repo_paths import ROOT


def test_the_embedded_default_binds_what_airflow_lets_us_to_loopback():
    shown = subprocess.run(
        ["bash", "-c", "source scripts/airflow_env.sh >/dev/null 2>&1; "
                       "echo $AIRFLOW__API__HOST $AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST"],
        cwd=ROOT, env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
                       "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin"},
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert shown == ["127.0.0.1", "127.0.0.1"]


def test_the_task_log_servers_host_is_still_not_configurable():
    """When a later Airflow reads the log server's host from the configuration, bind it and update the docs."""
    from airflow.utils.serve_logs import core

    source = inspect.getsource(core.serve_logs)
    assert 'host=""' in source and "conf.get" not in source.split("uvicorn.run")[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow  # starts a real log server (~8 s)
def test_a_task_log_server_answers_nothing_without_a_signed_token(tmp_path):
    port = _free_port()
    logs = tmp_path / "logs"
    (logs / "dag_id=x").mkdir(parents=True)
    (logs / "dag_id=x" / "attempt=1.log").write_text("a task log line\n")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(logs),
        "AIRFLOW__API__SECRET_KEY": "a-random-installation-key",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", f"from airflow.utils.serve_logs.core import serve_logs; serve_logs(port={port})"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/log/dag_id=x/attempt=1.log"
        deadline = time.monotonic() + 60
        codes = []
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=2)
                codes.append(200)
                break
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None:
                    pytest.fail(f"the log server stopped: {server.stderr.read().decode()[-500:]}")
                time.sleep(0.3)
        assert codes == [403], codes  # no token: nothing served
        garbage = urllib.request.Request(url, headers={"Authorization": "not.a.token"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(garbage, timeout=5)
        assert refused.value.code == 403
    finally:
        server.terminate()
        server.wait(timeout=10)
