"""The house's imports: no circle among bjob's modules, counting every import (inside a
function, or for type checking only, as well as at the top). import-linter keeps the layers
pointing one way; within a layer, this keeps modules from leaning on each other in a loop."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO


def _imports() -> dict[str, set[str]]:
    """Each bjob module -> the bjob modules it imports, anywhere in it."""
    modules: dict[str, Path] = {}
    for path in (REPO / "bjob").rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            # A package's own __init__ (bjob, for __version__) is no circle with its modules.
            graph[name] |= {
                target
                for target in targets
                if target in modules and target != name and not name.startswith(target + ".")
            }
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_type_only_imports_included() -> None:
    assert _circles(_imports()) == []


def test_a_circle_is_found_when_there_is_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]
