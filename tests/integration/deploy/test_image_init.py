"""The image's init sequence, run natively in an environment shaped like the image (no container engine here).

The environment: the Dockerfile's COPY lines laid out in a folder of their own (its
/opt/airflow), a fresh virtualenv that sees the pinned packages but NOT the project (the
editable install of the development .venv is left out), and an AIRFLOW_HOME of its own.
First the init's plain-`python` warehouse migration must fail there exactly as it did in
the image before the fix (ModuleNotFoundError); then the Dockerfile's install step runs,
and the same commands, `campaignctl` and (slow suite) the whole init script of
docker-compose.yaml succeed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from repo_paths import ROOT

DOCKERFILE = ROOT / "Dockerfile"
DEV_ONLY = ("pytest", "pytest-timeout", "hypothesis", "ruff", "aiosmtpd")

pytestmark = pytest.mark.integration


def _requirements(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[=<>!~\[ ]", line, maxsplit=1)[0].lower())
    return names


def test_test_tools_stay_out_of_the_image_requirements():
    runtime = _requirements(ROOT / "requirements.txt")
    assert not runtime & set(DEV_ONLY), runtime & set(DEV_ONLY)
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "-r requirements.txt" in dev and all(f"{name}==" in dev for name in DEV_ONLY)
    commands = [line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    assert not any("requirements-dev" in line for line in commands)
    assert any("pip install" in line and "requirements.txt" in line for line in commands)


def _copy_like_the_dockerfile(home: Path) -> None:
    """Lay out the image's /opt/airflow from the Dockerfile's own COPY lines."""
    for sources, target in re.findall(r"^COPY\s+(?:--\S+\s+)*(.+?)\s+(\S+)\s*$", DOCKERFILE.read_text(), re.M):
        for source in sources.split():
            destination = home / target.removeprefix("/opt/airflow").strip("/")
            origin = ROOT / source.rstrip("/")
            if origin.is_dir():
                shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            else:
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, destination / origin.name)


def _image_like_python(tmp: Path) -> Path:
    """A fresh virtualenv that sees the pinned packages but not the project (no editable .pth)."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # a path line in a .pth puts the packages on sys.path without running that folder's own .pth files
    (Path(purelib) / "image_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shim = venv / "bin" / "airflow"
    shim.write_text(f'#!/bin/sh\nexec "{python}" -m airflow "$@"\n')
    shim.chmod(0o755)
    return python


def _dockerfile_install_steps() -> list[str]:
    """Return the Dockerfile's RUN commands that install the project (not the requirements)."""
    runs = re.findall(r"^RUN\s+((?:.*\\\n)*.*)$", DOCKERFILE.read_text(), re.M)
    return [" ".join(r.replace("\\\n", " ").split()) for r in runs if "-e /opt/airflow" in r]


def _env(home: Path, venv_python: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PATH"] = f"{venv_python.parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        CREATOR_OPS_WAREHOUSE_URI=f"sqlite:///{home / 'warehouse.db'}",
        AIRFLOW__CORE__AUTH_MANAGER="airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
        AIRFLOW_ADMIN_USER="admin",
        AIRFLOW_ADMIN_PASSWORD="init-test-password",
        SLACK_WEBHOOK_URL="",
    )
    return env


def _init_script(home: Path) -> str:
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    command = compose["services"]["airflow-init"]["command"]
    script = command[-1] if isinstance(command, list) else command
    return script.replace("$$", "$").replace("/opt/airflow", str(home))


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("image")
    home = tmp / "opt-airflow"
    _copy_like_the_dockerfile(home)
    for volume in ("logs", "secrets", "data"):  # the compose file's named volumes, mounted under /opt/airflow
        (home / volume).mkdir()
    python = _image_like_python(tmp)
    return home, python, _env(home, python)


def _run(command: str, home: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=home, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_init_sequence_works_once_the_dockerfile_installs_the_project(image):
    home, python, env = image
    migrate = next(line for line in _init_script(home).splitlines() if "creator_ops.warehouse.db" in line).strip()
    # the environment is shaped like the image: without the install step, plain python cannot import the project
    before = _run(migrate, home, env)
    assert before.returncode != 0 and "ModuleNotFoundError: No module named 'creator_ops'" in before.stderr
    steps = _dockerfile_install_steps()
    assert steps, "the Dockerfile installs the project"
    for step in steps:
        # pip is run as the image runs it (with build isolation: setuptools comes from the package index)
        command = step.replace("/opt/airflow", str(home)).replace("pip install", "python -m pip install -q")
        done = _run(command, home, env)
        assert done.returncode == 0, done.stderr[-2000:]
    after = _run(migrate, home, env)
    assert after.returncode == 0, after.stderr[-2000:]
    assert (home / "warehouse.db").exists()
    tables = _run(
        "python -c \"import sqlalchemy as s, os; e = s.create_engine(os.environ['CREATOR_OPS_WAREHOUSE_URI']);"
        " print(sorted(s.inspect(e).get_table_names()))\"", home, env,
    )
    assert "ingested_files" in tables.stdout and "file_actions" in tables.stdout
    cli = _run("campaignctl validate include/campaigns", home, env)
    assert cli.returncode == 0 and "ok (campaign__" in cli.stdout, cli.stderr


@pytest.mark.slow
def test_the_whole_init_script_of_docker_compose_runs(image):
    home, python, env = image
    if not _run("python -c 'import creator_ops'", home, env).returncode == 0:
        for step in _dockerfile_install_steps():
            command = step.replace("/opt/airflow", str(home)).replace(
                "pip install", "python -m pip install -q"
            )
            assert _run(command, home, env).returncode == 0
    done = _run(_init_script(home), home, env, timeout=900)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    users = _run("airflow users list -o json", home, env)
    assert users.returncode == 0, users.stderr[-2000:]
    listed = json.loads(users.stdout.strip().splitlines()[-1])  # the CLI's log lines come first
    assert [(u["username"], u["roles"]) for u in listed] == [("admin", ["Admin"])]
    roles = _run("airflow roles list -o plain", home, env)
    assert "campaign_member" in roles.stdout
    again = _run(_init_script(home), home, env, timeout=900)  # a second start (a changed password) still succeeds
    assert again.returncode == 0, again.stderr[-3000:]
    listed = _run("airflow connections get creator_ops_warehouse -o json", home, env)
    assert listed.returncode == 0 and "warehouse.db" in listed.stdout
