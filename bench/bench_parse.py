"""Parse-time benchmark: N generated campaign specs through the DagBag, beside two references.

Prints ms per DAG for our loader (spec validation + DAG build, the way the dag-processor
fills a DagBag) and, in this process, for two references building DAGs with the same tasks
from YAML with EmptyOperator tasks: a bare factory (one YAML file per DAG read with libyaml's
safe loader, as our spec loader reads specs, then a `DAG` whose tasks, the same ids, are
EmptyOperators in one chain, without groups: about the least a YAML-driven DAG file can do)
a same-shape factory (the same task groups and dependencies as ours, EmptyOperator tasks),
and dag-factory (the same groups and dependencies). `ours/bare` measures everything ours
adds to a chain of empty tasks, the DAG's shape included (its task groups and their edges);
`ours/shape` what ours adds to Airflow building that same shape. Times are CPU seconds of
this process (`time.process_time`): parsing is single-threaded CPU work, and CPU time stays
comparable on a machine other jobs share. It also times what a task's process pays (`one
task s`): the DAG file run with the parsing context of one campaign
(`_AIRFLOW_PARSING_CONTEXT_DAG_ID`), which reads every spec but builds that DAG only.
dag-factory is installed into a temporary folder for this benchmark only.

    .venv/bin/python bench/bench_parse.py            # 100 and 1,000 specs
    .venv/bin/python bench/bench_parse.py --quick    # 100 specs
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="bench_parse_"))
os.environ.setdefault("AIRFLOW_HOME", str(WORK / "airflow"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY"] = "False"
os.environ["AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT"] = "600"  # 1,000 configs exceed the 30 s default on a busy machine
os.environ["DO_NOT_TRACK"] = "1"
os.environ["SCARF_NO_ANALYTICS"] = "1"
sys.path.insert(0, str(ROOT / "plugins"))

TYPES = ("double_digit", "payday", "scd", "linkshare")


def spec_text(i: int) -> str:
    """Return a realistic spec, varied by index (type, dates, runbook)."""
    campaign_type = TYPES[i % 4]
    year = 2027 + (i // 48) % 3
    if campaign_type == "double_digit":
        month = 9 + i % 4
        start = dt.date(year, month, month)
    elif campaign_type == "payday":
        start = dt.date(year, 1 + i % 12, 25)
    else:
        start = dt.date(year, 1 + i % 12, 1 + i % 27)
    runbook = "\n".join(
        f"  - {{id: signoff_{k}, title: Sign-off {k}, due: event_start - {k + 2}d, owner: team_{k}}}"
        for k in range(i % 3)
    )
    return f"""id: bench_{i:05d}
name: Bench campaign {i}
type: {campaign_type}
owners: [owner_{i % 7}]
timeline: {{event_start: {start.isoformat()}}}
targets: {{creators_enrolled: {500 + i}, gmv_myr: {100000 + 10 * i}, survey_responses: 100}}
recruitment: {{categories: [beauty, fashion], min_followers: 1000, shortlist_size: 500}}
incentives:
  budget_myr: 50000
  tiers: [{{min_gmv_myr: 1000, bonus_myr: 50}}, {{min_gmv_myr: 5000, bonus_myr: 300}}]
  commission_bonus: {{rate: 0.02, cap_myr: 500}}
  leaderboard: {{prizes_myr: [3000, 2000, 1000]}}
milestones:
  - {{metric: creators_enrolled, fractions: [0.5, 1.0]}}
  - {{before: registration_closes, hours: 48}}
