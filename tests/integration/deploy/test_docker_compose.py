"""docker-compose.yaml: valid, production-shaped, every secret from .env (checked offline by `docker-compose config`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from repo_paths import ROOT

COMPOSE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}
EXPECTED_SERVICES = AIRFLOW_SERVICES | {"postgres", "redis", "mailpit", "airflow-init"}
OBJECT_STORAGE_SERVICES = {"minio", "minio-bucket"}  # only with `--profile object-storage`
ONE_SHOT_SERVICES = {"airflow-init", "minio-bucket"}

pytestmark = pytest.mark.integration


def _required_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))


def _secrets() -> dict[str, str]:
    """One distinctive value per required variable, to find later in the resolved file."""
    return {name: f"sentinel-{name.lower()}-7f3a" for name in sorted(_required_variables())}


def _compose(tmp_path: Path, env_values: dict[str, str] | None) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed here (CI installs it: scripts/ci_deps.sh)")
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(COMPOSE, project / "docker-compose.yaml")
    shutil.copytree(ROOT / "docker", project / "docker")
    if env_values is not None:
        (project / ".env").write_text("".join(f"{k}={v}\n" for k, v in env_values.items()))
    given = set(env_values or ())  # the .env file's values, not the test process's own variables of that name
    env = {k: v for k, v in os.environ.items() if k not in _required_variables() and k not in given}
    return subprocess.run(
        [binary, "config"], cwd=project, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    result = _compose(tmp_path_factory.mktemp("compose"), _secrets())
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_starts_every_component_of_the_distributed_topology(resolved):
    assert set(resolved["services"]) == EXPECTED_SERVICES | OBJECT_STORAGE_SERVICES
    for name, service in resolved["services"].items():
        assert service.get("profiles", []) == (["object-storage"] if name in OBJECT_STORAGE_SERVICES else []), name
    commands = {name: resolved["services"][name].get("command") for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker",
    }
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        env = resolved["services"][name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].endswith("@redis:6379/0")
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")


def test_every_long_running_service_has_a_health_check(resolved):
    for name, service in resolved["services"].items():
        if name in ONE_SHOT_SERVICES:
            assert service["restart"] == "no"
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test, f"{name} has no health check"


def test_airflow_waits_for_healthy_databases_and_the_init_service(resolved):
    for name in AIRFLOW_SERVICES:
        depends = resolved["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["airflow-init"]["condition"] == "service_completed_successfully"


def test_workers_can_be_scaled(resolved):
    worker = resolved["services"]["airflow-worker"]
    # A fixed container name or a published port would make `--scale airflow-worker=N` fail.
    assert "container_name" not in worker
    assert "ports" not in worker


def test_init_migrates_both_databases_and_creates_the_connections(resolved):
    script = " ".join(resolved["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in script
    assert "from creator_ops.warehouse.db import" in script and "upgrade(" in script
    for conn_id in ("creator_ops_warehouse", "smtp_creator_ops", "slack_creator_ops"):
        assert f"airflow connections add {conn_id}" in script


def test_every_airflow_service_uses_the_fab_auth_manager_and_init_creates_its_roles(resolved):
    """Per-DAG access (docs/access.md): the FAB auth manager everywhere, the teams' roles and the admin from init."""
    fab = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        assert resolved["services"][name]["environment"]["AIRFLOW__CORE__AUTH_MANAGER"] == fab, name
    script = " ".join(resolved["services"]["airflow-init"]["command"])
    assert script.index("airflow db migrate") < script.index("python -m creator_ops.airflow.access")
    assert "airflow users create" in script and "--role Admin" in script
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "apache-airflow-providers-fab==" in requirements  # the image installs it


def test_published_ports_listen_on_loopback_only(resolved):
    for name, service in resolved["services"].items():
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} on every interface"


def test_every_secret_comes_from_the_environment(resolved):
    rendered = yaml.safe_dump(resolved)
    for name, value in _secrets().items():
        assert value in rendered, f"{name} is required but never used"
    raw = yaml.safe_load(COMPOSE.read_text())
    secret_key = re.compile(r"PASSWORD|SECRET|FERNET|PII_HASH|_KEY$|SQL_ALCHEMY_CONN|BROKER_URL|RESULT_BACKEND")

    def walk(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and secret_key.search(str(key)) and not key.endswith("_FILE"):
                    assert "${" in value, f"{path}{key} has a literal value: no password may be baked in"
                walk(value, f"{path}{key}.")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    walk(raw)


def test_object_storage_roots_and_connection_come_from_the_environment(tmp_path):
    """With .env naming s3:// roots, every Airflow service gets them; init creates the aws connection; MinIO waits."""
    values = {**_secrets(), "CREATOR_OPS_LANDING_ROOT": "s3://creator-ops/landing",
              "CREATOR_OPS_OUTPUT_ROOT": "s3://creator-ops/output", "S3_ACCESS_KEY_ID": "sentinel-access-7f3a",
              "S3_SECRET_ACCESS_KEY": "sentinel-secret-7f3a", "S3_ENDPOINT_URL": "http://minio:9000"}  # fmt: skip
    result = _compose(tmp_path, values)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        env = services[name]["environment"]
        assert env["CREATOR_OPS_LANDING_ROOT"] == "s3://creator-ops/landing", name
        assert env["CREATOR_OPS_OUTPUT_ROOT"] == "s3://creator-ops/output", name
        assert env["CREATOR_OPS_STORAGE_CONN_ID"] == "creator_ops_storage", name
    init = services["airflow-init"]
    assert init["environment"]["S3_ENDPOINT_URL"] == "http://minio:9000"
    assert init["environment"]["S3_SECRET_ACCESS_KEY"] == "sentinel-secret-7f3a"
    script = " ".join(init["command"])
    assert re.search(r'airflow connections add "\$\$?\{CREATOR_OPS_STORAGE_CONN_ID\}" --conn-type aws', script)
    assert services["minio"]["environment"]["MINIO_ROOT_PASSWORD"] == "sentinel-secret-7f3a"
    assert services["minio-bucket"]["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mc anonymous set none" in " ".join(services["minio-bucket"]["command"])


def test_a_missing_secret_stops_compose_with_its_name(tmp_path):
    values = _secrets()
    del values["POSTGRES_PASSWORD"]
    result = _compose(tmp_path, values)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_env_example_documents_every_required_variable_and_sets_no_secret():
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")]
    example = dict(line.split("=", 1) for line in lines)
    for name in _required_variables():
        assert name in example, f".env.example does not document {name}"
        assert example[name] == "", f".env.example sets a value for the secret {name}"
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text().split()
