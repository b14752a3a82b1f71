"""The layout holds: no import cycle between any two modules of the package, and at most
eight modules directly in ``decomposer/`` (the rest live in the folders that are the layers).

The layers themselves are import-linter contracts in pyproject.toml (``lint-imports`` in CI);
its ``acyclic_siblings`` contract sees cycles between packages, this test sees every cycle
between modules, imports inside functions included, with the cycle finder the dependency
check uses (``plan.graph.cycles``).
"""

from __future__ import annotations

import grimp

from decomposer.plan.graph import cycles
from helpers.plans import ROOT

PACKAGE = "decomposer"
TOP_LEVEL_MODULE_LIMIT = 8


def import_graph() -> dict[str, list[str]]:
    """Each module of the package and the modules of the package it imports."""
    graph = grimp.build_graph(PACKAGE)
    modules = graph.modules
    return {
        module: sorted(set(graph.find_modules_directly_imported_by(module)) & modules) for module in sorted(modules)
    }


def test_the_cycle_finder_finds_a_cycle():
    # A check that cannot fail proves nothing: the same finder on a graph with a cycle.
    graph = {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    graph = import_graph()
    assert "decomposer.cli.main" in graph and graph["decomposer.cli.main"]  # the graph is the real one
    assert cycles(graph) == []


def test_at_most_eight_modules_directly_in_the_package():
    top_level = sorted(path.name for path in (ROOT / PACKAGE).glob("*.py"))
    assert "__init__.py" in top_level
    assert len(top_level) <= TOP_LEVEL_MODULE_LIMIT, top_level
