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
    """Return a path object for `root`: pathlib for local folders and file://, the store's path for URIs."""
    from creator_ops.core.storage import root_path

    return root_path(root)


def _ignored(name: str) -> bool:
    # Hidden files, Office lock files (~$…) and half-written uploads are not exports.
    return name.startswith((".", "~$", "_")) or name.lower().endswith(IGNORED_SUFFIXES)


class LandingArea:
    """One campaign's landing folders and archive."""

    def __init__(self, root: Any, campaign_id: str) -> None:
        self.root = as_path(root)
        self.campaign_id = campaign_id
        self.base = self.root / campaign_id
        # An object-storage file is fetched ONCE, while hashing: the archive and the reader take
        # that copy, so what is hashed is what is archived and read even if the object is
        # overwritten meanwhile. One file at a time (the previous copy goes when the next comes).
        self._fetched: tuple[str, Path] | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None

    def folder(self, dataset: str) -> Any:
        return self.base / dataset

    def files(self, dataset: str) -> list[Any]:
        """Return the landed files of `dataset` (one level of sub-folders too), sorted by relative path."""
        from creator_ops.core.storage import refresh

        folder = refresh(self.folder(dataset))  # object storage: list what is there now, not a cached listing
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

    def sha256(self, path: Any) -> tuple[str, int]:
        """Return (hex sha256, size in bytes) of the file's content, read in chunks (and kept, when remote)."""
        digest = hashlib.sha256()
        size = 0
        if isinstance(path, Path):
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            return digest.hexdigest(), size
        self.release()
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="creator_ops_landing_")
        local = Path(self._scratch.name) / Path(str(path)).name  # its name: the reader goes by the suffix
        with path.open("rb") as src, local.open("wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        self._fetched = (str(path), local)
        return digest.hexdigest(), size

    def _copy_of(self, path: Any) -> Path | None:
        """Return the fetched copy of a remote `path`, if it is the one fetched last."""
        if self._fetched is not None and self._fetched[0] == str(path):
            return self._fetched[1]
        return None

    def release(self) -> None:
        """Drop the fetched copy of the last remote file."""
        if self._fetched is not None:
            self._fetched[1].unlink(missing_ok=True)
            self._fetched = None

    def close(self) -> None:
        """Drop every local copy this area made."""
        self.release()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def archive(self, path: Any, dataset: str, sha256: str, name: str | None = None) -> str:
        """Copy the file to `_archive/<dataset>/<sha256[:16]>/<name>` (once) and return its URI.

        `name` is the relative path as it may be stored (personal data in a file name masked);
        by default the relative path as landed.
        """
        target = self.base / "_archive" / dataset / sha256[:16] / (name or self.relative(path, dataset))
        source = self._copy_of(path) or path
        if not (target.exists() and target.stat().st_size == source.stat().st_size):
            if not isinstance(target, Path):
                # object storage: the object appears whole when its upload completes, private to the product
                from creator_ops.core.storage import S3_PROTOCOLS, object_key, protocol

                options = {"ACL": "private"} if protocol(target) in S3_PROTOCOLS else {}
                if isinstance(source, Path):
                    target.fs.put_file(str(source), object_key(target), **options)
                else:
                    target.fs.pipe_file(object_key(target), source.read_bytes(), **options)
                return str(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.parent / (target.name + ".part")
            with source.open("rb") as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            partial.rename(target)  # the archive never holds a half-copied file under the real name
        return str(target)

    @contextmanager
    def local_file(self, path: Any) -> Iterator[Path]:
        """Yield a local path with the file's content (the file itself when it is already local)."""
        if isinstance(path, Path):
            yield path
            return
        copy = self._copy_of(path)
        if copy is not None:
            try:
                yield copy
            finally:
                self.release()
            return
        with tempfile.TemporaryDirectory(prefix="creator_ops_landing_") as tmp:
            local = Path(tmp) / Path(str(path)).name
            with path.open("rb") as src, local.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            yield local
