"""Messages the app posts to its screens. They do not bubble back up to the app."""

from __future__ import annotations

from textual.message import Message


class DocumentChanged(Message):
    """The plan changed (an edit, undo/redo, a streamed subtask, a decomposition)."""

    bubble = False

    def __init__(self, structural: bool = True) -> None:
        super().__init__()
        # False when only field values changed (typing): lists keep their shape.
        self.structural = structural


class ReportReady(Message):
    """A fresh validation report for the current plan."""

    bubble = False


class LiveStatus(Message):
    """The status of a running model call changed."""

    bubble = False


class SubtaskArrived(Message):
    """A subtask finished streaming."""

    bubble = False

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class FocusField(Message):
    """Jump to the editor field a finding names."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
