"""The one CSV writer for files people open in a spreadsheet: formula-safe, UTF-8, atomic.

A creator handle such as `=HYPERLINK("http://…")`, `+cmd|' /C calc'!A0` or `@SUM(…)`
would run as a formula when ops open the shortlist, an invite list, the payouts CSV or
the finance export in Excel. OWASP's rule: a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading `'`, so the spreadsheet shows it as
text. Real numbers stay numbers: `-12.50`, `+60123456789` and `1e3` are written as they
are, and so are ints and Decimals.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creator_ops.core.errors import CreatorOpsError

if TYPE_CHECKING:
    import pyarrow as pa

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][+-]?\d+)?")
# RE2 (Arrow) forms of the same two rules
_ARROW_FORMULA = r"^[=+\-@\t\r]"
_ARROW_NUMBER = r"^[+-]?(?:[0-9]+(?:[.,][0-9]+)*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def is_number_text(text: str) -> bool:
    """Return whether `text` is a plain number (sign, digits, separators, exponent) a spreadsheet reads as one."""
    return _NUMBER.fullmatch(text) is not None


def safe_cell(value: Any) -> Any:
    """Return `value` as a spreadsheet cannot run it: formula-like text gets a leading `'`."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not is_number_text(text):
        return "'" + text
    return text


