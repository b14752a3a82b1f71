"""Which runs a plan asks for: its command criteria, to list, confirm and run
(``planned_runs``), and its review criteria, which wait for a human (``review_waiting``).

Nothing here runs anything: commands run only when a caller asks
``decomposer.verify.runner.run_one`` to, after the user has seen and confirmed them
(``decomposer verify``, or the TUI's confirmation dialog).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decomposer.plan.contract import int_range
from decomposer.plan.graph import dependency_order
from decomposer.plan.pointers import as_str

__all__ = ["PlannedRun", "UnknownSubtask", "WaitingReview", "planned_runs", "review_waiting"]


class UnknownSubtask(LookupError):
    """``subtask_id`` names no subtask; ``known`` lists the ids the plan has."""

    def __init__(self, subtask_id: str, known: list[str]):
        super().__init__(f"no subtask {subtask_id!r}")
        self.subtask_id = subtask_id
        self.known = known


@dataclass(frozen=True)
class PlannedRun:
    """One command criterion to run. ``timeout_s`` is the criterion's own, or None."""

    subtask_index: int
    subtask_id: str
    subtask_title: str
    criterion: int
    statement: str
    command: str
    expect_exit: int = 0
    expect_output: str | None = None
    timeout_s: int | None = None

    def effective_timeout(self, default: float) -> float:
        """The criterion's own timeout, else ``default`` (``--timeout``)."""
        return self.timeout_s if self.timeout_s is not None else default


@dataclass(frozen=True)
class WaitingReview:
    """A review criterion: a human judges it, verify does not."""

    subtask_index: int
    subtask_id: str
    subtask_title: str
    criterion: int
    statement: str
    reviewer: str | None


def _selected(plan: Any, subtask_id: str | None) -> list[tuple[int, dict, str]]:
    """(position, subtask, id) in dependency order (prerequisites first), or only the
    subtasks with ``subtask_id``. Subtasks without a string id are left out: their
    results could not be told apart."""
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    subtasks = subtasks if isinstance(subtasks, list) else []
    chosen = []
    for i in dependency_order(plan):
        subtask = subtasks[i]
        sid = subtask.get("id") if isinstance(subtask, dict) else None
        if isinstance(sid, str) and (subtask_id is None or sid == subtask_id):
            chosen.append((i, subtask, sid))
    if subtask_id is not None and not chosen:
        known = [s["id"] for s in subtasks if isinstance(s, dict) and isinstance(s.get("id"), str)]
        raise UnknownSubtask(subtask_id, known)
    return chosen


def _criteria(subtask: dict) -> list[tuple[int, dict, dict]]:
    criteria = subtask.get("acceptance")
    return [
        (j, criterion, criterion["verify"])
        for j, criterion in enumerate(criteria if isinstance(criteria, list) else [])
        if isinstance(criterion, dict) and isinstance(criterion.get("verify"), dict)
    ]


def _optional_int(verify: dict, key: str, low: int, high: int) -> tuple[bool, int | None]:
    """(usable, value) of an optional integer field; a present but invalid one (a plan
    being edited) makes the criterion unusable rather than silently defaulted."""
    if key not in verify:
        return True, None
    value = verify[key]
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return ok, value if ok else None


def planned_runs(plan: Any, subtask_id: str | None = None) -> list[PlannedRun]:
    """Every command criterion of the plan (or of subtask ``subtask_id``), subtasks in
    dependency order, criteria in plan order. Raises ``UnknownSubtask``. A criterion
    whose fields are malformed (an empty command, a string timeout) is left out; a
    plan that passes ``decomposer check`` has none."""
    runs = []
    for i, subtask, sid in _selected(plan, subtask_id):
        for j, criterion, verify in _criteria(subtask):
            command = verify.get("command")
            if verify.get("method") != "command" or not isinstance(command, str) or not command.strip():
                continue
            exit_ok, expect_exit = _optional_int(verify, "expect_exit", *int_range("verify.expect_exit"))
            timeout_ok, timeout_s = _optional_int(verify, "timeout_s", *int_range("verify.timeout_s"))
            expect_output = verify.get("expect_output")
            if not (exit_ok and timeout_ok) or not isinstance(expect_output, (str, type(None))):
                continue
            runs.append(
                PlannedRun(
                    i,
                    sid,
                    as_str(subtask.get("title")),
                    j,
                    as_str(criterion.get("statement")),
                    command,
                    0 if expect_exit is None else expect_exit,
                    expect_output,
                    timeout_s,
                )
            )
    return runs


def review_waiting(plan: Any, subtask_id: str | None = None) -> list[WaitingReview]:
    """Every review criterion (in the same order as ``planned_runs``): these wait for a
    human. Raises ``UnknownSubtask``."""
    return [
        WaitingReview(
            i,
            sid,
            as_str(subtask.get("title")),
            j,
            as_str(criterion.get("statement")),
            verify["reviewer"] if isinstance(verify.get("reviewer"), str) else None,
        )
        for i, subtask, sid in _selected(plan, subtask_id)
        for j, criterion, verify in _criteria(subtask)
        if verify.get("method") == "review"
    ]
