"""The incentive payout engine: SPEC section 5, exact to the sen, one definition for DAG and CLI.

The rules live in two DuckDB queries over three relations (orders, enrollments,
exclusions) given as Arrow tables, pandas DataFrames or Parquet files:
`include/sql/payouts_eligible_lines.sql` (rules 1-2: the eligible lines, the one
definition the campaign review reads too) and `include/sql/payouts.sql` (rules 3-9 over
those lines). A `PayoutSession` keeps the eligible lines of one campaign and applies any
number of incentive designs to them (the review's what-if alternatives).

Money is integer sen throughout; the commission rate is an exact fraction of
integers, so `floor_to_sen(1018.00 × 0.045)` is 45.81 and never 45.80. The DAG reads
its inputs from the warehouse (`creator_ops.warehouse.payout_inputs`), the CLI from files; both call
`calculate_payouts`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creator_ops.core import money, order_status
from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.ingest.datasets import PAYOUT_DATASETS, SPECS
from creator_ops.core.money import format_myr
from creator_ops.core.paths import SQL_DIR
from creator_ops.core.settings import settings
from creator_ops.core.spec import CampaignSpec, Incentives, Timeline

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

SQL_FILE = SQL_DIR / "payouts.sql"
ELIGIBLE_LINES_SQL_FILE = SQL_DIR / "payouts_eligible_lines.sql"
RESULT_COLUMNS = (
    "creator_id",
    "eligible_gmv_myr",
    "eligible_orders",
    "tier_bonus_myr",
    "commission_bonus_myr",
    "new_creator_bonus_myr",
    "leaderboard_prize_myr",
    "total_myr",
)
# (column, duckdb type, required) of each input relation: the payout data sets' stored fields in the
# registry, then row_number (input order: rule 1's "later row"). Required are the fields a file must
# have (`FieldSpec.required`); the others may be absent (NULL).
INPUT_COLUMNS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    name: SPECS[name].duckdb_columns() for name in PAYOUT_DATASETS
}


class PayoutInputError(CreatorOpsError, ValueError):
    """An input of the payout engine is unusable (a missing column, no incentives in the spec)."""


# --------------------------------------------------------------------------- exact money


def to_sen(myr: Decimal | int | str) -> int:
    """Convert an exact MYR amount of the spec's incentives to integer sen (`core.money.to_sen`)."""
    return money.to_sen(myr, error=PayoutInputError)


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class PayoutRules:
    """SPEC section 5 parameters of one campaign, in UTC instants and integer sen."""

    event_start: dt.datetime
    event_end: dt.datetime
    registration_closes: dt.datetime
    budget_sen: int
    tiers: tuple[tuple[int, int], ...] = ()  # (min_gmv_sen, bonus_sen), ascending
    commission_rate: Decimal = Decimal(0)
    commission_cap_sen: int | None = None
    new_creator_bonus_sen: int = 0
    prizes_sen: tuple[int, ...] = ()

    @classmethod
    def from_spec(cls, spec: CampaignSpec) -> PayoutRules:
        """Take the rules from a validated spec; a spec without `incentives` pays nothing."""
        if spec.incentives is None:
            raise PayoutInputError(f"campaign {spec.id} has no incentives section: nothing to pay")
        return cls.from_incentives(spec.timeline, spec.incentives)

    @classmethod
    def from_incentives(cls, timeline: Timeline, inc: Incentives | None) -> PayoutRules:
        """Take the rules from a timeline and an incentive design (None: a design that pays nothing)."""
        t = timeline
        window = {
            "event_start": t.event_start.astimezone(dt.UTC),
            "event_end": t.event_end.astimezone(dt.UTC),
            "registration_closes": t.registration_closes.astimezone(dt.UTC),
        }
        if inc is None:
            return cls(**window, budget_sen=0)
        commission = inc.commission_bonus
        return cls(
            **window,
            budget_sen=to_sen(inc.budget_myr),
            tiers=tuple(sorted((to_sen(x.min_gmv_myr), to_sen(x.bonus_myr)) for x in inc.tiers)),
            commission_rate=commission.rate if commission else Decimal(0),
            commission_cap_sen=(
                to_sen(commission.cap_myr) if commission and commission.cap_myr is not None else None
            ),
            new_creator_bonus_sen=to_sen(inc.new_creator_bonus_myr),
            prizes_sen=tuple(to_sen(p) for p in inc.leaderboard.prizes_myr),
        )

    def rate_fraction(self) -> tuple[int, int]:
        """Return the commission rate as an exact (numerator, denominator) of integers."""
        num, den = Decimal(self.commission_rate).as_integer_ratio()
        return num, den

    def commission_sen(self, gmv_sen: int) -> int:
        """Return rule 5 for one GMV (used for explanations; the engine computes the same in SQL)."""
        num, den = self.rate_fraction()
        value = gmv_sen * num // den
        return value if self.commission_cap_sen is None else min(value, self.commission_cap_sen)

    def window_parameters(self) -> dict[str, Any]:
        """Parameters of rules 1-2 (which lines are eligible)."""
        return {
            "event_start": self.event_start,
            "event_end": self.event_end,
            "registration_closes": self.registration_closes,
        }

    def same_window(self, other: PayoutRules) -> bool:
        return self.window_parameters() == other.window_parameters()

    def incentive_parameters(self) -> dict[str, Any]:
        """Parameters of rules 3-9 (what the eligible lines earn)."""
        num, den = self.rate_fraction()
        return {
            "rate_num": num,
            "rate_den": den,
            "cap_sen": self.commission_cap_sen,
            "new_creator_bonus_sen": self.new_creator_bonus_sen,
            "budget_sen": self.budget_sen,
        }

    def query_parameters(self) -> dict[str, Any]:
        return {**self.window_parameters(), **self.incentive_parameters()}


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CreatorPayout:
    """One creator's line of the result (rule 9), money in sen."""

    creator_id: str
    eligible_gmv_sen: int
    eligible_orders: int
    tier_bonus_sen: int
    commission_bonus_sen: int
    new_creator_bonus_sen: int
    leaderboard_prize_sen: int
    total_sen: int
    leaderboard_rank: int | None = None
    is_new_creator: bool = False

    def as_csv_row(self) -> dict[str, str | int]:
        return {
            "creator_id": self.creator_id,
            "eligible_gmv_myr": format_myr(self.eligible_gmv_sen),
            "eligible_orders": self.eligible_orders,
            "tier_bonus_myr": format_myr(self.tier_bonus_sen),
            "commission_bonus_myr": format_myr(self.commission_bonus_sen),
            "new_creator_bonus_myr": format_myr(self.new_creator_bonus_sen),
            "leaderboard_prize_myr": format_myr(self.leaderboard_prize_sen),
            "total_myr": format_myr(self.total_sen),
        }


