"""The actions on files: save, save as, open or import, the draft offered at start-up, and
quitting with unsaved changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from decomposer.editing.document import PlanDocument
from decomposer.tui.editing_app import EditingApp
from decomposer.tui.messages import LiveStatus
from decomposer.tui.safe import label

if TYPE_CHECKING:
    from decomposer.importers import ImportResult


class FileActions(EditingApp):
    def _offer_draft(self) -> None:
        from decomposer.tui.screens.confirm import ConfirmScreen

        info = self.drafts.to_offer(self.document.path, self.draft_key)
        if info is None:
            return
        where = label(str(self.document.path), 60) if self.document.path else "a new plan"
        question = (
            f"An unsaved draft of {where} from {_when(info.saved_at)} was found "
            f"({info.subtask_count} subtasks: {label(info.title, 60)}). Restore it?"
        )

        def answer(restore: bool | None) -> None:
            if restore:
                self.document.set_plan(self.drafts.load(info.key))
                self.draft_key = info.key
                self.document_changed()
                self.notify("Draft restored; save to keep it (ctrl+s).", markup=False)
            elif restore is False:
                self.drafts.discard(info.key)
            # escape (None): not now; the draft stays for next time

        self.push_screen(
            ConfirmScreen(question + " (escape: ask again next time)", yes="Restore", no="Discard"), answer
        )

    def action_save(self) -> None:
        if self.document.path is None:
            self.action_save_as()
            return
        self._save(self.document.path)

    def action_save_as(self) -> None:
        from decomposer.tui.screens.prompt import PromptScreen

        default = str(self.document.path or Path.cwd() / f"{self.document.plan.get('id') or 'plan'}.json")

        def chosen(value: str | None) -> None:
            if not value:
                return
            path = Path(value).expanduser()
            if path.exists() and (self.document.path is None or path.resolve() != self.document.path.resolve()):
                from decomposer.tui.screens.confirm import ConfirmScreen

                def replace(yes: bool | None) -> None:
                    if yes:
                        self._save(path)

                self.push_screen(
                    ConfirmScreen(
                        f"{label(str(path), 80)} exists. Replace it with this plan?", yes="Replace", no="Cancel"
                    ),
                    replace,
                )
            else:
                self._save(path)

        self.push_screen(PromptScreen("Save the plan as", default, "Save"), chosen)

    def _save(self, path: Path) -> bool:
        plan_for_draft = self.document.plan
        try:
            self.document.save(path)
        except OSError as exc:
            # The draft keeps the work; say exactly what failed.
            self.drafts.save(self.draft_key, plan_for_draft, self.document.path)
            self.notify(
                f"Could not save {label(str(path), 80)}: {label(exc.strerror or exc, 120)}. "
                "Your work is kept in the autosaved draft.",
                severity="error",
                markup=False,
            )
            return False
        self.drafts.discard(self.draft_key)
        self.draft_key = self.drafts.key_for(self.document.path)
        self._schedule_validation()  # saving stamps updated_at: a new revision to report on
        self.notify(f"Saved {label(str(path), 80)}", markup=False)
        self.tell_screen(LiveStatus())
        return True

    def action_open(self) -> None:
        from decomposer.tui.screens.open import OpenScreen

        if self._guard_streaming():
            return
        folder = self.document.path.resolve().parent if self.document.path else Path.cwd()
        self.push_screen(OpenScreen(f"{folder}{os.sep}"), self._opened)

    def _opened(self, result: ImportResult | None) -> None:
        """Show what the open dialog read: our own plan opens bound to its file; an
        imported one is a new, unsaved plan (saving asks for a name, never writes over
        the source). An unsaved plan being left is kept as a draft first."""
        if result is None:
            return

        def replace(confirmed: bool | None = True) -> None:
            if not confirmed:
                return
            self._save_draft_now()
            if result.importer == "json":
                document = PlanDocument(result.plan, Path(result.source))
            else:
                document = PlanDocument.new()
                document.set_plan(result.plan)  # an edit: the plan is unsaved until ctrl+s
            self.document = document
            self.draft_key = self.drafts.key_for(document.path)
            self.report, self.report_revision = None, -1
            self.model_findings = []
            self.document_changed()
            self.action_plan_screen()
            self._report_import(result)

        if self.document.dirty:
            from decomposer.tui.screens.confirm import ConfirmScreen

            self.push_screen(
                ConfirmScreen(
                    "The current plan has unsaved changes. Open the other one? "
                    "(the changes stay in a draft, offered when you open it again)",
                    yes="Open",
                    no="Stay",
                ),
                replace,
            )
        else:
            replace()

    def _report_import(self, result: ImportResult) -> None:
        subtasks = len(result.plan.get("subtasks") or [])
        errors = len(result.report.errors)
        warnings = len(result.report.findings) - errors
        where = label(Path(result.source).name, 60)
        if result.importer == "json":
            self.notify(f"Opened {where}: {subtasks} subtasks, {errors} errors, {warnings} warnings.", markup=False)
            return
        for note in result.notes:
            self.activity.append(f"import: {note}")
        first = f" Note: {label(result.notes[0], 140)}" if result.notes else ""
        self.notify(
            f"Imported {subtasks} subtasks from {where} ({result.importer}): {errors} errors, {warnings} "
            f"warnings. Fill in what the findings list, then save (ctrl+s).{first}",
            title="Imported",
            markup=False,
            timeout=10,
        )

    def action_quit_guarded(self) -> None:
        from decomposer.tui.screens.confirm import ConfirmScreen

        if not self.document.dirty and not self.streaming:
            self.exit()
            return

        def answer(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self._save_draft_now()
                self.exit()

        question = (
            "There are unsaved changes. Quit anyway? The draft stays in the autosave folder and is offered next time."
        )
        if self.streaming:
            question = "A decomposition is running. Quit anyway? What arrived so far is kept as a draft."
        self.push_screen(ConfirmScreen(question, yes="Quit", no="Stay"), answer)


def _when(stamp: str) -> str:
    """ "2026-11-23 18:45 UTC" from an RFC 3339 time stamp (as is when it does not parse)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, AttributeError):
        return label(stamp, 40)
