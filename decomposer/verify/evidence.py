"""The evidence of a run: what is kept of it (``Evidence``, ``stored_tail``), recording it
in the plan (``evidence_edit``, ``record``), and counting the results (``summarize``).

Output is untrusted text. What is stored has ANSI escape sequences removed, other
control characters shown as escapes (``decomposer.text.terminal_safe``), and the values
of secret environment variables replaced by ``[NAME redacted]``
(``decomposer.text.redact_variables``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from decomposer.text import redact_cut_start, redact_variables, terminal_safe, variable_mask
from decomposer.verify.runs import PlannedRun, WaitingReview

__all__ = [
    "TAIL_BYTES",
    "Evidence",
    "StaleRun",
    "SubtaskSummary",
    "Summary",
    "evidence_edit",
    "record",
    "stored_tail",
    "summarize",
]

# What evidence stores of a command's output: the last 4 KB (UTF-8), so a plan stays reviewable.
TAIL_BYTES = 4 * 1024
_CUT_MARK = "…"


class StaleRun(LookupError):
    """The plan no longer has the criterion a result belongs to (it was edited since the
    run was planned); the result is not recorded."""


@dataclass(frozen=True)
class Evidence:
    """The result of one run. ``to_dict`` is the entry stored in the plan; the rest is
    for the caller's display (``detail`` is one line of plain text, e.g. "exit 3,
    expected 0")."""

    run: PlannedRun
    at: str
    passed: bool
    exit_code: int | None
    output_tail: str
    duration_s: float
    detail: str
    output_bytes: int = 0  # everything the command wrote, although only the tail is kept

    def to_dict(self) -> dict[str, int | str | bool]:
        entry: dict[str, int | str | bool] = {"criterion": self.run.criterion, "at": self.at}
        if self.exit_code is not None:
            entry["exit_code"] = self.exit_code
        entry["passed"] = self.passed
        entry["output_tail"] = self.output_tail
        return entry


# --- the stored output ----------------------------------------------------------------------


