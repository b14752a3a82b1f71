"""The app's state and the one path every edit takes.

``EditingApp`` owns the document (``PlanDocument``: undo/redo, save), the validator
(``IncrementalValidator``), the draft store and the named screens. Every edit a screen
sends (the methods of ``decomposer.tui.app_api.AppApi``) is applied by the rules in
``decomposer.editing.rules``, then the screen is updated at once while validation and the
autosave follow, debounced: validation of large plans runs in a thread worker, so typing
never waits for it. The actions (files, model calls, keys) build on it."""

from __future__ import annotations

import collections
import contextlib
import gc
import threading
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.screen import ModalScreen, Screen

from decomposer.claude.config import ConfigError, Settings, read_config
from decomposer.claude.usage import Usage
from decomposer.editing.document import PlanDocument, Tokens
from decomposer.editing.drafts import DraftStore
from decomposer.editing.review import Badge, review_record, subtask_badges
from decomposer.editing.rules import (
    Change,
    DependencyCycle,
    RequiredItem,
    edit_list_item,
    edit_plan_text,
    edit_subtask_field,
)
from decomposer.plan.pointers import value_at
from decomposer.tui.app_api import HeaderState
from decomposer.tui.messages import DocumentChanged, LiveStatus, ReportReady
from decomposer.tui.safe import label, shows_as

if TYPE_CHECKING:
    from textual.message import Message
    from textual.timer import Timer

    from decomposer.check.findings import Finding
    from decomposer.check.incremental import IncrementalValidator
    from decomposer.check.validate import Report
    from decomposer.tui.screens.plan import PlanScreen
    from decomposer.verify.evidence import Evidence

# Plans up to this size are validated on the event loop (a few milliseconds); larger
# ones in a thread.
INLINE_VALIDATION_LIMIT = 60
MULTILINE_FIELDS = ("goal", "summary")
VALIDATE_DELAY = 0.12
AUTOSAVE_DELAY = 0.6


