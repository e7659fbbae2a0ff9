"""The package's layering, read from the source with `ast` (nothing is imported to check it):
the engine imports nothing above it, the scenario package neither front nor the dry-run, and
no module imports one that imports it back (at module level; names that both need go in a
module below both). Imports inside functions count for the layer rules; those under
`if TYPE_CHECKING:` never run and do not count."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mock_lykke

ROOT = Path(mock_lykke.__file__).parent


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if package else parts)] = (path, package)
    return out


MODULES = _modules()


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str) -> list[tuple[str, int, bool]]:
    """(imported mock_lykke module, line, at module level) for each import in `name`."""
    path, package = MODULES[name]
    here = name.split(".") if package else name.split(".")[:-1]
    found: list[tuple[str, int, bool]] = []

    def visit(nodes, top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _type_checking(node):
                visit(node.orelse, top)
            elif isinstance(node, ast.Import):
                found.extend((a.name, node.lineno, top) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = here[:len(here) - (node.level - 1)]
                    base = ".".join(up + ([node.module] if node.module else []))
                for a in node.names:    # `from pkg import module` imports the module
                    full = f"{base}.{a.name}"
                    found.append((full if full in MODULES else base, node.lineno, top))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(ast.iter_child_nodes(node), False)
            else:
                visit(ast.iter_child_nodes(node), top)

    visit(ast.parse(path.read_text(encoding="utf-8")).body, True)
    return [(m, line, top) for m, line, top in found if m in MODULES]


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _crossings(layer: str, forbidden) -> list[str]:
    return [f"{name} line {line} imports {target}"
            for name in MODULES if _inside(name, layer)
            for target, line, _ in imports(name) if forbidden(target)]


def test_the_engine_imports_nothing_above_it():
    assert _crossings("mock_lykke.engine", lambda t: not _inside(t, "mock_lykke.engine")) == []


@pytest.mark.parametrize("above", ["mock_lykke.api", "mock_lykke.dryrun"])
def test_the_scenario_package_imports_neither_front_nor_the_dry_run(above):
    assert _crossings("mock_lykke.scenario", lambda t: _inside(t, above)) == []


@pytest.mark.parametrize("low", ["mock_lykke.routes", "mock_lykke.track", "mock_lykke.track_rules",
                                 "mock_lykke.probe", "mock_lykke.dryrun.entries",
                                 "mock_lykke.api.control_table"])
def test_the_modules_shared_names_moved_down_to_import_no_adapter(low):
    above = ("mock_lykke.api", "mock_lykke.scenario", "mock_lykke.dryrun.metrics",
             "mock_lykke.server", "mock_lykke.latency")
    assert [t for t, _, _ in imports(low) if any(_inside(t, a) for a in above)] == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that ends where it starts) per strongly connected group of more
    than one module, or of one that imports itself (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for t in targets:
                if t not in index:
                    index[t] = low[t] = len(index)
                    stack.append(t)
                    on_stack.add(t)
                    work.append((t, iter(sorted(graph[t]))))
                    break
                if t in on_stack:
                    low[node] = min(low[node], index[t])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        group.append(m)
                        if m == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        groups.append(sorted(group))
    return [_path_in(graph, set(g)) for g in groups]


def _path_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest cycle through the group's first module (breadth first, inside the group)."""
    first = min(group)
    came = {first: None}
    queue = [first]
    for node in queue:
        for t in sorted(graph[node] & group):
            if t == first:
                path = [node]
                while came[path[-1]] is not None:
                    path.append(came[path[-1]])
                return [first] + path[::-1][1:] + [first] if len(path) > 1 else [first, first]
            if t not in came:
                came[t] = node
                queue.append(t)
    raise AssertionError("a group without a cycle")


def test_no_module_imports_one_that_imports_it_back():
    graph = {name: {t for t, _, top in imports(name) if top and t != name} for name in MODULES}
    assert [" -> ".join(c) for c in cycles(graph)] == []


def test_the_metrics_and_their_sources_do_not_import_each_other_even_late():
    dryrun = [n for n in MODULES if _inside(n, "mock_lykke.dryrun")]
    graph = {n: {t for t, _, _ in imports(n) if t in dryrun} for n in dryrun}
    assert [" -> ".join(c) for c in cycles(graph)] == []


def test_cycles_are_found_and_shown_as_a_path():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"], ["e", "e"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_function_level_and_relative_imports_are_read():
    found = imports("mock_lykke.dryrun.metrics")
    assert ("mock_lykke.dryrun.from_notes", True) not in {(m, top) for m, _, top in found}
    assert ("mock_lykke.dryrun.from_notes", False) in {(m, top) for m, _, top in found}
    assert ("mock_lykke.dryrun.entries", True) in {(m, top) for m, _, top in found}


def test_the_rest_front_serves_exactly_the_route_names_faults_select_by():
    from mock_lykke.api.rest import ROUTES
    from mock_lykke.routes import REST_ROUTES
    assert sorted(r.name for r in ROUTES) == sorted(REST_ROUTES)
