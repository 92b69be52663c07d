"""The project's one error base: every error it raises on purpose is a `CreatorOpsError`.

It names, where it knows them, the file, the row and the field the problem is in, so a
person can fix the input. `campaignctl` maps it to exit code 2 (bad input, one line, no
traceback) and anything else to exit code 1 (an internal error).
"""

from __future__ import annotations

from typing import Any


class CreatorOpsError(Exception):
    """A problem the project recognizes, with the file, row and field it concerns when known."""

    def __init__(
        self, message: str = "", *, file: Any = None, row: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.file = None if file is None else str(file)
        self.row = row
        self.field = field

    @property
    def where(self) -> str:
        """Return `file: row N: field` for the parts that are known (empty when none is)."""
        parts = [self.file, None if self.row is None else f"row {self.row}", self.field]
        return ": ".join(p for p in parts if p)
