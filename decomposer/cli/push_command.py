"""``decomposer export PLAN --to github|linear --push``: the dry run, the run and the report.

Without ``--yes`` the steps are printed and nothing is sent (no token needed). With
``--yes`` they run one by one and the first failure stops the push: the report says what
was created (with URLs), what failed (the API's words) and what was not attempted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from decomposer.cli.exit_codes import EXIT_CALL_FAILED, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from decomposer.text import one_line, redact
from decomposer.trackers.http import TrackerError
from decomposer.trackers.push import Outcome, Recorder, RecordError, Step, run_steps

EXIT_CODES = (
    "Exit 0: pushed, or the dry run printed; 1: blocked by findings, or the push stopped part-way "
    "(what was created is listed and recorded in the plan); 2: usage error (no token, no --repo or "
    "--team, an unknown team, a plan that cannot be written back); 3: the tracker failed before "
    "anything was created or updated."
)


def dry_run(where: str, steps: list[Step], notes: list[str], token_hint: str, say: Callable[[str], None]) -> None:
    say(f"Dry run: nothing was sent. Pushing to {where} would:")
    for step in steps:
        say(f"  {step.verb:<7} {step.subject:<8} {step.summary}".rstrip())
    for note in notes:
        say(f"Note: {note}")
    say(f"Add --yes to do it; that needs {token_hint}.")


def report_failure(
    where: str,
    failed: tuple[Step, TrackerError | KeyboardInterrupt],
    outcome: Outcome,
    plan_path: Path,
    secret: str | None,
    say: Callable[[str], None],
) -> None:
    step, exc = failed
    if isinstance(exc, KeyboardInterrupt):
        say(f"decomposer export: push to {where} interrupted during {step.name()}")
    else:
        say(f"decomposer export: push to {where} stopped: {step.name()} failed: {redact(str(exc), secret)}")
        if exc.maybe_sent:
            say(
                f"  the request may have been carried out before it failed: look in {where} for "
                f"{step.subject or 'it'} before pushing again, and if it is there add it to the plan's tracker"
            )
    for status in ("created", "updated", "unchanged", "done"):
        lines = [f"{s.subject or s.verb} {r.text}" for s, r in outcome.done if r.status == status]
        if lines:
            say(f"  {status}: " + "; ".join(one_line(redact(line, secret)) for line in lines))
    if outcome.not_attempted:
        say("  not attempted: " + ", ".join(s.name() for s in outcome.not_attempted))
    if outcome.done:
        say(
            f"  {one_line(str(plan_path))} records every ticket created; run the same command again to finish "
            "(existing tickets are updated, not created again)"
        )


def finish(where: str, outcome: Outcome, plan_path: Path, secret: str | None) -> int:
    if outcome.failed is None:
        counts: dict[str, int] = {}
        for _, result in outcome.done:
            counts[result.status] = counts.get(result.status, 0) + 1
        summary = ", ".join(f"{counts[s]} {s}" for s in ("created", "updated", "unchanged") if counts.get(s))
        print(f"Pushed to {where}: {summary or 'nothing to do'}; {one_line(str(plan_path))} records the tickets.")
        return EXIT_OK
    report_failure(where, outcome.failed, outcome, plan_path, secret, lambda text: print(text, file=sys.stderr))
    error = outcome.failed[1]
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if error.usage:
        return EXIT_USAGE
    # 3 only when the tracker itself failed and nothing changed; a conflict between the
    # plan and the tracker (a recorded issue that is not there) blocks like a finding.
    return (
        EXIT_CALL_FAILED
        if error.api and not outcome.changed() and not isinstance(error, RecordError)
        else EXIT_FINDINGS
    )


def _usage(message: str) -> int:
    print(f"decomposer export: {one_line(message)}", file=sys.stderr)
    return EXIT_USAGE


def push_command(args: Any) -> int:
    """Run ``decomposer export PLAN --to github|linear --push`` for the parsed ``args``
    (``plan``, ``to``, ``repo``, ``team``, ``api_url``, ``yes``, ``strict``). Returns the
    exit code (see ``EXIT_CODES``)."""
    from decomposer.trackers import github, linear

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

    from decomposer.cli.export_check import check_for_export

    checked = check_for_export(args.plan, strict=args.strict)
    if isinstance(checked, int):
        return checked  # refused, and check_for_export said why

    recorder = Recorder(Path(args.plan), checked.plan)
    pusher = module.Pusher(checked.plan, checked.report, recorder, target)
    problems = pusher.preflight()
    if problems:
        for problem in problems:
            print(f"decomposer export: {one_line(problem)}", file=sys.stderr)
        return EXIT_FINDINGS
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
            return EXIT_USAGE if exc.usage else EXIT_CALL_FAILED
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED
        outcome = run_steps(pusher.steps(), lambda text: print(redact(text, token), flush=True))
    return finish(pusher.where(), outcome, recorder.path, token)
