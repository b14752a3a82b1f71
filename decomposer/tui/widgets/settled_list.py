"""An OptionList that repaints only what changed: the two options a move of the
highlight touches, and nothing when a layout pass elsewhere on the screen runs."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import reactive
from textual.widgets import OptionList


class SettledOptionList(OptionList):
    # OptionList repaints every line in view when the highlight moves (34 lines of the
    # subtask list, 5 ms); only the option left and the option reached change. A move
    # that scrolls still repaints the view, through the scroll.
    highlighted: reactive[int | None] = reactive(None, repaint=False)

    def on_mount(self) -> None:
        self.watch(self, "highlighted", self._repaint_highlight_move, init=False)

    def _repaint_highlight_move(self, old: int | None, new: int | None) -> None:
        # Where an option's lines are is OptionList's own (private) bookkeeping; Textual
        # 8.2.8 has no public way to ask for it, nor to repaint one option.
        self._update_lines()
        for index in {i for i in (old, new) if i is not None}:
            line = self._index_to_line.get(index)
            if line is not None:
                self.refresh_lines(line, self._heights.get(index, 1))

    # A private Textual method: there is no public hook between a layout pass and the
    # scrollbar refresh it causes (checked against Textual 8.2.8, which is pinned).
    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """Every layout pass hands each widget the virtual size the compositor computed.
        A ScrollView compares it with its own (an OptionList's counts its lines; the two
        always differ), keeps its own anyway, and refreshes its scrollbar. That column,
        joined with the editor's scrollbar into one region, repainted the whole editor
        after each move through the list. An OptionList updates its scrollbar itself
        when its lines change, so the compositor's figure is not needed."""
        return super()._size_updated(size, self.virtual_size, container_size, layout)
