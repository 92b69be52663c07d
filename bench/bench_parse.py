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
comparable on a machine other jobs share. Every fill runs as the dag-processor runs a parse:
from a collected heap frozen out of the collector's passes (its manager calls `gc.freeze()`
before it forks a parse), so no fill pays for walking DAGs an earlier one left; ours and the
two references take turns, round after round (the ratio of each round is printed too). It
also times what a task's process pays (`one task s`): the DAG file run with the parsing
context of one campaign (`_AIRFLOW_PARSING_CONTEXT_DAG_ID`), which reads every spec but
builds that DAG only. Then it prints where a fill of the first size goes, part by part (spec
reading, operators, task groups, dependencies, the collector...: one fill each with every
part timed), and what one task of each of our operator kinds costs beside an EmptyOperator.
docs/parsing.md reads these figures. dag-factory is installed into a temporary folder for
this benchmark only.

    .venv/bin/python bench/bench_parse.py            # 100 and 1,000 specs
    .venv/bin/python bench/bench_parse.py --quick    # 100 specs
    .venv/bin/python bench/bench_parse.py --snapshot before.json   # the DAGs as Airflow stores them, to compare
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
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


def as_parsed(fill):
    """Run `fill()` the way the dag-processor runs a parse: the heap from before it frozen out of collections.

    Airflow's DagFileProcessorManager calls `gc.freeze()` before it forks a parsing process, so a
    parse's collector passes walk only what the parse itself allocates; here every fill starts so
    too, whatever the fills before it left behind (their DAGs are garbage cycles until collected).
    """
    gc.collect()
    gc.freeze()
    try:
        return fill()
    finally:
        gc.unfreeze()


def median_of(fn, repeats: int):
    times, result = [], None
    for _ in range(repeats):
        result = None
        elapsed, result = as_parsed(fn)
        times.append(elapsed)
    return statistics.median(times), result


def interleaved(fills: dict, repeats: int) -> dict[str, list[float]]:
    """Time each of `fills` (name: (fill, check)) once per round, in turn; return each one's times."""
    times: dict[str, list[float]] = {name: [] for name in fills}
    for _ in range(repeats):
        for name, (fill, check) in fills.items():
            elapsed, filled = as_parsed(fill)
            check(filled)
            del filled
            times[name].append(elapsed)
    return times


class _Attribution:
    """Exclusive CPU time per part of a fill: each timed call charges its part, minus the parts it calls."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.stack: list[list] = []  # [part, started, charged to nested parts]
        self.undo: list = []

    def wrap(self, part: str, fn):
        def timed(*args, **kwargs):
            if self.stack and self.stack[-1][0] == part:
                return fn(*args, **kwargs)  # nested in its own part (a subclass's __init__, a chained >>)
            frame = [part, time.process_time(), 0.0]
            self.stack.append(frame)
            try:
                return fn(*args, **kwargs)
            finally:
                self.stack.pop()
                spent = time.process_time() - frame[1]
                self.totals[part] = self.totals.get(part, 0.0) + spent - frame[2]
                if self.stack:
                    self.stack[-1][2] += spent

        return timed

    def collector(self, phase: str, info: dict) -> None:
        """`gc.callbacks` hook: a collection's pause is its own part, not the part it interrupted."""
        if phase == "start":
            self.stack.append(["garbage collector", time.process_time(), 0.0])
        elif self.stack and self.stack[-1][0] == "garbage collector":
            frame = self.stack.pop()
            spent = time.process_time() - frame[1]
            self.totals[frame[0]] = self.totals.get(frame[0], 0.0) + spent
            if self.stack:
                self.stack[-1][2] += spent

    def patch(self, owner, name: str, part: str) -> None:
        original = owner.__dict__[name]
        setattr(owner, name, self.wrap(part, original))
        self.undo.append((owner, name, original))

    def restore(self) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)
        self.undo.clear()


