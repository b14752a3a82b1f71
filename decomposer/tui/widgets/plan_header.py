"""The header of the workspace: plan title, file, model, tokens and cost, readiness, and
the status of a running model call."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from decomposer.tui.safe import label


class PlanHeader(Static):
    DEFAULT_CLASSES = "plan-header"

    _shown: tuple | None = None

    def show(
        self,
        *,
        title: str,
        path: str | None,
        dirty: bool,
        model: str,
        usage: str,
        readiness: tuple[int, int] | None,
        errors: int,
        warnings: int,
        live: str,
    ) -> None:
        state = (title, path, dirty, model, usage, readiness, errors, warnings, live)
        if state == self._shown:
            return  # an update would cost a layout pass on every keystroke
        self._shown = state
        parts: list[Content | str] = [Content.styled(label(title or "Untitled plan", 80), "bold")]
        file_text = label(path, 60) if path else "unsaved"
        parts.append(Content.styled(f"  {file_text}{' •' if dirty else ''}", "dim"))
        line1 = Content.assemble(*parts)
        counts: list[Content | str] = []
        if readiness is not None:
            delegable, total = readiness
            counts.append(
                Content.styled(
                    f"delegable {delegable}/{total}", "bold $success" if total and delegable == total else "bold"
                )
            )
            counts.append("  ")
            counts.append(Content.styled(f"{errors} errors", "$error" if errors else "dim"))
            counts.append(" ")
            counts.append(Content.styled(f"{warnings} warnings", "$warning" if warnings else "dim"))
            counts.append("  ")
        counts.append(Content.styled(f"{label(model, 40)} · {usage}", "dim"))
        line2 = Content.assemble(*counts)
        lines = [line1, line2]
        if live:
            lines.append(Content.styled(label(live, 160), "bold $accent"))
        self.update(Content("\n").join(lines))
