#!/usr/bin/env bash
# Set up the project: .venv with pinned packages, campaignctl on its PATH, an Airflow home on SQLite.
# Idempotent: a second run only checks that everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PYTHON="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi

STAMP=.venv/.creator-ops-installed
WANT="$(cat requirements.txt requirements-dev.txt constraints.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "==> installing packages into .venv (pinned by requirements*.txt and constraints.txt)"
  .venv/bin/python -m pip install -qq --upgrade pip
  .venv/bin/python -m pip install -qq -r requirements-dev.txt -c constraints.txt
  .venv/bin/python -m pip install -qq --no-deps -e .
  echo "$WANT" > "$STAMP"
else
  echo "==> .venv is up to date"
fi

mkdir -p "$ROOT/.airflow"
echo "==> ready: $(.venv/bin/airflow version 2>/dev/null | tail -1 | sed 's/^/airflow /'), campaignctl at .venv/bin/campaignctl"
