# Source me: the embedded default Airflow environment of this project (SQLite, LocalExecutor).
_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$_ROOT/.airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$_ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$_ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__API__HOST="${AIRFLOW__API__HOST:-127.0.0.1}"
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
# every server Airflow lets us bind stays on loopback (the task-log servers cannot be: docs/hardening.md)
export AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST="${AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST:-127.0.0.1}"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-30}"
export CREATOR_OPS_OUTPUT_ROOT="${CREATOR_OPS_OUTPUT_ROOT:-$_ROOT/output}"
export CREATOR_OPS_LANDING_ROOT="${CREATOR_OPS_LANDING_ROOT:-$AIRFLOW_HOME/landing}"
export PATH="$_ROOT/.venv/bin:$PATH"
# named users: admin plus every spec's owners and payout approvers (each gets a generated password)
if [ -z "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-}" ]; then
  AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$("$_ROOT/.venv/bin/python" -m creator_ops.core.people 2>/dev/null || echo admin:admin)"
  export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS
fi
