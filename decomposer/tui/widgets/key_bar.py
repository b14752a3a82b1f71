"""The key bar at the bottom of each screen: the keys that work here, as one line.

Textual's Footer builds a widget per key and rebuilds them all whenever focus moves; on
the task screen that was about a fifth of the time to the first frame. One widget that
draws one line costs a render, and still follows the focused widget's bindings. A click
on a key presses it, as in the Footer."""

from __future__ import annotations

from typing import NamedTuple

from textual import events
from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget

from decomposer.tui.safe import label

KEY_STYLE = "bold $footer-key-foreground"
DESCRIPTION_STYLE = "$footer-description-foreground"
SEPARATOR = " │"
ELLIPSIS = "…"


class Key(NamedTuple):
    key: str
    display: str
    description: str
    enabled: bool


class Shown(NamedTuple):
    """One key as drawn: where it is on the line and whether it does anything now."""

    start: int
    end: int
    key: str
    enabled: bool


def _draw(key: Key) -> Content:
    dim = "" if key.enabled else " dim"
    text = [Content.styled(f" {label(key.display, 20)} ", KEY_STYLE + dim)]
    if key.description:
        text.append(Content.styled(f"{label(key.description, 40)} ", DESCRIPTION_STYLE + dim))
    return Content.assemble(*text)


class KeyBar(Widget, can_focus=False):
    """The screen's active bindings that ask to be shown (one per action, the first
    key), and the command palette's key at the right edge."""

    ALLOW_SELECT = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: list[Shown] = []
        self._drawn: tuple[list[Key], Key | None] | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        # Textual announces a change after every action (a key in the list, a character
        # typed); redrawing only when the keys differ keeps this line out of that frame.
        if screen is self.screen and self.keys() != self._drawn:
            self.refresh()

    def keys(self) -> tuple[list[Key], Key | None]:
        """The keys on the left, and the palette's key (None when there is no palette)."""
        active = self.screen.active_bindings
        actions: set[str] = set()
        left = []
        for key, (_node, binding, enabled, _tooltip) in active.items():
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            left.append(Key(key, self.app.get_key_display(binding), binding.description, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = Key(binding.key, self.app.get_key_display(binding), binding.description, enabled)
        return left, palette

    def render(self) -> RenderResult:
        left, palette = self._drawn = self.keys()
        width = self.size.width
        tail = Content.assemble(Content.styled(SEPARATOR, "dim"), _draw(palette)) if palette else Content()
        if tail.cell_length > width:  # too narrow for the palette's key: the keys get the line
            palette, tail = None, Content()
        room = width - tail.cell_length
        shown: list[Shown] = []
        pieces: list[Content] = []
        offset = 0
        for n, key in enumerate(left):
            piece = _draw(key)
            # Only whole keys are drawn, and a cell is kept for "…" while keys remain.
            if offset + piece.cell_length > room - (1 if n < len(left) - 1 else 0):
                pieces.append(Content.styled(ELLIPSIS, "dim"))
                break
            shown.append(Shown(offset, offset + piece.cell_length, key.key, key.enabled))
            pieces.append(piece)
            offset += piece.cell_length
        line = Content.assemble(*pieces).truncate(room, pad=True)
        if palette is not None:
            shown.append(Shown(room + len(SEPARATOR), width, palette.key, palette.enabled))
        self.shown = shown
        return Content.assemble(line, tail)

    def on_click(self, event: events.Click) -> None:
        for key in self.shown:
            if key.start <= event.x < key.end:
                event.stop()
                if key.enabled:
                    self.app.simulate_key(key.key)
                else:
                    self.app.bell()
                return
