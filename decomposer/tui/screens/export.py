"""Export: choose a format from the registry, a destination, see a preview; refused
while errors remain, with the list of what blocks it."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from decomposer.exporters import ExportBlocked, export, preview, registry
from decomposer.tui.app_api import app_api
from decomposer.tui.safe import label, literal


class ExportScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="export_close"),
        # ctrl+t again writes (the key that opened the dialog); priority: the destination
        # box would otherwise take ctrl+e (end of line)
        Binding("ctrl+t,ctrl+e", "export", "Export", id="export_run", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.formats = list(registry().values())
        self.chosen = self.formats[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static("Export · ctrl+t or ctrl+e to write, escape to close", classes="section")
            with Horizontal(id="export-top"):
                yield OptionList(*[Option(f"{f.label}  ({f.kind})", id=f.name) for f in self.formats], id="formats")
                with Vertical():
                    yield Static("", id="format-description")
                    yield Input(id="destination", compact=True)
                    yield Static("", id="blockers")
            with VerticalScroll(id="preview-box"):
                yield Static("", id="preview")

    def on_mount(self) -> None:
        self.query_one("#formats", OptionList).highlighted = 0
        self._choose(self.formats[0])
        self.query_one("#formats", OptionList).focus()

    def _default_destination(self, exporter) -> str:
        document = app_api(self).document
        plan = document.plan
        folder = document.path.parent if document.path else Path.cwd()
        return str(folder / exporter.default_name(plan))

    def _choose(self, exporter) -> None:
        self.chosen = exporter
        self.query_one("#format-description", Static).update(literal(exporter.description))
        self.query_one("#destination", Input).value = self._default_destination(exporter)
        report = app_api(self).report
        errors = report.errors if report else []
        blockers = self.query_one("#blockers", Static)
        if errors:
            lines = [Content.styled(f"Export is blocked by {len(errors)} errors:", "bold $error")]
            for f in errors[:8]:
                lines.append(Content(label(f"  {f.subtask or 'plan'} {f.rule}: {f.message}", 200)))
            if len(errors) > 8:
                lines.append(Content(f"  … and {len(errors) - 8} more (see the findings panel)"))
            blockers.update(Content("\n").join(lines))
        else:
            blockers.update(Content.styled("Ready to export.", "$success"))
        try:
            # No current report (a large plan still being checked): the exporter checks it.
            app = app_api(self)
            text = preview(app.document.plan, exporter.name, report=app.current_report)
        except Exception as exc:  # noqa: BLE001 - a preview must never close the dialog
            text = f"(no preview: {exc})"
        self.query_one("#preview", Static).update(literal(text))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "formats" and event.option_index is not None:
            self._choose(self.formats[event.option_index])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#destination", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_export()

    def action_export(self, overwrite: bool = False) -> None:
        destination = self.query_one("#destination", Input).value.strip()
        if not destination:
            self.app.notify("Give a destination.", severity="warning", markup=False)
            return
        self._write(self.chosen.name, Path(destination).expanduser(), overwrite)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _write(self, name: str, destination: Path, overwrite: bool) -> None:
        app = app_api(self)
        plan, report = app.document.plan, app.current_report
        try:
            written = export(plan, name, destination, report=report, overwrite=overwrite)
        except ExportBlocked as blocked:
            self.app.call_from_thread(
                self.app.notify,
                f"Export refused: {len(blocked.findings)} errors remain.",
                severity="error",
                markup=False,
            )
        except FileExistsError as exc:
            self.app.call_from_thread(self._ask_overwrite, str(exc))
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.app.call_from_thread(
                self.app.notify, f"Export failed: {label(reason, 200)}", severity="error", markup=False
            )
        else:
            stale = ""
            if written.removed:
                stale += f"; removed {len(written.removed)} stale file(s) of the previous export"
            if written.kept:
                stale += f"; could not remove {len(written.kept)} stale file(s): {label(written.kept[0].name, 60)}…"
            self.app.call_from_thread(
                self.app.notify,
                f"Exported {len(written)} file(s) to {label(str(destination), 80)}{stale}",
                markup=False,
            )
            self.app.call_from_thread(self.dismiss, None)

    def _ask_overwrite(self, reason: str) -> None:
        from decomposer.tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.action_export(overwrite=True)

        self.app.push_screen(ConfirmScreen(f"{reason}. Overwrite?", yes="Overwrite", no="Cancel"), answer)

    def on_worker_state_changed(self, event) -> None:
        app_api(self).worker_failed(event)

    def action_close(self) -> None:
        self.dismiss(None)
