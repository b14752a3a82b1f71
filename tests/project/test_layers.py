"""The layout holds: no import cycle between any two modules of the package, and at most
eight modules directly in ``decomposer/`` (the rest live in the folders that are the layers).

The layers themselves are import-linter contracts in pyproject.toml (``lint-imports`` in CI);
its ``acyclic_siblings`` contract sees cycles between packages, this test sees every cycle
between modules, imports inside functions included.
"""

from __future__ import annotations

import grimp

from helpers.plans import ROOT

PACKAGE = "decomposer"
TOP_LEVEL_MODULE_LIMIT = 8


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm without recursion: the groups of modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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


def import_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph(PACKAGE)
    modules = graph.modules
    return {module: set(graph.find_modules_directly_imported_by(module)) & modules for module in modules}


def test_the_cycle_finder_finds_a_cycle():
    # A check that cannot fail proves nothing: the same finder on a graph with a cycle.
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    graph = import_graph()
    assert "decomposer.cli.main" in graph and graph["decomposer.cli.main"]  # the graph is the real one
    assert strongly_connected(graph) == []


def test_at_most_eight_modules_directly_in_the_package():
    top_level = sorted(path.name for path in (ROOT / PACKAGE).glob("*.py"))
    assert "__init__.py" in top_level
    assert len(top_level) <= TOP_LEVEL_MODULE_LIMIT, top_level
