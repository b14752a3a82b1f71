"""``decomposer decompose``, ``refine`` and ``review``: the Claude engine on the command line.

Progress goes to stderr, results to files (written atomically) and to stdout. Model
output is untrusted text: everything printed goes through ``one_line``. Exit codes:
0 done, 1 a plan written as a draft with errors, 2 usage or input error (including no
credentials), 3 the model call failed (what arrived is saved), 130 interrupted (what
arrived is saved).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from decomposer.cli.exit_codes import EXIT_CALL_FAILED, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from decomposer.cli.output import err
from decomposer.plan.contract import max_length
from decomposer.plan.pointers import as_list, as_str
from decomposer.text import one_line, shorten


class UsageError(Exception):
    """Bad arguments or input: exit 2 with this message."""


def read_task(arg: str, stdin=None) -> str:
    """TASK is text, ``@file`` or ``-`` (standard input)."""
    limit = max_length("plan.task")
    if arg == "-":
        text = (stdin or sys.stdin).read(limit * 4 + 1)
        where = "standard input"
    elif arg.startswith("@") and len(arg) > 1:
        text = _read_text(arg[1:], limit * 4, "task file")
        where = arg[1:]
    else:
        text, where = arg, "the task"
    text = text.strip()
    _require_encodable(text, where)
    if not text:
        raise UsageError(f"{where} is empty: give the task as text, @file or - for standard input")
    if len(text) > limit:
        raise UsageError(
            f"{where} has {len(text):,} characters; a task may have at most {limit:,} "
            "(put background material in --context FILE)"
        )
    return text


def _require_encodable(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError(f"{where} has bytes that are not UTF-8 (at character {exc.start})") from None


def read_context(path: str) -> str:
    limit = max_length("plan.context")  # the plan keeps the whole context
    text = _read_text(path, limit * 4, "context file").strip()
    if len(text) > limit:
        raise UsageError(
            f"context file {path} has {len(text):,} characters; the plan keeps at most "
            f"{limit:,}: trim it to what the subtasks need"
        )
    return text


def _read_text(path: str, limit: int, what: str) -> str:
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise UsageError(f"{what} {path} is too large ({size:,} bytes; the limit is {limit:,})")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{what} {path}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{what} {path}: not UTF-8 text (invalid byte at offset {exc.start})") from None


def partial_path(out: Path) -> Path:
    """plan.json -> plan.partial.json"""
    return out.with_name(f"{out.stem}.partial{out.suffix or '.json'}")


def _free_path(folder: Path, stem: str) -> Path:
    candidate, n = folder / f"{stem}.json", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}.json"
    return candidate


class ProgressPrinter:
    """Engine events as lines on stderr. On a terminal a status line shows the tokens
    received so far, redrawn at most ten times a second."""

    def __init__(self, model: str, stream=None):
        self.model = model
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self._last_draw = 0.0
        self._status_shown = False

    def _line(self, text: str) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[2K")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def __call__(self, event: Any) -> None:
        from decomposer.claude import engine as e

        if isinstance(event, e.Progress):
            now = time.monotonic()
            if self.live and now - self._last_draw >= 0.1:
                self._last_draw = now
                self.stream.write(f"\r\x1b[2K  receiving… ~{event.output_tokens:,} tokens")
                self.stream.flush()
                self._status_shown = True
        elif isinstance(event, e.CallStarted):
            retry = f" (attempt {event.attempt}, up to {event.max_tokens:,} output tokens)" if event.attempt > 1 else ""
            self._line(f"{event.purpose} with {self.model}{retry}…")
        elif isinstance(event, e.SubtaskReady):
            subtask = event.subtask if isinstance(event.subtask, dict) else {}
            sid = as_str(subtask.get("id"), f"#{event.index + 1}")
            title = as_str(subtask.get("title"))
            autonomy = as_str(subtask.get("autonomy"), "?")
            self._line(
                f"  + {one_line(shorten(sid, 12))} {one_line(shorten(title, 70))}  [{one_line(shorten(autonomy, 12))}]"
            )
        elif isinstance(event, e.RepairRound):
            self._line(f"repair round {event.round}: {len(event.findings)} error(s) sent back to the model")
            for finding in event.findings[:5]:
                self._line(f"    {finding.rule} {one_line(finding.path)}: {one_line(shorten(finding.message, 90))}")
            if len(event.findings) > 5:
                self._line(f"    … and {len(event.findings) - 5} more")
        elif isinstance(event, e.Retrying):
            self._line(f"retrying: {one_line(event.failure.message)} (subtasks are listed again)")
        elif isinstance(event, e.CallEnded):
            self._line(f"  {event.purpose}: {event.usage.describe(self.model)}")


def _engine(args, printer_factory=ProgressPrinter):
    from decomposer.claude.config import ConfigError, Settings, check_base_url, has_credentials, make_client
    from decomposer.claude.engine import Engine
    from decomposer.claude.failures import CREDENTIALS_HINT

    if not has_credentials():
        raise UsageError(f"no Claude credentials: {CREDENTIALS_HINT}")
    problem = check_base_url()
    if problem:
        raise UsageError(problem)
    try:
        settings = Settings.resolve(model_flag=getattr(args, "model", None))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    printer = printer_factory(settings.model)
    return Engine(make_client(), settings, on_event=printer)


def _print_failure(failure) -> None:
    err(f"error: {one_line(failure.message)}")
    err(f"  what to do: {one_line(failure.hint)}")


def _run(engine, operation):
    """Run an engine operation; Ctrl-C cancels it (the engine keeps its draft). The
    client is closed either way."""

    async def run_and_close():
        try:
            return await operation()
        finally:
            await engine.client.close()

    try:
        return asyncio.run(run_and_close()), False
    except KeyboardInterrupt:
        return None, True


def _write_or_fallback(target: Path, plan: dict) -> Path:
    """Write the plan; if the target cannot be written, keep it in the current folder."""
    from decomposer.plan.files import write_plan

    try:
        write_plan(target, plan)
        return target
    except OSError as exc:
        fallback = _free_path(Path.cwd(), f"{plan.get('id') or 'plan'}.rescued")
        write_plan(fallback, plan)
        err(f"could not write {one_line(str(target))} ({exc.strerror or exc}); saved to {one_line(str(fallback))}")
        return fallback


def _check_output(out: Path | None) -> None:
    if out is None:
        return
    if out.is_dir():
        raise UsageError(
            f"{one_line(str(out))} is a directory; give a file name such as {one_line(str(out / 'plan.json'))}"
        )
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"the folder of {one_line(str(out))} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write in {one_line(str(folder))}")


# --- decompose ------------------------------------------------------------------------------


def decompose_command(args) -> int:
    from decomposer.claude.engine import DRAFT, FAILED, OK, SubtaskReady

    out = Path(args.output) if args.output else None
    try:
        task = read_task(args.task)
        context = read_context(args.context) if args.context else None
        _check_output(out)
        engine = _engine(args)
    except UsageError as exc:
        err(f"decomposer decompose: {exc}")
        return EXIT_USAGE

    outcome, interrupted = _run(engine, lambda: engine.decompose(task, context))
    if interrupted or outcome is None:
        draft = engine.draft
        if draft and draft.get("subtasks"):
            target = _write_or_fallback(partial_path(out or _free_path(Path.cwd(), draft["id"])), draft)
            err(f"interrupted: {len(draft['subtasks'])} subtask(s) that had arrived saved to {one_line(str(target))}")
        else:
            err("interrupted before any subtask arrived; nothing saved")
        return EXIT_INTERRUPTED

    if outcome.status == FAILED:
        _print_failure(outcome.failure)
        plan = outcome.plan
        if plan and plan.get("subtasks"):
            target = _write_or_fallback(partial_path(out or _free_path(Path.cwd(), plan["id"])), plan)
            err(f"saved the {len(plan['subtasks'])} subtask(s) that arrived to {one_line(str(target))}")
        return EXIT_CALL_FAILED

    plan = outcome.plan
    target = _write_or_fallback(out or _free_path(Path.cwd(), plan["id"]), plan)
    report = outcome.report
    if outcome.repair_rounds:  # the repaired plan differs from what streamed: show it
        err("after repair:")
        for index, subtask in enumerate(plan["subtasks"]):
            engine.on_event(SubtaskReady(index, subtask))
    err(f"total: {outcome.usage.describe(engine.model)}")
    summary = (
        f"{len(plan['subtasks'])} subtasks, {len(report.errors)} error(s), {len(report.warnings)} warning(s), "
        f"delegable {report.readiness.delegable}/{report.readiness.total}"
    )
    if outcome.status == OK:
        err(f"wrote {one_line(str(target))}: {summary}")
        print(target)
        return EXIT_OK
    assert outcome.status == DRAFT
    err(
        f"wrote {one_line(str(target))} as a DRAFT: {summary}; errors remain after "
        f"{outcome.repair_rounds} repair round(s). Run `decomposer check {one_line(str(target))}` to see them."
    )
    print(target)
    return EXIT_FINDINGS


# --- refine ---------------------------------------------------------------------------------


def _load(path: str) -> dict:
    from decomposer.plan.loading import PlanLoadError, load_plan

    try:
        return load_plan(path).plan
    except PlanLoadError as exc:
        raise UsageError(f"{one_line(path)}: {exc.reason}") from None


def refine_command(args) -> int:
    from decomposer.claude.engine import FAILED, OK, add_usage

    try:
        plan = _load(args.plan)
        ids = [s.get("id") for s in as_list(plan.get("subtasks")) if isinstance(s, dict)]
        if args.subtask not in ids:
            known = ", ".join(str(i) for i in ids[:12]) or "none"
            raise UsageError(f'no subtask "{one_line(args.subtask)}" in {one_line(args.plan)} (ids: {one_line(known)})')
        if not args.instruction.strip():
            raise UsageError("the instruction is empty")
        _require_encodable(args.instruction, "the instruction")
        _check_output(Path(args.output) if args.output else None)
        engine = _engine(args)
    except UsageError as exc:
        err(f"decomposer refine: {exc}")
        return EXIT_USAGE

    outcome, interrupted = _run(engine, lambda: engine.refine(plan, args.subtask, args.instruction))
    if interrupted or outcome is None:
        err("interrupted; the plan is unchanged")
        return EXIT_INTERRUPTED
    if outcome.status == FAILED and outcome.plan is None:
        _print_failure(outcome.failure)
        err("the plan is unchanged")
        return EXIT_CALL_FAILED
    new_plan = outcome.plan
    add_usage(new_plan, outcome.usage, engine.model)
    before = next(s for s in plan["subtasks"] if isinstance(s, dict) and s.get("id") == args.subtask)
    err(f"- {one_line(args.subtask)} {one_line(shorten(str(before.get('title', '')), 70))}")
    for subtask in outcome.replacement:
        err(f"+ {one_line(str(subtask['id']))} {one_line(shorten(str(subtask.get('title', '')), 70))}")
    if outcome.note:
        err(f"note: {one_line(outcome.note)}")
    err(f"total: {outcome.usage.describe(engine.model)}")
    if outcome.status == OK and outcome.failure is None:
        target = _write_or_fallback(Path(args.output or args.plan), new_plan)
        err(f"wrote {one_line(str(target))}")
        return EXIT_OK
    # Errors remain in the replacement: never overwrite the plan with it.
    source = Path(args.output or args.plan)
    target = _write_or_fallback(source.with_name(f"{source.stem}.refined{source.suffix or '.json'}"), new_plan)
    err(
        f"the replacement still has errors; {one_line(args.plan)} is unchanged and the draft is in "
        f"{one_line(str(target))} (see `decomposer check {one_line(str(target))}`)"
    )
    if outcome.failure is not None:  # the repair call failed: as `decompose` does, say so by the code
        _print_failure(outcome.failure)
        return EXIT_CALL_FAILED
    return EXIT_FINDINGS


# --- review ---------------------------------------------------------------------------------


def review_command(args) -> int:
    from decomposer.check.validate import FileResult, Report, validate_plan
    from decomposer.claude.engine import FAILED
    from decomposer.cli.report import TextRenderer, render_json

    try:
        plan = _load(args.plan)
        engine = _engine(args)
    except UsageError as exc:
        err(f"decomposer review: {exc}")
        return EXIT_USAGE
    outcome, interrupted = _run(engine, lambda: engine.review(plan))
    if interrupted or outcome is None:
        err("interrupted")
        return EXIT_INTERRUPTED
    if outcome.status == FAILED:
        _print_failure(outcome.failure)
        return EXIT_CALL_FAILED
    from decomposer.check.findings import sort_findings
    from decomposer.check.validate import readiness

    findings = sort_findings(validate_plan(plan).findings + outcome.findings)
    report = Report(findings, readiness(plan, findings))
    result = FileResult(args.plan, report, plan)
    if args.format == "json":
        sys.stdout.write(render_json([result]))
    else:
        from decomposer.cli.output import use_colour

        sys.stdout.write(TextRenderer(colour=use_colour(sys.stdout)).render([result]))
    err(f"model review: {len(outcome.findings)} finding(s) · {outcome.usage.describe(engine.model)}")
    return EXIT_FINDINGS if report.errors else EXIT_OK
