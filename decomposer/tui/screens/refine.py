"""Refine the selected subtask with Claude: choose an instruction, see the proposed
change as a before/after diff, accept or reject it."""

from __future__ import annotations

import difflib
import json
from typing import TYPE_CHECKING, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from decomposer.tui.app_api import app_api
from decomposer.tui.safe import label

if TYPE_CHECKING:
    from decomposer.check.validate import Report
    from decomposer.claude.engine import Outcome
    from decomposer.claude.failures import CallFailure

PRESETS = [
    ("split", "Split it into smaller subtasks, each one agent session, each with its own checks"),
    ("executable", "Make the acceptance criteria executable: commands with expected exit codes or output"),
    ("boundaries", "Add the pause boundaries a risky step needs, as concrete triggers"),
]
MAX_DIFF_LINES = 600


def diff_lines(before: object, after: object) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff of two JSON values; kind is +, - or space."""
    old = json.dumps(before, indent=2, ensure_ascii=False).splitlines()
    new = json.dumps(after, indent=2, ensure_ascii=False).splitlines()
    lines = []
    for line in difflib.unified_diff(old, new, "before", "after", n=3, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        kind = line[:1] if line[:1] in "+-@" else " "
        lines.append((kind, line))
    return lines


class RefineScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "reject", "Reject / close", id="refine_reject"),
        # priority: the instruction box would otherwise take ctrl+a (start of line)
        Binding("ctrl+a", "accept", "Accept", id="refine_accept", priority=True),
    ]

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.outcome: Outcome | None = None  # the proposal, once it arrived

    def compose(self) -> ComposeResult:
        subtask = app_api(self).document.plan["subtasks"][self.index]
        with Vertical(classes="dialog wide tall"):
            yield Static(
                Content.assemble(
                    "Refine ",
                    Content.styled(label(subtask.get("id", "?"), 12), "bold"),
                    " ",
                    label(subtask.get("title", ""), 90),
                ),
                classes="section",
            )
            yield OptionList(*[Option(text, id=key) for key, text in PRESETS], id="presets")
            yield Input(placeholder="or your own instruction, then enter", id="instruction", compact=True)
            yield Static("", id="refine-status")
            with VerticalScroll(id="diff-box"):
                yield Static("", id="diff")

    def on_mount(self) -> None:
        self.query_one("#presets", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._start(str(event.option.prompt))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._start(event.value.strip())

    def _start(self, instruction: str) -> None:
        if self.outcome is None and not any(w.group == "refine" and w.is_running for w in self.workers):
            self.query_one("#refine-status", Static).update(Content.styled("Asking Claude…", "bold $accent"))
            self._refine(instruction)

    @work(exclusive=True, group="refine", exit_on_error=False)
    async def _refine(self, instruction: str) -> None:
        from decomposer.claude.engine import FAILED

        app = app_api(self)
        plan = app.document.plan
        subtask_id = plan["subtasks"][self.index]["id"]
        engine = await app.engine()
        outcome = await engine.refine(plan, subtask_id, instruction)
        status = self.query_one("#refine-status", Static)
        if outcome.status == FAILED and outcome.plan is None:
            failure = cast("CallFailure", outcome.failure)  # a failed outcome always says why
            status.update(Content.styled(label(f"{failure.message} ({failure.hint})", 300), "$error"))
            return
        self.outcome = outcome
        report = cast("Report", outcome.report)  # every proposal comes checked
        own_errors = [
            f
            for f in report.errors
            if f.subtask_index is not None and self.index <= f.subtask_index < self.index + len(outcome.replacement)
        ]
        summary = f"{len(outcome.replacement)} subtask(s) proposed"
        if outcome.note:
            summary += f" · {outcome.note}"
        if own_errors:
            summary += f" · {len(own_errors)} errors remain in the proposal"
        if outcome.failure is not None:  # a repair call failed: this is the proposal before it
            summary += f" · the repair call failed: {outcome.failure.message} ({outcome.failure.hint})"
        status.update(
            Content.assemble(
                Content.styled(label(summary, 300), "$warning" if own_errors else "$success"),
                "  ctrl+a accept · escape reject",
            )
        )
        before = plan["subtasks"][self.index]
        lines = diff_lines(before, outcome.replacement if len(outcome.replacement) > 1 else outcome.replacement[0])
        styles = {"+": "$success", "-": "$error", "@": "dim", " ": ""}
        shown = [Content.styled(label(line, 400), styles[kind]) for kind, line in lines[:MAX_DIFF_LINES]]
        if len(lines) > MAX_DIFF_LINES:
            shown.append(Content(f"… {len(lines) - MAX_DIFF_LINES} more lines"))
        self.query_one("#diff", Static).update(Content("\n").join(shown) if shown else Content("(no change)"))
        self.query_one("#diff-box").focus()  # out of the instruction box: keys now scroll the diff

    def on_worker_state_changed(self, event) -> None:
        if app_api(self).worker_failed(event):
            self.query_one("#refine-status", Static).update(
                Content.styled(label(f"Internal error: {event.worker.error!r}. The plan is unchanged.", 300), "$error")
            )

    def action_accept(self) -> None:
        if self.outcome is None:
            return
        from decomposer.claude.engine import add_usage

        plan = cast("dict", self.outcome.plan)  # a proposal is the plan with its replacement
        add_usage(plan, self.outcome.usage, app_api(self).model_name)
        app_api(self).replace_plan(plan)
        self.app.notify(
            f"Refinement accepted (ctrl+z to undo): {len(self.outcome.replacement)} subtask(s).", markup=False
        )
        self.dismiss(None)

    def action_reject(self) -> None:
        for worker in self.workers:
            worker.cancel()
        if self.outcome is not None:
            self.app.notify("Refinement rejected; the plan is unchanged.", markup=False)
        self.dismiss(None)
