"""Every key binding, by screen, with the ids users can remap in the config file."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from decomposer.claude.config import config_path
from decomposer.tui.safe import literal


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss_help", "Close", id="help_close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(
                "Keys · remap any binding by its id in the [keymap] table of the config file",
                classes="section",
                markup=False,
            )
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            yield Static(literal(f"config file: {config_path()}"), classes="dim")

    def on_mount(self) -> None:
        from decomposer.tui.screens.plan import PlanScreen
        from decomposer.tui.screens.review import ReviewScreen
        from decomposer.tui.screens.task import TaskScreen
        from decomposer.tui.widgets.subtask_editor import SubtaskEditor
        from decomposer.tui.widgets.subtask_list import SubtaskList

        table = self.query_one("#keys", DataTable)
        table.add_columns("where", "keys", "action", "id")
        # Private: Textual 8.2.8 can set a keymap but not read it back, and this is the
        # keymap as Textual applies it (set_keymap normalizes the keys).
        keymap = self.app._keymap
        groups = [
            ("everywhere", type(self.app).BINDINGS),
            ("task screen", TaskScreen.BINDINGS),
            ("workspace", PlanScreen.BINDINGS),
            ("subtask list", SubtaskList.BINDINGS),
            ("editor", SubtaskEditor.BINDINGS),
            ("review mode", ReviewScreen.BINDINGS),
        ]
        for where, bindings in groups:
            for binding in bindings:
                if not isinstance(binding, Binding):
                    continue
                keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
                keys = keys.replace(",", " ").replace("question_mark", "?")
                table.add_row(where, keys, binding.description or binding.action, binding.id or "")
        table.add_row("everywhere", "ctrl+p", "Command palette: every action by name", "")
        for where, keys, what in (
            ("a ◀ choice ▶", "left right space", "change the value"),
            ("refine dialog", "ctrl+a / escape", "accept / reject the proposal"),
            ("export dialog", "ctrl+e / escape", "write / close"),
            ("questions", "y / n / escape", "yes / no / not now"),
        ):
            table.add_row(where, keys, what, "")
        table.focus()

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