@dataclass
class PayoutResult:
    """The engine's output: one row per creator with an eligible line, plus budget figures."""

    table: pa.Table
    rules: PayoutRules
    notes: list[str] = field(default_factory=list)

    @cached_property
    def rows(self) -> list[CreatorPayout]:
        columns = self.table.to_pydict()
        return [
            CreatorPayout(
                creator_id=columns["creator_id"][i],
                eligible_gmv_sen=columns["eligible_gmv_sen"][i],
                eligible_orders=columns["eligible_orders"][i],
                tier_bonus_sen=columns["tier_bonus_sen"][i],
                commission_bonus_sen=columns["commission_bonus_sen"][i],
                new_creator_bonus_sen=columns["new_creator_bonus_sen"][i],
                leaderboard_prize_sen=columns["leaderboard_prize_sen"][i],
                total_sen=columns["total_sen"][i],
                leaderboard_rank=columns["leaderboard_rank"][i],
                is_new_creator=bool(columns["is_new_creator"][i]),
            )
            for i in range(self.table.num_rows)
        ]

    def _sum(self, column: str) -> int:
        import pyarrow.compute as pc

        if self.table.num_rows == 0:
            return 0
        return int(pc.sum(self.table[column]).as_py() or 0)

    @property
    def creators(self) -> int:
        return self.table.num_rows

    @property
    def total_sen(self) -> int:
        return self._sum("total_sen")

    @property
    def prizes_awarded_sen(self) -> int:
        return self._sum("leaderboard_prize_sen")

    @property
    def variable_total_sen(self) -> int:
        """Tier + commission + new-creator bonuses before budget scaling."""
        return (
            self._sum("unscaled_tier_bonus_sen")
            + self._sum("unscaled_commission_bonus_sen")
            + self._sum("unscaled_new_creator_bonus_sen")
        )

    @property
    def available_sen(self) -> int:
        """What the budget leaves for the variable components once awarded prizes are paid."""
        return self.rules.budget_sen - self.prizes_awarded_sen

    @property
    def scaled(self) -> bool:
        return self.variable_total_sen > self.available_sen

    @property
    def scale(self) -> Fraction:
        """The factor applied to every variable component (1 when not scaled)."""
        if not self.scaled:
            return Fraction(1)
        return Fraction(self.available_sen, self.variable_total_sen)

    def tier_counts(self) -> dict[int, int]:
        """Return {tier min_gmv_sen: creators in that tier} (0 = below every tier)."""
        counts = {minimum: 0 for minimum, _ in self.rules.tiers}
        counts[0] = counts.get(0, 0)
        thresholds = sorted(counts)
        import bisect

        for gmv in self.table["eligible_gmv_sen"].to_pylist() if self.creators else []:
            counts[thresholds[bisect.bisect_right(thresholds, gmv) - 1]] += 1
        return counts

    def top(self, n: int = 10) -> list[CreatorPayout]:
        """Return the n best-paid creators (total desc, then leaderboard order)."""
        return sorted(self.rows, key=lambda r: (-r.total_sen, r.leaderboard_rank or 10**12, r.creator_id))[:n]

    def summary(self) -> dict[str, Any]:
        """Return the figures ops and finance look at, money as two-decimal strings."""
        budget = self.rules.budget_sen
        return {
            "creators_paid": sum(1 for r in self.rows if r.total_sen > 0),
            "creators_eligible": self.creators,
            "total_myr": format_myr(self.total_sen),
            "budget_myr": format_myr(budget),
            "budget_used_pct": f"{Decimal(self.total_sen * 100) / Decimal(budget):.2f}" if budget else "0.00",
            "prizes_awarded_myr": format_myr(self.prizes_awarded_sen),
            "variable_before_scaling_myr": format_myr(self.variable_total_sen),
            "scaled": self.scaled,
            "scale_factor": f"{Decimal(self.scale.numerator) / Decimal(self.scale.denominator):.6f}",
            "tier_counts": {format_myr(k): v for k, v in sorted(self.tier_counts().items())},
            "notes": list(self.notes),
        }

    def write_csv(self, path: str | Path) -> Path:
        """Write rule 9's result (money with two decimals) as formula-safe UTF-8 CSV, atomically."""
        from creator_ops.core.safe_csv import write_csv

        rows = (r.as_csv_row() for r in self.rows)
        return write_csv(path, RESULT_COLUMNS, rows, bom=False, lineterminator="\n")