PARTS = (
    ("YAML read", "the spec file read and parsed (ours: the one safe loader; references: libyaml's safe loader)"),
    ("spec validation", "ours only: the spec model, derived timeline, relative times, finance runbook"),
    ("DAG arguments", "ours only: doc_md, description, timetable, failure callback, deadline, access control"),
    ("DAG object", "Airflow's DAG.__init__"),
    ("operators", "every operator's construction (Airflow's BaseOperator and ours), adding it to DAG and group"),
    ("task groups", "Airflow's TaskGroup construction, entering and leaving it"),
    ("dependencies", ">>, <<, set_downstream, set_upstream (group to group, group to task, task to task)"),
    ("DagBag", "DagBag.bag_dag: Airflow's checks of each DAG (cycles, ids) as it is bagged"),
    ("garbage collector", "Python's cyclic collector, in whichever part it interrupted"),
    ("rest", "the DAG file's own loop and calls not listed (our stage builders, the factories' loops)"),
)


def attribute_fill(fill) -> dict[str, float]:
    """Run `fill()` once with each part of a fill timed (exclusive CPU seconds per part, `rest` the remainder)."""
    import yaml
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DAG, TaskGroup
    from airflow.sdk.bases.operator import BaseOperatorMeta
    from airflow.sdk.definitions._internal.mixins import DependencyMixin
    from airflow.sdk.definitions._internal.node import DAGNode

    from creator_ops.airflow import dag_builder
    from creator_ops.airflow.timetable import CampaignTimetable
    from creator_ops.core import spec

    timer = _Attribution()
    timer.patch(yaml, "load", "YAML read")
    timer.patch(spec, "read_yaml_file", "YAML read")
    timer.patch(dag_builder, "discover_specs", "spec validation")
    for name in ("campaign_doc_md", "task_failure_callback", "campaign_deadline", "dag_access_control",
                 "step_assignees", "format_local"):  # fmt: skip
        timer.patch(dag_builder, name, "DAG arguments")
    timer.patch(CampaignTimetable, "__init__", "DAG arguments")
    timer.patch(DAG, "__init__", "DAG object")
    BaseOperatorMeta.__call__ = timer.wrap("operators", type.__call__)
    for name in ("__init__", "__enter__", "__exit__"):
        timer.patch(TaskGroup, name, "task groups")
    for name in ("__lshift__", "__rshift__", "__rrshift__", "__rlshift__"):
        timer.patch(DependencyMixin, name, "dependencies")
    for name in ("set_downstream", "set_upstream"):
        timer.patch(DAGNode, name, "dependencies")
    timer.patch(DagBag, "bag_dag", "DagBag")

    def timed_fill():
        gc.callbacks.append(timer.collector)  # the fill's own collections, not as_parsed's
        try:
            return fill()
        finally:
            gc.callbacks.remove(timer.collector)

    try:
        elapsed, _ = as_parsed(timed_fill)
    finally:
        timer.restore()
        del BaseOperatorMeta.__call__
    parts = {part: timer.totals.get(part, 0.0) for part, _ in PARTS}
    parts["rest"] = elapsed - sum(parts.values())
    return parts


def print_attribution(n: int, columns: dict[str, dict[str, float]]) -> None:
    """Print each part's CPU ms per DAG for each fill, and what ours spends beyond the bare factory."""
    names = list(columns)
    print(f"\nwhere a fill of {n} specs goes (CPU ms per DAG, one timed fill each; the timing itself adds 10-20 %)")
    print(f"{'part':<16}" + "".join(f"{name:>10}" for name in names) + f"{'ours-bare':>11}")
    for part, _ in [*PARTS, ("total", "")]:
        values = [sum(c.values()) if part == "total" else c[part] for c in columns.values()]
        extra = values[0] - values[1]
        print(f"{part:<16}" + "".join(f"{1000 * v / n:>10.2f}" for v in values) + f"{1000 * extra / n:>11.2f}")
    for part, what in PARTS:
        print(f"  {part}: {what}")


