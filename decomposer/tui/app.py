"""The decomposer TUI application: state, actions, workers.

The app owns the document (``PlanDocument``: undo/redo, save), the validator
(``IncrementalValidator``), the draft store and the Claude engine; screens show that state
and send edits back through the methods below. Model calls run in async workers that
report through the engine's events; validation of large plans runs in a thread worker,
debounced, so typing never waits for it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import gc
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from decomposer.claude.config import ConfigError, Settings, has_credentials, read_config
from decomposer.claude.usage import Usage
from decomposer.editing.document import UNTITLED, EditError, PlanDocument
from decomposer.editing.drafts import DraftStore
from decomposer.plan.contract import min_items, path_below
from decomposer.plan.pointers import value_at
from decomposer.tui.messages import DocumentChanged, LiveStatus, ReportReady, SubtaskArrived
from decomposer.tui.safe import label, shows_as

if TYPE_CHECKING:
    from decomposer.check.incremental import IncrementalValidator
    from decomposer.check.validate import Report

# Plans up to this size are validated on the event loop (a few milliseconds); larger
# ones in a thread.
INLINE_VALIDATION_LIMIT = 60
MULTILINE_FIELDS = ("goal", "summary")
VALIDATE_DELAY = 0.12
AUTOSAVE_DELAY = 0.6
FIRST_VALIDATION_DELAY = 0.05


class DecomposerApp(App):
    # Absolute, so subclasses defined elsewhere (tests, benchmarks) find it too.
    CSS_PATH = str(Path(__file__).resolve().parent / "app.tcss")
    TITLE = "decomposer"
    ENABLE_COMMAND_PALETTE = True
    # Named screens are built on first use, so only the first one costs start-up time.
    SCREENS = {"task": lambda: _screen("task"), "plan": lambda: _screen("plan")}

    # In the order the key bar shows them, most used first: a narrow terminal cuts the
    # end of the line (F1 and the palette list every key).
    BINDINGS = [
        Binding("f5", "decompose", "Decompose", id="decompose"),
        Binding("ctrl+r", "refine", "Refine", id="refine"),
        Binding("ctrl+s", "save", "Save", id="save"),
        # Not ctrl+e: text fields take it (end of line). T as in tickets.
        Binding("ctrl+t", "export", "Export", id="export"),
        Binding("f8", "review", "Review", id="review"),
        Binding("f6", "verify", "Verify", id="verify"),
        Binding("ctrl+o", "open", "Open", id="open"),
        Binding("f1,question_mark", "help", "Help", id="help"),
        Binding("f2", "task_screen", "Task", id="task_screen"),
        Binding("f3", "plan_screen", "Plan", id="plan_screen"),
        # F12 is "Save As" in most desktop editors; terminals cannot send ctrl+shift+s.
        Binding("f12", "save_as", "Save as", id="save_as", show=False),
        Binding("ctrl+z", "undo", "Undo", id="undo", priority=True),
        Binding("ctrl+y", "redo", "Redo", id="redo", priority=True),
        Binding("ctrl+q", "quit_guarded", "Quit", id="quit", priority=True),
    ]

    # Palette entries: (title, help, action). Every action is reachable by name.
    COMMAND_ENTRIES = [
        ("Decompose task", "Ask Claude to split the task into subtasks", "decompose"),
        ("Cancel decomposition", "Stop the running model call; keep what arrived", "cancel"),
        ("Refine subtask", "Ask Claude to split or sharpen the selected subtask", "refine"),
        (
            "Verify subtask",
            "Run the selected subtask's command criteria (after showing them) and record evidence",
            "verify",
        ),
        (
            "Verify plan",
            "Run every command criterion of the plan (after showing them) and record evidence",
            "verify(True)",
        ),
        ("Review mode", "Step through subtasks, incomplete first; approve or request changes", "review"),
        ("Open or import a plan", "Open a plan file, or import Taskmaster, Spec Kit, Backlog.md or Kiro tasks", "open"),
        ("Export plan", "Write the plan as JSON, Markdown, agent briefs or tracker tickets", "export"),
        ("Save", "Save the plan to its file", "save"),
        ("Save as", "Save the plan to a new file", "save_as"),
        ("Undo", "Undo the last edit", "undo"),
        ("Redo", "Redo the edit undone last", "redo"),
        ("Add subtask", "Add a subtask after the selected one", "add_subtask"),
        ("Delete subtask", "Delete the selected subtask", "delete_subtask"),
        ("Duplicate subtask", "Copy the selected subtask", "duplicate_subtask"),
        ("Move subtask up", "Move the selected subtask up", "move_subtask(-1)"),
        ("Move subtask down", "Move the selected subtask down", "move_subtask(1)"),
        ("Task screen", "Edit the task and its context", "task_screen"),
        ("Plan workspace", "The subtasks, the editor and the findings", "plan_screen"),
        ("Help", "Every key binding", "help"),
        ("Quit", "Quit (asks first if there are unsaved changes)", "quit_guarded"),
    ]

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
        self._badges: dict[int, str] = {}
        self._badges_for: Report | None = None
        self.usage = Usage()
        self.live = ""
        self.activity: collections.deque[str] = collections.deque(maxlen=200)
        self.model_findings: list = []
        self.streaming = False
        self.stream_plan: dict | None = None  # the plan as it streams, shown read-only
        self.draft_key = self.drafts.key_for(self.document.path)
        self._validate_timer = None
        self._heap_frozen = False
        self._gc_paused = False
        self._autosave_timer = None
        self._last_progress = 0.0
        self._engine = None

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

    def badges(self) -> dict[int, str]:
        """Badge per subtask index from the latest report. While a newer one is being
        computed the previous badges stay (a stale badge for a moment beats the whole
        list flickering to "unchecked" on every keystroke)."""
        report = self.report
        if report is None or self.streaming:
            return {}
        if self._badges_for is not report:
            worst: dict[int, str] = {}
            for finding in report.findings:
                index = finding.subtask_index
                if index is not None and worst.get(index) != "error":
                    worst[index] = "error" if finding.severity == "error" else "warning"
            delegable = set(report.readiness.delegable_indexes)
            self._badges = {
                i: worst.get(i) or ("delegable" if i in delegable else "held") for i in range(report.readiness.total)
            }
            self._badges_for = report
        return self._badges

    def header_state(self) -> dict:
        fresh = self.report_revision == self.document.revision and not self.streaming
        report = self.report if fresh else None
        usage = self.usage.describe(self.model_name) if self.usage.total_tokens else "no model calls yet"
        return {
            "title": self.plan.get("title") if isinstance(self.plan.get("title"), str) else "",
            "path": str(self.document.path) if self.document.path else None,
            "dirty": self.document.dirty,
            "model": self.model_name,
            "usage": usage,
            "readiness": (report.readiness.delegable, report.readiness.total) if report else None,
            "errors": len(report.errors) if report else 0,
            "warnings": len(report.warnings) if report else 0,
            "live": self.live,
        }

    def tell_screen(self, message) -> None:
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

    # --- start-up ---------------------------------------------------------------------------

    def on_load(self) -> None:
        # No cyclic garbage collection until the first frame is out: start-up allocates a
        # great deal (widgets, styles, the plan), and the collections it triggers (7 ms
        # for a new plan, about 40 ms with a 500-subtask plan) run just after the frame
        # instead of before it. Nothing is kept longer than that.
        if gc.isenabled():
            gc.disable()
            self._gc_paused = True

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def on_unmount(self) -> None:
        self._resume_gc()  # an app that stops before its first frame

    def on_mount(self) -> None:
        self.call_after_refresh(self._resume_gc)
        keymap = self.config.get("keymap") if isinstance(self.config.get("keymap"), dict) else {}
        if keymap:
            self.set_keymap({str(k): str(v) for k, v in keymap.items()})
        has_subtasks = bool(self.document.plan.get("subtasks"))
        self.push_screen("plan" if has_subtasks and not self.start_task else "task")
        # After the first frame and off the event loop: the first validation loads the
        # schema validators, which takes a quarter of a second (and its thread would
        # compete with the first frame for the interpreter).
        self.call_after_refresh(
            self.set_timer,
            FIRST_VALIDATION_DELAY,
            lambda: self._validate_in_thread(self.document.plan, self.document.revision),
        )
        if self.config_problem:
            self.notify(self.config_problem, title="Config file ignored", severity="error", markup=False)
        if self.restore_drafts:
            self.call_after_refresh(self._offer_draft)
        if self.start_task:
            self.edit_plan_field("task", self.start_task)
            self.call_after_refresh(self.action_decompose)
        if has_credentials():
            self.call_after_refresh(self._prewarm)

    @work(thread=True, group="prewarm", exit_on_error=False)
    def _prewarm(self) -> None:
        """Import the Anthropic SDK in the background after the first paint (it takes
        seconds), so the first model call does not wait for it."""
        import anthropic  # noqa: F401

    def _offer_draft(self) -> None:
        from decomposer.tui.screens.confirm import ConfirmScreen

        if self.document.path is not None:
            info = self.drafts.find_for(self.document.path)
        else:  # a new plan: the newest draft of an unsaved plan, if it holds anything
            info = next(
                (
                    d
                    for d in self.drafts.list()
                    if d.source_path is None and d.key != self.draft_key and _has_content(self.drafts, d)
                ),
                None,
            )
        if info is None:
            return
        where = label(str(self.document.path), 60) if self.document.path else "a new plan"
        question = (
            f"An unsaved draft of {where} from {_when(info.saved_at)} was found "
            f"({info.subtask_count} subtasks: {label(info.title, 60)}). Restore it?"
        )

        def answer(restore: bool | None) -> None:
            if restore:
                self.document.set_plan(self.drafts.load(info.key))
                self.draft_key = info.key
                self.document_changed()
                self.notify("Draft restored; save to keep it (ctrl+s).", markup=False)
            elif restore is False:
                self.drafts.discard(info.key)
            # escape (None): not now; the draft stays for next time

        self.push_screen(
            ConfirmScreen(question + " (escape: ask again next time)", yes="Restore", no="Discard"), answer
        )

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

    def edit_field(self, index: int, tokens: tuple, value: Any, delete: bool = False) -> None:
        """An edit from the subtask editor."""
        if self._guard_streaming():
            return
        plan = self.document.plan
        subtask = plan["subtasks"][index]
        current = value_at(subtask, tokens)
        if not delete and isinstance(value, str) and shows_as(current, value, tokens[-1] in MULTILINE_FIELDS):
            return  # the escaped display of a value with control characters, unchanged
        if tokens == ("depends_on",) and not delete:
            cycle = self.document.would_create_cycle(index, value)
            if cycle:
                self.notify(
                    "Not applied: that dependency makes a cycle " + " → ".join(label(c, 12) for c in cycle),
                    severity="error",
                    markup=False,
                )
                return
        if tokens[0] == "review":
            review = subtask.get("review") if isinstance(subtask.get("review"), dict) else None
            if tokens == ("review", "status") and delete:
                if review is not None:
                    self.document.set_field(("subtasks", index, "review"), None, delete=True)
                    self.document_changed(structural=False)
                return
            if review is None:
                if delete:
                    return
                value = {"status": "pending", tokens[1]: value} if tokens[1] != "status" else {"status": value}
                tokens = ("review",)
        try:
            changed = self.document.set_field(("subtasks", index, *tokens), value, delete=delete)
        except EditError:
            return  # the field sits under a value of the wrong type (the findings say so)
        if changed:  # False: a field reporting the value it was loaded with
            self.document_changed(structural=tokens[-1] == "method")

    def edit_plan_field(self, key: str, value: str, multiline: bool = False) -> None:
        if self._guard_streaming():
            return
        current = self.document.plan.get(key, "")
        if current == value or shows_as(current, value, multiline):
            return
        if key == "context" and not value:
            if "context" in self.document.plan:
                self.document.set_field(("context",), None, delete=True)
        else:
            self.document.set_field((key,), value)
        self.document_changed(structural=False)

    def edit_list(self, index: int, list_tokens: tuple, item: int, action: str) -> int | None:
        """Add (after ``item``; -1 appends), remove or move a list item. Returns the
        position to focus."""
        if self._guard_streaming():
            return None
        from decomposer.tui.widgets.subtask_editor import LISTS

        base = ("subtasks", index, *list_tokens)
        current = value_at(self.document.plan["subtasks"][index], list_tokens)
        if action == "add":
            new_item = copy.deepcopy(LISTS[list_tokens])
            if not isinstance(current, list):
                self.document.set_field(base, [new_item])
                position = 0
            else:
                position = len(current) if item < 0 else item + 1
                self.document.list_insert(base, position, new_item)
        elif not isinstance(current, list) or not 0 <= item < len(current):
            return None
        elif action == "remove":
            if len(current) <= min_items(path_below("subtask", *list_tokens)):
                self.notify("A subtask needs at least one of these; edit it instead.", severity="warning", markup=False)
                return None
            self.document.list_remove(base, item)
            position = max(0, item - 1)
        else:
            delta = -1 if action == "up" else 1
            if not 0 <= item + delta < len(current):
                return item
            position = self.document.list_move(base, item, delta)
        self.document_changed()
        return position

    # --- actions: navigation ----------------------------------------------------------------

    def _plan_screen(self):
        """The workspace, if it has been shown yet."""
        screen = self._installed_screens.get("plan")
        from decomposer.tui.screens.plan import PlanScreen

        return screen if isinstance(screen, PlanScreen) else None

    def _showing(self, name: str) -> bool:
        return self._installed_screens.get(name) is self.screen

    def _show(self, name: str) -> None:
        if isinstance(self.screen, _modal_types()):
            return
        while len(self.screen_stack) > 1 and self.screen not in self._installed_screens.values():
            self.pop_screen()  # review mode: leave it rather than stack screens
        if not self._showing(name):
            self.switch_screen(name)

    def action_task_screen(self) -> None:
        self._show("task")

    def action_plan_screen(self) -> None:
        self._show("plan")

    def action_help(self) -> None:
        from decomposer.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # --- actions: editing -------------------------------------------------------------------

    def _in_dialog(self, action: str) -> bool:
        """In a dialog, undo/redo belong to the text box there, not to the plan below."""
        if isinstance(self.screen, _modal_types()):
            handler = getattr(self.focused, f"action_{action}", None)
            if handler is not None:
                handler()
            return True
        return False

    def action_undo(self) -> None:
        if self._in_dialog("undo") or self._guard_streaming():
            return
        if self.document.undo():
            self.document_changed()
        else:
            self.notify("Nothing to undo.", markup=False)

    def action_redo(self) -> None:
        if self._in_dialog("redo") or self._guard_streaming():
            return
        if self.document.redo():
            self.document_changed()
        else:
            self.notify("Nothing to redo.", markup=False)

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

    def _select(self, index: int) -> None:
        screen = self._plan_screen()
        if screen is not None:
            screen.query_one("#subtasks").select_index(index)
            screen.flush_follow()

    def action_add_subtask(self) -> None:
        if self._guard_streaming():
            return
        selected = self._selected()
        index = self.document.add_subtask(after=selected)
        self.document_changed()
        self._select(index)

    def action_delete_subtask(self) -> None:
        index = self._selected()
        if index is None or self._guard_streaming():
            return
        subtask = self.document.plan["subtasks"][index]
        self.document.delete_subtask(index)
        self.document_changed()
        sid = subtask.get("id") if isinstance(subtask, dict) else "?"
        self.notify(f"Deleted {label(sid, 12)} (ctrl+z to undo).", markup=False)

    def action_duplicate_subtask(self) -> None:
        index = self._selected()
        if index is None or self._guard_streaming():
            return
        new_index = self.document.duplicate_subtask(index)
        self.document_changed()
        self._select(new_index)

    def action_move_subtask(self, delta: int) -> None:
        index = self._selected()
        if index is None or self._guard_streaming():
            return
        count = len(self.document.plan["subtasks"])
        if not 0 <= index + delta < count:
            return
        new_index = self.document.move_subtask(index, delta)
        self.document_changed()
        self._select(new_index)

    # --- actions: files ---------------------------------------------------------------------

    def action_save(self) -> None:
        if self.document.path is None:
            self.action_save_as()
            return
        self._save(self.document.path)

    def action_save_as(self) -> None:
        from decomposer.tui.screens.prompt import PromptScreen

        default = str(self.document.path or Path.cwd() / f"{self.document.plan.get('id') or 'plan'}.json")

        def chosen(value: str | None) -> None:
            if not value:
                return
            path = Path(value).expanduser()
            if path.exists() and (self.document.path is None or path.resolve() != self.document.path.resolve()):
                from decomposer.tui.screens.confirm import ConfirmScreen

                self.push_screen(
                    ConfirmScreen(
                        f"{label(str(path), 80)} exists. Replace it with this plan?", yes="Replace", no="Cancel"
                    ),
                    lambda yes: self._save(path) if yes else None,
                )
            else:
                self._save(path)

        self.push_screen(PromptScreen("Save the plan as", default, "Save"), chosen)

    def _save(self, path: Path) -> bool:
        plan_for_draft = self.document.plan
        try:
            self.document.save(path)
        except OSError as exc:
            # The draft keeps the work; say exactly what failed.
            self.drafts.save(self.draft_key, plan_for_draft, self.document.path)
            self.notify(
                f"Could not save {label(str(path), 80)}: {label(exc.strerror or exc, 120)}. "
                "Your work is kept in the autosaved draft.",
                severity="error",
                markup=False,
            )
            return False
        self.drafts.discard(self.draft_key)
        self.draft_key = self.drafts.key_for(self.document.path)
        self._schedule_validation()  # saving stamps updated_at: a new revision to report on
        self.notify(f"Saved {label(str(path), 80)}", markup=False)
        self.tell_screen(LiveStatus())
        return True

    def action_open(self) -> None:
        from decomposer.tui.screens.open import OpenScreen

        if self._guard_streaming():
            return
        folder = self.document.path.resolve().parent if self.document.path else Path.cwd()
        self.push_screen(OpenScreen(f"{folder}{os.sep}"), self._opened)

    def _opened(self, result) -> None:
        """Show what the open dialog read: our own plan opens bound to its file; an
        imported one is a new, unsaved plan (saving asks for a name, never writes over
        the source). An unsaved plan being left is kept as a draft first."""
        if result is None:
            return

        def replace(confirmed: bool | None = True) -> None:
            if not confirmed:
                return
            self._save_draft_now()
            if result.importer == "json":
                document = PlanDocument(result.plan, Path(result.source))
            else:
                document = PlanDocument.new()
                document.set_plan(result.plan)  # an edit: the plan is unsaved until ctrl+s
            self.document = document
            self.draft_key = self.drafts.key_for(document.path)
            self.report, self.report_revision = None, -1
            self.model_findings = []
            self.document_changed()
            self.action_plan_screen()
            self._report_import(result)

        if self.document.dirty:
            from decomposer.tui.screens.confirm import ConfirmScreen

            self.push_screen(
                ConfirmScreen(
                    "The current plan has unsaved changes. Open the other one? "
                    "(the changes stay in a draft, offered when you open it again)",
                    yes="Open",
                    no="Stay",
                ),
                replace,
            )
        else:
            replace()

    def _report_import(self, result) -> None:
        subtasks = len(result.plan.get("subtasks") or [])
        errors = len(result.report.errors)
        warnings = len(result.report.findings) - errors
        where = label(Path(result.source).name, 60)
        if result.importer == "json":
            self.notify(f"Opened {where}: {subtasks} subtasks, {errors} errors, {warnings} warnings.", markup=False)
            return
        for note in result.notes:
            self.activity.append(f"import: {note}")
        first = f" Note: {label(result.notes[0], 140)}" if result.notes else ""
        self.notify(
            f"Imported {subtasks} subtasks from {where} ({result.importer}): {errors} errors, {warnings} "
            f"warnings. Fill in what the findings list, then save (ctrl+s).{first}",
            title="Imported",
            markup=False,
            timeout=10,
        )

    def action_quit_guarded(self) -> None:
        from decomposer.tui.screens.confirm import ConfirmScreen

        if not self.document.dirty and not self.streaming:
            self.exit()
            return

        def answer(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self._save_draft_now()
                self.exit()

        question = (
            "There are unsaved changes. Quit anyway? The draft stays in the autosave folder and is offered next time."
        )
        if self.streaming:
            question = "A decomposition is running. Quit anyway? What arrived so far is kept as a draft."
        self.push_screen(ConfirmScreen(question, yes="Quit", no="Stay"), answer)

    # --- actions: Claude --------------------------------------------------------------------

    def _need_claude(self) -> bool:
        if has_credentials():
            return True
        from decomposer.claude.failures import CREDENTIALS_HINT

        self.notify(
            f"Claude is not configured: {CREDENTIALS_HINT}.",
            title="No API key",
            severity="error",
            markup=False,
            timeout=10,
        )
        return False

    async def engine(self):
        from decomposer.claude.engine import Engine

        if self._engine is None:
            from decomposer.claude.config import make_client

            client = await asyncio.to_thread(make_client)  # imports the SDK off the event loop
            self._engine = Engine(client, self.settings)
        self._engine.on_event = self._on_engine_event
        return self._engine

    def action_decompose(self, confirmed: bool = False) -> None:
        if self.streaming:
            self.notify("A decomposition is already running.", markup=False)
            return
        task = self.document.plan.get("task")
        if not isinstance(task, str) or not task.strip():
            self.action_task_screen()
            self.notify("Write the task first (F2).", severity="warning", markup=False)
            return
        if not self._need_claude():
            return
        existing = len(self.document.plan.get("subtasks") or [])
        if existing and not confirmed:
            from decomposer.tui.screens.confirm import ConfirmScreen

            def answer(yes: bool | None) -> None:
                if yes:
                    self.action_decompose(confirmed=True)

            self.push_screen(
                ConfirmScreen(
                    f"Decompose again and replace the {existing} subtasks? (ctrl+z brings them back)",
                    yes="Replace",
                    no="Keep",
                ),
                answer,
            )
            return
        context = self.document.plan.get("context") if isinstance(self.document.plan.get("context"), str) else None
        self.streaming = True
        self.stream_plan = {**self.document.plan, "subtasks": []}
        self.live = f"decomposing with {self.model_name}…"
        self.action_plan_screen()
        self.call_after_refresh(self._after_stream_started)
        self._decompose(task, context or None)

    def _after_stream_started(self) -> None:
        self.tell_screen(DocumentChanged())

    @work(exclusive=True, group="claude", exit_on_error=False)
    async def _decompose(self, task: str, context: str | None) -> None:
        from decomposer.claude.engine import FAILED, OK

        engine = await self.engine()
        try:
            outcome = await engine.decompose(task, context)
        except asyncio.CancelledError:
            arrived = len((engine.draft or {}).get("subtasks") or [])
            self._finish_stream(
                engine.draft,
                f"Cancelled: the {arrived} subtasks that arrived are kept (ctrl+z to undo)."
                if arrived
                else "Cancelled before any subtask arrived; the plan is unchanged.",
            )
            raise
        if outcome.status == FAILED:
            kept = f" {len(outcome.plan['subtasks'])} subtasks that arrived are kept." if outcome.plan else ""
            self.notify(
                f"{outcome.failure.message}. {outcome.failure.hint}.{kept}",
                title="Decomposition failed",
                severity="error",
                markup=False,
                timeout=15,
            )
            self._finish_stream(outcome.plan, "")
        elif outcome.status == OK:
            self._finish_stream(outcome.plan, "")
            self.notify(
                f"{len(outcome.plan['subtasks'])} subtasks; {outcome.usage.describe(self.model_name)}",
                title="Decomposed",
                markup=False,
            )
        else:
            self._finish_stream(outcome.plan, "")
            self.notify(
                f"Errors remain after {outcome.repair_rounds} repair rounds: see the findings.",
                title="Draft",
                severity="warning",
                markup=False,
            )

    def _with_own_title(self, plan: dict) -> dict:
        """``plan`` with the title (and id) the plan already had, unless it had none:
        the model proposes a title, but one the engineer gave wins."""
        title = self.document.plan.get("title")
        if not isinstance(title, str) or not title.strip() or title == UNTITLED:
            return plan
        return {**plan, "title": title, "id": self.document.plan.get("id", plan.get("id"))}

    def _finish_stream(self, plan: dict | None, message: str) -> None:
        self.streaming = False
        self.stream_plan = None
        self.live = ""
        if plan and plan.get("subtasks"):
            self.document.set_plan(self._with_own_title(plan))
        if message:
            self.notify(message, markup=False)
        self.document_changed()

    def action_cancel(self) -> None:
        if not self.streaming:
            return
        for worker in self.workers:
            if worker.group == "claude":
                worker.cancel()

    def _on_engine_event(self, event) -> None:
        from decomposer.claude import engine as e

        if isinstance(event, e.SubtaskReady):
            if self.streaming and self._engine is not None and self._engine.draft is not None:
                self.stream_plan = self._with_own_title(self._engine.draft)
                self.live = f"decomposing with {self.model_name}… {event.index + 1} subtasks"
                self.tell_screen(SubtaskArrived(event.index))
                self._schedule_autosave()
        elif isinstance(event, e.Progress):
            now = time.monotonic()
            if now - self._last_progress > 0.1:
                self._last_progress = now
                count = len((self.stream_plan or {}).get("subtasks") or [])
                self.live = (
                    f"{self._call_label} with {self.model_name}… {count} subtasks · ~{event.output_tokens:,} tokens"
                )
                self.tell_screen(LiveStatus())  # progress is not logged
        elif isinstance(event, e.CallStarted):
            self._call_label = {
                "decompose": "decomposing",
                "repair": "repairing",
                "refine": "refining",
                "review": "reviewing",
            }.get(event.purpose, event.purpose)
            self.set_live(f"{self._call_label} with {self.model_name}…")
        elif isinstance(event, e.CallEnded):
            self.usage = self.usage + event.usage
            self.tell_screen(LiveStatus())
        elif isinstance(event, e.RepairRound):
            self.set_live(f"repair round {event.round}: {len(event.findings)} errors sent back to the model")
        elif isinstance(event, e.Retrying):
            if self.streaming:
                self.stream_plan = {**(self.stream_plan or self.document.plan), "subtasks": []}
                self.tell_screen(DocumentChanged())
            self.notify(f"Retrying: {event.failure.message}", markup=False)

    _call_label = "working"

    def action_refine(self) -> None:
        from decomposer.tui.screens.refine import RefineScreen

        index = self._selected()
        if self._guard_streaming():
            return
        if index is None:
            self.notify(
                "There is no subtask to refine: decompose the task (F5) or add one (a)."
                if not self.document.plan.get("subtasks")
                else "Select a subtask first.",
                markup=False,
            )
            return
        if not self._need_claude():
            return
        self.push_screen(RefineScreen(index))

    def action_review(self) -> None:
        from decomposer.tui.screens.review import ReviewScreen

        if self._guard_streaming():
            return
        if not self.document.plan.get("subtasks"):
            self.notify("There are no subtasks to review yet.", markup=False)
            return
        self.push_screen(ReviewScreen())

    def selected_subtask_id(self) -> str | None:
        index = self._selected()
        sid = self.document.plan["subtasks"][index].get("id") if index is not None else None
        return sid if isinstance(sid, str) else None

    def action_verify(self, whole_plan: bool = False) -> None:
        """Show the commands a verification would run; they run only on confirmation."""
        from decomposer.tui.screens.verify import VerifyScreen

        if self._guard_streaming():
            return
        if not self.document.plan.get("subtasks"):
            self.notify("There are no subtasks to verify yet.", markup=False)
            return
        cwd = self.document.path.parent if self.document.path else Path(".")
        self.push_screen(VerifyScreen(None if whole_plan else self.selected_subtask_id(), cwd))

    def record_evidence(self, evidence) -> None:
        """Put one verification result into the plan (an edit: undo takes it back)."""
        from decomposer.verify.evidence import evidence_edit

        tokens, entries = evidence_edit(self.document.plan, evidence)
        self.document.set_field(tokens, entries)
        self.document_changed()

    def action_export(self) -> None:
        from decomposer.tui.screens.export import ExportScreen

        if self._guard_streaming():
            return
        self.validate_now()
        self.push_screen(ExportScreen())

    # --- command palette --------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for title, help_text, action in self.COMMAND_ENTRIES:
            yield SystemCommand(title, help_text, lambda action=action: self.run_action(action))
        yield from (c for c in super().get_system_commands(screen) if c.title not in {"Quit", "Keys"})

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_failed(event)

    def worker_failed(self, event: Worker.StateChanged) -> bool:
        """Report a worker that died of an unexpected error (a bug): the app's own and,
        called from their handlers, the dialogs' (the event does not bubble). True if
        it did."""
        if event.state != WorkerState.ERROR:
            return False
        if event.worker.group == "claude":
            self.streaming = False
            self.live = ""
        self.notify(
            f"Internal error in {event.worker.group}: {label(repr(event.worker.error), 200)}. Your work is kept.",
            severity="error",
            markup=False,
            timeout=15,
        )
        self.tell_screen(DocumentChanged())
        return True


def _has_content(drafts: DraftStore, info) -> bool:
    """A new plan's draft worth offering: it has subtasks or a task."""
    if info.subtask_count:
        return True
    try:
        plan = drafts.load(info.key)
    except (OSError, ValueError):
        return False
    return isinstance(plan.get("task"), str) and bool(plan["task"].strip())


def _when(stamp: str) -> str:
    """ "2026-11-23 18:45 UTC" from an RFC 3339 time stamp (as is when it does not parse)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, AttributeError):
        return label(stamp, 40)


def _screen(name: str) -> Screen:
    if name == "task":
        from decomposer.tui.screens.task import TaskScreen

        return TaskScreen()
    from decomposer.tui.screens.plan import PlanScreen

    return PlanScreen()


def _modal_types() -> tuple:
    return (ModalScreen,)


__all__ = ["DecomposerApp"]
