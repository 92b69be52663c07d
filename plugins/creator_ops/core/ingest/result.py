"""What a reader returns, and the errors that reject a whole file."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from creator_ops.core.errors import CreatorOpsError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

QUARANTINE_COLUMNS = ("row_number", "reason", "field", "detail", "raw_json")


class FileRejected(CreatorOpsError):
    """A file that cannot be read at all (undecodable, missing required columns, not a table)."""

    def __init__(self, path: Any, cause: str, *, field: str | None = None) -> None:
        from creator_ops.core.masking import mask_pii

        cause = mask_pii(cause)  # a header-less file's "found columns" would otherwise print its data
        super().__init__(f"{path}: {cause}", file=path, field=field)
        self.path = str(path)
        self.cause = cause


class PiiKeyMissing(CreatorOpsError, RuntimeError):
    """Personal data must be hashed, and no hash key is configured."""


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert to pandas keeping integer columns integer (nullable Int64 only where nulls exist)."""
    import pandas as pd
    import pyarrow as pa

    data: dict[str, Any] = {}
    for name, column in zip(table.column_names, table.columns, strict=False):
        if pa.types.is_integer(column.type) and column.null_count:
            data[name] = column.to_pandas(types_mapper={column.type: pd.Int64Dtype()}.get)
        elif pa.types.is_boolean(column.type) and column.null_count:
            data[name] = column.to_pandas(types_mapper={column.type: pd.BooleanDtype()}.get)
        else:
            data[name] = column.to_pandas()
    return pd.DataFrame(data, index=pd.RangeIndex(table.num_rows))


@dataclass
class ReadResult:
    """One file read into canonical columns: every input row is accepted or quarantined.

    The Arrow tables are the primary form (bulk loading uses them without copies);
    `accepted` and `quarantined` are pandas views made on first use. For surveys,
    `accepted` has one row per submitted form and `answers` the answers in long form.
    """

    path: str
    dataset: str
    rows_in: int
    accepted_table: pa.Table
    quarantined_table: pa.Table
    answers_table: pa.Table | None = None
    encoding: str | None = None
    file_format: str | None = None
    columns_seen: list[str] = field(default_factory=list)
    note: str | None = None  # what the reader chose and ops should know (e.g. which worksheet it read)
    questions: list[str] = field(default_factory=list)  # surveys: the question columns, in file order

    def __post_init__(self) -> None:
        total = self.accepted_table.num_rows + self.quarantined_table.num_rows
        if self.rows_in != total:  # the contract: no row is ever lost silently
            raise AssertionError(
                f"{self.path}: rows_in {self.rows_in} != accepted {self.accepted_table.num_rows}"
                f" + quarantined {self.quarantined_table.num_rows}"
            )

    @property
    def n_accepted(self) -> int:
        return self.accepted_table.num_rows

    @property
    def n_quarantined(self) -> int:
        return self.quarantined_table.num_rows

    @cached_property
    def accepted(self) -> pd.DataFrame:
        return _to_pandas(self.accepted_table)

    @cached_property
    def quarantined(self) -> pd.DataFrame:
        return _to_pandas(self.quarantined_table)

    @cached_property
    def answers(self) -> pd.DataFrame | None:
        return None if self.answers_table is None else _to_pandas(self.answers_table)

    def summary(self) -> dict[str, int]:
        """Return the reconciliation figures: rows_in, accepted, quarantined."""
        return {"rows_in": self.rows_in, "accepted": self.n_accepted, "quarantined": self.n_quarantined}
