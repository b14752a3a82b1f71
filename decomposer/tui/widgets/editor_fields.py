"""The fields of the subtask editor, and the blocks that lay them out beside their
captions. The editor builds them once and reuses them for every subtask."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from decomposer.tui.widgets.choice import Choice
from decomposer.tui.widgets.wrapping_area import WrappingArea


class EditorField:
    """What every field of the editor carries: its pointer (``tokens``, relative to the
    subtask) and how its text becomes a value (``kind``: text, int, ids or list)."""

    tokens: tuple = ()
    kind: str = "text"


class TextField(Input, EditorField):
    # Input keeps its virtual size at the width of its text, and Widget declares that
    # reactive with layout=True: every new value re-laid out the whole screen (about
    # 100 widgets). A one-line field's own size never depends on its text, so a repaint
    # is enough; horizontal scrolling reads the virtual size directly.
    virtual_size = Reactive(Size(0, 0), layout=False)


class AreaField(WrappingArea, EditorField):
    # Its height is fixed in the stylesheet and it wraps, so as for TextField a new
    # value needs no layout pass (TextArea refreshes its own scrollbars).
    virtual_size = Reactive(Size(0, 0), layout=False)


class ChoiceField(Choice, EditorField):
    pass


class FlagField(Choice, EditorField):
    """true / false, as a Choice (a Switch animates, costing several repaints)."""

    def __init__(self) -> None:
        super().__init__(["true", "false"], allow_blank=False)


class AddButton(Button):
    def __init__(self, list_tokens: tuple, text: str) -> None:
        super().__init__(text, compact=True, classes="add-item")
        self.list_tokens = list_tokens


def show_if(widget: Widget, visible: bool) -> None:
    """Toggle only on change: every toggle costs a layout pass."""
    if widget.display != visible:
        widget.display = visible


class _Settled:
    """A container whose size its parent settles.

    After a layout pass Textual assigns each widget its new virtual size, a layout=True
    reactive, so a container whose content changed asked for a second full pass and a
    repaint of its whole area. The first pass has already placed it and marked what
    moved."""

    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)


class _Captions(_Settled, Static):
    pass


class _Fields(_Settled, Vertical):
    pass


class FieldBlock(_Settled, Horizontal):
    """Fields under one another with their captions in a single column beside them.

    One caption widget per block rather than one caption and one row per field: every
    widget costs time on each repaint, and moving through the list repaints the editor.
    Rows can be hidden (a review criterion has no command); the captions follow."""

    def __init__(self, rows: list[tuple[str, Widget]], **kwargs) -> None:
        self.rows = rows
        self._visible = [True] * len(rows)
        self._captions = _Captions(self._caption_text(), classes="captions", markup=False)
        fields = _Fields(*(field for _, field in rows), classes="fields")
        super().__init__(self._captions, fields, **kwargs)

    def _caption_text(self) -> str:
        lines = []
        for (caption, field), visible in zip(self.rows, self._visible):
            if visible:  # an area is three lines tall (app.tcss): its caption sits on the first
                lines += [caption] + [""] * (2 if isinstance(field, AreaField) else 0)
        return "\n".join(lines)

    def show_rows(self, visible: list[bool]) -> None:
        if visible == self._visible:
            return
        self._visible = list(visible)
        for (_, field), shown in zip(self.rows, visible):
            show_if(field, shown)
        self._captions.update(self._caption_text())


class ItemGroup(FieldBlock):
    """One item of a list (a precondition, a criterion, ...): shown or hidden, reused."""


class ItemPool(_Settled, Vertical):
    """The item groups of one list."""
