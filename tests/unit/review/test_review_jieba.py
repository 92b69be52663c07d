"""jieba's dictionary as the review loads it (whole cache file at once) is jieba's own, and segments the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from repo_paths import ROOT

PLUGINS = ROOT / "plugins"

CHECK = """
import sys
from creator_ops.core.review.themes import load_jieba
jieba = load_jieba()
import jieba as plain
reference = plain.Tokenizer()
reference.tmp_dir = jieba.dt.tmp_dir
reference.initialize()  # jieba's own load of the same cache
assert reference.FREQ == jieba.dt.FREQ and reference.total == jieba.dt.total
texts = ["样品到得太晚", "优惠券叠加让买家困惑，直播流量太低", "希望美妆产品更多 sample late", "这次佣金很好!!"]
assert [jieba.lcut(t) for t in texts] == [reference.lcut(t) for t in texts]
print("same")
"""


def _run(tmp_dir: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(PLUGINS), "TMPDIR": str(tmp_dir)}
    done = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_fast_cache_load_gives_jiebas_dictionary(tmp_path):
    assert _run(tmp_path) == "same"  # no cache yet: jieba builds and writes it
    assert (tmp_path / "jieba.cache").is_file()
    assert _run(tmp_path) == "same"  # cache present: the review reads it at once


def test_a_broken_cache_falls_back_to_jieba(tmp_path):
    (tmp_path / "jieba.cache").write_bytes(b"not a marshal dump")
    assert _run(tmp_path) == "same"
