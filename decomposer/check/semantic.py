"""Semantic checks: what the JSON Schema cannot express.

Errors: ``duplicate-id``, ``unknown-dependency``, ``dependency-cycle``,
``autonomy-exceeds-risk``, ``irreversible-without-gate`` (and ``schema`` for an
``expect_output`` that is not a valid regular expression).
Warnings: ``not-machine-verifiable``, ``oversized-subtask``.

Every check tolerates a plan of any shape, so a reviewer sees the semantic problems
and the schema problems of a broken plan in one run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from decomposer.check.findings import ERROR, WARNING, Finding
from decomposer.plan.graph import SubtaskItems, cycles, dependency_edges, first_positions, subtask_items
from decomposer.plan.json_types import JsonObject
from decomposer.plan.pointers import as_list, pointer
from decomposer.text import describe_value, shorten

AUTONOMY_RANK = {"propose": 0, "gated": 1, "autonomous": 2}
# The stakes x verification-cost map: the most autonomy each combination allows.
MAX_AUTONOMY = {
    ("low", "cheap"): "autonomous",
    ("low", "expensive"): "gated",
    ("high", "cheap"): "gated",
    ("high", "expensive"): "propose",
}
GATE_ACTIONS = ("confirm", "stop")
MAX_CRITERIA = 6
MAX_CYCLE_NAMED = 12  # ids named in a cycle message; a longer cycle is shortened


def has_command_criterion(subtask: JsonObject) -> bool:
    return any(
        isinstance(c, dict) and isinstance(c.get("verify"), dict) and c["verify"].get("method") == "command"
        for c in as_list(subtask.get("acceptance"))
    )


def check_plan(plan: Any) -> list[Finding]:
    items = subtask_items(plan)
    findings = check_across_subtasks(items)
    for i, subtask, sid in items:
        findings += check_subtask(subtask, sid, i)
    return findings


def check_across_subtasks(items: SubtaskItems) -> list[Finding]:
    """The checks that relate subtasks to each other: duplicate ids, unknown
    dependencies, cycles. ``items`` is ``subtask_items(plan)``."""
    return [*_duplicate_ids(items), *_dependencies(items)]


def check_subtask(subtask: JsonObject, sid: str | None, i: int) -> list[Finding]:
    """The checks that look at one subtask alone (at position ``i``, id ``sid``).
    Their findings depend on nothing else, so an incremental validator may cache them."""
    return [
        *_autonomy(subtask, sid, i),
        *_irreversible(subtask, sid, i),
        *_verifiability(subtask, sid, i),
        *_size(subtask, sid, i),
        *_output_patterns(subtask, sid, i),
    ]


def _duplicate_ids(items: SubtaskItems) -> Iterator[Finding]:
    positions: dict[str, list[int]] = {}
    for i, _, sid in items:
        if sid is not None:
            positions.setdefault(sid, []).append(i)
    for sid, where in positions.items():
        if len(where) > 1:
            numbers = ", ".join(f"#{i + 1}" for i in where)
            for i in where:
                yield Finding(
                    "duplicate-id",
                    ERROR,
                    sid,
                    pointer("subtasks", i, "id"),
                    f'id "{sid}" is used by {len(where)} subtasks ({numbers})',
                    "give each subtask its own id; dependencies and tickets refer to subtasks by id",
                )


def _dependencies(items: SubtaskItems) -> Iterator[Finding]:
    index_of = first_positions(items)
    for i, subtask, sid in items:
        for j, dep in enumerate(as_list(subtask.get("depends_on"))):
            if not isinstance(dep, str):
                continue  # the schema check reports it
            if dep not in index_of:
                known = ", ".join(list(index_of)[:12]) + (", …" if len(index_of) > 12 else "") or "none"
                yield Finding(
                    "unknown-dependency",
                    ERROR,
                    sid,
                    pointer("subtasks", i, "depends_on", j),
                    f'depends on "{shorten(dep, 40)}", which is not a subtask of this plan',
                    f"known ids: {known}",
                )
    edges = dependency_edges(items, index_of)
    # Only a subtask with an id can be depended on, so every member of a cycle has one.
    ids = {i: sid for i, _, sid in items if sid is not None}
    for component in cycles(edges):
        cycle = _cycle_through(component[0], set(component), edges)
        named = _name_cycle([ids[i] for i in cycle])
        for i in component:
            yield Finding(
                "dependency-cycle",
                ERROR,
                ids[i],
                pointer("subtasks", i, "depends_on"),
                f"dependency cycle: {named}",
                "no subtask in a cycle can start; remove one of the dependencies or merge the subtasks",
            )


def _name_cycle(members: list[str]) -> str:
    """ "S1 → S2 → S1"; a long cycle keeps its ends and its length, so each finding's
    message stays short however many subtasks the cycle has."""
    if len(members) <= MAX_CYCLE_NAMED:
        return " → ".join(members + [members[0]])
    head, tail = members[: MAX_CYCLE_NAMED - 2], members[-2:]
    return f"{' → '.join(head)} → … → {' → '.join(tail + [members[0]])} ({len(members)} subtasks)"


def _cycle_through(start: int, members: set[int], edges: dict[int, list[int]]) -> list[int]:
    """A shortest cycle from ``start`` back to itself inside one component."""
    previous: dict[int, int] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in edges.get(node, []):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return path[::-1]
                if nxt in members and nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return [start]


def _autonomy(subtask: JsonObject, sid: str | None, i: int) -> Iterator[Finding]:
    autonomy = subtask.get("autonomy")
    risk = subtask.get("risk")
    if not isinstance(autonomy, str) or autonomy not in AUTONOMY_RANK or not isinstance(risk, dict):
        return
    stakes, cost = risk.get("stakes"), risk.get("verification_cost")
    allowed = MAX_AUTONOMY.get((stakes, cost)) if isinstance(stakes, str) and isinstance(cost, str) else None
    path = pointer("subtasks", i, "autonomy")
    if allowed and AUTONOMY_RANK[autonomy] > AUTONOMY_RANK[allowed]:
        yield Finding(
            "autonomy-exceeds-risk",
            ERROR,
            sid,
            path,
            f'autonomy "{autonomy}" is more than stakes {stakes} with {cost} verification allows (at most "{allowed}")',
            f'set autonomy to "{allowed}", or split out the risky part so the rest can run alone',
        )
    elif autonomy == "autonomous" and not has_command_criterion(subtask):
        yield Finding(
            "autonomy-exceeds-risk",
            ERROR,
            sid,
            path,
            'autonomy "autonomous" needs at least one criterion verified by a command',
            'add a criterion with verify.method "command", or set autonomy to "gated"',
        )


def _irreversible(subtask: JsonObject, sid: str | None, i: int) -> Iterator[Finding]:
    risk = subtask.get("risk")
    if not (isinstance(risk, dict) and risk.get("reversible") is False):
        return
    gated = any(
        isinstance(b, dict) and b.get("action") in GATE_ACTIONS for b in as_list(subtask.get("pause_boundaries"))
    )
    if not gated:
        yield Finding(
            "irreversible-without-gate",
            ERROR,
            sid,
            pointer("subtasks", i, "pause_boundaries"),
            "the subtask has a step that cannot be undone, but no pause boundary confirms or stops before it",
            'add a boundary such as {"trigger": "When about to run the migration against production", '
            '"action": "confirm"}',
        )


def _verifiability(subtask: JsonObject, sid: str | None, i: int) -> Iterator[Finding]:
    if isinstance(subtask.get("acceptance"), list) and not has_command_criterion(subtask):
        yield Finding(
            "not-machine-verifiable",
            WARNING,
            sid,
            pointer("subtasks", i, "acceptance"),
            "no acceptance criterion is verified by a command, so nobody can check the result without reading it",
            'add a criterion whose verify.method is "command" with the expected exit code or output',
        )


def _size(subtask: JsonObject, sid: str | None, i: int) -> Iterator[Finding]:
    if subtask.get("estimate") == "XL":
        yield Finding(
            "oversized-subtask",
            WARNING,
            sid,
            pointer("subtasks", i, "estimate"),
            "estimated XL: too big for one agent session",
            "split it into subtasks of L or smaller, each with its own acceptance",
        )
    criteria = subtask.get("acceptance")
    if isinstance(criteria, list) and len(criteria) > MAX_CRITERIA:
        yield Finding(
            "oversized-subtask",
            WARNING,
            sid,
            pointer("subtasks", i, "acceptance"),
            f"{len(criteria)} acceptance criteria (more than {MAX_CRITERIA}): the subtask does several things",
            "split it so each part has at most six criteria",
        )


def _output_patterns(subtask: JsonObject, sid: str | None, i: int) -> Iterator[Finding]:
    for j, criterion in enumerate(as_list(subtask.get("acceptance"))):
        verify = criterion.get("verify") if isinstance(criterion, dict) else None
        pattern = verify.get("expect_output") if isinstance(verify, dict) else None
        if not isinstance(pattern, str):
            continue
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            yield Finding(
                "schema",
                ERROR,
                sid,
                pointer("subtasks", i, "acceptance", j, "verify", "expect_output"),
                f"{describe_value(pattern)} is not a valid regular expression: {exc}",
                "expect_output is a Python regular expression searched in the command's output",
            )
