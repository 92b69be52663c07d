"""Generators of hostile input: mutated campaign specs and broken data files.

Everything here is produced from the project's own valid specs and a few seeds, so the
corpus grows with the product instead of freezing one example per bug.
"""

from __future__ import annotations

import random
from typing import Any

import yaml
from repo_paths import ROOT

VALID_SPECS = sorted((ROOT / "include" / "campaigns").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "fixtures" / "specs" / "valid").glob("*.yaml")
)

# YAML snippets written verbatim where a value goes: bad dates, huge numbers, odd shapes.
RAW_VALUES = (
    "2027-02-29",
    "2026-13-01",
    "2026-12-32",
    "9999-12-12",
    "0001-01-01",
    "1900-01-01",
    "2026-12-12 25:61:00",
    "1" * 5001,
    "-" + "9" * 60,
    "99999999999999",
    "-1",
    "0",
    "1e999999",
    "-1e-999999",
    ".nan",
    ".inf",
    "0x7fffffffffffffff",
    "0o777777777777777777777",
    "1_000_000_000_000_000_000",
    "1:30:45",
    "3.14159265358979323846264338327950288419716939937510",
    "true",
    "null",
    "~",
    "''",
    '"\\u0000"',
    "[]",
    "{}",
    "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]",
    "{1: x, 2: y}",
    "{true: x}",
    "{null: x}",
    "[1, [2, {3: 4}]]",
    "event_start - 99999999999d",
    "event_start + 99999999999h",
    "event_start - 999999999999999999999999w",
    "payout_date + 3661d",
    "registration_closes - 48h",
    "nonsense - 5d",
    "'=HYPERLINK(\"http://x\")'",
    "siti@example.com",
    "not-an-email",
    "012-345 6789",
    "Asia/Nowhere",
    "../../../etc/passwd",
    "!!binary aGVsbG8=",
    "!!python/object/apply:os.system ['echo hi']",
    "&anchor x",
    "x" * 3000,
)

# keys that are not names
RAW_KEYS = ("1", "true", "null", "[a, b]", "{a: 1}", "2026-12-12", "1.5", "''", "unknown_key", "'id'")

WHOLE_FILES = (
    "",
    "---\n",
    "- a\n- b\n",
    "just a string\n",
    "42\n",
    "id: x\nid: y\n",
    "{{{{\n",
    "id: [unclosed\n",
    "\t- tab: indented\n",
    "a: &a [1, 2]\nb: *a\nc: *nope\n",
    # the billion laughs, small enough to parse, big enough to hurt a naive walk
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
    "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "\x00\x01\x02binary\xff",
    "id: a\n" + "k: v\n" * 1,
    "id: ok\nname: " + "n" * 300_000 + "\n",
)


def spec_documents() -> list[dict[str, Any]]:
    """Return the valid specs as parsed YAML documents."""
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in VALID_SPECS]


def paths_of(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Return every path (tuple of keys and indexes) inside a document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_of(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths_of(item, (*prefix, i))
    return found


def _placeholder(i: int) -> str:
    return f"__RAW_{i}__"


def render(document: Any, raw: dict[str, str]) -> str:
    """Dump `document` as YAML, then put each raw snippet where its placeholder is."""
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=10_000)
    for marker, snippet in raw.items():
        text = text.replace(f"'{marker}'", snippet).replace(marker, snippet)
    return text


def mutate(document: dict[str, Any], rng: random.Random, rounds: int = 1) -> str:
    """Return YAML text of `document` with `rounds` hostile changes (values, keys, types, shapes)."""
    import copy

    document = copy.deepcopy(document)
    raw: dict[str, str] = {}
    for n in range(rounds):
        paths = [p for p in paths_of(document) if p]
        path = rng.choice(paths)
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        marker = _placeholder(n)
        choice = rng.random()
        if choice < 0.55:
            raw[marker] = rng.choice(RAW_VALUES)
            parent[path[-1]] = marker
        elif choice < 0.75 and isinstance(parent, dict):
            raw[marker] = rng.choice(RAW_KEYS)
            parent[marker] = rng.choice(["x", 1, [1], {"a": 1}])
        elif choice < 0.9:
            parent[path[-1]] = rng.choice([None, [], {}, "", 0, -5, True, [None], {"x": None}, "é" * 10])
        elif isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = [parent[path[-1]]] * rng.randint(0, 600)
    return render(document, raw)
