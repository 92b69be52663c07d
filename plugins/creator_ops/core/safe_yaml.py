"""The one safe YAML loader: every YAML the product reads (campaign specs, `--company`) comes through here.

A YAML file is input from people and from outside, so it is read as hostile:

- **bytes**: at most the caller's size limit, UTF-8 (a BOM is allowed); cp1252, UTF-16
  or binary content is refused with the byte where decoding stopped;
- **shape**: nesting at most `MAX_DEPTH` levels, checked on the parser's events before any
  node is built (20,000 nested lists never reach a recursion), and at most the caller's
  number of values counting every use of an alias (a billion-laughs file stops at the
  bound, after milliseconds, instead of growing to gigabytes);
- **keys**: a key given twice in one mapping is refused (never "the last one wins"), and a
  key must be a name, not a list or mapping;
- **scalars, YAML 1.2**: `true`/`false` are the only booleans (`yes`, `no`, `on`, `off`
  stay text), an integer is decimal without a leading zero, `0o17` or `0x1F` (so
  `phone: 0321612345` and `postcode: 05000` stay text, never octal), `1:30` is text (no
  sexagesimal); floats are exact `Decimal`, `.nan` and `.inf` refused, and a number of more
  than 40 digits or an exponent beyond ±30 becomes a `BadScalar` the caller names by field;
  dates stay dates (a spec's timeline), an impossible one (`2027-02-29`) a `BadScalar`.

`read_yaml_file` raises `YamlFileError` (file, field or line, what is wrong); `load_yaml`
parses text with the same rules for callers that hold text already.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from creator_ops.core.errors import CreatorOpsError

MAX_DEPTH = 64  # a campaign spec nests 4 levels deep
MAX_DIGITS = 40
MAX_EXPONENT = 30
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser is ~20x faster

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class YamlFileError(CreatorOpsError):
    """A YAML file the product cannot read safely; names the file and the field or line."""

    def __str__(self) -> str:
        return f"{self.where}: {self.args[0]}" if self.where else str(self.args[0])


class BadScalar(str):
    """A YAML scalar that looked like a date or number but is none (`2027-02-29`, 5,001 digits)."""


class SafeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loader: YAML 1.2 scalars, exact decimals, duplicate keys refused."""


# YAML 1.2 core-schema resolution, stricter on leading zeros (a phone number or a postcode is text)
SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
SafeLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
SafeLoader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
SafeLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_decimal(loader: Any, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node)
    lowered = text.lower()
    if lowered in (".nan", ".inf", "-.inf", "+.inf"):
        raise yaml.constructor.ConstructorError(None, None, f"non-finite number {text!r}", node.start_mark)
    if len(text) > MAX_DIGITS:
        return BadScalar(text[:20] + "…")
    try:
        value = Decimal(text.replace("_", ""))
    except ArithmeticError:  # an explicit !!float Decimal cannot read
        return BadScalar(text)
    if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:  # 1e999999 is no amount or rate
        return BadScalar(text)
    return value


def _construct_int(loader: Any, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    if len(text) > MAX_DIGITS:  # Python refuses > 4,300 digits; no real figure needs 40
        return BadScalar(text[:20] + "…")
    try:
        return int(text, 0) if text[1:2] in ("o", "x") else int(text, 10)
    except ValueError:  # an explicit !!int on text that is none
        return BadScalar(text)


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):  # 2027-02-29, 2026-13-01: the caller says which field
        return BadScalar(loader.construct_scalar(node))


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, float, bool, Decimal, dt.date, type(None))):
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name, not a {type(key).__name__}", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


SafeLoader.add_constructor(_FLOAT, _construct_decimal)
SafeLoader.add_constructor(_INT, _construct_int)
SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_depth(text: str) -> None:
    """Refuse nesting beyond MAX_DEPTH from the parser's events, before the composer recurses into it."""
    depth = 0
    loader = SafeLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise yaml.MarkedYAMLError(
                        problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def load_yaml(text: str) -> Any:
    """Parse YAML text with the rules above (raises `yaml.YAMLError` on a syntax, depth or key problem)."""
    _check_depth(text)
    return yaml.load(text, Loader=SafeLoader)  # a SafeLoader subclass


def count_values(data: Any, limit: int) -> bool:
    """Return True when `data` holds more than `limit` values, every use of a YAML alias counted."""
    budget = limit
    stack = [data]
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            return True
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def read_regular_file(path: Path, limit: int) -> bytes:
    """Read at most `limit` bytes of a regular file; a FIFO, device or folder is refused, never waited on."""
    import errno
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a folder, device or pipe)", str(path))
        return handle.read(limit)


def read_yaml_file(path: str | Path, *, max_bytes: int, max_values: int, what: str = "YAML file") -> Any:
    """Read one YAML file by the rules above; any problem is a `YamlFileError` naming the file and where."""
    path = Path(path)
    try:
        raw = read_regular_file(path, max_bytes + 1)
    except OSError as exc:
        raise YamlFileError(f"cannot read file: {exc.strerror or exc}", file=path) from None
    if len(raw) > max_bytes:
        size = path.stat().st_size if path.is_file() else len(raw)
        raise YamlFileError(f"{size} bytes: a {what} is at most {max_bytes}", file=path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlFileError(f"UTF-16 text; save the {what} as UTF-8", file=path)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise YamlFileError(f"binary content (a NUL byte at byte {nul:,}); not a {what}", file=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"not UTF-8 text (byte {exc.start:,}); save the {what} as UTF-8", file=path) from None
    try:
        data = load_yaml(text)
    except RecursionError:
        raise YamlFileError("invalid YAML: nested too deeply", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if "nesting depth" in problem:  # libyaml's own bound (1,000 flow levels) met before ours
            problem = f"nested more than {MAX_DEPTH} levels deep"
        raise YamlFileError(
            f"invalid YAML: {problem}", file=path, field=f"line {mark.line + 1}" if mark is not None else None
        ) from None
    if count_values(data, max_values):
        raise YamlFileError(f"more than {max_values} values (YAML aliases count each use)", file=path)
    return data
