"""The findings of the current plan, live. Selecting one jumps to the field it names."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from decomposer.check.findings import ERROR, Finding
from decomposer.tui.messages import FocusField
from decomposer.tui.safe import label
from decomposer.tui.widgets.settled_list import SettledOptionList

# Rendering thousands of options for a broken 500-subtask plan would cost more than it
# tells; the header has the full counts.
MAX_SHOWN = 400


class FindingsPanel(SettledOptionList):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.findings: list[Finding] = []
        self._key: tuple | None = None

    def show(self, findings: list[Finding], subtask_index: int | None = None) -> None:
        """All findings, those of the selected subtask first."""
        if subtask_index is not None:
            own = [f for f in findings if f.subtask_index == subtask_index]
            rest = [f for f in findings if f.subtask_index != subtask_index]
            findings = own + rest
        findings = findings[:MAX_SHOWN]
        key = tuple(findings)
        if key == self._key:
            return
        self._key = key
        self.findings = findings
        self.set_options([Option(self._prompt(f)) for f in findings])
        self.border_title = f"Findings ({len(findings)})" if findings else "Findings: none"

    @staticmethod
    def _prompt(finding: Finding) -> Content:
        mark, style = ("✖", "$error") if finding.severity == ERROR else ("▲", "$warning")
        where = label(finding.subtask or "plan", 10)
        return Content.assemble(
            Content.styled(mark, style),
            " ",
            Content.styled(where, "bold"),
            " ",
            Content.styled(label(finding.rule, 30), "dim"),
            " ",
            label(finding.message, 300),
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The highlighted finding's hint, on the border (Content: never parsed as markup)."""
        event.stop()
        index = event.option_index
        hint = self.findings[index].hint if index is not None and 0 <= index < len(self.findings) else None
        self.border_subtitle = Content(f"hint: {label(hint, 160)}") if hint else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.findings):
            self.post_message(FocusField(self.findings[event.option_index].path))