def operator_costs(count: int = 1000, repeats: int = 7) -> dict[str, float]:
    """CPU microseconds to build one task of each kind, in a DAG with our default arguments (best of `repeats`).

    `subclass level` is a `BaseOperator` subclass whose `__init__` only calls `super().__init__`:
    Airflow's metaclass wraps every `__init__` of an operator's classes in its `apply_defaults`
    (default arguments and params merged again), so each class level with an `__init__` pays it.
    """
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG, BaseOperator, TriggerRule

    from creator_ops.airflow.notifiers import task_failure_callback
    from creator_ops.airflow.operators import CampaignStepOperator, PayoutApprovalOperator, RunbookSignoffOperator
    from creator_ops.core.calendar import Phase

    class SubclassLevel(BaseOperator):
        def __init__(self, *, spec_path: str, **kwargs) -> None:
            super().__init__(**kwargs)

    due = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    kinds = {
        "EmptyOperator": lambda i: EmptyOperator(task_id=f"t{i}"),
        "subclass level": lambda i: SubclassLevel(task_id=f"t{i}", spec_path="s.yaml"),
        "CampaignStepOperator": lambda i: CampaignStepOperator(
            task_id=f"t{i}", spec_path="s.yaml", step="m:f", phases=(Phase.LIVE,), doc_md="d",
            trigger_rule=TriggerRule.NONE_FAILED,
        ),
        "PayoutApprovalOperator": lambda i: PayoutApprovalOperator(
            task_id=f"t{i}", spec_path="s.yaml", phases=[Phase.PAYOUT], retries=0, doc_md="d",
            trigger_rule=TriggerRule.NONE_FAILED,
        ),
        "RunbookSignoffOperator": lambda i: RunbookSignoffOperator(
            task_id=f"t{i}", spec_path="s.yaml", step_id="s", due=due, subject="s", body="b", retries=0,
            trigger_rule=TriggerRule.NONE_FAILED,
        ),
    }  # fmt: skip
    default_args = {"owner": "o", "on_failure_callback": task_failure_callback("s.yaml"), "retries": 2,
                    "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": True}  # fmt: skip
    best = dict.fromkeys(kinds, float("inf"))
    for r in range(repeats + 1):  # the kinds in turns; round 0 warms every path up and is not counted
        for k, (name, make) in enumerate(kinds.items()):
            with DAG(f"ops_{k}_{r}", schedule=None, default_args=default_args):
                gc.collect()
                gc.freeze()
                start = time.process_time()
                for i in range(count):
                    make(i)
                elapsed = time.process_time() - start
                gc.unfreeze()
            if r:
                best[name] = min(best[name], elapsed)
    return {name: 1e6 * seconds / count for name, seconds in best.items()}


def print_operator_costs(costs: dict[str, float]) -> None:
    base = costs["EmptyOperator"]
    print("\none task built (CPU us, best of 7 x 1,000, in turns; our DAG's default arguments):")
    for name, us in costs.items():
        print(f"  {name:<24}{us:>7.1f}  {us - base:>+6.1f} beside EmptyOperator")


