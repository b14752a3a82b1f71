"""Validate a plan again after an edit, re-checking only the subtasks that changed.

``IncrementalValidator().validate(plan)`` returns exactly what
``decomposer.check.validate.validate_plan(plan)`` returns (the same findings in the same order,
the same readiness), for every plan. It relies on the copy-on-write discipline of
``decomposer.editing.document.PlanDocument``: a subtask that was not edited is the same object
as in the previous revision, and no object is ever changed in place. So the findings
that depend on one subtask alone (its schema errors, the per-subtask semantic checks,
the lint) are cached per subtask object and reused while that object is unchanged.

What relates subtasks to each other (duplicate ids, unknown dependencies, cycles) is
checked again whenever a position, an id or a ``depends_on`` changed, and the plan's own
fields on every call; both are cheap. A subtask that moved keeps its findings,
re-pointed at its new position.

Mutating a plan in place between two calls breaks the cache (the object is the same, so
it is not re-checked): treat validated plans as immutable, or use a new validator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from decomposer.check import lint, schema
from decomposer.check import semantic as checks
from decomposer.check.findings import Finding, sort_findings
from decomposer.check.validate import Report, duplicate_key_findings, readiness, validate_plan
from decomposer.plan.graph import subtask_items
from decomposer.plan.json_types import JsonObject
from decomposer.plan.pointers import pointer


class _Entry:
    """The cached findings of one subtask object at one position."""

    __slots__ = ("subtask", "index", "schema", "checks", "lint")

    def __init__(self, subtask: Any, index: int, schema: list[Finding], checks: list[Finding], lint: list[Finding]):
        self.subtask = subtask  # held so its id() cannot be reused by another object
        self.index = index
        self.schema = schema
        self.checks = checks
        self.lint = lint

    def at(self, index: int) -> _Entry:
        """The same findings for the subtask at position ``index``."""
        if index == self.index:
            return self
        prefix = pointer("subtasks", index)
        cut = len(pointer("subtasks", self.index))

        def moved(findings: list[Finding]) -> list[Finding]:
            return [replace(f, path=prefix + f.path[cut:]) for f in findings]

        return _Entry(self.subtask, index, moved(self.schema), moved(self.checks), moved(self.lint))


class IncrementalValidator:
    """Keeps the findings of each subtask between calls. Not thread-safe: use one per
    thread, or a lock (the TUI validates in a worker thread under a lock)."""

    def __init__(self) -> None:
        self._cache: dict[int, _Entry] = {}
        # The cross-subtask findings and what they were computed from: every subtask's
        # position, id and depends_on (compared by ==, so an equal copy also matches).
        self._graph_key: tuple[tuple[int, str | None, Any], ...] | None = None
        self._graph_findings: list[Finding] = []
        self.rechecked = 0  # subtasks checked afresh by the last call (for tests and benchmarks)

    def validate(self, plan: Any, duplicate_keys: Sequence[tuple[str, str]] = ()) -> Report:
        """The same ``Report`` as ``validate_plan(plan, duplicate_keys)``."""
        if not isinstance(plan, dict):
            self._cache, self._graph_key = {}, None
            return validate_plan(plan, duplicate_keys)
        try:
            return self._validate(plan, duplicate_keys)
        except schema.NeedsWholePlan:
            self._cache, self._graph_key = {}, None
            return validate_plan(plan, duplicate_keys)

    def _validate(self, plan: JsonObject, duplicate_keys: Sequence[tuple[str, str]]) -> Report:
        subtasks = plan.get("subtasks")
        subtasks = subtasks if isinstance(subtasks, list) else []
        cache: dict[int, _Entry] = {}
        previous = self._cache
        entries: list[_Entry] = []
        self.rechecked = 0
        for index, subtask in enumerate(subtasks):
            entry = previous.get(id(subtask))
            if entry is None or entry.subtask is not subtask:
                entry = self._check(subtask, index)
                self.rechecked += 1
            else:
                entry = entry.at(index)
            # The same object may stand at two positions; either entry serves both.
            cache[id(subtask)] = entry
            entries.append(entry)
        self._cache = cache  # drops subtasks that are gone

        # The order validate_plan builds its list in; sorting is stable, so findings that
        # tie on (position, severity, path, rule) keep this order there and here.
        findings = schema.plan_field_findings(plan)
        for entry in entries:
            findings += entry.schema
        findings += duplicate_key_findings(plan, duplicate_keys)
        findings += self._across_subtasks(plan)
        for entry in entries:
            findings += entry.checks
        findings += lint.lint_plan_fields(plan)
        for entry in entries:
            findings += entry.lint
        findings = sort_findings(findings)
        return Report(findings, readiness(plan, findings))

    def _across_subtasks(self, plan: JsonObject) -> list[Finding]:
        """Duplicate ids, unknown dependencies and cycles, which depend only on the
        positions, ids and depends_on of the subtasks: reused while those are equal."""
        items = subtask_items(plan)
        key = tuple((i, sid, subtask.get("depends_on")) for i, subtask, sid in items)
        if key != self._graph_key:
            self._graph_key, self._graph_findings = key, checks.check_across_subtasks(items)
        return self._graph_findings

    @staticmethod
    def _check(subtask: Any, index: int) -> _Entry:
        if not isinstance(subtask, dict):  # only the schema has something to say
            return _Entry(subtask, index, schema.subtask_schema_findings(subtask, index), [], [])
        sid = subtask["id"] if isinstance(subtask.get("id"), str) else None
        return _Entry(
            subtask,
            index,
            schema.subtask_schema_findings(subtask, index),
            checks.check_subtask(subtask, sid, index),
            lint.lint_subtask(subtask, index),
        )
