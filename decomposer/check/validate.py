"""Validate a plan: schema, semantic checks and lint, plus delegation readiness."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from decomposer.check import lint, schema
from decomposer.check import semantic as checks
from decomposer.check.findings import ERROR, WARNING, Finding, sort_findings
from decomposer.plan.discovery import looks_like_plan
from decomposer.plan.graph import subtask_items
from decomposer.plan.loading import LoadedPlan, NotAnObject, PlanLoadError, load_plan
from decomposer.plan.pointers import parse_pointer

DELEGABLE_AUTONOMY = ("gated", "autonomous")


@dataclass
class Readiness:
    delegable: int
    total: int
    # Positions of the delegable subtasks, so a UI can mark them.
    delegable_indexes: list[int] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, int]:
        return {"delegable": self.delegable, "total": self.total}


@dataclass
class Report:
    findings: list[Finding]
    readiness: Readiness

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


def validate_plan(plan: Any, duplicate_keys: Sequence[tuple[str, str]] = ()) -> Report:
    """Every finding for ``plan`` (any JSON value), sorted, and its readiness.

    ``duplicate_keys`` are (pointer, key) pairs the loader saw twice in one object."""
    findings = schema.schema_findings(plan)
    findings += duplicate_key_findings(plan, duplicate_keys)
    if isinstance(plan, dict):
        findings += checks.check_plan(plan)
        findings += lint.lint_plan(plan)
    findings = sort_findings(findings)
    return Report(findings, readiness(plan, findings))


def duplicate_key_findings(plan: Any, duplicate_keys: Sequence[tuple[str, str]]) -> list[Finding]:
    """One schema error per (pointer, key) the loader saw twice in one object."""
    return [
        Finding(
            "schema",
            ERROR,
            schema.subtask_id_at(plan, list(parse_pointer(path))),
            path,
            f'"{key}" is given more than once in the same object; only the last value is kept',
            "remove or merge the repeated key",
        )
        for path, key in duplicate_keys
    ]


def readiness(plan: Any, findings: list[Finding]) -> Readiness:
    """A subtask is delegable when no error or warning points into it, its autonomy is
    gated or autonomous, and at least one criterion is checked by a command."""
    items = subtask_items(plan)
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    total = len(subtasks) if isinstance(subtasks, list) else 0
    flagged = {f.subtask_index for f in findings}
    ready = [
        i
        for i, subtask, _ in items
        if i not in flagged and subtask.get("autonomy") in DELEGABLE_AUTONOMY and checks.has_command_criterion(subtask)
    ]
    return Readiness(len(ready), total, ready)


@dataclass
class FileResult:
    """The outcome of checking one file: a report, or the reason it could not be read."""

    path: str
    report: Report | None = None
    plan: Any = None
    error: str | None = None


def check_file(path: str, stdin: BinaryIO | None = None) -> FileResult:
    """Load and validate one plan file ("-" is standard input). Never raises for bad input."""
    try:
        loaded = load_plan(path, stdin)
    except PlanLoadError as exc:
        return FileResult(path, error=exc.reason)
    return _check_loaded(loaded)


def check_found_file(path: str) -> FileResult | None:
    """``check_file`` for a file found in a directory: None when it is JSON but not a plan
    (not an object, or one without ``PLAN_MARKERS``: ``looks_like_plan``), so it is skipped. A file that cannot be read or parsed is
    checked (and reported): it may be a broken plan."""
    try:
        loaded = load_plan(path)
    except NotAnObject:
        return None  # JSON, but an array or a scalar (a Linear export, say)
    except PlanLoadError as exc:
        return FileResult(path, error=exc.reason)
    return _check_loaded(loaded) if looks_like_plan(loaded.plan) else None


def _check_loaded(loaded: LoadedPlan) -> FileResult:
    try:
        report = validate_plan(loaded.plan, loaded.duplicate_keys)
    except RecursionError:
        # Nesting the loader could still parse, but too deep for the validators (the
        # reference recurses per level, e.g. to compare items for uniqueItems).
        return FileResult(loaded.path, error="not usable: the JSON is nested too deeply")
    return FileResult(loaded.path, report, loaded.plan)
