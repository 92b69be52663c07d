"""Hostile campaign specs: every problem names its file (and field), exit 2, and never hides a valid campaign.

The property, for every mutated spec (dates, numbers, keys, types, YAML shapes): loading it
either gives a spec whose DAG builds, or a `SpecError` whose every problem names the file;
never another exception. A folder of many broken specs beside the valid ones loads every
valid DAG in the DagBag, and `campaignctl validate` reports every broken file.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import VALID_SPECS, WHOLE_FILES, mutate, spec_documents
from repo_paths import ROOT

from creator_ops.core.spec import SpecError, load_spec

DOCUMENTS = spec_documents()
DEFAULT = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BIG = settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_one(path: Path) -> bool:
    """Load one spec file; return whether it is valid; fail on anything but a SpecError naming the file."""
    from creator_ops.airflow.dag_builder import build_campaign_dag

    try:
        spec = load_spec(path)
    except SpecError as exc:
        assert exc.problems, "a SpecError lists its problems"
        for problem in exc.problems:
            assert problem.file == str(path) and problem.message
        return False
    build_campaign_dag(spec, path)  # a valid spec always becomes a DAG
    return True


def _mutated_spec_property(tmp_path: Path, rnd: random.Random) -> None:
    text = mutate(rnd.choice(DOCUMENTS), rnd, rounds=rnd.randint(1, 3))
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    _check_one(path)


@DEFAULT
@given(rnd=st.randoms(use_true_random=False))
def test_a_mutated_spec_is_valid_or_a_problem_naming_its_file(tmp_path, rnd):
    _mutated_spec_property(tmp_path, rnd)


@pytest.mark.slow
@BIG
@given(rnd=st.randoms(use_true_random=False))
def test_a_mutated_spec_is_valid_or_a_problem_naming_its_file_many(tmp_path, rnd):
    _mutated_spec_property(tmp_path, rnd)


@pytest.mark.parametrize("index", range(len(WHOLE_FILES)))
def test_whole_file_shapes_are_problems(tmp_path, index):
    path = tmp_path / f"shape_{index}.yaml"
    path.write_bytes(WHOLE_FILES[index].encode("utf-8", errors="surrogateescape"))
    assert _check_one(path) is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("event_start: 2026-12-12", "event_start: 2027-02-29"), "timeline.event_start"),
        (("event_start: 2026-12-12", "event_start: 2026-13-01"), "timeline.event_start"),
        (("event_start: 2026-12-12", "event_start: 9999-12-12"), "timeline.event_start"),
        (("event_start: 2026-12-12", "event_start: 0001-01-01"), "timeline.event_start"),
        (("creators_enrolled: 3000", "creators_enrolled: " + "1" * 5001), "targets.creators_enrolled"),
        (("due: event_start - 5d", "due: event_start - 99999999999d"), "runbook[0].due"),
        (("hours: 48", "hours: 99999999999999"), "milestones[3].hours"),
        (("creator-ops-my@example.com", "not-an-email"), "alerts.email_to"),
        (("name: 12.12", "1: x\nname: 12.12"), "(top level)"),
    ],
)
def test_the_reported_examples_name_file_and_field(tmp_path, change, field):
    text = (VALID_SPECS[0].parent / "my_1212_2026.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert any(p.field.startswith(field) and p.file == str(path) for p in caught.value.problems), caught.value


def _corpus(folder: Path, n: int = 40, seed: int = 14) -> tuple[list[Path], list[Path]]:
    """Write the valid specs and `n` mutated ones (plus the odd shapes) into `folder`; return (valid, broken)."""
    rnd = random.Random(seed)
    for spec in VALID_SPECS[:4]:
        shutil.copy(spec, folder / spec.name)
    for i in range(n):
        (folder / f"zz_mutated_{i:03d}.yaml").write_text(
            mutate(rnd.choice(DOCUMENTS), rnd, rounds=rnd.randint(1, 3)), encoding="utf-8"
        )
    for i, text in enumerate(WHOLE_FILES):
        (folder / f"zz_shape_{i:03d}.yaml").write_bytes(text.encode("utf-8", errors="surrogateescape"))
    valid, broken = [], []
    for path in sorted(folder.glob("*.yaml")):
        try:
            load_spec(path)
            valid.append(path)
        except SpecError:
            broken.append(path)
    return valid, broken


def test_the_dagbag_loads_every_valid_campaign_beside_a_corpus_of_broken_ones(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.core.spec import discover_specs

    valid, broken = _corpus(tmp_path)
    assert len(valid) >= 4 and len(broken) >= 30
    monkeypatch.setenv("CAMPAIGN_SPECS_DIR", str(tmp_path))
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    ids = {spec.dag_id for _, spec in discover_specs(tmp_path).specs}
    assert len(bag.dags) >= len(valid) - (len(valid) - len(ids))  # duplicate ids count once
    assert ids <= set(bag.dag_ids)
    [(where, message)] = bag.import_errors.items()  # only the errors file fails, naming every broken one
    assert where.endswith("campaign_spec_errors.py")
    for path in broken:
        assert str(path) in message, path.name


def test_validate_checks_every_file_and_exits_2(tmp_path, capsys):
    from creator_ops.cli import main

    valid, broken = _corpus(tmp_path, n=25, seed=7)
    code = main(["validate", *map(str, sorted(tmp_path.glob("*.yaml")))])
    out, err = capsys.readouterr()
    assert code == 2 and "internal error" not in err and "Traceback" not in err
    for path in broken:
        assert str(path) in err, path.name
    for path in valid:
        assert f"{path}: ok" in out or f"{path}: id: duplicate" in err


def test_payouts_with_a_broken_spec_exits_2(tmp_path, capsys):
    from creator_ops.cli import main

    spec = tmp_path / "bad.yaml"
    spec.write_text((VALID_SPECS[0].parent / "my_1212_2026.yaml").read_text().replace("2026-12-12", "2027-02-29", 1))
    empty = tmp_path / "empty.csv"
    empty.write_text("x\n")
    argv = [
        "payouts",
        "--spec",
        str(spec),
        "--orders",
        str(empty),
        "--enrollments",
        str(empty),
        "--out",
        str(tmp_path / "o.csv"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "timeline.event_start" in err and "internal error" not in err
