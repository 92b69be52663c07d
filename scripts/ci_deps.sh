#!/usr/bin/env bash
# System packages the slow and compose tests need: Debian's docker-compose (validates
# docker-compose.yaml offline), Chromium and ChromeDriver (browser tests of the UI).
# Idempotent: installs only what is missing. Called from .ci/run before the tests.
set -euo pipefail

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# fonts for the Chinese and Tamil survey answers on the review page (the page embeds no font)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
fc-list :lang=ta 2>/dev/null | grep -q . || missing+=(fonts-lohit-taml)

if [ ${#missing[@]} -gt 0 ]; then
  echo "ci_deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The distributed test needs the local PostgreSQL and Redis; start them if they stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
echo "ci_deps: docker-compose $(docker-compose version --short 2>/dev/null || echo '?'), $(chromium --version 2>/dev/null || echo 'no chromium')"