class EditingApp(App[None]):
    def __init__(
        self,
        document: PlanDocument | None = None,
        *,
        start_task: str | None = None,
        drafts: DraftStore | None = None,
        settings: Settings | None = None,
        config: dict | None = None,
        restore_drafts: bool = True,
    ) -> None:
        super().__init__()
        self.document = document or PlanDocument.new()
        self.start_task = start_task
        self.drafts = drafts or DraftStore()
        self.restore_drafts = restore_drafts
        self.config_problem: str | None = None
        try:
            self.config = read_config() if config is None else config
            self.settings = settings or Settings.resolve(config=self.config)
        except ConfigError as exc:
            self.config, self.settings = {}, settings or Settings()
            self.config_problem = str(exc)
        self._validator: IncrementalValidator | None = None  # built on first use, after the first frame
        self.validator_lock = threading.Lock()
        self.report: Report | None = None
        self.report_revision = -1
        self._badges: dict[int, Badge] = {}
        self._badges_for: Report | None = None
        self.usage = Usage()
        self.live = ""
        self.activity: collections.deque[str] = collections.deque(maxlen=200)
        self.model_findings: list[Finding] = []
        self.streaming = False
        self.stream_plan: dict | None = None  # the plan as it streams, shown read-only
        self.draft_key = self.drafts.key_for(self.document.path)
        # The task screen and the workspace, built on first use (see named_screen).
        self._named_screens: dict[str, Screen] = {}
        self._validate_timer: Timer | None = None
        self._heap_frozen = False
        self._autosave_timer: Timer | None = None

    # --- state the screens read -------------------------------------------------------------

    @property
    def validator(self) -> IncrementalValidator:
        """Used only under ``validator_lock``, so it is built once."""
        if self._validator is None:
            from decomposer.check.incremental import IncrementalValidator

            self._validator = IncrementalValidator()
        return self._validator

    @property
    def plan(self) -> dict:
        return self.stream_plan if self.streaming and self.stream_plan is not None else self.document.plan

    @property
    def model_name(self) -> str:
        return self.settings.model

    def badges(self) -> dict[int, Badge]:
        """Badge per subtask index from the latest report. While a newer one is being
        computed the previous badges stay (a stale badge for a moment beats the whole
        list flickering to "unchecked" on every keystroke)."""
        report = self.report
        if report is None or self.streaming:
            return {}
        if self._badges_for is not report:
            self._badges = subtask_badges(report)
            self._badges_for = report
        return self._badges

    @property
    def current_report(self) -> Report | None:
        """The latest report when it is of the plan as it is now; None while a newer one
        is being computed (a large plan is checked in a thread) or a decomposition streams."""
        fresh = self.report_revision == self.document.revision and not self.streaming
        return self.report if fresh else None

    def header_state(self) -> HeaderState:
        report = self.current_report
        usage = self.usage.describe(self.model_name) if self.usage.total_tokens else "no model calls yet"
        title = self.plan.get("title")
        return {
            "title": title if isinstance(title, str) else "",
            "path": str(self.document.path) if self.document.path else None,
            "dirty": self.document.dirty,
            "model": self.model_name,
            "usage": usage,
            "readiness": (report.readiness.delegable, report.readiness.total) if report else None,
            "errors": len(report.errors) if report else 0,
            "warnings": len(report.warnings) if report else 0,
            "live": self.live,
        }

    def tell_screen(self, message: Message) -> None:
        """Post to the active screen; quietly nothing while the app is closing."""
        from textual.app import ScreenStackError

        try:
            screen = self.screen
        except ScreenStackError:
            return
        screen.post_message(message)

    def set_live(self, text: str) -> None:
        """The status line of a running model call; each new status is also logged."""
        self.live = text
        if text and (not self.activity or self.activity[-1] != text):
            self.activity.append(text)
        self.tell_screen(LiveStatus())

    # --- screens ----------------------------------------------------------------------------

    def named_screen(self, name: str) -> Screen:
        """The task screen ("task") or the workspace ("plan"). Each is built on first use,
        so only the first one shown costs start-up time, and installed, so it keeps its
        state while another screen is shown."""
        screen = self._named_screens.get(name)
        if screen is None:
            screen = self._named_screens[name] = _build_screen(name)
            self.install_screen(screen, name)
        return screen

    def _plan_screen(self) -> PlanScreen | None:
        """The workspace, if it has been shown yet."""
        screen = self._named_screens.get("plan")
        from decomposer.tui.screens.plan import PlanScreen

        return screen if isinstance(screen, PlanScreen) else None

    def _showing(self, name: str) -> bool:
        return self._named_screens.get(name) is self.screen

    def _show(self, name: str) -> None:
        if isinstance(self.screen, ModalScreen):
            return
        while len(self.screen_stack) > 1 and self.screen not in self._named_screens.values():
            self.pop_screen()  # review mode: leave it rather than stack screens
        if not self._showing(name):
            self.switch_screen(self.named_screen(name))

    def action_task_screen(self) -> None:
        self._show("task")

    def action_plan_screen(self) -> None:
        self._show("plan")

    def edit_in_workspace(self, index: int | None) -> None:
        """Leave review mode for the workspace, on the subtask at ``index``."""
        self.switch_screen(self.named_screen("plan"))
        if index is not None:
            self.call_after_refresh(self.select_subtask, index)

    def _selected(self) -> int | None:
        """The subtask the user is on: the one in review mode, else the list's."""
        from decomposer.tui.screens.review import ReviewScreen

        if isinstance(self.screen, ReviewScreen):
            index = self.screen.index
        else:
            screen = self._plan_screen()
            index = screen.selected_index if screen is not None else None
        subtasks = self.document.plan.get("subtasks") or []
        return index if index is not None and 0 <= index < len(subtasks) else None

    def select_subtask(self, index: int) -> None:
        """Highlight the subtask at ``index`` in the workspace and show it in the editor."""
        from decomposer.tui.widgets.subtask_list import SubtaskList

        screen = self._plan_screen()
        if screen is not None:
            screen.query_one("#subtasks", SubtaskList).select_index(index)
            screen.flush_follow()

    def selected_subtask_id(self) -> str | None:
        index = self._selected()
        sid = self.document.plan["subtasks"][index].get("id") if index is not None else None
        return sid if isinstance(sid, str) else None

    # --- changes ----------------------------------------------------------------------------

    def document_changed(self, structural: bool = True) -> None:
        """After every edit: update the screen, validate soon, autosave soon. The
        workspace is updated at once, so a second key pressed right away (d d, c d,
        J J J) acts on what the list now shows."""
        plan_screen = self._plan_screen()
        if structural and plan_screen is not None and plan_screen is self.screen:
            plan_screen.refresh_all()
            if self.focused is None or not self.focused.display or not self.focused.is_mounted:
                plan_screen.action_focus_list()
        else:
            self.tell_screen(DocumentChanged(structural))
        self._schedule_validation()
        self._schedule_autosave()

    def _schedule_validation(self) -> None:
        if self._validate_timer is not None:
            self._validate_timer.stop()
        self._validate_timer = self.set_timer(VALIDATE_DELAY, self.validate_now)

    def validate_now(self) -> None:
        plan, revision = self.document.plan, self.document.revision
        subtasks = plan.get("subtasks")
        if isinstance(subtasks, list) and len(subtasks) > INLINE_VALIDATION_LIMIT:
            self._validate_in_thread(plan, revision)
        else:
            with self.validator_lock:
                report = self.validator.validate(plan)
            self._report_ready(report, revision)

    @work(thread=True, exclusive=True, group="validate", exit_on_error=False)
    def _validate_in_thread(self, plan: dict, revision: int) -> None:
        with self.validator_lock:
            report = self.validator.validate(plan)
        self.call_from_thread(self._report_ready, report, revision)

    def _report_ready(self, report: Report, revision: int) -> None:
        if revision != self.document.revision:
            return  # stale: a newer validation is on its way
        self.report, self.report_revision = report, revision
        if not self._heap_frozen:
            # Start-up is over: modules, widgets and the opened plan are loaded. A full
            # collection walks every object in the heap (over 60 ms with a 500-subtask
            # plan, landing in the middle of a keypress); frozen objects are skipped by
            # the collector but still freed by reference counting.
            self._heap_frozen = True
            gc.freeze()
        self.tell_screen(ReportReady())

    def _schedule_autosave(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(AUTOSAVE_DELAY, self.autosave_now)

    def autosave_now(self) -> None:
        plan = self.plan
        if self.document.dirty or self.streaming:
            self._autosave(plan)

    def _save_draft_now(self) -> None:
        """On the way out: write the draft on this thread, so it is on disk before exit."""
        if self.document.dirty or self.streaming:
            # Nothing more can be done on the way out; the message below says so.
            with contextlib.suppress(OSError):
                self.drafts.save(self.draft_key, self.plan, self.document.path)

    @work(thread=True, exclusive=True, group="autosave", exit_on_error=False)
    def _autosave(self, plan: dict) -> None:
        try:
            self.drafts.save(self.draft_key, plan, self.document.path)
        except OSError as exc:
            self.call_from_thread(
                self.notify, f"Autosave failed: {label(exc.strerror or exc, 120)}", severity="error", markup=False
            )

    def _guard_streaming(self) -> bool:
        if self.streaming:
            self.notify(
                "A decomposition is running: wait, or press escape to cancel it.", severity="warning", markup=False
            )
            return True
        return False

    # --- edits from the screens -------------------------------------------------------------

    def edit_field(self, index: int, tokens: Tokens, value: Any, delete: bool = False) -> None:
        """An edit from the subtask editor."""
        if self._guard_streaming():
            return
        current = value_at(self.document.plan["subtasks"][index], tokens)
        if not delete and isinstance(value, str) and shows_as(current, value, tokens[-1] in MULTILINE_FIELDS):
            return  # the escaped display of a value with control characters, unchanged
        try:
            change = edit_subtask_field(self.document, index, tokens, value, delete)
        except DependencyCycle as refused:
            self.notify(
                "Not applied: that dependency makes a cycle " + " → ".join(label(c, 12) for c in refused.cycle),
                severity="error",
                markup=False,
            )
            return
        if change is not Change.NONE:
            self.document_changed(structural=change is Change.STRUCTURE)

    def edit_plan_field(self, key: str, value: str, multiline: bool = False) -> None:
        if self._guard_streaming():
            return
        current = self.document.plan.get(key, "")
        if current == value or shows_as(current, value, multiline):
            return
        edit_plan_text(self.document, key, value)
        self.document_changed(structural=False)

    def edit_list(self, index: int, list_tokens: Tokens, item: int, action: str) -> int | None:
        """Add (after ``item``; -1 appends), remove or move a list item. Returns the
        position to focus."""
        if self._guard_streaming():
            return None
        try:
            edit = edit_list_item(self.document, index, list_tokens, item, action)
        except RequiredItem:
            self.notify("A subtask needs at least one of these; edit it instead.", severity="warning", markup=False)
            return None
        if edit.changed:
            self.document_changed()
        return edit.focus

    def replace_plan(self, plan: dict) -> None:
        """The whole plan replaced, as one edit (a refinement accepted)."""
        self.document.set_plan(plan)
        self.document_changed()

    def set_review(self, index: int, status: str, notes: str | None = None) -> None:
        """A reviewer's verdict on the subtask at ``index``."""
        self.document.set_field(("subtasks", index, "review"), review_record(status, notes))
        self.document_changed()

    def record_evidence(self, evidence: Evidence) -> None:
        """Put one verification result into the plan (an edit: undo takes it back)."""
        from decomposer.verify.evidence import evidence_edit

        tokens, entries = evidence_edit(self.document.plan, evidence)
        self.document.set_field(tokens, entries)
        self.document_changed()


def _build_screen(name: str) -> Screen:
    if name == "task":
        from decomposer.tui.screens.task import TaskScreen

        return TaskScreen()
    from decomposer.tui.screens.plan import PlanScreen

    return PlanScreen()
