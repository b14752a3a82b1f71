"""``decomposer export PLAN --to github|linear --push``: the steps of a push, the dry run,
the run, and the report.

A tracker (``github.GitHubPush``, ``linear.LinearPush``) turns a plan into ``Step``s in
the order they must happen: the parent ticket, each subtask's ticket in dependency order,
then what needs every number (sub-issue links, the parent's list of subtasks). Without
``--yes`` the steps are printed and nothing is sent (no token needed). With ``--yes`` they
run one by one and the first failure stops the push: the report says what was created
(with URLs), what failed (the API's words) and what was not attempted.

Every ticket created is recorded in the plan's ``tracker`` fields and the plan file saved
(atomically) at once, so a failure or a crash half-way loses nothing, and running the
same command again updates what exists instead of creating it twice.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..files import write_plan
from ..text import one_line, redact, shorten
from . import entries
from .http import TrackerError

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE, EXIT_API = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
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
    failed: tuple[Step, BaseException] | None = None
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
            outcome.failed = (step, TrackerError(f"unexpected error ({type(exc).__name__}: "
                                                 f"{one_line(shorten(str(exc), 200))})"))
        if outcome.failed is not None:
            outcome.not_attempted = steps[n + 1:]
            return outcome
        outcome.done.append((step, result))
        say(f"{result.status:<9} {step.subject or step.verb:<8} {result.text}")
    return outcome


def dry_run(where: str, steps: list[Step], notes: list[str], token_hint: str, say: Callable[[str], None]) -> None:
    say(f"Dry run: nothing was sent. Pushing to {where} would:")
    for step in steps:
        say(f"  {step.verb:<7} {step.subject:<8} {step.summary}".rstrip())
    for note in notes:
        say(f"Note: {note}")
    say(f"Add --yes to do it; that needs {token_hint}.")


def report_failure(where: str, outcome: Outcome, plan_path: Path, secret: str | None,
                   say: Callable[[str], None]) -> None:
    step, exc = outcome.failed
    if isinstance(exc, KeyboardInterrupt):
        say(f"decomposer export: push to {where} interrupted during {step.name()}")
    else:
        say(f"decomposer export: push to {where} stopped: {step.name()} failed: {redact(str(exc), secret)}")
        if getattr(exc, "maybe_sent", False):
            say(f"  the request may have been carried out before it failed: look in {where} for "
                f"{step.subject or 'it'} before pushing again, and if it is there add it to the plan's tracker")
    for status in ("created", "updated", "unchanged", "done"):
        lines = [f"{s.subject or s.verb} {r.text}" for s, r in outcome.done if r.status == status]
        if lines:
            say(f"  {status}: " + "; ".join(one_line(redact(line, secret)) for line in lines))
    if outcome.not_attempted:
        say("  not attempted: " + ", ".join(s.name() for s in outcome.not_attempted))
    if outcome.done:
        say(f"  {one_line(str(plan_path))} records every ticket created; run the same command again to finish "
            "(existing tickets are updated, not created again)")


def finish(where: str, outcome: Outcome, plan_path: Path, secret: str | None) -> int:
    if outcome.failed is None:
        counts: dict[str, int] = {}
        for _, result in outcome.done:
            counts[result.status] = counts.get(result.status, 0) + 1
        summary = ", ".join(f"{counts[s]} {s}" for s in ("created", "updated", "unchanged") if counts.get(s))
        print(f"Pushed to {where}: {summary or 'nothing to do'}; {one_line(str(plan_path))} records the tickets.")
        return EXIT_OK
    report_failure(where, outcome, plan_path, secret, lambda text: print(text, file=sys.stderr))
    if isinstance(outcome.failed[1], KeyboardInterrupt):
        return EXIT_INTERRUPTED
    error = outcome.failed[1]
    if error.usage:
        return EXIT_USAGE
    # 3 only when the tracker itself failed and nothing changed; a conflict between the
    # plan and the tracker (a recorded issue that is not there) blocks like a finding.
    return EXIT_API if error.api and not outcome.changed() and not isinstance(error, RecordError) else EXIT_BLOCKED


def _usage(message: str) -> int:
    print(f"decomposer export: {one_line(message)}", file=sys.stderr)
    return EXIT_USAGE


def push_command(args: Any) -> int:
    """Run ``decomposer export PLAN --to github|linear --push`` for the parsed ``args``
    (``plan``, ``to``, ``repo``, ``team``, ``api_url``, ``yes``, ``strict``). Returns the
    exit code (see ``decomposer.trackers.EXIT_CODES``)."""
    from . import github, linear

    trackers = {"github": github, "linear": linear}
    if args.to not in trackers:
        return _usage(f"--push works with --to github or --to linear, not {args.to!r}")
    for attribute, flag in (("output", "-o/--output"), ("force", "--force")):
        if getattr(args, attribute, None):
            return _usage(f"{flag} is for writing files; --push writes nothing but the plan's tracker entries")
    if args.plan == "-":
        return _usage("--push records the tickets it creates in the plan file: give a file, not standard input")
    module = trackers[args.to]
    try:
        target = module.target_from_args(args)
    except ValueError as exc:
        return _usage(str(exc))

    from ..export_cli import check_for_export

    checked, refused = check_for_export(args.plan, strict=args.strict)
    if refused is not None:
        return refused

    recorder = Recorder(Path(args.plan), checked.plan)
    pusher = module.Pusher(checked.plan, recorder, target)
    problems = pusher.preflight()
    if problems:
        for problem in problems:
            print(f"decomposer export: {one_line(problem)}", file=sys.stderr)
        return EXIT_BLOCKED
    if not args.yes:
        dry_run(pusher.where(), pusher.steps(), pusher.notes(), module.TOKEN_HINT, print)
        return EXIT_OK

    token = next((os.environ[name] for name in module.TOKEN_VARIABLES if os.environ.get(name)), None)
    if not token:
        return _usage(f"--push --to {args.to} --yes needs {module.TOKEN_HINT} (without --yes, a dry run needs none)")
    unwritable = recorder.writable()
    if unwritable:
        return _usage(f"cannot record tickets in the plan: {unwritable}")
    with pusher.connect(token):
        try:
            pusher.prepare()
        except TrackerError as exc:
            print(f"decomposer export: {redact(str(exc), token)}", file=sys.stderr)
            return EXIT_USAGE if exc.usage else EXIT_API
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        outcome = run_steps(pusher.steps(), lambda text: print(redact(text, token), flush=True))
    return finish(pusher.where(), outcome, recorder.path, token)