# --------------------------------------------------------------------------- engine


def _connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    import duckdb

    # a ceiling for DuckDB's own buffers (it spills to disk beyond it), so 10M lines stay under 2 GB in all
    memory_limit = settings().payouts_memory_limit
    con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1, "memory_limit": memory_limit})
    # naive timestamps are UTC in this product (the readers and the warehouse store UTC)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    return con


def register_input(
    con: duckdb.DuckDBPyConnection,
    name: str,
    source: Any,
    columns_spec: tuple[tuple[str, str, bool], ...] | None = None,
) -> None:
    """Expose `source` as view `name` with the engine's column names and types (default: INPUT_COLUMNS)."""
    import pyarrow as pa

    spec_columns = columns_spec or INPUT_COLUMNS[name]
    raw = f"raw_{name}"
    if source is None:
        columns = ", ".join(f"CAST(NULL AS {kind}) AS {col}" for col, kind, _ in spec_columns)
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {columns} WHERE false")
        return
    if isinstance(source, str | Path):
        path = str(source).replace("'", "''")
        # input order of a Parquet file is its physical order
        position = "CAST(file_row_number + 1 AS BIGINT)"
        projection = (
            f"* REPLACE ({position} AS row_number)"
            if _parquet_has_column(con, path, "row_number")
            else f"*, {position} AS row_number"
        )
        con.execute(
            f"CREATE OR REPLACE VIEW {raw} AS SELECT {projection} "
            f"FROM read_parquet('{path}', file_row_number = true)"
        )
        available = {r[0] for r in con.execute(f"DESCRIBE {raw}").fetchall()}
    else:
        import pyarrow.compute as pc

        table = source if isinstance(source, pa.Table) else pa.Table.from_pandas(source, preserve_index=False)
        if "row_number" not in table.column_names:
            import numpy as np

            table = table.append_column("row_number", pa.array(np.arange(1, table.num_rows + 1)))
        elif pc.count_distinct(table["row_number"]).as_py() != table.num_rows:
            # rule 1 finds each line's winner by its input position, which must be unique
            raise PayoutInputError(f"{name}: row_number values are not unique")
        con.register(raw, table)
        available = set(table.column_names)
    select = []
    for col, kind, required in spec_columns:
        if col in available:
            select.append(f'CAST("{col}" AS {kind}) AS {col}')
        elif not required:
            select.append(f"CAST(NULL AS {kind}) AS {col}")
        else:
            raise PayoutInputError(f"{name}: missing column {col!r} (has {', '.join(sorted(available))})")
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(select)} FROM {raw}")


