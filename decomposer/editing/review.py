"""How far along each subtask is: its badge from the check report, the order review mode
steps through the subtasks in, and the record a review leaves in a subtask."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from decomposer.clock import rfc3339, utc_now

if TYPE_CHECKING:
    from decomposer.check.validate import Report

# delegable: no finding, ready to hand off; held: no finding, but not delegable (propose,
# or no command criterion); unchecked: no report yet.
Badge = Literal["delegable", "error", "warning", "held", "unchecked"]

# Incomplete first: errors, warnings, not delegable; reviewed ones last.
_RANK = {"error": 0, "warning": 1, "held": 2, "unchecked": 2, "delegable": 3}


def subtask_badges(report: Report) -> dict[int, Badge]:
    """The badge of every subtask index in ``report``: its worst finding, else whether it
    is delegable."""
    worst: dict[int, Badge] = {}
    for finding in report.findings:
        index = finding.subtask_index
        if index is not None and worst.get(index) != "error":
            worst[index] = "error" if finding.severity == "error" else "warning"
    delegable = set(report.readiness.delegable_indexes)
    return {i: worst.get(i) or ("delegable" if i in delegable else "held") for i in range(report.readiness.total)}


def review_order(subtasks: list, badges: dict[int, Badge]) -> list[int]:
    """Subtask indexes in the order review mode shows them: the incomplete first."""

    def key(i: int) -> tuple[bool, int, int]:
        subtask = subtasks[i]
        status = subtask.get("review", {}).get("status") if isinstance(subtask.get("review"), dict) else None
        return (status == "approved", _RANK.get(badges.get(i, "unchecked"), 2), i)

    return sorted(range(len(subtasks)), key=key)


def reviewer_name() -> str:
    """Who is reviewing: the login name, or "reviewer" when there is none."""
    import getpass  # here, not at start-up: the app imports this module before its first frame

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def review_record(status: str, notes: str | None = None) -> dict[str, str]:
    """The ``review`` object a verdict leaves in a subtask: who gave it, and when."""
    review = {"status": status, "by": reviewer_name(), "at": rfc3339(utc_now())}
    if notes:
        review["notes"] = notes
    return review
