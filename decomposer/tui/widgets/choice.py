"""A one-line choice among a few fixed values: ◀ value ▶, changed with left/right,
space or enter. Far lighter than a Select (one widget, no overlay), which matters in an
editor that swaps values on every move through a long list."""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

BLANK = "(none)"


class Choice(Widget, can_focus=True):
    DEFAULT_CSS = """
    Choice { height: 1; width: 1fr; background: $boost; }
    Choice:focus { background: $accent 30%; text-style: bold; }
    """

    BINDINGS = [
        Binding("right,space,enter", "step(1)", "Next value", show=False),
        Binding("left", "step(-1)", "Previous value", show=False),
        Binding("backspace,delete", "clear", "Clear", show=False),
    ]

    class Changed(Message):
        def __init__(self, choice: Choice, value: str | None) -> None:
            super().__init__()
            self.choice, self.value = choice, value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, values: list[str], *, allow_blank: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.values = values
        self.allow_blank = allow_blank
        self._value: str | None = None

    @property
    def value(self) -> str | None:
        return self._value

    @value.setter
    def value(self, value: str | None) -> None:
        """Set without posting Changed (a value loaded, not chosen)."""
        value = value if value in self.values else None
        if value != self._value:
            self._value = value
            self.refresh()

    def render(self) -> Content:
        text = self._value if self._value is not None else BLANK
        return Content.assemble(
            Content.styled("◀ ", "dim"), Content.styled(text, "" if self._value else "dim"), Content.styled(" ▶", "dim")
        )

    def _choose(self, value: str | None) -> None:
        if value != self._value:
            self._value = value
            self.refresh()
            self.post_message(self.Changed(self, value))

    def action_step(self, delta: int) -> None:
        options: list[str | None] = ([None] if self.allow_blank else []) + list(self.values)
        position = options.index(self._value) if self._value in options else 0
        self._choose(options[(position + delta) % len(options)])

    def action_clear(self) -> None:
        if self.allow_blank:
            self._choose(None)
