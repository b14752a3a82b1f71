"""The steps of a push to a tracker, and running them (the command and its printing are
``decomposer.cli.push_command``).

A tracker (``github.GitHubPush``, ``linear.LinearPush``) turns a plan into ``Step``s in
the order they must happen: the parent ticket, each subtask's ticket in dependency order,
then what needs every number (sub-issue links, the parent's list of subtasks). They run
one by one and the first failure stops the push; the ``Outcome`` says what was done,
what failed (the API's words) and what was not attempted.

Every ticket created is recorded in the plan's ``tracker`` fields and the plan file saved
(atomically) at once, so a failure or a crash half-way loses nothing, and running the
same command again updates what exists instead of creating it twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from decomposer.plan.files import write_plan
from decomposer.text import one_line, shorten
from decomposer.trackers import entries
from decomposer.trackers.http import TrackerError

TITLE_SHOWN = 70  # characters of a title in a dry-run or progress line


@dataclass
class Result:
    status: str  # "created", "updated", "unchanged" (tickets), "done" (anything else)
    text: str  # one line for the progress output: "#12 https://…", "2 linked"


@dataclass
class Step:
    verb: str  # what the dry run says: create, update, labels, link, finish, team
    subject: str  # "plan", a subtask id, or "" for a step about the whole push
    summary: str  # one terminal-safe line: title, labels, parent, blocked by
    run: Callable[[], Result]

    def name(self) -> str:
        return f"{self.subject} ({self.verb})" if self.subject else self.verb


class RecordError(TrackerError):
    """A ticket was created but the plan file could not be saved with it."""


@dataclass
class Recorder:
    """Records tickets in the plan and saves the plan file after each one."""

    path: Path
    plan: dict
    saves: int = 0

    def writable(self) -> str | None:
        """Why the plan file cannot be written back, or None when it can."""
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not os.access(self.path, os.W_OK):
            return f"{self.path} is not writable"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"its folder {folder} is not writable (the plan is saved by replacing the file)"
        return None

    def record(self, container: dict, entry: dict, matches: entries.Matches, *, what: str) -> None:
        """Put ``entry`` in ``container``'s tracker and save the plan. On a failed save
        raise ``RecordError`` saying what to add by hand."""
        entries.record(container, entry, matches, plan_level=container is self.plan)
        try:
            write_plan(self.path, self.plan)
        except (OSError, UnicodeEncodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise RecordError(
                f"{what} is {entry['key']} ({entry.get('url', 'no URL')}) but {self.path} could not be saved "
                f"({reason}): add {json.dumps(entry)} to its tracker before pushing again, or it is created twice"
            ) from None
        self.saves += 1


@dataclass
class Outcome:
    done: list[tuple[Step, Result]] = field(default_factory=list)
    failed: tuple[Step, TrackerError | KeyboardInterrupt] | None = None
    not_attempted: list[Step] = field(default_factory=list)

    def changed(self) -> bool:
        return any(result.status in ("created", "updated") for _, result in self.done)


def title_shown(title: str) -> str:
    return f'"{one_line(shorten(title, TITLE_SHOWN))}"'


def run_steps(steps: list[Step], say: Callable[[str], None]) -> Outcome:
    """Run ``steps`` in order until one fails; say each result as it comes."""
    outcome = Outcome()
    for n, step in enumerate(steps):
        try:
            result = step.run()
        except (TrackerError, KeyboardInterrupt) as exc:
            outcome.failed = (step, exc)
        except Exception as exc:  # an answer of a shape nobody foresaw: report it, never a traceback
            outcome.failed = (
                step,
                TrackerError(f"unexpected error ({type(exc).__name__}: {one_line(shorten(str(exc), 200))})"),
            )
        if outcome.failed is not None:
            outcome.not_attempted = steps[n + 1 :]
            return outcome
        outcome.done.append((step, result))
        say(f"{result.status:<9} {step.subject or step.verb:<8} {result.text}")
    return outcome
