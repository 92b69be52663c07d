"""Browser-test fixtures: a real `airflow standalone` on loopback and headless Chromium driven over the DevTools protocol.

The DevTools client is small and uses the `websockets` package Airflow already brings,
so the browser tests need only Debian's `chromium` (scripts/ci_deps.sh installs it).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from repo_paths import ROOT

ARTIFACTS = ROOT / "test-artifacts"
VENV_BIN = Path(sys.executable).parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_group(process: subprocess.Popen) -> None:
    """Stop a process we started, with its whole process group (SIGTERM, then SIGKILL)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class Browser:
    """One headless Chromium page, driven through the Chrome DevTools protocol."""

    def __init__(self, profile: Path, width: int = 1500, height: int = 950) -> None:
        from websockets.sync.client import connect

        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        port = free_port()
        self._log = open(profile.parent / "chromium.log", "wb")  # closed in close()
        self.process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
             f"--remote-debugging-port={port}", "about:blank"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        page = self._first_page(port)
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._next_id = 0
        self.send("Page.enable")
        self.send("Runtime.enable")

    def _first_page(self, port: int) -> dict:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]
            time.sleep(0.3)
        raise TimeoutError("Chromium did not open its DevTools port")

    def send(self, method: str, **params: Any) -> dict:
        """Send one DevTools command and return its result (events in between are ignored)."""
        self._next_id += 1
        message_id = self._next_id
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(RuntimeError):
                if self.evaluate(f"Boolean({condition})"):
                    return
            time.sleep(0.3)
        raise TimeoutError(f"page never satisfied {condition!r}; it shows:\n{self.text()[:2000]}")

    def text(self) -> str:
        """Return the visible text of the page and of its same-origin frames."""
        return self.evaluate(
            "[document.body ? document.body.innerText : ''].concat(Array.from(document.querySelectorAll('iframe'))"
            ".map(f => { try { return f.contentDocument.body.innerText } catch (e) { return '' } })).join('\\n')"
        ) or ""

    def wait_for_text(self, *needles: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if all(needle in text for needle in needles):
                return text
            time.sleep(0.4)
        missing = [n for n in needles if n not in self.text()]
        raise TimeoutError(f"page never showed {missing}; it shows:\n{self.text()[:3000]}")

    def type_into(self, selector: str, value: str) -> None:
        """Focus a field and type into it as a user would (React sees real input events)."""
        self.wait_for(f"document.querySelector({json.dumps(selector)})")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=value)

    def click(self, selector: str) -> None:
        self.wait_for(f"document.querySelector({json.dumps(selector)})")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def full_page_screenshot(self, name: str, width: int = 1400) -> Path:
        """Screenshot the whole page, as tall as its content."""
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)") or 950)
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        try:
            return self.screenshot(name)
        finally:
            self.send("Emulation.clearDeviceMetricsOverride")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        _stop_group(self.process)
        self._log.close()


class Standalone:
    """`airflow standalone` on 127.0.0.1 with an Airflow home and warehouse of its own."""

    def __init__(self, home: Path, extra_env: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_"))}
        env.update(
            {
                "AIRFLOW_HOME": str(home),
                "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW_VAR_PII_HASH_KEY": "browser-test-key",
                "CREATOR_OPS_LANDING_ROOT": str(home / "landing"),
                "CREATOR_OPS_OUTPUT_ROOT": str(home / "output"),
                # The campaigns view computes "today" from this, so the assertions hold on any date.
                "CREATOR_OPS_UI_NOW": "2026-11-25T10:00:00+08:00",
            }
        )
        env.update(extra_env or {})
        self.env = env
        self._log = open(home / "standalone.log", "wb")  # closed in stop()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "airflow"), "standalone"],
            env=env,
            cwd=home,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._token: str | None = None

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join((self.home / "standalone.log").read_text(errors="replace").splitlines()[-lines:])

    @property
    def password(self) -> str:
        return json.loads((self.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"airflow standalone exited:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError, ValueError, FileNotFoundError, KeyError):
                health = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).json()
                if health["scheduler"]["status"] == "healthy" and self.password:
                    return
            time.sleep(1)
        raise TimeoutError(f"airflow standalone not ready:\n{self.log_tail()}")

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self._token is None:
            response = httpx.post(
                f"{self.base_url}/auth/token", json={"username": "admin", "password": self.password}, timeout=30
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        headers = {"Authorization": f"Bearer {self._token}"}
        return httpx.request(method, f"{self.base_url}/api/v2{path}", headers=headers, timeout=60, **kwargs)

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.api("GET", f"/dags/{dag_id}").status_code == 200:
                return
            time.sleep(1)
        raise TimeoutError(f"{dag_id} never parsed:\n{self.log_tail()}")

    def run_to_end(self, dag_id: str, logical_date: str, run_id: str, timeout: float = 300) -> str:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
        response = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": logical_date})
        assert response.status_code < 400, response.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        raise TimeoutError(f"{run_id} did not finish:\n{self.log_tail()}")

    def stop(self) -> None:
        _stop_group(self.process)
        self._log.close()


@pytest.fixture(scope="session")
def standalone(tmp_path_factory) -> Iterator[Standalone]:
    server = Standalone(tmp_path_factory.mktemp("standalone"))
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


DEMO_NOW = "2026-12-12T15:30:00+08:00"  # the demo campaign's event day, mid-afternoon


def run_demo(home: Path, creators: int = 600) -> None:
    """Run `make demo`'s program into `home` (metadata DB, warehouse, landing, outputs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREATOR_OPS", "CAMPAIGN_SPECS"))}
    env.update(AIRFLOW_HOME=str(home), CREATOR_OPS_OUTPUT_ROOT=str(home / "output"),
               CREATOR_OPS_LANDING_ROOT=str(home / "landing"), PYTHONPATH=str(ROOT / "plugins"))
    result = subprocess.run(
        [sys.executable, "-m", "creator_ops.demo.run", "--creators", str(creators)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="session")
def demo_standalone(tmp_path_factory) -> Iterator[Standalone]:
    """`airflow standalone` over what `make demo` left: its runs, warehouse and outputs ("today" on the event day)."""
    home = tmp_path_factory.mktemp("demo_standalone")
    run_demo(home)
    server = Standalone(home, {"CREATOR_OPS_UI_NOW": DEMO_NOW})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def browser(tmp_path) -> Iterator[Browser]:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.skip("chromium is not installed (scripts/ci_deps.sh installs it)")
    page = Browser(tmp_path / "profile")
    try:
        yield page
    finally:
        page.close()
