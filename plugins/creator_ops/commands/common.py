"""What the `campaignctl` commands share: the bad-input error, reading one export, the PII key, a summary line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from creator_ops.core.errors import CreatorOpsError


class BadInput(CreatorOpsError):
    """Input ops must fix; `campaignctl` reports it as one line with exit code 2."""


def read_export(path_text: str, dataset: str, tz: str, pii_key: bytes | None) -> Any:
    """Read one export of `dataset` with the ingestion readers; a missing or unreadable file is BadInput."""
    from creator_ops.core.ingest import FileRejected, read_dataset

    path = Path(path_text)
    if not path.is_file():
        raise BadInput(f"{dataset} file not found: {path}")
    try:
        return read_dataset(path, dataset, tz=tz, pii_key=pii_key)
    except FileRejected as exc:
        raise BadInput(f"{dataset} file rejected: {exc}") from None
    except (OSError, UnicodeError, ValueError) as exc:
        raise BadInput(f"{dataset} file unreadable: {path}: {exc}") from None


def shown(path: object) -> str:
    """A path (or a folder's name) as the command line prints it: masked, as every other text it prints.

    A folder or file named after a person (`--out siti.leak@gmail.com/`, a campaign folder
    `0127712468_live`) is echoed as `[email hidden]/`, never in clear.
    """
    from creator_ops.core.masking import mask_pii

    return mask_pii(str(path))


def pii_key_if_set() -> bytes | None:
    """Return the PII key, or None: only a file that holds e-mails or phones needs it (the reader says so)."""
    from creator_ops.core.ingest import PiiKeyMissing, resolve_pii_key

    try:
        return resolve_pii_key()
    except PiiKeyMissing:
        return None


def input_line(dataset: str, read: Any) -> str:
    """Return the summary line of one read export: rows, accepted, quarantined by reason."""
    line = f"  {dataset}: {read.rows_in} rows, {read.n_accepted} accepted, {read.n_quarantined} quarantined"
    if read.n_quarantined:
        reasons = Counter(read.quarantined_table["reason"].to_pylist())
        line += " (" + ", ".join(f"{reason} {n}" for reason, n in sorted(reasons.items())) + ")"
    return line