alerts: {{slack_conn_id: slack_creator_ops, email_to: [ops@example.com]}}
""" + (f"runbook:\n{runbook}\n" if runbook else "")


def write_specs(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"bench_{i:05d}.yaml").write_text(spec_text(i))


def fill_ours(spec_dir: Path):
    from airflow.dag_processing.dagbag import DagBag

    from creator_ops.core import spec

    os.environ["CAMPAIGN_SPECS_DIR"] = str(spec_dir)
    spec._DISCOVERY_CACHE.clear()  # a dag-processor child starts cold: so does every repeat
    start = time.process_time()
    bag = DagBag(dag_folder=str(ROOT / "dags" / "campaigns.py"))  # the factory file, as the references' are
    elapsed = time.process_time() - start
    assert not bag.import_errors, bag.import_errors
    return elapsed, bag


def dag_factory_config(dag) -> dict:
    """Describe `dag` for dag-factory: same ids, groups and dependencies, EmptyOperator tasks."""
    tasks, groups = {}, {}
    for task in dag.tasks:
        group = task.task_group.group_id if task.task_group and task.task_group.group_id else None
        entry = {"operator": "airflow.providers.standard.operators.empty.EmptyOperator"}
        # full ids ("group.task" → "group__task"): short names repeat across groups
        upstream = sorted(t.replace(".", "__") for t in task.upstream_task_ids)
        if upstream:
            entry["dependencies"] = upstream
        if group:
            entry["task_group_name"] = group
            groups[group] = {"tooltip": f"{group} stage"}
        tasks[task.task_id.replace(".", "__")] = entry
    return {
        "default_args": {"owner": dag.owner, "retries": 2, "start_date": "2026-01-01"},
        "schedule": "@daily",
        "catchup": False,
        "tags": list(dag.tags),
        "doc_md": dag.doc_md,
        "task_groups": groups,
        "tasks": tasks,
    }


def bare_config(dag) -> dict:
    """Describe `dag` for the bare factory: its id, owner, tags and its task ids in topological order."""
    return {
        "dag_id": dag.dag_id,
        "owner": dag.owner,
        "tags": sorted(dag.tags),
        "tasks": [t.task_id.replace(".", "__") for t in dag.topological_sort()],
    }


BARE_FACTORY = """# airflow dag: the bare YAML factory (bench/bench_parse.py's reference)
import datetime as dt
from pathlib import Path

import yaml
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, chain

for path in sorted(Path({folder!r}).glob("*.yml")):
    config = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    with DAG(
        config["dag_id"], schedule="@daily", start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        catchup=False, tags=config["tags"], default_args={{"owner": config["owner"], "retries": 2}},
    ) as dag:
        chain(*[EmptyOperator(task_id=task_id) for task_id in config["tasks"]])
    globals()[dag.dag_id] = dag
"""


def shape_config(dag) -> dict:
    """Describe `dag` for the same-shape factory: id, owner, tags and (task, group, upstream) triples."""
    return {
        "dag_id": dag.dag_id,
        "owner": dag.owner,
        "tags": sorted(dag.tags),
        "tasks": [
            {"task_id": t.task_id, "group": t.task_group.group_id if t.task_group else None,
             "upstream": sorted(t.upstream_task_ids)}
            for t in dag.tasks
        ],
    }  # fmt: skip


SHAPE_FACTORY = """# airflow dag: the same-shape YAML factory (bench/bench_parse.py's second reference)
import datetime as dt
from pathlib import Path

import yaml
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup

for path in sorted(Path({folder!r}).glob("*.yml")):
    config = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    with DAG(
        config["dag_id"], schedule="@daily", start_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        catchup=False, tags=config["tags"], default_args={{"owner": config["owner"], "retries": 2}},
    ) as dag:
        groups, tasks = {{}}, {{}}
        for task in config["tasks"]:
            group = task["group"]
            if group and group not in groups:
                groups[group] = TaskGroup(group)
            short = task["task_id"].split(".", 1)[1] if group else task["task_id"]
            tasks[task["task_id"]] = EmptyOperator(task_id=short, task_group=groups.get(group))
        for task in config["tasks"]:
            for upstream in task["upstream"]:
                tasks[upstream] >> tasks[task["task_id"]]
    globals()[dag.dag_id] = dag
"""


def fill_folder(dags_dir: Path):
    from airflow.dag_processing.dagbag import DagBag

    start = time.process_time()
    bag = DagBag(dag_folder=str(dags_dir))
    elapsed = time.process_time() - start
    assert not bag.import_errors, bag.import_errors
    return elapsed, bag


def fill_for_one_task(spec_dir: Path, dag_id: str):
    """Fill a DagBag from our DAG file the way a task's process does: with the parsing context of one DAG."""
    os.environ["_AIRFLOW_PARSING_CONTEXT_DAG_ID"] = dag_id
    try:
        elapsed, bag = fill_ours(spec_dir)
    finally:
        del os.environ["_AIRFLOW_PARSING_CONTEXT_DAG_ID"]
    return elapsed, bag


def install_dag_factory() -> Path:
    target = WORK / "dagfactory_pkgs"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), "dag-factory==1.1.0"],
        check=True,
    )
    return target


def fill_dag_factory(config_dir: Path, dags_dir: Path):
    from airflow.dag_processing.dagbag import DagBag

    start = time.process_time()
    bag = DagBag(dag_folder=str(dags_dir))
    elapsed = time.process_time() - start
    assert not bag.import_errors, bag.import_errors
    return elapsed, bag


