"""``decomposer verify``: run a plan's command criteria and record the evidence.

The commands and the confirmation go to stderr (the conversation with the user), a line
per result and the summary to stdout. Plan text is untrusted: commands are shown with
control characters escaped, never shortened (the user must see exactly what will run).
Exit codes: 0 every command ran and passed, 1 a command failed (or the user declined),
2 usage or input error, 130 interrupted (the evidence gathered so far is saved).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from decomposer.cli.exit_codes import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from decomposer.cli.output import err, out
from decomposer.plan.contract import int_range
from decomposer.text import one_line, plural, shorten, terminal_safe

if TYPE_CHECKING:  # the run imports these lazily: defining the arguments needs none of them
    from decomposer.editing.document import PlanDocument
    from decomposer.verify.evidence import Evidence, Summary
    from decomposer.verify.runs import PlannedRun, WaitingReview

FAILURE_LINES = 5  # lines of output shown under a failed result
FAILURE_LINE_CHARS = 200


def _timeout_seconds(text: str) -> int:
    """Whole seconds in the range of a criterion's own ``timeout_s``: the default stands
    in for it, so it takes the values the plan could hold (0.5 was accepted while the
    message said 1 to 86400)."""
    low, high = int_range("verify.timeout_s")
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds (from {low} to {high})") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"give a whole number of seconds from {low} to {high}")
    return value


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``verify`` subcommand on ``decomposer``'s subparsers."""
    verify = commands.add_parser(
        "verify",
        help="run the plan's command criteria and record the results as evidence",
        description="List the command criteria, ask for confirmation (unless --yes), run each in a shell and "
        "record the results in PLAN (saved after each). Review criteria are listed as waiting for a human. "
        "Exit 0: all ran and passed; 1: a command failed or you declined; 2: usage or input error; "
        "130: interrupted (the results so far are saved).",
    )
    verify.add_argument("plan", metavar="PLAN", help="the plan file; evidence is written back to it")
    verify.add_argument("--subtask", metavar="ID", help="only this subtask's criteria")
    verify.add_argument("--cwd", metavar="DIR", help="where the commands run (default: the plan's folder)")
    verify.add_argument("--yes", action="store_true", help="run without asking (for CI); the commands are still listed")
    verify.add_argument(
        "--timeout",
        metavar="S",
        type=_timeout_seconds,
        help="seconds per command for criteria without their own timeout_s (default: 600)",
    )


class UsageError(Exception):
    """Bad arguments or input: exit 2 with this message."""


def _subtask_label(sid: str, title: str) -> str:
    return f"{one_line(sid)} {one_line(shorten(title, 70))}"


def _command_lines(command: str, indent: str) -> str:
    """The command in full, control characters escaped; a multi-line command keeps its
    lines (collapsing them would show a different command from the one that runs)."""
    lines = terminal_safe(command).split("\n")
    return ("\n" + indent).join(lines)


def _load(path: str) -> PlanDocument:
    """The plan and its PlanDocument; UsageError when it cannot be used as is."""
    from decomposer.check.schema import schema_findings
    from decomposer.editing.document import PlanDocument
    from decomposer.plan.files import unwritable_text_pointer
    from decomposer.plan.loading import PlanLoadError, load_plan

    if path == "-":
        raise UsageError("PLAN must be a file: the evidence is written back to it")
    try:
        loaded = load_plan(path)
    except PlanLoadError as exc:
        raise UsageError(f"{one_line(path)}: {exc.reason}") from None
    findings = schema_findings(loaded.plan)
    if findings:
        first = findings[0]
        raise UsageError(
            f"{one_line(path)} does not match the schema ({plural(len(findings), 'error')}; first: "
            f"{one_line(first.path or '/')} {one_line(shorten(first.message, 100))}); "
            f"see `decomposer check {one_line(path)}`"
        )
    folder = Path(path).parent
    if not os.access(folder, os.W_OK):  # write_atomic puts its temp file beside the plan
        raise UsageError(f"cannot write in {one_line(str(folder))}, where the evidence would be saved")
    bad = unwritable_text_pointer(loaded.plan)
    if bad is not None:
        raise UsageError(
            f"{one_line(path)}: the text at {one_line(bad or '/')} cannot be written back as UTF-8 "
            "(a lone surrogate); fix it first"
        )
    return PlanDocument(loaded.plan, Path(path))


def _working_folder(cwd: str | None, plan_path: str) -> Path:
    if cwd is None:
        return Path(plan_path).resolve().parent
    folder = Path(cwd)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"--cwd {one_line(cwd)} {what}")
    return folder.resolve()


def _list(
    planned: Sequence[PlannedRun], waiting: Sequence[WaitingReview], order: list[int], default_timeout: float
) -> None:
    """Per subtask (in run order), per criterion: the command in full, what it must give
    and its timeout, or the review it waits for."""
    from decomposer.verify.runs import PlannedRun

    rank = {index: n for n, index in enumerate(order)}
    criteria: list[PlannedRun | WaitingReview] = [*planned, *waiting]
    items = sorted(criteria, key=lambda item: (rank[item.subtask_index], item.criterion))
    current: int | None = None
    for item in items:
        if item.subtask_index != current:
            current = item.subtask_index
            err(f"  {_subtask_label(item.subtask_id, item.subtask_title)}")
        number = f"#{item.criterion + 1}"
        if isinstance(item, PlannedRun):
            expect = f"exit {item.expect_exit}"
            if item.expect_output is not None:
                expect += f", output ~ /{one_line(shorten(item.expect_output, 60))}/"
            indent = " " * (6 + len(number))
            err(f"    {number}  $ {_command_lines(item.command, indent)}")
            err(f"{indent}expect {expect} · timeout {item.effective_timeout(default_timeout):g} s")
        else:
            who = f" by {one_line(shorten(item.reviewer, 40))}" if item.reviewer else ""
            err(f"    {number}  waiting for review{who}: {one_line(shorten(item.statement, 80))}")


