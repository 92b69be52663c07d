"""Two distributed clusters on one machine never wipe each other's databases or broker.

`DistributedAirflow.prepare()` drops its databases `WITH (FORCE)` and flushes its Redis
database; a second cluster on the same names (another checkout's test run, the bench)
waits for the first to stop instead of cutting its connections. The claim is a real flock,
so it is checked across two real processes.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from cluster_helpers import load_run_distributed
from repo_paths import ROOT


def _holder(resource: str, seconds: float) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import importlib.util, sys, time
        spec = importlib.util.spec_from_file_location("rd", {str(ROOT / "scripts" / "run_distributed.py")!r})
        rd = importlib.util.module_from_spec(spec); spec.loader.exec_module(rd)
        claim = rd.ResourceClaim([{resource!r}]); claim.acquire()
        print("held", flush=True); time.sleep({seconds}); claim.release()
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_cluster_waits_for_the_first_to_free_its_databases(tmp_path):
    module = load_run_distributed()
    resource = f"pg_claim_test_{tmp_path.name}"
    holder = _holder(resource, 2.0)
    try:
        started = time.monotonic()
        claim = module.ResourceClaim([resource], wait_s=30)
        claim.acquire()  # blocks until the other process releases
        waited = time.monotonic() - started
        claim.acquire()  # a second call of the same holder does not wait for itself
        claim.release()
    finally:
        holder.wait(timeout=30)
    assert waited >= 1.0, f"acquired after {waited:.2f} s while another process held {resource}"


def test_a_claim_that_cannot_be_had_says_which_resource(tmp_path):
    module = load_run_distributed()
    resource = f"redis_claim_test_{tmp_path.name}"
    holder = _holder(resource, 5.0)
    try:
        claim = module.ResourceClaim([resource], wait_s=0.5)
        try:
            claim.acquire()
        except TimeoutError as error:
            assert resource in str(error)
        else:
            raise AssertionError("the claim was granted while another process held it")
    finally:
        holder.kill()
        holder.wait(timeout=30)
    claim = module.ResourceClaim([resource], wait_s=5)
    claim.acquire()  # the kernel released the killed holder's lock
    claim.release()


def test_a_cluster_claims_what_prepare_wipes():
    module = load_run_distributed()
    cluster = module.DistributedAirflow(executor="CeleryExecutor", workers=1, meta_db="m_x", warehouse_db="w_x",
                                        redis_db=13)  # fmt: skip
    try:
        assert cluster.claim.resources == ["pg_m_x", "pg_w_x", "redis_13"]
    finally:
        cluster.__exit__(None, None, None)
