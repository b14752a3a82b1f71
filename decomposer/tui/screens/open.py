"""Open or import: a path, and a format from the importer registry (or detected).

Reading runs in a thread (a 20 MB file takes a moment to parse and check); a file that
cannot be read keeps the dialog open with the reason, so the path can be corrected."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from decomposer.importers import ImportFailed, ImportResult, import_path, importers
from decomposer.tui.app_api import app_api
from decomposer.tui.safe import label, literal

DETECT = "detect"
STATUS_LIMIT = 400


class OpenScreen(ModalScreen[ImportResult | None]):
    """Dismisses with the ImportResult, or None when closed."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="open_close"),
        # ctrl+o again opens (the key that opened the dialog); priority: the path box is focused
        Binding("ctrl+o", "open", "Open", id="open_run", priority=True),
    ]

    def __init__(self, start: str = "") -> None:
        super().__init__()
        self.formats = list(importers().values())
        self.chosen: str = DETECT
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="open-dialog"):
            yield Static("Open or import · enter or ctrl+o to open, escape to close", classes="section")
            with Horizontal(id="open-top"):
                options = [Option("Detect from the file", id=DETECT)]
                options += [Option(f.label, id=f.name) for f in self.formats]
                yield OptionList(*options, id="import-formats")
                with Vertical(id="open-side"):
                    yield Static("", id="import-description")
                    yield Input(
                        self.start,
                        id="import-path",
                        compact=True,
                        placeholder="a plan .json, tasks.json, tasks.md, a backlog/tasks or .kiro/specs folder",
                    )
                    yield Static("", id="import-status")

    def on_mount(self) -> None:
        self.query_one("#import-formats", OptionList).highlighted = 0
        self._describe()
        self.query_one("#import-path", Input).focus()

    def _describe(self) -> None:
        if self.chosen == DETECT:
            text = (
                "The format is recognised from the file: decomposer's own plans, Taskmaster tasks.json, "
                "Spec Kit tasks.md, Backlog.md task files and Kiro specs."
            )
        else:
            chosen = next(f for f in self.formats if f.name == self.chosen)
            text = f"{chosen.description} (pick a {' or a '.join(chosen.accepts)})"
        self.query_one("#import-description", Static).update(literal(text))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "import-formats" and event.option is not None:
            self.chosen = event.option.id or DETECT
            self._describe()

    def on_option_list_option_selected(self, _event: OptionList.OptionSelected) -> None:
        self.query_one("#import-path", Input).focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_open()

    def action_open(self) -> None:
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            self._status("Give the path of a file or folder.", error=True)
            return
        self._status("Reading…")
        self._read(Path(raw).expanduser(), None if self.chosen == DETECT else self.chosen)

    def _status(self, text: str, *, error: bool = False, hint: str = "") -> None:
        """``text`` (a message naming the file) is cut to fit; ``hint``, what to do, never is."""
        shown = label(text, STATUS_LIMIT - len(hint)) + hint
        status = self.query_one("#import-status", Static)
        status.update(Content.styled(shown, "bold $error") if error else Content(shown))

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _read(self, path: Path, importer_name: str | None) -> None:
        try:
            result = import_path(path, importer_name)
        except ImportFailed as failed:
            hint = "; pick its format in the list on the left (shift+tab)" if failed.choices else ""
            self.app.call_from_thread(self._status, str(failed), error=True, hint=hint)
        except (OSError, ValueError, RecursionError, MemoryError) as exc:  # a reader missed a case
            self.app.call_from_thread(self._status, f"{path}: cannot be read ({type(exc).__name__}: {exc})", error=True)
        else:
            self.app.call_from_thread(self.dismiss, result)

    def on_worker_state_changed(self, event) -> None:
        app_api(self).worker_failed(event)

    def action_close(self) -> None:
        self.dismiss(None)
