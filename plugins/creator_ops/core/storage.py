"""Where the product's files live: a local folder or object storage, behind one path interface.

The landing root and the output root (settings) are each a folder or a URI such as
`s3://bucket/prefix`. A folder is a `pathlib.Path`; a URI becomes a path object with the
pathlib interface through the *opener* the Airflow layer registers (`use_opener`):
Airflow's `ObjectStoragePath` with the storage connection, so credentials and the
endpoint stay in an Airflow connection. Core never imports Airflow: without a registered
opener (plain-Python use of core) a URI opens as universal pathlib's `UPath`, which
takes its credentials from the environment as fsspec does.

Object storage has no rename, no links and no file modes. What the product does there
instead (docs/distributed.md):
- a file is written with ONE put of its whole content (`put_object`): a reader sees the
  old object or the new one, never half of one;
- every object is put with the canned ACL `private` (only the bucket owner's account, so
  only the product's credentials, reads it); e-invoices and CP58 statements, mode 0600 on
  disk, are put the same way and their access is narrowed by the bucket's policy;
- a key never has an empty, `.` or `..` segment, so a name from data cannot leave its
  folder even when the bucket is later copied to a disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from creator_ops.core.errors import CreatorOpsError

Opener = Callable[[str, "str | None"], Any]
_opener: Opener | None = None
# Object stores whose puts take S3's canned ACL (s3fs passes it to PutObject).
S3_PROTOCOLS = ("s3", "s3a", "s3n")


class StorageError(CreatorOpsError):
    """An object-storage root or key the product cannot use."""


def use_opener(opener: Opener | None) -> None:
    """Register how a root URI becomes a path object: `opener(uri, conn_id)` (the Airflow layer's)."""
    global _opener
    _opener = opener


def is_uri(root: str) -> bool:
    """Return whether `root` names object storage (`s3://…`, `gs://…`) rather than a local folder."""
    return "://" in root and not root.startswith("file://")


def is_local(path: Any) -> bool:
    """Return whether `path` is on the local file system (a pathlib path), not object storage."""
    return isinstance(path, PurePath)


def root_path(root: str | os.PathLike[str] | Any, conn_id: str | None = None) -> Any:
    """Return the path object of a root: a `Path` for a folder or `file://…`, the opener's for a URI.

    A path object passed in (an `ObjectStoragePath` the Airflow layer made) is returned as it is.
    A URI opened without a connection named uses the storage connection of the settings.
    """
    if not isinstance(root, (str, PurePath)):
        return root
    text = str(root)
    if text.startswith("file://"):
        return Path(text[len("file://") :])
    if not is_uri(text):
        return Path(text)
    if conn_id is None:
        from creator_ops.core.settings import settings

        conn_id = settings().storage_conn_id
    if _opener is not None:
        return _opener(text, conn_id)
    from upath import UPath

    return UPath(text)


def protocol(path: Any) -> str:
    """Return the store's protocol of a path object (`s3`, `gs`; `file` for local paths)."""
    if is_local(path):
        return "file"
    value = getattr(path, "protocol", "") or ""
    return value[0] if isinstance(value, (tuple, list)) else str(value)


def object_key(path: Any) -> str:
    """Return the store's name of `path` (`bucket/key`), refusing empty, `.` and `..` segments."""
    key = str(getattr(path, "path", "") or "").strip("/")
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") for part in parts):
        raise StorageError(f"{path}: not a usable object name (empty, '.' or '..' in {key!r})")
    return key


def put_object(path: Any, data: bytes) -> Any:
    """Write `data` as the whole object at `path` in ONE put (readers see the old object or the new one).

    On S3 the object is put with the canned ACL `private`: only the bucket owner's account (the
    product's credentials) reads it. Raises `StorageError` naming the path and the cause.
    """
    key = object_key(path)
    options = {"ACL": "private"} if protocol(path) in S3_PROTOCOLS else {}
    try:
        path.fs.pipe_file(key, bytes(data), **options)
    except (OSError, ValueError) as exc:  # fsspec maps the store's errors onto OSError
        raise StorageError(f"{path}: cannot write: {exc}") from None
    return path


def refresh(path: Any) -> Any:
    """Forget what the store's client cached about `path` and below, so a listing or a look-up is fresh.

    fsspec clients keep directory listings for the life of the process (an API server, a
    `dag.test` of several runs): without this, files landed after the first listing stay unseen.
    """
    if is_local(path):
        return path
    fs = getattr(path, "fs", None)
    key = str(getattr(path, "path", "") or "").strip("/")
    cache = getattr(fs, "dircache", None)
    if cache is not None and key:
        for cached in [k for k in list(cache) if k == key or k.startswith(key + "/")]:
            cache.pop(cached, None)  # the listings below `key` (invalidate_cache drops only `key` and its parents)
    invalidate = getattr(fs, "invalidate_cache", None)
    if invalidate is not None:
        invalidate(key or None)
    return path


def read_object(path: Any, *, head: bool = False) -> bytes | None:
    """Return the bytes of the object at `path` (one GET), None when there is none (a prefix is none).

    With `head`, only ask whether the object is there (b"" when it is).
    """
    try:
        key = object_key(path)
        if head:
            refresh(path)
            return b"" if path.fs.info(key).get("type") == "file" else None
        return path.fs.cat_file(key)
    except (StorageError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return None
