"""The dependency graph of a plan, by position.

Subtasks refer to each other by id, but ids may be missing or repeated in a plan being
edited, so the graph is over positions: an id stands for the first subtask that has it
(the rule ``checks`` applies too). Every function tolerates a plan of any shape.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from decomposer.plan.json_types import JsonObject

SubtaskItems = list[tuple[int, JsonObject, "str | None"]]
# A node of a graph whose components are sorted: a position, or a name.
Node = TypeVar("Node", int, str)


def subtask_items(plan: Any) -> SubtaskItems:
    """(index, subtask, id or None) for every subtask that is an object."""
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    if not isinstance(subtasks, list):
        return []
    return [
        (i, item, item["id"] if isinstance(item.get("id"), str) else None)
        for i, item in enumerate(subtasks)
        if isinstance(item, dict)
    ]


def first_positions(items: SubtaskItems) -> dict[str, int]:
    """Each id and the position of the first subtask that has it, in plan order."""
    positions: dict[str, int] = {}
    for i, _, sid in items:
        if sid is not None:
            positions.setdefault(sid, i)
    return positions


def _targets(depends_on: Any, positions: dict[str, int]) -> list[int]:
    deps = depends_on if isinstance(depends_on, list) else []
    return [positions[dep] for dep in deps if isinstance(dep, str) and dep in positions]


def dependency_edges(items: SubtaskItems, positions: dict[str, int]) -> dict[int, list[int]]:
    """position -> positions it depends on (ids that name no subtask are left out)."""
    return {i: _targets(subtask.get("depends_on"), positions) for i, subtask, _ in items}


def dependency_order(plan: Any) -> list[int]:
    """Every subtask position, prerequisites first (Kahn's algorithm). Stable: among the
    subtasks that are ready, the one earliest in the plan comes first, so a plan already
    in a good order keeps it. Subtasks caught in a cycle, and everything after them,
    follow in plan order."""
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    count = len(subtasks) if isinstance(subtasks, list) else 0
    items = subtask_items(plan)
    edges = dependency_edges(items, first_positions(items))
    waiting_on = [0] * count
    dependents: dict[int, list[int]] = {}
    for i, targets in edges.items():
        for target in set(targets):
            waiting_on[i] += 1
            dependents.setdefault(target, []).append(i)
    ready = [i for i in range(count) if waiting_on[i] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for dependent in dependents.get(i, ()):
            waiting_on[dependent] -= 1
            if waiting_on[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) < count:
        placed = set(order)
        order += [i for i in range(count) if i not in placed]
    return order


def cycle_with(plan: Any, index: int, depends_on: Any) -> list[str] | None:
    """The dependency cycle through the subtask at ``index`` if its ``depends_on`` were
    ``depends_on``: its ids in order, the first repeated at the end (["S1", "S3", "S1"]).
    None when there would be none. A shortest such cycle (breadth-first search), in time
    linear in the plan's size."""
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    if not isinstance(subtasks, list) or not 0 <= index < len(subtasks):
        return None
    items = subtask_items(plan)
    positions = first_positions(items)
    subtask = subtasks[index]
    sid = subtask.get("id") if isinstance(subtask, dict) else None
    if not isinstance(sid, str) or positions.get(sid) != index:
        return None  # no id, or a repeated one that resolves elsewhere: nothing can reach it

    def successors(node: int) -> list[int]:
        if node == index:
            return _targets(depends_on, positions)
        return _targets(subtasks[node].get("depends_on"), positions)

    previous: dict[int, int] = {}
    frontier = [index]
    while frontier:
        following = []
        for node in frontier:
            for nxt in successors(node):
                if nxt == index:
                    path = [node]
                    while path[-1] != index:
                        path.append(previous[path[-1]])
                    return [subtasks[i]["id"] for i in reversed(path)] + [sid]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return None


def cycles(edges: Mapping[Node, Sequence[Node]]) -> list[list[Node]]:
    """The strongly connected components of ``edges`` (node -> the nodes it points to)
    that contain a cycle, each sorted: subtask dependencies, and in the tests the imports
    between modules. Tarjan's algorithm, iterative so that a chain of 10,000 dependencies
    does not hit the recursion limit."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    result: list[list[Node]] = []
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = edges.get(node, [])
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    result.append(sorted(component))
    return result
