"""The landing area: `<root>/<campaign_id>/<dataset>/…` on local disk or object storage, and its archive.

The root is a local folder or any path object with the pathlib interface (universal
pathlib's `UPath`, Airflow's `ObjectStoragePath`), so S3 or GCS work by changing the
root. Files are only ever read and copied (to `<root>/<campaign_id>/_archive/…`),
never modified or deleted.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".lock")
CHUNK = 1 << 20


def as_path(root: Any) -> Any:
    """Return a path object for `root`: pathlib for local folders and file://, UPath for other URIs."""
    if not isinstance(root, str):
        return root
    if root.startswith("file://"):
        return Path(root[len("file://") :])
    if "://" in root:
        from upath import UPath

        return UPath(root)
    return Path(root)


def _ignored(name: str) -> bool:
    # Hidden files, Office lock files (~$…) and half-written uploads are not exports.
    return name.startswith((".", "~$", "_")) or name.lower().endswith(IGNORED_SUFFIXES)


class LandingArea:
    """One campaign's landing folders and archive."""

    def __init__(self, root: Any, campaign_id: str) -> None:
        self.root = as_path(root)
        self.campaign_id = campaign_id
        self.base = self.root / campaign_id

    def folder(self, dataset: str) -> Any:
        return self.base / dataset

    def files(self, dataset: str) -> list[Any]:
        """Return the landed files of `dataset` (one level of sub-folders too), sorted by relative path."""
        folder = self.folder(dataset)
        if not folder.exists():
            return []
        found = []
        for entry in folder.iterdir():
            if _ignored(entry.name):
                continue
            if entry.is_dir():
                found += [f for f in entry.iterdir() if f.is_file() and not _ignored(f.name)]
            elif entry.is_file():
                found.append(entry)
        return sorted(found, key=lambda p: self.relative(p, dataset))

    def relative(self, path: Any, dataset: str) -> str:
        """Return `path` relative to the data set's folder, with `/` separators."""
        text, base = str(path), str(self.folder(dataset))
        return text[len(base) :].lstrip("/\\") if text.startswith(base) else Path(text).name

    @staticmethod
    def sha256(path: Any) -> tuple[str, int]:
        """Return (hex sha256, size in bytes) of the file's content, read in chunks."""
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size

    def archive(self, path: Any, dataset: str, sha256: str, name: str | None = None) -> str:
        """Copy the file to `_archive/<dataset>/<sha256[:16]>/<name>` (once) and return its URI.

        `name` is the relative path as it may be stored (personal data in a file name masked);
        by default the relative path as landed.
        """
        target = self.base / "_archive" / dataset / sha256[:16] / (name or self.relative(path, dataset))
        if not (target.exists() and target.stat().st_size == path.stat().st_size):
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.parent / (target.name + ".part")
            with path.open("rb") as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            partial.rename(target)  # the archive never holds a half-copied file under the real name
        return str(target)

    @contextmanager
    def local_file(self, path: Any) -> Iterator[Path]:
        """Yield a local path with the file's content (the file itself when it is already local)."""
        if isinstance(path, Path):
            yield path
            return
        with tempfile.TemporaryDirectory(prefix="creator_ops_landing_") as tmp:
            local = Path(tmp) / Path(str(path)).name
            with path.open("rb") as src, local.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            yield local
