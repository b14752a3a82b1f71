"""Verify: show every command a run would execute, run them only when confirmed, record
the evidence in the plan as each one finishes.

Commands come from the plan, which may come from a model or an imported file: nothing
runs until the engineer has seen the whole list and pressed enter. Escape while running
stops the current command (and everything it started) and keeps what finished."""

from __future__ import annotations

import threading
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from decomposer.tui.app_api import app_api
from decomposer.tui.safe import label, literal
from decomposer.verify.evidence import Evidence, StaleRun
from decomposer.verify.runner import DEFAULT_TIMEOUT_S, RunCancelled, run_one
from decomposer.verify.runs import planned_runs, review_waiting

MAX_LISTED_OUTPUT = 400  # characters of a failed command's output shown in the dialog


class VerifyScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close / stop", id="verify_close"),
        Binding("enter", "run", "Run", id="verify_run", priority=True),
        Binding("a", "scope", "This subtask / whole plan", id="verify_scope"),
    ]

    def __init__(self, subtask_id: str | None, cwd: Path) -> None:
        super().__init__()
        self.subtask_id = subtask_id  # None: the whole plan
        self.cwd = cwd
        self.state = "ready"  # ready -> running -> done
        self.stop = threading.Event()
        self.results: dict[tuple[int, int], Evidence] = {}
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static("", id="verify-head", classes="section")
            with VerticalScroll(id="verify-box"):
                yield Static("", id="verify-list")
            yield Static("", id="verify-foot")

    def on_mount(self) -> None:
        self._plan_runs()

    def _plan_runs(self) -> None:
        plan = app_api(self).document.plan
        self.runs = planned_runs(plan, self.subtask_id)
        self.waiting = review_waiting(plan, self.subtask_id)
        self._show()

    # --- display --------------------------------------------------------------------------

    def _show(self) -> None:
        scope = f"subtask {self.subtask_id}" if self.subtask_id else "the whole plan"
        self.query_one("#verify-head", Static).update(Content(f"Verify {label(scope, 40)}"))
        lines: list[Content] = []
        for run in self.runs:
            result = self.results.get((run.subtask_index, run.criterion))
            if result is None:
                mark = Content.styled("… ", "$text-muted") if self.state == "running" else Content("  ")
            else:
                mark = Content.styled("✔ ", "$success") if result.passed else Content.styled("✖ ", "$error")
            timeout = run.effective_timeout(DEFAULT_TIMEOUT_S)
            lines.append(mark + Content(label(f"{run.subtask_id} criterion {run.criterion + 1}: {run.statement}", 160)))
            lines.append(
                Content("    $ ")
                + literal(run.command, 2000)
                + Content.styled(
                    f"   (exit {run.expect_exit}"
                    + (f", output ~ {label(run.expect_output, 60)}" if run.expect_output else "")
                    + f", timeout {timeout:g} s)",
                    "$text-muted",
                )
            )
            if result is not None:
                lines.append(
                    Content.styled(label(f"    {result.detail} · {result.duration_s:.1f} s", 200), "$text-muted")
                )
                if not result.passed and result.output_tail:
                    tail = result.output_tail[-MAX_LISTED_OUTPUT:]
                    lines.append(Content("    ") + literal(tail, MAX_LISTED_OUTPUT + 10))
        for item in self.waiting:
            lines.append(
                Content.styled(
                    label(
                        f"  {item.subtask_id} criterion {item.criterion + 1}: {item.statement}"
                        f" (review by {item.reviewer or 'a person'}, not run)",
                        200,
                    ),
                    "$text-muted",
                )
            )
        if not lines:
            lines.append(Content("No command criteria to run here."))
        lines += [Content(f"  {note}") for note in self.notes]
        self.query_one("#verify-list", Static).update(Content("\n").join(lines))
        self.query_one("#verify-foot", Static).update(self._foot())

    def _foot(self) -> Content:
        count = len(self.runs)
        if self.state == "ready":
            if not count:
                return Content("escape: close · a: this subtask / whole plan")
            return Content.styled(
                f"Run these {count} command{'s' if count != 1 else ''} in {label(str(self.cwd), 80)}? "
                "enter: run · a: this subtask / whole plan · escape: cancel",
                "bold",
            )
        done = len(self.results)
        passed = sum(1 for r in self.results.values() if r.passed)
        if self.state == "running":
            return Content(f"Running {done + 1} of {count} · escape: stop (what finished is kept)")
        summary = f"{passed} passed, {done - passed} failed, {count - done} not run"
        if self.waiting:
            summary += f", {len(self.waiting)} waiting for review"
        return Content.styled(
            f"{summary}. Evidence is in the plan (save to keep it). escape: close",
            "bold $success" if passed == count else "bold $error",
        )

    # --- actions --------------------------------------------------------------------------

    def action_scope(self) -> None:
        if self.state != "ready":
            return
        selected = app_api(self).selected_subtask_id()
        self.subtask_id = None if self.subtask_id else selected
        self._plan_runs()

    def action_run(self) -> None:
        if self.state != "ready" or not self.runs:
            return
        self.state = "running"
        self._show()
        self._run(list(self.runs))

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False)
    def _run(self, runs) -> None:
        for run in runs:
            if self.stop.is_set():
                break
            try:
                evidence = run_one(run, self.cwd, DEFAULT_TIMEOUT_S, stop=self.stop)
            except RunCancelled:
                break
            self.app.call_from_thread(self._recorded, evidence)
        self.app.call_from_thread(self._finished)

    def _recorded(self, evidence: Evidence) -> None:
        try:
            app_api(self).record_evidence(evidence)
        except StaleRun:
            self.notes.append(
                f"{evidence.run.subtask_id} criterion {evidence.run.criterion + 1} changed while "
                "it ran: its result was not recorded."
            )
        self.results[(evidence.run.subtask_index, evidence.run.criterion)] = evidence
        self._show()

    def _finished(self) -> None:
        self.state = "done"
        if self.stop.is_set():
            self.notes.append("Stopped: the command running was stopped; what finished is recorded.")
        self._show()

    def on_worker_state_changed(self, event) -> None:
        if app_api(self).worker_failed(event):
            self._finished()

    def action_close(self) -> None:
        if self.state == "running":
            self.stop.set()  # the worker stops the command tree, then reports
            return
        self.dismiss(None)
