"""The subtask list: id, badge, autonomy and title per subtask, in plan order or in
dependency order. Updated in place: a streamed subtask appends one option, an edit
replaces only the prompts that changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets.option_list import Option

from decomposer.plan.graph import dependency_order
from decomposer.tui.safe import label
from decomposer.tui.widgets.settled_list import SettledOptionList

if TYPE_CHECKING:
    from decomposer.editing.review import Badge

AUTONOMY_SHORT = {"propose": "prop", "gated": "gate", "autonomous": "auto"}
BADGES: dict[Badge, tuple[str, str]] = {
    "delegable": ("✔", "$success"),
    "error": ("✖", "$error"),
    "warning": ("▲", "$warning"),
    "held": ("·", "dim"),  # no finding, but not delegable (propose, or no command criterion)
    "unchecked": (" ", "dim"),
}


class SubtaskList(SettledOptionList):
    BINDINGS = [
        Binding("a", "app.add_subtask", "Add", id="add_subtask"),
        Binding("d", "app.delete_subtask", "Delete", id="delete_subtask", show=False),
        Binding("c", "app.duplicate_subtask", "Duplicate", id="duplicate_subtask", show=False),
        Binding("K,shift+up", "app.move_subtask(-1)", "Move up", id="move_subtask_up", show=False),
        Binding("J,shift+down", "app.move_subtask(1)", "Move down", id="move_subtask_down", show=False),
        Binding("o", "toggle_order", "Order", id="toggle_order", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.order: list[int] = []  # option position -> subtask index
        self.by_dependencies = False
        self._shown: list[tuple] = []  # what each option shows, to replace only changes

    @staticmethod
    def _signature(subtask: object, badge: Badge) -> tuple:
        if not isinstance(subtask, dict):
            return ("?", "", "", badge)
        return (subtask.get("id"), subtask.get("title"), subtask.get("autonomy"), badge)

    @staticmethod
    def _prompt(signature: tuple, depth: int) -> Content:
        sid, title, autonomy, badge = signature
        mark, style = BADGES[badge]
        return Content.assemble(
            Content.styled(mark, style),
            " ",
            "  " * depth,
            Content.styled(label(sid if isinstance(sid, str) else "?", 12), "bold"),
            " ",
            Content.styled(AUTONOMY_SHORT.get(autonomy, "????") if isinstance(autonomy, str) else "????", "dim"),
            " ",
            label(title if isinstance(title, str) else "(no title)", 120),
        )

    def show(self, subtasks: list, badges: dict[int, Badge]) -> None:
        """Bring the options up to date with as little work as possible."""
        order = dependency_order({"subtasks": subtasks}) if self.by_dependencies else list(range(len(subtasks)))
        signatures = [self._signature(subtasks[i], badges.get(i, "unchecked")) for i in order]
        if order == self.order and len(signatures) == len(self._shown):
            for position, (old, new) in enumerate(zip(self._shown, signatures)):
                if old != new:
                    self.replace_option_prompt_at_index(position, self._prompt(new, self._depth(new)))
        elif (
            self.option_count == len(self._shown)
            and order[: len(self.order)] == self.order
            and signatures[: len(self._shown)] == self._shown
        ):
            self.add_options([Option(self._prompt(s, self._depth(s))) for s in signatures[len(self._shown) :]])
        else:
            highlighted = self.selected_index
            self.set_options([Option(self._prompt(s, self._depth(s))) for s in signatures])
            if highlighted is not None and order:
                self.highlighted = (
                    order.index(highlighted) if highlighted in order else min(highlighted, len(order) - 1)
                )
        self.order, self._shown = order, signatures

    @staticmethod
    def _depth(signature: tuple) -> int:
        sid = signature[0]
        return min(sid.count("."), 4) if isinstance(sid, str) else 0

    @property
    def selected_index(self) -> int | None:
        """The subtask index of the highlighted option."""
        if self.highlighted is None or self.highlighted >= len(self.order):
            return None
        return self.order[self.highlighted]

    def select_index(self, index: int) -> None:
        if index in self.order:
            self.highlighted = self.order.index(index)

    def action_toggle_order(self) -> None:
        selected = self.selected_index
        self.by_dependencies = not self.by_dependencies
        self.clear_options()  # rebuilt in the new order by the screen's next show()
        self.order = []
        self._shown = []
        self.post_message(self.OrderChanged())
        if selected is not None:
            self.call_after_refresh(self.select_index, selected)

    class OrderChanged(Message):
        """The user switched between plan order and dependency order."""
