"""Review mode: step through the subtasks, incomplete ones first; approve or request
changes with a note (stored in the subtask's ``review``); run the model review pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from decomposer.check.findings import ERROR, Finding
from decomposer.editing.review import review_order
from decomposer.tui.app_api import app_api
from decomposer.tui.safe import label, literal
from decomposer.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from decomposer.claude.failures import CallFailure


class ReviewScreen(Screen):
    BINDINGS = [
        Binding("n,right,j", "step(1)", "Next", id="review_next"),
        Binding("p,left,k", "step(-1)", "Previous", id="review_previous"),
        Binding("a", "approve", "Approve", id="review_approve"),
        Binding("c", "request_changes", "Request changes", id="review_changes"),
        Binding("m", "model_review", "Model review", id="review_model"),
        Binding("e", "edit", "Edit", id="review_edit"),
        Binding("escape", "close", "Close", id="review_close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.order: list[int] = []
        self.position = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            yield Static("", id="review-head", classes="section")
            with VerticalScroll(id="review-body"):
                yield Static("", id="review-subtask")
                yield Static("", id="review-findings")
        yield KeyBar()

    def on_mount(self) -> None:
        app = app_api(self)
        subtasks = app.document.plan.get("subtasks") or []
        self.order = review_order(subtasks, app.badges())
        self.show()

    @property
    def index(self) -> int | None:
        return self.order[self.position] if self.order else None

    def show(self) -> None:
        app = app_api(self)
        subtasks = app.document.plan.get("subtasks") or []
        if self.index is None or self.index >= len(subtasks):
            self.query_one("#review-head", Static).update("No subtasks.")
            return
        subtask = subtasks[self.index]
        approved = sum(
            1
            for s in subtasks
            if isinstance(s, dict) and isinstance(s.get("review"), dict) and s["review"].get("status") == "approved"
        )
        status = (
            subtask.get("review", {}).get("status", "not reviewed")
            if isinstance(subtask.get("review"), dict)
            else "not reviewed"
        )
        self.query_one("#review-head", Static).update(
            Content.assemble(
                f"Review {self.position + 1}/{len(self.order)} · approved {approved}/{len(subtasks)} · ",
                Content.styled(label(subtask.get("id", "?"), 12), "bold"),
                " ",
                label(subtask.get("title", ""), 80),
                " · ",
                Content.styled(label(status, 20), "$success" if status == "approved" else "$warning"),
            )
        )
        self.query_one("#review-subtask", Static).update(literal(self._describe(subtask)))
        findings = [f for f in (app.report.findings if app.report else []) if f.subtask_index == self.index]
        # Model findings are matched by id: positions change when subtasks move.
        sid = subtask.get("id") if isinstance(subtask, dict) else None
        findings += [f for f in app.model_findings if sid is not None and f.subtask == sid]
        self.query_one("#review-findings", Static).update(self._findings(findings))

    @staticmethod
    def _describe(subtask: dict) -> str:
        def get(*keys: str) -> Any:
            value: Any = subtask
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            return value

        lines = [f"Goal: {get('goal') or ''}", "", f"Input state: {get('input_state', 'summary') or ''}"]
        for item in get("input_state", "preconditions") or []:
            lines.append(f"  - {item}")
        lines.append("")
        lines.append("Acceptance:")
        for criterion in subtask.get("acceptance") or []:
            if not isinstance(criterion, dict):
                continue
            verify = criterion.get("verify")
            if not isinstance(verify, dict):
                verify = {}
            how = (
                f"$ {verify.get('command', '')} → exit {verify.get('expect_exit', 0)}"
                if verify.get("method") == "command"
                else f"review by {verify.get('reviewer', 'a human')}"
            )
            lines.append(f"  [ ] {criterion.get('statement', '')}")
            lines.append(f"      {how}")
        lines.append("")
        lines.append("Pause boundaries:")
        for boundary in subtask.get("pause_boundaries") or []:
            if isinstance(boundary, dict):
                lines.append(f"  {str(boundary.get('action', '?')).upper()}: {boundary.get('trigger', '')}")
                if boundary.get("question"):
                    lines.append(f"      ask: {boundary['question']}")
        risk = subtask.get("risk")
        if not isinstance(risk, dict):
            risk = {}
        lines.append("")
        lines.append(
            f"Autonomy: {subtask.get('autonomy')} · stakes {risk.get('stakes')} · verification "
            f"{risk.get('verification_cost')} · {'reversible' if risk.get('reversible') else 'IRREVERSIBLE'}"
        )
        if subtask.get("depends_on"):
            lines.append(f"Depends on: {', '.join(map(str, subtask['depends_on']))}")
        review = subtask.get("review") if isinstance(subtask.get("review"), dict) else None
        if review and review.get("notes"):
            lines.append(f"Review notes: {review['notes']}")
        return "\n".join(lines)

    @staticmethod
    def _findings(findings: list[Finding]) -> Content:
        if not findings:
            return Content.styled("\nNo findings.", "$success")
        parts = [Content("\nFindings:")]
        for f in findings:
            style = "$error" if f.severity == ERROR else "$warning"
            parts.append(
                Content.assemble(
                    Content.styled(f"  {f.severity} {label(f.rule, 30)}", style), " ", label(f.message, 300)
                )
            )
            if f.hint:
                parts.append(Content.styled(f"      hint: {label(f.hint, 300)}", "dim"))
        return Content("\n").join(parts)

    def action_step(self, delta: int) -> None:
        if self.order:
            self.position = (self.position + delta) % len(self.order)
            self.show()

    def _set_review(self, status: str, notes: str | None = None) -> None:
        index = self.index
        if index is None:
            return
        app_api(self).set_review(index, status, notes)

    def action_approve(self) -> None:
        if self.index is None:
            return
        report = app_api(self).report
        errors = [f for f in (report.errors if report else []) if f.subtask_index == self.index]
        if errors:
            self.app.notify(
                f"This subtask has {len(errors)} errors; fix them before approving.", severity="warning", markup=False
            )
            return
        self._set_review("approved")
        self.action_step(1)

    def action_request_changes(self) -> None:
        from decomposer.tui.screens.prompt import PromptScreen

        def noted(note: str | None) -> None:
            if note:
                self._set_review("changes_requested", note)
                self.show()

        self.app.push_screen(PromptScreen("What should change?", "", "Request changes"), noted)

    def action_edit(self) -> None:
        app_api(self).edit_in_workspace(self.index)

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_model_review(self) -> None:
        if app_api(self).need_claude():
            self.query_one("#review-head", Static).update(
                Content.styled("Asking Claude to review the plan…", "bold $accent")
            )
            self._model_review()

    @work(exclusive=True, group="review", exit_on_error=False)
    async def _model_review(self) -> None:
        from decomposer.claude.engine import FAILED

        app = app_api(self)
        engine = await app.engine()
        outcome = await engine.review(app.document.plan)
        if outcome.status == FAILED:
            failure = cast("CallFailure", outcome.failure)  # a failed outcome always says why
            self.app.notify(f"{failure.message} ({failure.hint})", severity="error", markup=False)
        else:
            app.model_findings = outcome.findings
            self.app.notify(f"Model review: {len(outcome.findings)} findings.", markup=False)
        self.show()

    def on_worker_state_changed(self, event) -> None:
        if app_api(self).worker_failed(event):
            self.show()

    def on_report_ready(self, _message) -> None:
        self.show()

    def on_document_changed(self, _message) -> None:
        self.show()
