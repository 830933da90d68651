"""No import cycles between cselab's packages (issue #15, item 5).

The graph is read from the source with ``ast`` (nothing is imported): a node is a package
of ``src/cselab`` (``geometry``, ``report``, ...) or a top-level module (``errors``,
``progress``); ``cselab/__init__.py`` (the public API) is the node ``cselab``. Every
import counts, also one inside a function or under ``TYPE_CHECKING``: importing lazily
saves start-up time, it does not make a dependency go away.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "cselab"
ROOT = "cselab"

Graph = dict[str, dict[str, list[str]]]  # node -> {imported node: [file:line, ...]}


def node_of(dotted: str) -> str | None:
    """The node of a dotted module name inside cselab, None outside it."""
    parts = dotted.split(".")
    if parts[0] != ROOT:
        return None
    if len(parts) == 1:
        return ROOT
    top = SOURCE / parts[1]
    return parts[1] if top.is_dir() or top.with_suffix(".py").is_file() else ROOT


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool):
    """(dotted name, line) of everything a module imports; ``from A import b`` gives
    ``A.b`` when ``b`` is a module of A, else ``A``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1
                package = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                known = node_of(candidate) not in (None, ROOT) or base != ROOT
                yield (candidate if known else base), node.lineno


def import_graph() -> Graph:
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for path in sorted(SOURCE.rglob("*.py")):
        module = module_name(path)
        source = node_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name, line in imported_modules(tree, module, path.name == "__init__.py"):
            target = node_of(name)
            where = f"{path.relative_to(SOURCE.parent)}:{line}"
            new = source is not None and target not in (None, source)
            if new and where not in graph[source][target]:
                graph[source][target].append(where)
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None (depth-first search)."""
    state: dict[str, str] = {}  # "open" on the current path, "done" after
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def describe(graph: Graph, cycle: list[str]) -> str:
    steps = []
    for a, b in zip(cycle, cycle[1:], strict=False):
        steps.append(f"  {a} -> {b}: {', '.join(graph[a][b][:3])}")
    return "import cycle between packages:\n" + "\n".join(steps)


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, describe(graph, cycle)


def test_the_graph_sees_the_imports_it_must_see() -> None:
    """The reader is not blind: known edges are found, with the line that makes them."""
    graph = import_graph()
    assert "models" in graph["geometry"]  # geometry/sources.py imports the token view
    assert "geometry" in graph["report"]  # report tables read the metric registry (lazily)
    assert "progress" in graph["models"]  # ``from cselab import progress`` is the module
    assert all(ROOT not in targets for node, targets in graph.items() if node != "cli")


def test_a_cycle_is_found_and_named() -> None:
    graph: Graph = {
        "a": {"b": ["cselab/a/x.py:3"]},
        "b": {"c": ["cselab/b/y.py:5"]},
        "c": {"a": ["cselab/c/z.py:9"]},
    }
    cycle = find_cycle(graph)
    assert cycle == ["a", "b", "c", "a"]
    assert "b -> c: cselab/b/y.py:5" in describe(graph, cycle)
    assert find_cycle({"a": {"b": ["f:1"]}, "b": {}}) is None


def test_only_the_report_draws_figures() -> None:
    """matplotlib is imported in cselab/report/ only, and only the command line and the
    public API call the report: a library package that wrote figures through it would
    import it (issue #15, item 5)."""
    importers = sorted(node for node, targets in import_graph().items() if "report" in targets)
    assert set(importers) <= {"cli", ROOT}, f"packages that call the report: {importers}"
    drawing = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imported_modules(tree, module_name(path), path.name == "__init__.py")
        if node_of(module_name(path)) != "report" and any(
            name.split(".")[0] == "matplotlib" for name, _ in names
        ):
            drawing.append(str(path.relative_to(SOURCE.parent)))
    assert drawing == [], f"figures drawn outside cselab/report/: {drawing}"
