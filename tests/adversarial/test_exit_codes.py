"""Exit codes and messages (hardening round 3): bad input or environment is exit 2 with one line, never 1.

A sum past 64-bit sen, output targets that are no regular file or new path, a full disk,
a closed pipe, a path over PATH_MAX, warehouse URLs that are no database or cannot be
reached (never printing the password), a bad memory limit, and `validate` finding no spec.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import ROOT

from creator_ops.cli import main

CAMPAIGNCTL = Path(sys.executable).parent / "campaignctl"
SPEC = """id: round3_scd_2027
name: Round 3 SCD
type: scd
timeline: {event_start: 2027-03-10}
incentives:
  budget_myr: 100000
  tiers: [{min_gmv_myr: 1000, bonus_myr: 50}]
  commission_bonus: {rate: 0.045, cap_myr: 500}
  new_creator_bonus_myr: 20
  leaderboard: {prizes_myr: [5000, 3000, 2000]}
traffic: {budget_myr: 250, cpm_myr: 10, step_myr: 100, efficiency: [1.0, 0.5]}
"""
ORDERS = "order_id,line_id,creator_id,order_time,gmv,status\n" + "".join(
    f"{i},1,alice,2027-03-10 10:00,1200.00,completed\n" for i in range(1, 4)
)
ENROLLMENTS = "creator_id,registered_at,is_new_creator\nalice,2027-03-01 10:00,yes\n"
CONTENT = "content_id,creator_id,content_type,posted_at,views,gmv\nv1,alice,VIDEO,2027-03-10 10:00,1000,50.00\n"
CREATORS = "creator_id,category,followers,gmv_30d\nalice,beauty,5000,100.00\n"
PRODUCTS = "product_id,category,sample_quota,priority,min_followers,name,price\np1,beauty,5,1,100,Serum,20.00\n"


@pytest.fixture
def inputs(tmp_path) -> dict[str, Path]:
    files = {}
    for name, text in (("spec.yaml", SPEC), ("orders.csv", ORDERS), ("enrollments.csv", ENROLLMENTS),
                       ("content.csv", CONTENT), ("creators.csv", CREATORS), ("products.csv", PRODUCTS)):  # fmt: skip
        files[name.split(".")[0]] = tmp_path / name
        files[name.split(".")[0]].write_text(text)
    data = tmp_path / "data"
    data.mkdir()
    for name in ("orders", "enrollments"):
        (data / f"{name}.csv").write_bytes(files[name].read_bytes())
    files["data"] = data
    return files


def _one_line(code: int, err: str, expected_code: int = 2) -> str:
    assert code == expected_code, err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    return err


def _commands(inputs: dict[str, Path], out: str) -> dict[str, list[str]]:
    spec = str(inputs["spec"])
    return {
        "ingest": ["ingest", "orders", str(inputs["orders"]), "--out", out],
        "payouts": ["payouts", "--spec", spec, "--orders", str(inputs["orders"]),
                    "--enrollments", str(inputs["enrollments"]), "--out", out],
        "review": ["review", "--spec", spec, "--data", str(inputs["data"]), "--out", out],
        "match": ["match", "--spec", spec, "--creators", str(inputs["creators"]),
                  "--products", str(inputs["products"]), "--out", out],
        "allocate": ["allocate", "--spec", spec, "--content", str(inputs["content"]), "--out", out],
        # refused before their inputs are read
        "ecosystem": ["ecosystem", "--campaigns", str(inputs["data"]), "--out", out],
        "finance": ["finance", "--spec", spec, "--payouts", "p.csv", "--company", "c.yaml", "--out", out],
    }  # fmt: skip


FOLDER_OUTPUTS = ("ingest", "review", "ecosystem", "finance")


# --------------------------------------------------------------------------- a sum past int64


def test_a_sum_past_64_bit_sen_is_exit_2_naming_the_limit(inputs, tmp_path, capsys):
    big = tmp_path / "big.csv"
    lines = "".join(f"{i},1,alice,2027-03-10 10:00,999999999999999.99,completed\n" for i in range(93))
    big.write_text("order_id,line_id,creator_id,order_time,gmv,status\n" + lines)
    (inputs["data"] / "orders.csv").write_bytes(big.read_bytes())
    for args in (
        ["payouts", "--spec", str(inputs["spec"]), "--orders", str(big), "--enrollments", str(inputs["enrollments"]),
         "--out", str(tmp_path / "p.csv")],
        ["review", "--spec", str(inputs["spec"]), "--data", str(inputs["data"]), "--out", str(tmp_path / "r")],
    ):  # fmt: skip
        code = main(args)
        err = _one_line(code, capsys.readouterr().err)  # before: exit 1, "internal error", four lines of SQL
        assert "beyond RM 92,233,720,368,547,758.07" in err and "SELECT" not in err


# --------------------------------------------------------------------------- where output may go


@pytest.mark.parametrize("command", ["ingest", "payouts", "review", "match", "allocate", "ecosystem", "finance"])
def test_output_that_is_no_regular_file_or_new_path_is_refused(inputs, tmp_path, capsys, command):
    a_file = tmp_path / "existing.txt"
    a_file.write_text("keep me")
    a_folder = tmp_path / "folder"
    a_folder.mkdir()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link.csv"
    link.symlink_to(a_file)
    targets = {
        "/dev/full": "character device",
        "/dev/null": "character device",
        "/proc/x": "/proc",
        "/proc/self/status": "/proc",
        str(a_file / "sub"): "is a file, not a folder",
        str(a_file / "sub" / "deeper.csv"): "is a file, not a folder",
        str(fifo): "named pipe",
    }
    if command in FOLDER_OUTPUTS:
        targets[str(a_file)] = "is a file, not a folder"
    else:
        targets[str(a_folder)] = "is a folder, not a regular file"
        targets[str(link)] = "symbolic link"
    for target, why in targets.items():
        code = main(_commands(inputs, target)[command])
        err = _one_line(code, capsys.readouterr().err)  # before: exit 1 (ingest), or /dev/full replaced, exit 0
        assert why in err and target[:20] in err, (target, err)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert a_file.read_text() == "keep me" and stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


@pytest.mark.parametrize("command", ["ingest", "payouts", "review", "match", "allocate"])
def test_the_outputs_still_go_to_new_paths_and_over_regular_files(inputs, tmp_path, capsys, command):
    out = tmp_path / "new" / "deeper" / ("out" if command in FOLDER_OUTPUTS else "out.csv")
    assert main(_commands(inputs, str(out))[command]) == 0, capsys.readouterr().err
    assert main(_commands(inputs, str(out))[command]) == 0, capsys.readouterr().err  # again, over its own file


def _limited(max_bytes: int):
    def limit() -> None:  # the kernel refuses writes past the limit (EFBIG), as a full disk does (ENOSPC)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return limit


@pytest.mark.parametrize("command", ["ingest", "payouts", "review"])
def test_a_write_the_disk_refuses_is_exit_2_in_one_line_and_leaves_nothing(inputs, tmp_path, command):
    out = tmp_path / "full" / ("out" if command in FOLDER_OUTPUTS else "out.csv")
    run = subprocess.run(
        [str(CAMPAIGNCTL), *_commands(inputs, str(out))[command]], capture_output=True, text=True, timeout=120,
        preexec_fn=_limited(100), env={**os.environ, "AIRFLOW_VAR_PII_HASH_KEY": "k"},
    )  # fmt: skip
    err = _one_line(run.returncode, run.stderr)
    assert "cannot write: File too large" in err
    assert not [p for p in out.parent.rglob("*") if p.is_file() and p.stat().st_size >= 100]
    assert not list(out.parent.rglob(".*tmp-*"))  # no temporary file left behind


# --------------------------------------------------------------------------- a closed pipe, PATH_MAX


def test_a_closed_pipe_ends_quietly():
    specs = sorted(str(p) for p in (ROOT / "include" / "campaigns").glob("*.yaml"))
    process = subprocess.Popen([str(CAMPAIGNCTL), "validate", *specs], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line, as with `| head -c 0`
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141  # as a command stopped by SIGPIPE; before: exit 1, "internal error"
    assert err == ""


def test_validate_piped_into_head_prints_nothing_on_stderr():
    specs = " ".join(str(p) for p in (ROOT / "include" / "campaigns").glob("*.yaml"))
    script = f"for i in $(seq 200); do echo {specs}; done | xargs {CAMPAIGNCTL} validate | head -c 10"
    run = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, timeout=300)
    assert len(run.stdout) == 10 and "Broken pipe" not in run.stderr and "internal error" not in run.stderr


def test_a_path_over_path_max_is_exit_2_in_one_short_line(inputs, tmp_path, capsys):
    long = f"{tmp_path}/" + ("d" * 200 + "/") * 30 + "x.csv"
    assert len(long) > 4096
    cases = [
        ["validate", long],
        ["ingest", "orders", long, "--out", str(tmp_path / "o")],
        ["ingest", "orders", str(inputs["orders"]), "--out", long],
        ["payouts", "--spec", str(inputs["spec"]), "--orders", str(inputs["orders"]),
         "--enrollments", str(inputs["enrollments"]), "--out", long],
        ["payouts", "--spec", long, "--orders", str(inputs["orders"]),
         "--enrollments", str(inputs["enrollments"]), "--out", str(tmp_path / "p.csv")],
        ["review", "--spec", str(inputs["spec"]), "--data", long, "--out", str(tmp_path / "r")],
    ]  # fmt: skip
    for args in cases:
        err = _one_line(main(args), capsys.readouterr().err)  # before: exit 1
        assert re.search("longer than the file system allows|File name too long", err) and len(err) < 400, err


# --------------------------------------------------------------------------- the environment


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("bogus://x", "not a database URL"),
        ("garbage", "not a database URL"),
        ("postgresql+psycopg2://ops:Sup3r-Secret@127.0.0.1:1/warehouse", "cannot open the warehouse"),
        ("postgresql://ops:Sup3r/Secret@nohost.invalid/warehouse", "cannot open the warehouse"),
    ],
)
def test_a_warehouse_url_that_is_no_database_or_unreachable_is_exit_2_without_the_password(
    capsys, monkeypatch, url, expected
):
    for args, env in ((["files", "list", "c", "--warehouse", url], None), (["files", "list", "c"], url)):
        if env:
            monkeypatch.setenv("AIRFLOW_CONN_CREATOR_OPS_WAREHOUSE", env)
        err = _one_line(main(args), capsys.readouterr().err)  # before: exit 1, internal error
        assert expected in err and "Secret" not in err and "Sup3r" not in err, err
        assert ("--warehouse" in err) != bool(env)


@pytest.mark.parametrize("value", ["banana", "1000000", "-", "1 GBs"])
def test_a_bad_memory_limit_names_the_variable(inputs, tmp_path, capsys, monkeypatch, value):
    monkeypatch.setenv("CREATOR_OPS_PAYOUTS_MEMORY_LIMIT", value)
    err = _one_line(main(_commands(inputs, str(tmp_path / "p.csv"))["payouts"]), capsys.readouterr().err)
    assert f"CREATOR_OPS_PAYOUTS_MEMORY_LIMIT={value!r}" in err and "like 1GB" in err


def test_good_memory_limits_still_run(inputs, tmp_path, capsys, monkeypatch):
    for value in ("512MiB", "1.5GB", "2 gb", "80%"):
        monkeypatch.setenv("CREATOR_OPS_PAYOUTS_MEMORY_LIMIT", value)
        assert main(_commands(inputs, str(tmp_path / "p.csv"))["payouts"]) == 0, capsys.readouterr().err


# --------------------------------------------------------------------------- validate with nothing to check


def test_validate_with_no_spec_says_so(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    named = tmp_path / "x.yaml"
    named.mkdir()
    for target in (empty, named):
        err = _one_line(main(["validate", str(target)]), capsys.readouterr().err)  # before: exit 0, silent
        assert "no spec found" in err