def _parquet_has_column(con: duckdb.DuckDBPyConnection, path: str, column: str) -> bool:
    rows = con.execute(f"SELECT name FROM parquet_schema('{path}')").fetchall()
    return any(r[0] == column for r in rows)


def _incentive_tables(con: duckdb.DuckDBPyConnection, rules: PayoutRules) -> None:
    import pyarrow as pa

    tiers = pa.table(
        {
            "min_sen": pa.array([m for m, _ in rules.tiers], pa.int64()),
            "bonus_sen": pa.array([b for _, b in rules.tiers], pa.int64()),
        }
    )
    prizes = pa.table(
        {
            "rank": pa.array(range(1, len(rules.prizes_sen) + 1), pa.int64()),
            "prize_sen": pa.array(rules.prizes_sen, pa.int64()),
        }
    )
    con.register("tiers", tiers)
    con.register("prizes", prizes)


# The engine adds money as signed 64-bit integer sen: a sum beyond this is bad input, never a wrapped figure.
MAX_SUM_SEN = 2**63 - 1


def arrow_table(relation: Any) -> pa.Table:
    """Return a DuckDB relation's rows as one Arrow table; a sum past `MAX_SUM_SEN` is a `PayoutInputError`."""
    import duckdb

    try:
        table = relation.to_arrow_table()
    except (duckdb.ConversionException, duckdb.OutOfRangeException) as exc:
        if "INT64" not in str(exc) and "Overflow" not in str(exc):
            raise
        raise PayoutInputError(
            f"amounts add up beyond {money.format_rm(MAX_SUM_SEN)}, the largest sum the payout engine "
            "computes exactly (64-bit sen): check the export for absurd amounts"
        ) from None
    if hasattr(table, "read_all"):  # duckdb may hand back a record batch reader
        table = table.read_all()
    return table


def _sql_body(text: str) -> str:
    """Return a query file's text after its header comments, from its `WITH`."""
    return text[text.index("\nWITH\n") + 1 :]


# payouts.sql's rule 3 yields `per_creator` with these columns; rules 4-9 read nothing else of the lines
RULE_3_COLUMNS = ("creator_id", "eligible_gmv_sen", "eligible_orders", "first_order_time", "is_new_creator")
_RULES_4_TO_9 = "-- Rules 4-7 before the budget."


def _rules_4_to_9(text: str, per_creator: str) -> str:
    """Return payouts.sql with rule 3's `per_creator` read from the relation `per_creator` (same columns)."""
    _, rules_4_to_9 = _sql_body(text).split(_RULES_4_TO_9)
    columns = ", ".join(RULE_3_COLUMNS)
    return f"WITH\nper_creator AS (SELECT {columns} FROM {per_creator}),\n{_RULES_4_TO_9}{rules_4_to_9}"


