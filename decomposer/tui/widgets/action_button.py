"""A one-line button that runs an app action: click it, or focus it and press enter or
space.

Textual's Button carries a large stylesheet (every variant, every state); on the task
screen, the first one on screen, building it cost about 17 ms of the time to the first
frame. This draws one styled label."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Static


class ActionButton(Static, can_focus=True):
    BINDINGS = [Binding("enter,space", "press", "Press", show=False, id="button_press")]

    def __init__(self, text: str, action: str, *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)
        self.action = action

    async def action_press(self) -> None:
        await self.run_action(self.action)

    async def on_click(self) -> None:
        await self.action_press()
