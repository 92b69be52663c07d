"""What the real-cluster tests share: the native topology script and the PostgreSQL check.

In CI a skip for a missing service is turned into a failure (tests/conftest.py), so a test
that skips with `postgres_down()`'s reason only skips on a developer's machine.
"""

from __future__ import annotations

import importlib.util
import socket

from repo_paths import ROOT


def load_run_distributed():
    """Import scripts/run_distributed.py (the docker-compose topology as local processes)."""
    spec = importlib.util.spec_from_file_location("run_distributed", ROOT / "scripts" / "run_distributed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def postgres_down() -> str | None:
    """Return why PostgreSQL on 127.0.0.1:5432 cannot be used, or None when it listens."""
    with socket.socket() as sock:
        sock.settimeout(2)
        if sock.connect_ex(("127.0.0.1", 5432)) != 0:
            return "PostgreSQL is not listening on 127.0.0.1:5432"
    return None