def csv_bytes(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> bytes:
    """Render rows (dicts or sequences) as formula-safe CSV; with a BOM Excel shows Malay, Chinese, Tamil right."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        cells = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        writer.writerow([safe_cell(c) for c in cells])
    text = buffer.getvalue()
    return text.encode("utf-8-sig" if bom else "utf-8")


# --------------------------------------------------------------------------- the one rule for files written
#
# Every file the product writes goes through `write_atomically` (one file) or `replace_folder`
# (a set of files that replaces the previous set): names from data pass `safe_name`, the
# temporary file is created exclusively (O_EXCL, a random name) in the target's own folder,
# every folder from `root` (the command's --out) down is opened without following links,
# and the temporary file is renamed over the target, so a reader sees the old file or the
# new one, never half of one.

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
# device names Windows reserves whatever the extension (`NUL.json` opens the null device there)
_RESERVED = re.compile(r"(?i)con|prn|aux|nul|com[0-9]|lpt[0-9]")
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class UnsafeName(CreatorOpsError, ValueError):
    """A value from the data that cannot name a file; carries the row and field when the caller knows them."""


def safe_name(value: Any, *, suffix: str = "", or_digest: str | None = None,
              row: int | None = None, field: str | None = None) -> str:  # fmt: skip
    """Return the file name a value from the data gives (`value + suffix`): the one place data names a file.

    A name is 1-120 letters, digits, `.`, `_` or `-`, starting with a letter or digit, and holds
    no personal data (an e-mail or phone number the masker finds). Anything else (`/abs/X`,
    `../../X`, `a/b/REF`, `REF\\x`, a NUL, an address) raises `UnsafeName` naming `row` and
    `field`, unless `or_digest` is given: then the name is `or_digest` + 16 hex digits of the
    value's SHA-256 (the same value, the same name; nobody reads the value back from it).
    """
    import hashlib

    from creator_ops.core.masking import mask_pii

    text = "" if value is None else str(value)
    problem = None
    if not SAFE_NAME.fullmatch(text):
        problem = "is not a safe file name (1-120 letters, digits, '.', '_' or '-', no folders)"
    elif text.endswith(".") or _RESERVED.fullmatch(text.split(".")[0]):
        problem = "is a name Windows reserves or changes (CON, NUL, COM1, LPT1…, a trailing '.'); give another"
    elif mask_pii(text) != text:
        problem = "holds personal data (an e-mail address or phone number); it cannot name a file"
    if problem is None:
        return text + suffix
    if or_digest is not None:
        return f"{or_digest}{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}{suffix}"
    raise UnsafeName(problem, row=row, field=field)


def check_unique(names: Iterable[tuple[str, int | None]], *, field: str) -> None:
    """Refuse two values that give one file name (compared without case: Windows and macOS disks ignore it)."""
    seen: dict[str, int | None] = {}
    for name, row in names:
        key = name.casefold()
        if key in seen:
            first = f" (also row {seen[key]})" if seen[key] is not None else ""
            raise UnsafeName(f"given twice{first}; each one names its own file", row=row, field=field)
        seen[key] = row


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


class _Folder:
    """An open folder (a file descriptor), reached from `root` without following a link below it."""

    def __init__(self, folder: Path, root: Path | None, *, folder_mode: int = 0o777, follow_root: bool = False):
        from creator_ops.core.paths import OutputTargetError

        folder = Path(folder)
        base = Path(root) if root is not None else folder
        try:
            below = folder.absolute().relative_to(base.absolute()).parts
        except ValueError:
            raise OutputTargetError(f"{folder}: not inside {base}") from None
        if any(part in (".", "..") for part in below):
            raise OutputTargetError(f"{folder}: '..' in a path below {base}")
        if root is not None:
            self.fd = self._open_root(base, follow_root)
        else:
            base.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(base, _FOLDER_FLAGS & ~getattr(os, "O_NOFOLLOW", 0))
        where = base
        for part in below:
            where = where / part
            try:
                os.mkdir(part, folder_mode, dir_fd=self.fd)
            except FileExistsError:
                pass
            try:
                next_fd = os.open(part, _FOLDER_FLAGS, dir_fd=self.fd)
            except OSError as exc:
                link = _is_link(part, self.fd)
                os.close(self.fd)
                reason = "is a symbolic link; output is never written through a link" if link else _not_a_folder(exc)
                raise OutputTargetError(f"{where}: {reason}") from None
            os.close(self.fd)
            self.fd = next_fd

    @staticmethod
    def _open_root(base: Path, follow: bool) -> int:
        from creator_ops.core.paths import OutputTargetError

        base.parent.mkdir(parents=True, exist_ok=True)  # above --out: the user's own folders
        try:
            os.mkdir(base)
        except FileExistsError:
            pass
        try:
            return os.open(base, _FOLDER_FLAGS & ~getattr(os, "O_NOFOLLOW", 0) if follow else _FOLDER_FLAGS)
        except OSError as exc:
            link = base.is_symlink()
            reason = "is a symbolic link; output is never written through a link" if link else _not_a_folder(exc)
            raise OutputTargetError(f"{base}: {reason}") from None

    def __enter__(self) -> int:
        return self.fd

    def __exit__(self, *_: Any) -> None:
        os.close(self.fd)


def _output_root_above(path: Path) -> Path | None:
    """The configured output root when `path` is below it: no link is followed from there down.

    (The root itself may be a mount or a link, as deployments place it; the campaign folders
    and everything in them must be real folders, which is also what the UI serves.)
    """
    from creator_ops.core.settings import settings

    try:
        root = settings().output_root
    except CreatorOpsError:  # a bad setting is reported where it is used, not by every file written
        return None
    if not isinstance(root, str | os.PathLike) or "://" in str(root):
        return None
    root_path = Path(root).absolute()
    absolute = path.absolute()
    return root_path if root_path in absolute.parents else None


def _not_a_folder(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ELOOP, errno.EMLINK):
        return "is a symbolic link; output is never written through a link"
    if exc.errno == errno.ENOTDIR:
        return "is not a folder (a file or a link stands there)"
    return exc.strerror or str(exc)


def _write_in(folder_fd: int, name: str, data: bytes, mode: int | None) -> None:
    """Write `name` in an open folder: a new temporary file (O_EXCL, random name), then rename over `name`."""
    import secrets

    temporary = f".{name[:60]}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, _FILE_FLAGS, 0o600, dir_fd=folder_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), mode if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except BaseException:
        try:
            os.unlink(temporary, dir_fd=folder_fd)
        except FileNotFoundError:
            pass
        raise


def write_atomically(
    path: str | os.PathLike[str] | Any,
    data: bytes,
    *,
    private: bool = False,
    mode: int | None = None,
    root: str | os.PathLike[str] | Any | None = None,
) -> Path:
    """Write `data` to `path` through a temporary file, so readers never see half a file.

    Only a regular file or a new path is written (`paths.output_target`: never over a device,
    a folder or a link). `root` is the folder the command was told to write to (`--out`):
    it and every folder from it down to `path` must be real folders, never links (each is
    opened with O_NOFOLLOW, missing ones are made). The temporary file is created
    exclusively with a random name beside the target and renamed over it; `mode` sets its
    permissions, else the usual umask applies; `private` files (e-invoices, CP58 statements)
    are readable by their owner only (0600). A write that fails (a full disk, a read-only
    folder) leaves nothing behind and raises `OutputTargetError` naming the path and the
    cause, in one line.

    On object storage (`path` an `ObjectStoragePath`, see core/storage.py) the file is ONE
    put of the whole content, private to the product's credentials; the return value is
    then that path object (no folders, links or temporary files there).
    """
    from creator_ops.core.paths import OutputTargetError, output_target
    from creator_ops.core.storage import StorageError, is_local, put_object

    if not isinstance(path, (str, os.PathLike)) and not is_local(path):
        try:
            return put_object(path, data)
        except StorageError as exc:
            raise OutputTargetError(str(exc)) from None
    path = output_target(path)
    mode = 0o600 if private else mode
    base, follow = (Path(root), False) if root is not None else (_output_root_above(path), True)
    try:
        with _Folder(path.parent, base, follow_root=follow) as folder:
            _write_in(folder, path.name, data, mode)
    except OutputTargetError:
        raise
    except OSError as exc:
        raise OutputTargetError(f"{path}: cannot write: {_not_a_folder(exc)}") from None
    return path


def replace_folder(
    folder: str | os.PathLike[str],
    files: Mapping[str, bytes],
    *,
    root: str | os.PathLike[str] | None = None,
    mode: int | None = None,
    folder_mode: int = 0o777,
) -> list[Path]:
    """Make `folder` hold exactly `files` ({name: content}), replacing the previous set as a whole.

    The new set is written into a fresh hidden folder beside `folder` (each name through
    `safe_name`, unique without case), then swapped in by two renames and the previous set
    removed: a reader finds the previous set or the new one, never a mix, and a rerun leaves
    no file of the previous run behind (no stale e-invoice holding someone's identity). An
    empty `files` removes the folder. Links are never followed: a `folder` that is a link is
    replaced (the link removed, never written through).
    """
    import secrets
    import shutil

    from creator_ops.core.paths import OutputTargetError
    from creator_ops.core.storage import is_local

    check_unique(((safe_name(name), None) for name in files), field="file name")
    if not isinstance(folder, (str, os.PathLike)) and not is_local(folder):
        return _replace_objects(folder, files, private=mode == 0o600)
    folder = Path(folder)
    token = secrets.token_hex(8)
    staging, previous = f".{folder.name}.{token}.new", f".{folder.name}.{token}.old"
    try:
        base, follow = (Path(root), False) if root is not None else (_output_root_above(folder), True)
        with _Folder(folder.parent, base, follow_root=follow) as parent:
            if files:
                os.mkdir(staging, folder_mode, dir_fd=parent)
                new_fd = os.open(staging, _FOLDER_FLAGS, dir_fd=parent)
                try:
                    for name, data in files.items():
                        _write_in(new_fd, name, data, mode)
                finally:
                    os.close(new_fd)
            try:
                os.rename(folder.name, previous, src_dir_fd=parent, dst_dir_fd=parent)
                had_previous = True
            except FileNotFoundError:
                had_previous = False
            if files:
                os.rename(staging, folder.name, src_dir_fd=parent, dst_dir_fd=parent)
            if had_previous:
                if _is_folder(previous, parent):
                    shutil.rmtree(previous, dir_fd=parent)  # never follows a link inside it
                else:  # a link or a file stood where the folder belongs: removed, never written through
                    os.unlink(previous, dir_fd=parent)
    except OutputTargetError:
        raise
    except OSError as exc:
        raise OutputTargetError(f"{folder}: cannot write: {_not_a_folder(exc)}") from None
    return [folder / name for name in files]


def _replace_objects(folder: Any, files: Mapping[str, bytes], *, private: bool) -> list[Any]:
    """On object storage (no folders, no renames): remove the previous set's objects, then put each file.

    Not atomic there: a reader listing the prefix meanwhile may see part of the new set.
    """
    from creator_ops.core.storage import refresh

    refresh(folder)  # the store's client may hold an old listing (a long-lived worker, a dag.test of many runs)
    try:
        previous = [p for p in folder.iterdir() if p.name not in files] if folder.exists() else []
    except FileNotFoundError:
        previous = []
    for stale in previous:
        stale.unlink()
    return [write_atomically(folder / name, data, private=private) for name, data in files.items()]


def _is_link(name: str, parent_fd: int) -> bool:
    import stat

    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _is_folder(name: str, parent_fd: int) -> bool:
    import stat

    return stat.S_ISDIR(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode)


def write_csv(
    path: str | os.PathLike[str],
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> Path:
    """Write rows as a formula-safe CSV file at `path`, atomically."""
    return write_atomically(path, csv_bytes(columns, rows, bom=bom, lineterminator=lineterminator))


def safe_arrow_column(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Neutralise formula-like cells of a string column, vectorized (other types are returned as they are)."""
    import pyarrow.compute as pc

    from creator_ops.core.masking import string_rows_matching

    risky = string_rows_matching(column, _ARROW_FORMULA, unless=_ARROW_NUMBER)
    if risky is None:
        return column
    return pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)


def iso_utc(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return timestamps as ISO 8601 UTC text: `2026-12-12T02:00:00Z`, with the fraction when there is one.

    The warehouse keeps microseconds, so a fraction is written to the microsecond without
    trailing zeros (`…:00.5Z`, `…:00.123456Z`); finer digits were truncated when read.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    micros = pc.cast(column, pa.timestamp("us", "UTC"), safe=False)  # nanoseconds: truncated, as the reader does
    text = pc.strftime(micros, format="%Y-%m-%dT%H:%M:%S")  # %S carries the six decimals at this unit
    text = pc.replace_substring_regex(text, r"\.0+$", "")
    text = pc.replace_substring_regex(text, r"(\.[0-9]*[1-9])0+$", r"\1")
    return pc.binary_join_element_wise(text, "Z", "")


def write_arrow_csv(
    table: pa.Table, path: str | os.PathLike[str], *, bom: bool = False, root: str | os.PathLike[str] | None = None
) -> Path:
    """Write an Arrow table as formula-safe UTF-8 CSV (timestamps as ISO 8601 UTC with `Z`), atomically."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=False):
        if pa.types.is_timestamp(column.type):
            column = iso_utc(column)
        columns[str(safe_cell(name))] = safe_arrow_column(column)
    out = pa.table(columns) if columns else table
    buffer = io.BytesIO()
    if bom:
        buffer.write(b"\xef\xbb\xbf")
    pacsv.write_csv(out, buffer)
    return write_atomically(path, buffer.getvalue(), root=root)


__all__ = [
    "FORMULA_PREFIXES",
    "UnsafeName",
    "check_unique",
    "replace_folder",
    "safe_name",
    "csv_bytes",
    "iso_utc",
    "safe_arrow_column",
    "safe_cell",
    "write_arrow_csv",
    "write_atomically",
    "write_csv",
]
