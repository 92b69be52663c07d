"""No import circles and no private imports across packages, on every import statement (module or function level).

A circle (a imports b imports ... a) makes the import order matter and hides which module a
rule lives in; a lazy import inside a function is still a circle. Imports only for type hints
(`if TYPE_CHECKING:`) do not run and do not count. A name starting with `_` is private to its
package: another package never imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from repo_paths import ROOT

PLUGINS = ROOT / "plugins"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PLUGINS.rglob("*.py"):
        parts = path.relative_to(PLUGINS).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name.startswith("creator_ops"):
            found[name] = path
    return found


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """Return (module, names) of every import that runs (type-checking blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hints = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
             for n in ast.walk(node)}  # fmt: skip
    out = []
    for node in ast.walk(tree):
        if id(node) in hints:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
    return out


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for module, names in _imports(path):
            for target in [module, *(f"{module}.{n}" for n in names)]:
                parts = target.split(".")
                for k in range(2, len(parts) + 1):  # importing a.b.c runs a.b's __init__ too
                    prefix = ".".join(parts[:k])
                    if prefix in modules and prefix != name and not name.startswith(prefix + "."):
                        graph[name].add(prefix)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_circles():
    assert _circles(_graph(_modules())) == []


def test_the_check_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_imports_across_packages():
    modules = _modules()
    found = []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for module, names in _imports(path):
            if not module.startswith("creator_ops"):
                continue
            target_package = module if modules.get(module, Path()).name == "__init__.py" else module.rpartition(".")[0]
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and target_package != package:
                found.append(f"{name} imports {', '.join(private)} from {module}")
    assert found == []
