"""The plan workspace: header, subtask list, detail editor and findings."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import OptionList

from decomposer.check.findings import Finding
from decomposer.plan.contract import pattern
from decomposer.plan.pointers import parse_pointer
from decomposer.tui.app_api import app_api
from decomposer.tui.messages import DocumentChanged, FocusField, LiveStatus, ReportReady, SubtaskArrived
from decomposer.tui.widgets.findings_panel import FindingsPanel
from decomposer.tui.widgets.key_bar import KeyBar
from decomposer.tui.widgets.plan_header import PlanHeader
from decomposer.tui.widgets.subtask_editor import FieldEdited, ItemAction, SubtaskEditor
from decomposer.tui.widgets.subtask_list import SubtaskList


def _editor_title(subtask) -> str:
    """Border titles are markup: only an id of the contract's plain form goes in one."""
    sid = subtask.get("id") if isinstance(subtask, dict) else None
    plain = isinstance(sid, str) and len(sid) < 20 and re.fullmatch(pattern("subtask.id"), sid)
    return f"Subtask {sid}" if plain else "Subtask"


EDITOR_FOLLOW_DELAY = 0.05


class PlanScreen(Screen):
    BINDINGS = [
        Binding("escape", "escape", "Cancel / back", id="cancel", show=False),
        Binding("ctrl+l", "focus_list", "List", id="focus_list", show=False),
        Binding("ctrl+j", "focus_findings", "Findings", id="focus_findings", show=False),
    ]

    _follow_timer = None

    def compose(self) -> ComposeResult:
        yield PlanHeader(id="header")
        with Horizontal(id="workspace"):
            yield SubtaskList(id="subtasks")
            yield SubtaskEditor(id="editor")
        yield FindingsPanel(id="findings")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#subtasks", SubtaskList).border_title = "Subtasks"
        self.query_one("#editor", SubtaskEditor).border_title = "Subtask"
        self.refresh_all()
        self.query_one("#subtasks", SubtaskList).focus()

    def on_screen_resume(self) -> None:
        # While a dialog covered the workspace (the restore-draft prompt, refine, review)
        # or another screen was shown, the app's messages (a report, a replaced plan, the
        # end of a model call) went to that screen: show the plan as it is now.
        self.refresh_all()

    # --- state -> widgets -----------------------------------------------------------------

    @property
    def selected_index(self) -> int | None:
        return self.query_one("#subtasks", SubtaskList).selected_index

    def refresh_all(self, structural: bool = True) -> None:
        app = app_api(self)
        plan = app.plan
        subtasks = plan.get("subtasks")
        if not isinstance(subtasks, list):
            subtasks = []
        listing = self.query_one("#subtasks", SubtaskList)
        listing.show(subtasks, app.badges())
        if listing.highlighted is None and subtasks:
            listing.highlighted = 0
        listing.border_subtitle = f"{len(subtasks)} · {'dependency' if listing.by_dependencies else 'plan'} order"
        self._load_editor(structural)
        self.refresh_header()
        self.refresh_findings()

    def _load_editor(self, structural: bool = True) -> None:
        editor = self.query_one("#editor", SubtaskEditor)
        index = self.selected_index
        app = app_api(self)
        subtasks = app.plan.get("subtasks") or []
        subtask = subtasks[index] if index is not None and index < len(subtasks) else None
        if structural or editor.index != index:
            editor.load(index, subtask)
        editor.disabled = app.streaming
        editor.border_title = _editor_title(subtask)

    def refresh_header(self) -> None:
        self.query_one("#header", PlanHeader).show(**app_api(self).header_state())

    def refresh_findings(self) -> None:
        app = app_api(self)
        report = app.report
        findings: list[Finding] = report.findings if report is not None and not app.streaming else []
        self.query_one("#findings", FindingsPanel).show(findings, self.selected_index)

    # --- app messages ---------------------------------------------------------------------

    def on_document_changed(self, message: DocumentChanged) -> None:
        if message.structural:
            self.refresh_all()
        # Typing: the field shows the text already; the list, the header and the findings
        # follow with the report (debounced), so a keystroke costs no layout pass here.

    def on_report_ready(self, _message: ReportReady) -> None:
        app = app_api(self)
        self.query_one("#subtasks", SubtaskList).show(app.plan.get("subtasks") or [], app.badges())
        self.refresh_header()
        self.refresh_findings()
        editor = self.query_one("#editor", SubtaskEditor)
        if not editor.disabled and editor.index is not None and editor.index == self.selected_index:
            subtask = (app.plan.get("subtasks") or [None])[editor.index]
            editor.border_title = _editor_title(subtask)

    def on_live_status(self, _message: LiveStatus) -> None:
        self.refresh_header()

    def on_subtask_arrived(self, message: SubtaskArrived) -> None:
        listing = self.query_one("#subtasks", SubtaskList)
        app = app_api(self)
        subtasks = app.plan.get("subtasks") or []
        listing.show(subtasks, app.badges())
        listing.border_subtitle = f"{len(subtasks)} so far"
        if listing.highlighted is None:
            listing.highlighted = 0
            self._load_editor()
        self.refresh_header()

    # --- widgets -> app -------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "subtasks":
            # The list moves at once; the editor and findings follow once the cursor
            # rests (as in lazygit or k9s): holding an arrow key never waits for the
            # editor to redraw at every row.
            if self._follow_timer is not None:
                self._follow_timer.stop()
            self._follow_timer = self.set_timer(EDITOR_FOLLOW_DELAY, self._follow_selection)

    def _follow_selection(self) -> None:
        self._follow_timer = None
        with self.app.batch_update():  # one screen update for editor and findings
            self._load_editor(structural=False)
            self.refresh_findings()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "subtasks":
            self.flush_follow()
            editor = self.query_one("#editor", SubtaskEditor)
            self.call_after_refresh(editor.focus_tokens, ("title",))

    def flush_follow(self) -> None:
        """Bring the editor to the highlighted subtask now (before it takes keystrokes)."""
        if self._follow_timer is not None:
            self._follow_timer.stop()
            self._follow_selection()

    def on_descendant_focus(self, event) -> None:
        editor = self.query_one("#editor", SubtaskEditor)
        if event.widget is not editor and editor in event.widget.ancestors:
            self.flush_follow()

    def on_subtask_list_order_changed(self, _message) -> None:
        self.refresh_all()

    def on_field_edited(self, message: FieldEdited) -> None:
        index = self.query_one("#editor", SubtaskEditor).index
        if index is not None:
            app_api(self).edit_field(index, message.tokens, message.value, message.delete)

    def on_item_action(self, message: ItemAction) -> None:
        index = self.query_one("#editor", SubtaskEditor).index
        if index is None:
            return
        new_position = app_api(self).edit_list(index, message.list_tokens, message.index, message.action)
        if new_position is not None:
            editor = self.query_one("#editor", SubtaskEditor)
            self.call_after_refresh(editor.focus_list, message.list_tokens, new_position)

    def on_focus_field(self, message: FocusField) -> None:
        tokens = parse_pointer(message.path)
        if len(tokens) >= 2 and tokens[0] == "subtasks" and isinstance(tokens[1], int):
            listing = self.query_one("#subtasks", SubtaskList)
            listing.select_index(tokens[1])
            self._load_editor(structural=False)
            editor = self.query_one("#editor", SubtaskEditor)
            # The editor may have just rebuilt its fields: focus once they are mounted.
            self.call_after_refresh(
                lambda: editor.focus_tokens(tokens[2:] or ("title",)) or editor.focus_tokens(("title",))
            )
        elif tokens[:1] == ("title",) or tokens[:1] == ("task",) or tokens[:1] == ("context",):
            app_api(self).action_task_screen()

    # --- actions --------------------------------------------------------------------------

    def action_escape(self) -> None:
        app = app_api(self)
        if app.streaming:
            app.action_cancel()
        elif not isinstance(self.focused, SubtaskList):
            self.action_focus_list()

    def action_focus_list(self) -> None:
        self.query_one("#subtasks", SubtaskList).focus()

    def action_focus_findings(self) -> None:
        self.query_one("#findings", FindingsPanel).focus()
