"""The project's modules import each other in one direction only: no module, and no package, is
reached again from what it imports (imports inside functions count; those under
`if TYPE_CHECKING:` do not run and are left out)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("signlang", "stages", "realtime", "bench")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for package in PROJECT_PACKAGES for path in (ROOT / package).rglob("*.py")}


def run_time_imports(tree: ast.AST) -> list[str]:
    """Every module name imported anywhere in `tree` except under `if TYPE_CHECKING:`."""
    names: list[str] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            names += [name for child in node.orelse for name in run_time_imports(child)]
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        names += run_time_imports(node)
    return names


def project_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(level: int | None = None) -> dict[str, set[str]]:
    """module -> project modules it imports; `level` collapses names to their first `level` parts
    (2: signlang.data, signlang.features, ...). A module importing its own package does not count."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        node = ".".join(name.split(".")[:level]) if level else name
        for imported in run_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = project_module(imported)
            if target is None or name == target or name.startswith(target + "."):
                continue
            target = ".".join(target.split(".")[:level]) if level else target
            if target != node:
                graph.setdefault(node, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others() -> None:
    assert cycles(import_graph()) == []


def test_no_package_imports_itself_through_others() -> None:
    """signlang.data, signlang.features, signlang.models, ... form layers: data knows nothing of
    features, features nothing of models, and the pipeline-wide settings (signlang.params) sit on top."""
    assert cycles(import_graph(level=2)) == []


def test_the_walk_sees_imports_inside_functions_but_not_type_checking_ones() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n"
                     "def f():\n    import b\n    from c import d\n")
    assert run_time_imports(tree) == ["typing", "typing.TYPE_CHECKING", "b", "c", "c.d"]
    assert cycles({"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}) == [["x", "y", "z"]]
