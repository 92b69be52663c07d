"""Where the project's files are: one definition of the project root and its folders."""

from __future__ import annotations

import os
from pathlib import Path

from creator_ops.core.errors import CreatorOpsError

PROJECT_ROOT = Path(__file__).resolve().parents[3]
INCLUDE_DIR = PROJECT_ROOT / "include"
CAMPAIGNS_DIR = INCLUDE_DIR / "campaigns"
SQL_DIR = INCLUDE_DIR / "sql"
TEMPLATES_DIR = INCLUDE_DIR / "templates"
EXPECTATIONS_DIR = INCLUDE_DIR / "expectations"


# --------------------------------------------------------------------------- where output may go

# Pseudo file systems: a path there is never an output file, even when the kernel lets it be created.
PSEUDO_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


def output_target(path: str | os.PathLike[str], *, folder: bool = False, what: str = "") -> Path:
    """Return `path` if output may be written there: a regular file (or a folder) that exists, or a new path.

    Refused, as an `OutputTargetError` naming `what`: a device, FIFO, socket, symbolic link or
    directory where a file is meant (a file or a symbolic link where a folder is meant); a path inside a file;
    anything under /proc, /sys or /dev; a name too long for the file system. Writing over a
    device node or a directory would replace it, or fail half way.
    """
    import errno
    import stat

    target = Path(path)
    label = f"{what} {str(target)[:200]}".strip()
    try:
        mode = _mode(target, follow=False)  # a link is never an output: written through, it goes elsewhere
        if mode is not None and folder and stat.S_ISLNK(mode):
            raise OutputTargetError(f"{label}: is a symbolic link; give the folder it points to, not the link")
        if mode is not None and folder and not stat.S_ISDIR(mode):
            raise OutputTargetError(f"{label}: is {_file_kind(mode)}, not a folder")
        if mode is not None and not folder and not stat.S_ISREG(mode):
            raise OutputTargetError(f"{label}: is {_file_kind(mode)}, not a regular file; give a file path")
        resolved = Path(os.path.realpath(target))
        if any(resolved == root or root in resolved.parents for root in PSEUDO_ROOTS):
            raise OutputTargetError(f"{label}: under /{resolved.parts[1]}, a system folder, not a place for files")
        if mode is None:
            parent_mode = next((m for m in map(_mode, target.absolute().parents) if m is not None), None)
            if parent_mode is not None and not stat.S_ISDIR(parent_mode):
                inside = next(p for p in target.absolute().parents if _mode(p) is not None)
                raise OutputTargetError(f"{label}: {inside} is {_file_kind(parent_mode)}, not a folder")
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            short = f"{what} {str(target)[:40]}…".strip()
            raise OutputTargetError(f"{short}: the path is longer than the file system allows") from None
        raise OutputTargetError(f"{label}: {exc.strerror or exc}") from None
    return target


def _mode(path: Path, follow: bool = True) -> int | None:
    """Return the file mode of `path`, None if nothing is there (or a file stands in the way)."""
    try:
        return (os.stat if follow else os.lstat)(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def _file_kind(mode: int) -> str:
    import stat

    for test, name in (
        (stat.S_ISREG, "a file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


class OutputTargetError(CreatorOpsError):
    """Output cannot go where it was asked to (not a regular file or a new path; a full disk)."""
