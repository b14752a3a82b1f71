"""The task screen: the broad task, optional context (typed or attached files), the model."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

from decomposer.plan.contract import max_length
from decomposer.tui.app_api import app_api
from decomposer.tui.safe import field_text, label, shows_as
from decomposer.tui.widgets.action_button import ActionButton
from decomposer.tui.widgets.key_bar import KeyBar
from decomposer.tui.widgets.wrapping_area import WrappingArea


class TaskScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.plan_screen", "Plan", id="task_back"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="task-form"):
            with Horizontal(classes="row"):
                yield Static("Plan title ", classes="caption")
                yield Input(
                    id="plan-title",
                    compact=True,
                    placeholder="a short name for the plan",
                    select_on_focus=False,
                    validate_on=(),
                )
            yield Static("Task · the broad task, as you would give it to a colleague", classes="section")
            yield WrappingArea(id="task", soft_wrap=True, placeholder="e.g. Let users export the monthly report as CSV")
            yield Static("Context · constraints, repository notes (optional)", classes="section")
            yield WrappingArea(id="context", soft_wrap=True, placeholder="e.g. Django 5, CI on GitHub Actions")
            with Horizontal(classes="row"):
                yield Input(placeholder="path of a file to attach as context, then enter", id="attach", compact=True)
            with Horizontal(classes="row", id="task-actions"):
                yield Static("", id="model")
                yield ActionButton(" Decompose (F5) ", "app.decompose", id="decompose")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#model", Static).update(Content(f"model: {label(app_api(self).model_name, 60)}"))
        self.load_from_plan()
        self.query_one("#task", TextArea).focus()

    def load_from_plan(self) -> None:
        plan = app_api(self).plan
        task = self.query_one("#task", TextArea)
        context = self.query_one("#context", TextArea)
        for area, key in ((task, "task"), (context, "context")):
            text = plan.get(key)
            value = text if isinstance(text, str) else ""
            if not shows_as(value, area.text, multiline=True):
                with area.prevent(TextArea.Changed):
                    area.load_text(field_text(value, multiline=True))
        title = self.query_one("#plan-title", Input)
        text = plan.get("title")
        value = text if isinstance(text, str) else ""
        if not shows_as(value, title.value):
            with title.prevent(Input.Changed):
                title.value = field_text(value)

    def on_document_changed(self, message) -> None:
        if message.structural:  # typing here already shows what it changed
            self.load_from_plan()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        key = event.text_area.id
        if key in ("task", "context"):
            app_api(self).edit_plan_field(key, event.text_area.text, multiline=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "plan-title":
            app_api(self).edit_plan_field("title", event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "attach" or not event.value.strip():
            return
        path = Path(event.value.strip()).expanduser()
        context = self.query_one("#context", TextArea)
        limit = max_length("plan.context")  # characters, of the whole context
        try:
            # UTF-8 takes up to 4 bytes a character: a larger file cannot fit, and is not read
            if path.stat().st_size > 4 * limit:
                raise ValueError(f"larger than the context's limit of {limit:,} characters")
            text = path.read_text(encoding="utf-8")
            attached = (context.text.rstrip() + "\n\n" if context.text.strip() else "") + (
                f"--- {path.name} ---\n{text.rstrip()}\n"
            )
            if len(attached) > limit:
                raise ValueError(f"the context would be {len(attached):,} characters, over its limit of {limit:,}")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.app.notify(
                f"Cannot attach {label(str(path), 80)}: {label(reason, 120)}", severity="error", markup=False
            )
            return
        context.load_text(attached)
        app_api(self).edit_plan_field("context", context.text)
        event.input.value = ""
        self.app.notify(f"Attached {label(path.name, 60)} ({len(text):,} characters)", markup=False)
