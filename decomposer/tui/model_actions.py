"""The actions that call Claude: decompose (streamed into the workspace), refine and review.

Model calls run in async workers; the engine reports through events, which become the
live status line, streamed subtasks and the usage in the header."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, cast

from textual import work

from decomposer.claude.config import has_credentials
from decomposer.editing.rules import with_own_title
from decomposer.tui.editing_app import EditingApp
from decomposer.tui.messages import DocumentChanged, LiveStatus, SubtaskArrived

if TYPE_CHECKING:
    from decomposer.claude.engine import Engine, Event
    from decomposer.claude.failures import CallFailure


class ModelActions(EditingApp):
    _engine: Engine | None = None  # built on the first model call
    _last_progress = 0.0
    _call_label = "working"

    def need_claude(self) -> bool:
        """True if Claude is configured; else says how to configure it."""
        if has_credentials():
            return True
        from decomposer.claude.failures import CREDENTIALS_HINT

        self.notify(
            f"Claude is not configured: {CREDENTIALS_HINT}.",
            title="No API key",
            severity="error",
            markup=False,
            timeout=10,
        )
        return False

    async def engine(self) -> Engine:
        from decomposer.claude.engine import Engine

        if self._engine is None:
            from decomposer.claude.config import make_client

            client = await asyncio.to_thread(make_client)  # imports the SDK off the event loop
            self._engine = Engine(client, self.settings)
        self._engine.on_event = self._on_engine_event
        return self._engine

    def action_decompose(self, confirmed: bool = False) -> None:
        if self.streaming:
            self.notify("A decomposition is already running.", markup=False)
            return
        task = self.document.plan.get("task")
        if not isinstance(task, str) or not task.strip():
            self.action_task_screen()
            self.notify("Write the task first (F2).", severity="warning", markup=False)
            return
        if not self.need_claude():
            return
        existing = len(self.document.plan.get("subtasks") or [])
        if existing and not confirmed:
            from decomposer.tui.screens.confirm import ConfirmScreen

            def answer(yes: bool | None) -> None:
                if yes:
                    self.action_decompose(confirmed=True)

            self.push_screen(
                ConfirmScreen(
                    f"Decompose again and replace the {existing} subtasks? (ctrl+z brings them back)",
                    yes="Replace",
                    no="Keep",
                ),
                answer,
            )
            return
        context = self.document.plan.get("context") if isinstance(self.document.plan.get("context"), str) else None
        self.streaming = True
        self.stream_plan = {**self.document.plan, "subtasks": []}
        self.live = f"decomposing with {self.model_name}…"
        self.action_plan_screen()
        self.call_after_refresh(self._after_stream_started)
        self._decompose(task, context or None)

    def _after_stream_started(self) -> None:
        self.tell_screen(DocumentChanged())

    @work(exclusive=True, group="claude", exit_on_error=False)
    async def _decompose(self, task: str, context: str | None) -> None:
        from decomposer.claude.engine import FAILED, OK

        engine = await self.engine()
        try:
            outcome = await engine.decompose(task, context)
        except asyncio.CancelledError:
            arrived = len((engine.draft or {}).get("subtasks") or [])
            self._finish_stream(
                engine.draft,
                f"Cancelled: the {arrived} subtasks that arrived are kept (ctrl+z to undo)."
                if arrived
                else "Cancelled before any subtask arrived; the plan is unchanged.",
            )
            raise
        if outcome.status == FAILED:
            kept = f" {len(outcome.plan['subtasks'])} subtasks that arrived are kept." if outcome.plan else ""
            failure = cast("CallFailure", outcome.failure)  # a failed outcome always says why
            self.notify(
                f"{failure.message}. {failure.hint}.{kept}",
                title="Decomposition failed",
                severity="error",
                markup=False,
                timeout=15,
            )
            self._finish_stream(outcome.plan, "")
        elif outcome.status == OK:
            plan = cast("dict", outcome.plan)  # a decomposition that succeeded has its plan
            self._finish_stream(plan, "")
            self.notify(
                f"{len(plan['subtasks'])} subtasks; {outcome.usage.describe(self.model_name)}",
                title="Decomposed",
                markup=False,
            )
        else:
            self._finish_stream(outcome.plan, "")
            self.notify(
                f"Errors remain after {outcome.repair_rounds} repair rounds: see the findings.",
                title="Draft",
                severity="warning",
                markup=False,
            )

    def _finish_stream(self, plan: dict | None, message: str) -> None:
        self.streaming = False
        self.stream_plan = None
        self.live = ""
        if plan and plan.get("subtasks"):
            self.document.set_plan(with_own_title(self.document.plan, plan))
        if message:
            self.notify(message, markup=False)
        self.document_changed()

    def action_cancel(self) -> None:
        if not self.streaming:
            return
        for worker in self.workers:
            if worker.group == "claude":
                worker.cancel()

    def _on_engine_event(self, event: Event) -> None:
        from decomposer.claude import engine as e

        if isinstance(event, e.SubtaskReady):
            if self.streaming and self._engine is not None and self._engine.draft is not None:
                self.stream_plan = with_own_title(self.document.plan, self._engine.draft)
                self.live = f"decomposing with {self.model_name}… {event.index + 1} subtasks"
                self.tell_screen(SubtaskArrived(event.index))
                self._schedule_autosave()
        elif isinstance(event, e.Progress):
            now = time.monotonic()
            if now - self._last_progress > 0.1:
                self._last_progress = now
                count = len((self.stream_plan or {}).get("subtasks") or [])
                self.live = (
                    f"{self._call_label} with {self.model_name}… {count} subtasks · ~{event.output_tokens:,} tokens"
                )
                self.tell_screen(LiveStatus())  # progress is not logged
        elif isinstance(event, e.CallStarted):
            self._call_label = {
                "decompose": "decomposing",
                "repair": "repairing",
                "refine": "refining",
                "review": "reviewing",
            }.get(event.purpose, event.purpose)
            self.set_live(f"{self._call_label} with {self.model_name}…")
        elif isinstance(event, e.CallEnded):
            self.usage = self.usage + event.usage
            self.tell_screen(LiveStatus())
        elif isinstance(event, e.RepairRound):
            self.set_live(f"repair round {event.round}: {len(event.findings)} errors sent back to the model")
        elif isinstance(event, e.Retrying):
            if self.streaming:
                self.stream_plan = {**(self.stream_plan or self.document.plan), "subtasks": []}
                self.tell_screen(DocumentChanged())
            self.notify(f"Retrying: {event.failure.message}", markup=False)

    def action_refine(self) -> None:
        from decomposer.tui.screens.refine import RefineScreen

        index = self._selected()
        if self._guard_streaming():
            return
        if index is None:
            self.notify(
                "There is no subtask to refine: decompose the task (F5) or add one (a)."
                if not self.document.plan.get("subtasks")
                else "Select a subtask first.",
                markup=False,
            )
            return
        if not self.need_claude():
            return
        self.push_screen(RefineScreen(index))

    def action_review(self) -> None:
        from decomposer.tui.screens.review import ReviewScreen

        if self._guard_streaming():
            return
        if not self.document.plan.get("subtasks"):
            self.notify("There are no subtasks to review yet.", markup=False)
            return
        self.push_screen(ReviewScreen())
