"""The decomposer TUI application: its bindings, start-up, screens and the actions on them.

``DecomposerApp`` brings together the state and the edit path (``EditingApp``, in
tui/editing_app.py), the actions on files (``FileActions``) and the model calls
(``ModelActions``); what is left here are the key bindings and the command palette,
start-up, and the actions that open dialogs or act on the selected subtask.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from decomposer.claude.config import has_credentials
from decomposer.tui.file_actions import FileActions
from decomposer.tui.messages import DocumentChanged
from decomposer.tui.model_actions import ModelActions
from decomposer.tui.safe import label

if TYPE_CHECKING:
    from decomposer.tui.app_api import AppApi

FIRST_VALIDATION_DELAY = 0.05


class DecomposerApp(FileActions, ModelActions):
    # Absolute, so subclasses defined elsewhere (tests, benchmarks) find it too.
    CSS_PATH = str(Path(__file__).resolve().parent / "app.tcss")
    TITLE = "decomposer"
    ENABLE_COMMAND_PALETTE = True

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

    _gc_paused = False

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
        self.push_screen(self.named_screen("plan" if has_subtasks and not self.start_task else "task"))
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

    # --- actions: screens -------------------------------------------------------------------

    def action_help(self) -> None:
        from decomposer.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # --- actions: editing -------------------------------------------------------------------

    def _in_dialog(self, action: str) -> bool:
        """In a dialog, undo/redo belong to the text box there, not to the plan below."""
        if isinstance(self.screen, ModalScreen):
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

    def action_add_subtask(self) -> None:
        if self._guard_streaming():
            return
        selected = self._selected()
        index = self.document.add_subtask(after=selected)
        self.document_changed()
        self.select_subtask(index)

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
        self.select_subtask(new_index)

    def action_move_subtask(self, delta: int) -> None:
        index = self._selected()
        if index is None or self._guard_streaming():
            return
        count = len(self.document.plan["subtasks"])
        if not 0 <= index + delta < count:
            return
        new_index = self.document.move_subtask(index, delta)
        self.document_changed()
        self.select_subtask(new_index)

    # --- actions: dialogs -------------------------------------------------------------------

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


if TYPE_CHECKING:
    # mypy checks here that the app provides everything screens use through app_api().
    _APP_API: type[AppApi] = DecomposerApp

__all__ = ["DecomposerApp"]