def define_eligible_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Define rules 1-2's table macros on `con` (`include/sql/payouts_eligible_lines.sql`).

    `eligible_lines($event_start, $event_end, $registration_closes)`, `enrolled(...)` and
    `campaign_lines(...)` then read the connection's orders, enrollments and exclusions; the
    status vocabulary's macros (`core.order_status.sql_macros`) come first.
    """
    con.execute(order_status.sql_macros())
    con.execute(ELIGIBLE_LINES_SQL_FILE.read_text(encoding="utf-8"))


ELIGIBLE_LINES = "eligible_lines($event_start, $event_end, $registration_closes)"
CAMPAIGN_LINES = "campaign_lines($event_start, $event_end, $registration_closes)"
EVENT_LINES = "event_lines"  # a session's materialized campaign_lines: every status


class PayoutSession:
    """One campaign's inputs in DuckDB: rules 1-2 computed once, rules 3-9 for any incentive design.

    The eligible lines are materialized, so the review's figures and every what-if design
    read the same lines the payouts are computed from (the same engine on the same inputs).
    Use as a context manager; `con` stays open for further queries over the tables
    `eligible_lines` (rules 1-2, with is_new_creator and registered_at), `event_lines` (the
    same winning lines in the event of enrolled, not excluded creators whose status is known,
    with `status`, `eligible` and `live`) and `enrolled` (creator_id, is_new_creator, registered_at of
    the creator's counting enrollment).
    """

    def __init__(
        self, rules: PayoutRules, orders: Any, enrollments: Any, exclusions: Any = None, *, threads: int | None = None
    ) -> None:
        self.rules = rules
        self._rule_3: pa.Table | None = None  # rule 3's rows, once a calculation made them (`calculate`)
        self.con = _connect(threads)
        try:
            register_input(self.con, "orders", orders)
            register_input(self.con, "enrollments", enrollments)
            register_input(self.con, "exclusions", exclusions)
            define_eligible_lines(self.con)
            params = rules.window_parameters()
            # every winning line in the event of an enrolled, not excluded creator, whatever its status, once:
            # the eligible lines are its eligible rows (the macro's own definition), and GMV placed and live
            # lines read it too, so rule 1's dedup runs once per session
            self.con.execute(f"CREATE TEMP TABLE {EVENT_LINES} AS SELECT * FROM {CAMPAIGN_LINES}", params)
            # a view, not a second copy of ~all the lines: every reader filters the one materialized table
            self.con.execute(
                f"CREATE TEMP VIEW eligible_lines AS SELECT * EXCLUDE (status, eligible, live) FROM {EVENT_LINES} "
                "WHERE eligible"
            )
            # rule 2's enrolled creators (earliest row, on time), from the same definition
            self.con.execute(
                "CREATE TEMP TABLE enrolled AS SELECT * FROM enrolled($registration_closes)",
                {"registration_closes": rules.registration_closes},
            )
        except BaseException:
            self.con.close()
            raise

    def table(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run a query on the session (its inputs, `eligible_lines`, `enrolled` and rules 1-2's macros)."""
        return arrow_table(self.con.sql(sql, params=dict(params) if params else None))

    def calculate(self, rules: PayoutRules | None = None) -> PayoutResult:
        """Apply rules 3-9 of `rules` (default: the session's) to the eligible lines.

        Rule 3 (per creator GMV, orders, first order time) depends on the eligible lines alone,
        the same for every design of the session: the first calculation's rows give it to the
        next ones (`payouts.sql` from rule 4 on, over those rows), so the review's what-if designs
        do not aggregate the lines again.
        """
        rules = rules or self.rules
        if not rules.same_window(self.rules):
            raise PayoutInputError("a design with another event window or registration close needs its own session")
        _incentive_tables(self.con, rules)
        sql = SQL_FILE.read_text(encoding="utf-8")
        if self._rule_3 is not None:
            sql = _rules_4_to_9(sql, "session_per_creator")
        result = PayoutResult(table=arrow_table(self.con.sql(sql, params=rules.incentive_parameters())), rules=rules)
        if self._rule_3 is None:
            self._rule_3 = result.table.select(list(RULE_3_COLUMNS))
            self.con.register("session_per_creator", self._rule_3)
        return result

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> PayoutSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def calculate_payouts(
    rules: PayoutRules,
    orders: Any,
    enrollments: Any,
    exclusions: Any = None,
    *,
    threads: int | None = None,
) -> PayoutResult:
    """Apply SPEC section 5 to the inputs (Arrow tables, DataFrames or Parquet paths)."""
    con = _connect(threads)
    try:
        register_input(con, "orders", orders)
        register_input(con, "enrollments", enrollments)
        register_input(con, "exclusions", exclusions)
        _incentive_tables(con, rules)
        # one pipelined query: the eligible lines (a table macro, inlined) feeding rules 3-9
        define_eligible_lines(con)
        payouts = _sql_body(SQL_FILE.read_text(encoding="utf-8")).removeprefix("WITH\n")
        sql = f"WITH eligible_lines AS (SELECT * FROM {ELIGIBLE_LINES}),\n{payouts}"
        table = arrow_table(con.sql(sql, params=rules.query_parameters()))
    finally:
        con.close()
    return PayoutResult(table=table, rules=rules)


def calculate_for_spec(spec: CampaignSpec, orders: Any, enrollments: Any, exclusions: Any = None) -> PayoutResult:
    """Apply the spec's incentives to the inputs."""
    return calculate_payouts(PayoutRules.from_spec(spec), orders, enrollments, exclusions)


# --------------------------------------------------------------------------- warehouse inputs


@dataclass
class PayoutInputs:
    """The engine's three inputs plus a digest that identifies them."""

    orders: pa.Table
    enrollments: pa.Table
    exclusions: pa.Table
    inputs_sha256: str
    sources: dict[str, Any] = field(default_factory=dict)


def inputs_digest(parts: Iterable[str]) -> str:
    """Return the sha256 of the parts, one per line: what a ledger row was computed from."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def files_digest(paths: Mapping[str, str | Path | None]) -> str:
    """Return a digest naming each input file's role and content hash (the CLI's inputs)."""
    parts = []
    for role, path in sorted(paths.items()):
        if path is None:
            parts.append(f"{role}:none")
            continue
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        parts.append(f"{role}:{digest.hexdigest()}")
    return inputs_digest(parts)