def _confirm(question: str) -> bool:
    """Ask on the terminal; anything but y/yes (including end of input) is no."""
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _print_result(evidence: Evidence) -> None:
    run = evidence.run
    mark = "✓" if evidence.passed else "✗"
    out(
        f"{mark} {one_line(run.subtask_id)} #{run.criterion + 1}  {evidence.duration_s:.1f} s  {one_line(evidence.detail)}"
    )
    if not evidence.passed:
        lines = [line for line in evidence.output_tail.split("\n") if line.strip()][-FAILURE_LINES:]
        for line in lines:  # already escaped and redacted
            out(f"    │ {shorten(line, FAILURE_LINE_CHARS)}")


def _print_summary(summary: Summary) -> None:
    out("Summary (interrupted):" if summary.interrupted else "Summary:")
    for row in summary.subtasks:
        parts = [
            f"{row.passed} passed" if row.passed else "",
            f"{row.failed} failed" if row.failed else "",
            f"{row.not_run} not run" if row.not_run else "",
            f"{row.waiting_review} waiting for review" if row.waiting_review else "",
        ]
        out(f"  {_subtask_label(row.subtask_id, row.subtask_title)}: {', '.join(p for p in parts if p)}")
    reviews = (
        f" · {plural(summary.waiting_review, 'review criterion')} waiting for a human" if summary.waiting_review else ""
    )
    out(
        f"{plural(summary.passed + summary.failed + summary.not_run, 'command')}: {summary.passed} passed, "
        f"{summary.failed} failed, {summary.not_run} not run{reviews}"
    )


def _save(document: PlanDocument) -> None:
    try:
        document.save()
    except OSError as exc:  # no space, no permission, the folder went away
        raise UsageError(f"cannot save the evidence to {one_line(str(document.path))}: {exc.strerror or exc}") from None


def verify_command(
    args: argparse.Namespace, runner: Callable[[PlannedRun, Path, float], Evidence] | None = None
) -> int:
    """``args``: plan, subtask, cwd, yes, timeout. ``runner`` stands in for
    ``decomposer.verify.runner.run_one`` (tests use it to interrupt between runs)."""
    from decomposer.plan.graph import dependency_order
    from decomposer.verify.evidence import evidence_edit, summarize
    from decomposer.verify.runner import DEFAULT_TIMEOUT_S, run_one
    from decomposer.verify.runs import UnknownSubtask, planned_runs, review_waiting

    runner = runner or run_one
    default_timeout = args.timeout if args.timeout is not None else DEFAULT_TIMEOUT_S
    try:
        document = _load(args.plan)
        try:
            planned = planned_runs(document.plan, args.subtask)
            waiting = review_waiting(document.plan, args.subtask)
        except UnknownSubtask as exc:
            known = ", ".join(exc.known[:20]) + (", …" if len(exc.known) > 20 else "")
            raise UsageError(
                f'no subtask "{one_line(exc.subtask_id)}" in {one_line(args.plan)} (ids: {one_line(known) or "none"})'
            ) from None
        folder = _working_folder(args.cwd, args.plan)
    except UsageError as exc:
        err(f"decomposer verify: {exc}")
        return EXIT_USAGE

    if planned:
        err(
            f"{plural(len(planned), 'command')} to run in {one_line(str(folder))} "
            f"(timeout {default_timeout:g} s unless a criterion sets its own):"
        )
    else:
        where = f"subtask {one_line(args.subtask)}" if args.subtask else one_line(args.plan)
        err(f"{where} has no command criteria to run")
    _list(planned, waiting, dependency_order(document.plan), default_timeout)
    if not planned:
        return EXIT_OK
    if not args.yes:
        if not sys.stdin.isatty():
            err("decomposer verify: no terminal to confirm on; read the commands above and pass --yes to run them")
            return EXIT_USAGE
        try:
            what = "this command" if len(planned) == 1 else f"these {len(planned)} commands"
            confirmed = _confirm(f"Run {what} in {one_line(str(folder))}?")
        except KeyboardInterrupt:
            err("\ncancelled; nothing was run")
            return EXIT_INTERRUPTED
        if not confirmed:
            err("nothing was run")
            return EXIT_FINDINGS

    results: list[Evidence] = []
    interrupted = False
    try:
        for run in planned:
            evidence = runner(run, folder, default_timeout)
            results.append(evidence)
            document.set_field(*evidence_edit(document.plan, evidence))
            _save(document)  # after every result: Ctrl-C or a crash keeps what was gathered
            _print_result(evidence)
    except KeyboardInterrupt:
        interrupted = True
        out()
    except UsageError as exc:
        err(f"decomposer verify: {exc}")
        return EXIT_USAGE
    if interrupted and document.dirty:  # Ctrl-C came between recording a result and saving it
        try:
            _save(document)
        except UsageError as exc:
            err(f"decomposer verify: {exc}")
            return EXIT_USAGE
        except KeyboardInterrupt:
            err("interrupted again while saving; the file holds the results before the last one")

    summary = summarize(planned, results, waiting, interrupted)
    _print_summary(summary)
    if results:
        err(f"evidence saved to {one_line(args.plan)}")
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if summary.all_passed else EXIT_FINDINGS
