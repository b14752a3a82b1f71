"""A soft-wrapping TextArea that is always wrapped at the width it is drawn at."""

from __future__ import annotations

from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import TextArea


class WrappingArea(TextArea):
    """TextArea wraps its lines when a Resize event arrives, at the width of its region in
    the compositor's map at that moment. On a loaded machine a later layout pass can
    have dropped the widget from that map by then (the region is empty), so it wrapped
    at 0, and no further Resize came since its size had not changed: the text stayed on
    one long line, cut at the edge. When drawn the region is known; rewrap then, if the
    width differs. (Private TextArea API: it names neither the width it wrapped at nor a
    public way to rewrap and resize.)"""

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.soft_wrap and self.wrapped_document._width != self.wrap_width:
            self._rewrap_and_refresh_virtual_size()
        return super().render_lines(crop)