def median_of(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        elapsed, result = fn()
        times.append(elapsed)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [100] if args.quick else [100, 1000]

    import yaml
    from airflow.dag_processing.dagbag import DagBag  # noqa: F401 - pay Airflow's import once, outside timings
    from airflow.serialization.serialized_objects import DagSerialization

    sys.path.insert(0, str(install_dag_factory()))
    header = ("specs", "ours s", "ms/DAG", "tasks", "serialize s", "bare s", "ms/DAG", "ours/bare", "shape s",
              "ours/shape", "dag-factory s", "ours/df", "one task s")  # fmt: skip
    widths = (6, 8, 7, 6, 12, 8, 7, 10, 8, 11, 14, 8, 11)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for n in sizes:
        spec_dir = WORK / f"specs_{n}"
        write_specs(spec_dir, n)
        ours_s, bag = median_of(lambda spec_dir=spec_dir: fill_ours(spec_dir), args.repeats)
        campaigns = {dag_id: dag for dag_id, dag in bag.dags.items() if dag_id.startswith("campaign__")}
        assert len(campaigns) == n  # (the dags folder holds the ecosystem DAG too)
        tasks = sum(len(d.tasks) for d in campaigns.values())
        start = time.process_time()
        for dag in campaigns.values():
            DagSerialization.serialize_dag(dag)
        serialize_s = time.process_time() - start
        one_id = sorted(campaigns)[n // 2]
        one_s, one_bag = median_of(lambda s=spec_dir, d=one_id: fill_for_one_task(s, d), args.repeats)
        assert [d for d in one_bag.dags if d.startswith("campaign__")] == [one_id], list(one_bag.dags)

        bare_configs, bare_dags = WORK / f"bare_configs_{n}", WORK / f"bare_dags_{n}"
        shape_configs, shape_dags = WORK / f"shape_configs_{n}", WORK / f"shape_dags_{n}"
        config_dir, df_dags = WORK / f"df_configs_{n}", WORK / f"df_dags_{n}"
        for folder in (bare_configs, bare_dags, shape_configs, shape_dags, config_dir, df_dags):
            folder.mkdir(exist_ok=True)
        for dag in campaigns.values():
            (bare_configs / f"{dag.dag_id}.yml").write_text(yaml.safe_dump(bare_config(dag)))
            (shape_configs / f"{dag.dag_id}.yml").write_text(yaml.safe_dump(shape_config(dag)))
            (config_dir / f"{dag.dag_id}.yml").write_text(yaml.safe_dump({dag.dag_id: dag_factory_config(dag)}))
        (bare_dags / "bare_factory.py").write_text(BARE_FACTORY.format(folder=str(bare_configs)))
        (shape_dags / "shape_factory.py").write_text(SHAPE_FACTORY.format(folder=str(shape_configs)))
        (df_dags / "factory.py").write_text(
            "# airflow dag\nfrom dagfactory import load_yaml_dags\n"
            f"load_yaml_dags(globals_dict=globals(), dags_folder={str(config_dir)!r})\n"
        )
        bare_s, bare_bag = median_of(lambda d=bare_dags: fill_folder(d), args.repeats)
        assert len(bare_bag.dags) == n and sum(len(d.tasks) for d in bare_bag.dags.values()) == tasks
        shape_s, shape_bag = median_of(lambda d=shape_dags: fill_folder(d), args.repeats)
        edges = sum(len(t.upstream_task_ids) for d in campaigns.values() for t in d.tasks)
        assert sum(len(t.upstream_task_ids) for d in shape_bag.dags.values() for t in d.tasks) == edges
        df_s, df_bag = median_of(lambda c=config_dir, d=df_dags: fill_dag_factory(c, d), args.repeats)
        assert len(df_bag.dags) == n, len(df_bag.dags)
        print(
            f"{n:>6} {ours_s:>8.3f} {1000 * ours_s / n:>7.2f} {tasks:>6} {serialize_s:>12.3f} "
            f"{bare_s:>8.3f} {1000 * bare_s / n:>7.2f} {ours_s / bare_s:>10.2f} "
            f"{shape_s:>8.3f} {ours_s / shape_s:>11.2f} "
            f"{df_s:>14.3f} {ours_s / df_s:>8.2f} {one_s:>11.3f}"
        )


if __name__ == "__main__":
    main()