def snapshot(target: Path, n: int = 100) -> None:
    """Write every demo DAG and `n` generated ones as `DagSerialization.serialize_dag` gives them, to `target`.

    What Airflow stores and the UI shows of each DAG (task ids, groups, edges, operator
    arguments, doc_md, timetable); run before and after a change to the fill, the two files
    must be equal. The project and temporary folders read `<root>` and `<work>`.
    """
    import json

    from airflow.serialization.serialized_objects import DagSerialization

    from creator_ops.airflow.dag_builder import load_campaign_dags

    spec_dir = WORK / f"specs_{n}"
    write_specs(spec_dir, n)
    dags = {}
    for name, folder in (("demo", ROOT / "include" / "campaigns"), ("generated", spec_dir)):
        for dag_id, dag in load_campaign_dags(folder).dags.items():
            dags[f"{name}:{dag_id}"] = DagSerialization.serialize_dag(dag)
    text = json.dumps(dags, sort_keys=True, indent=1, default=str)
    target.write_text(text.replace(str(WORK), "<work>").replace(str(ROOT), "<root>"))
    print(f"{len(dags)} DAGs serialized to {target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--snapshot", type=Path, help="write the serialized DAGs to this file instead of timing")
    args = parser.parse_args()
    if args.snapshot:
        snapshot(args.snapshot)
        return
    sizes = [100] if args.quick else [100, 1000]

    import yaml
    from airflow.dag_processing.dagbag import DagBag  # noqa: F401 - pay Airflow's import once, outside timings
    from airflow.serialization.serialized_objects import DagSerialization

    sys.path.insert(0, str(install_dag_factory()))
    header = ("specs", "ours s", "ms/DAG", "tasks", "serialize s", "bare s", "ms/DAG", "ours/bare", "shape s",
              "ours/shape", "dag-factory s", "ours/df", "one task s")  # fmt: skip
    widths = (6, 8, 7, 6, 12, 8, 7, 10, 8, 11, 14, 8, 11)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    attributed: dict[int, dict[str, dict[str, float]]] = {}
    for n in sizes:
        spec_dir = WORK / f"specs_{n}"
        write_specs(spec_dir, n)
        _, bag = fill_ours(spec_dir)  # untimed: the DAGs the references copy
        campaigns = {dag_id: dag for dag_id, dag in bag.dags.items() if dag_id.startswith("campaign__")}
        assert len(campaigns) == n  # (the dags folder holds the ecosystem DAG too)
        tasks = sum(len(d.tasks) for d in campaigns.values())
        edges = sum(len(t.upstream_task_ids) for d in campaigns.values() for t in d.tasks)
        start = time.process_time()
        for dag in campaigns.values():
            DagSerialization.serialize_dag(dag)
        serialize_s = time.process_time() - start
        one_id = sorted(campaigns)[n // 2]

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
        del bag, campaigns, dag  # no fill below walks another's DAGs in its collector passes

        def check_ours(filled, tasks=tasks) -> None:
            assert sum(len(d.tasks) for i, d in filled.dags.items() if i.startswith("campaign__")) == tasks

        def check_bare(filled, n=n, tasks=tasks) -> None:
            assert len(filled.dags) == n and sum(len(d.tasks) for d in filled.dags.values()) == tasks

        def check_shape(filled, edges=edges) -> None:
            assert sum(len(t.upstream_task_ids) for d in filled.dags.values() for t in d.tasks) == edges

        # ours and the two references take turns, so a change in the machine's load falls on each alike
        times = interleaved(
            {
                "ours": (lambda s=spec_dir: fill_ours(s), check_ours),
                "bare": (lambda d=bare_dags: fill_folder(d), check_bare),
                "shape": (lambda d=shape_dags: fill_folder(d), check_shape),
            },
            args.repeats,
        )
        ours_s, bare_s, shape_s = (statistics.median(times[k]) for k in ("ours", "bare", "shape"))
        one_s, one_bag = median_of(lambda s=spec_dir, d=one_id: fill_for_one_task(s, d), args.repeats)
        assert [d for d in one_bag.dags if d.startswith("campaign__")] == [one_id], list(one_bag.dags)
        del one_bag
        df_s, df_bag = median_of(lambda c=config_dir, d=df_dags: fill_dag_factory(c, d), args.repeats)
        assert len(df_bag.dags) == n, len(df_bag.dags)
        del df_bag
        print(
            f"{n:>6} {ours_s:>8.3f} {1000 * ours_s / n:>7.2f} {tasks:>6} {serialize_s:>12.3f} "
            f"{bare_s:>8.3f} {1000 * bare_s / n:>7.2f} {ours_s / bare_s:>10.2f} "
            f"{shape_s:>8.3f} {ours_s / shape_s:>11.2f} "
            f"{df_s:>14.3f} {ours_s / df_s:>8.2f} {one_s:>11.3f}"
        )
        rounds = ", ".join(f"{o / b:.2f}" for o, b in zip(times["ours"], times["bare"], strict=True))
        print(f"{'':>6} ours/bare in each round: {rounds}")
        if n == sizes[0]:
            attributed[n] = {
                "ours": attribute_fill(lambda spec_dir=spec_dir: fill_ours(spec_dir)),
                "bare": attribute_fill(lambda d=bare_dags: fill_folder(d)),
                "shape": attribute_fill(lambda d=shape_dags: fill_folder(d)),
            }
    for n, columns in attributed.items():
        print_attribution(n, columns)
    print_operator_costs(operator_costs())


if __name__ == "__main__":
    main()