def _cap_start(text: str, limit: int) -> tuple[str, bool]:
    """The end of ``text`` that fits in ``limit`` UTF-8 bytes, cut on a character
    boundary, and whether anything was cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text, False
    data = data[len(data) - limit :]
    start = 0
    while start < len(data) and 0x80 <= data[start] < 0xC0:  # continuation bytes
        start += 1
    return data[start:].decode("utf-8"), True


def stored_tail(visible: str, secrets: Sequence[tuple[str, str]], note: str = "", limit: int = TAIL_BYTES) -> str:
    """What evidence keeps of the output: the values of ``secrets`` (``secret_variables``)
    redacted, control characters escaped, at most ``limit`` UTF-8 bytes including ``note``
    (decomposer's own remark, which is never cut)."""
    note_text = f"\n{note}" if note and visible and not visible.endswith("\n") else note
    # Room for the cut mark and for a leading fragment replaced by a (longer) mask.
    reserve = len(_CUT_MARK.encode("utf-8")) + max((len(variable_mask(name)) for name, _ in secrets), default=0)
    budget = max(limit - len(note_text.encode("utf-8")) - reserve, 0)
    text, cut = _cap_start(terminal_safe(redact_variables(visible, secrets)), budget)
    if cut:
        text = _CUT_MARK + redact_cut_start(text, secrets)
    return text + note_text


# --- recording ----------------------------------------------------------------------------


def _runs_here(subtask: Any, run: PlannedRun) -> bool:
    if not isinstance(subtask, dict) or subtask.get("id") != run.subtask_id:
        return False
    criteria = subtask.get("acceptance")
    if not isinstance(criteria, list) or run.criterion >= len(criteria):
        return False
    criterion = criteria[run.criterion]
    verify = criterion.get("verify") if isinstance(criterion, dict) else None
    return isinstance(verify, dict) and verify.get("command") == run.command


def _position(plan: Any, run: PlannedRun) -> int:
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    subtasks = subtasks if isinstance(subtasks, list) else []
    if run.subtask_index < len(subtasks) and _runs_here(subtasks[run.subtask_index], run):
        return run.subtask_index
    for i, subtask in enumerate(subtasks):  # subtasks were moved since the run was planned
        if _runs_here(subtask, run):
            return i
    raise StaleRun(f"{run.subtask_id} criterion {run.criterion + 1} no longer has the command that ran")


def evidence_edit(plan: Any, evidence: Evidence) -> tuple[tuple[str, int, str], list[object]]:
    """Where ``evidence`` goes and the subtask's new evidence list:
    ``(("subtasks", i, "evidence"), entries)``, ready for
    ``PlanDocument.set_field(*edit)``. See ``record`` for what the list holds. Raises
    ``StaleRun`` when the plan no longer has that subtask and command."""
    i = _position(plan, evidence.run)
    previous = plan["subtasks"][i].get("evidence")
    kept = [
        entry
        for entry in (previous if isinstance(previous, list) else [])
        if not (isinstance(entry, dict) and entry.get("criterion") == evidence.run.criterion)
    ]
    return ("subtasks", i, "evidence"), [*kept, evidence.to_dict()]


def record(plan: dict, evidence: Evidence) -> dict:
    """A copy of ``plan`` with ``evidence`` in its subtask; ``plan`` is not changed (only
    the containers on the path are copied, as ``PlanDocument`` requires).

    Each criterion keeps only its latest result: a new run replaces the previous entry
    for the same criterion and goes last, so the list stays one entry per command
    criterion, newest last (the schema's order), and the current state is what a reader
    sees. History is what version control of the plan file is for. Raises ``StaleRun``."""
    (_, i, key), entries = evidence_edit(plan, evidence)
    subtasks = list(plan["subtasks"])
    subtasks[i] = {**subtasks[i], key: entries}
    return {**plan, "subtasks": subtasks}


# --- summary ------------------------------------------------------------------------------


@dataclass
class SubtaskSummary:
    subtask_index: int
    subtask_id: str
    subtask_title: str
    passed: int = 0
    failed: int = 0
    not_run: int = 0
    waiting_review: int = 0


@dataclass
class Summary:
    """Counts per subtask (in plan order) for one verify run."""

    subtasks: list[SubtaskSummary] = field(default_factory=list)
    interrupted: bool = False

    def _total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.subtasks)

    @property
    def passed(self) -> int:
        return self._total("passed")

    @property
    def failed(self) -> int:
        return self._total("failed")

    @property
    def not_run(self) -> int:
        return self._total("not_run")

    @property
    def waiting_review(self) -> int:
        return self._total("waiting_review")

    @property
    def all_passed(self) -> bool:
        """Every planned command ran and passed (review criteria do not count)."""
        return self.failed == 0 and self.not_run == 0


def summarize(
    planned: Iterable[PlannedRun],
    results: Iterable[Evidence],
    waiting: Iterable[WaitingReview] = (),
    interrupted: bool = False,
) -> Summary:
    """Count each planned run as passed or failed by its result, or not run when it has
    none (the run was interrupted before it), plus the review criteria waiting."""
    by_run = {(e.run.subtask_index, e.run.criterion): e for e in results}
    rows: dict[int, SubtaskSummary] = {}

    def row(item: PlannedRun | WaitingReview) -> SubtaskSummary:
        return rows.setdefault(
            item.subtask_index, SubtaskSummary(item.subtask_index, item.subtask_id, item.subtask_title)
        )

    for run in planned:
        result = by_run.get((run.subtask_index, run.criterion))
        if result is None:
            row(run).not_run += 1
        elif result.passed:
            row(run).passed += 1
        else:
            row(run).failed += 1
    for review in waiting:
        row(review).waiting_review += 1
    return Summary(sorted(rows.values(), key=lambda s: s.subtask_index), interrupted)
