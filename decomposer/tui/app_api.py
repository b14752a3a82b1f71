"""What a screen may read from the app and ask of it.

Screens sit below the app in the layers (they cannot import it), so this protocol states
the part of the app they use, and ``app_api`` gives them the running app as one. Textual's
own App API (notify, push_screen, call_from_thread, …) stays on ``self.app``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypedDict, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import Worker

    from decomposer.check.findings import Finding
    from decomposer.check.validate import Report
    from decomposer.claude.engine import Engine
    from decomposer.editing.document import PlanDocument, Tokens
    from decomposer.editing.review import Badge
    from decomposer.verify.evidence import Evidence


class HeaderState(TypedDict):
    """What the workspace header shows (``PlanHeader.show`` takes these as keywords)."""

    title: str
    path: str | None
    dirty: bool
    model: str
    usage: str
    readiness: tuple[int, int] | None  # (delegable, total), None while no fresh report
    errors: int
    warnings: int
    live: str


class AppApi(Protocol):
    """The app as screens see it: everything a screen may do besides Textual's own API."""

    # State to read. The document is changed only through the methods below.
    document: PlanDocument
    report: Report | None  # the latest, perhaps of an earlier revision (see current_report)
    streaming: bool
    model_findings: list[Finding]  # the model review's findings, shown in review mode

    @property
    def plan(self) -> dict: ...

    @property
    def model_name(self) -> str: ...

    @property
    def current_report(self) -> Report | None: ...

    def badges(self) -> dict[int, Badge]: ...

    def header_state(self) -> HeaderState: ...

    # Edits: each updates the screen, validates and autosaves soon; undo takes it back.
    def edit_field(self, index: int, tokens: Tokens, value: Any, delete: bool = False) -> None: ...

    def edit_plan_field(self, key: str, value: str, multiline: bool = False) -> None: ...

    def edit_list(self, index: int, list_tokens: Tokens, item: int, action: str) -> int | None: ...

    def replace_plan(self, plan: dict) -> None: ...

    def set_review(self, index: int, status: str, notes: str | None = None) -> None: ...

    def record_evidence(self, evidence: Evidence) -> None: ...

    # Selection and screens.
    def selected_subtask_id(self) -> str | None: ...

    def edit_in_workspace(self, index: int | None) -> None: ...

    def action_task_screen(self) -> None: ...

    # Model calls.
    def need_claude(self) -> bool: ...

    async def engine(self) -> Engine: ...

    def action_cancel(self) -> None: ...

    def worker_failed(self, event: Worker.StateChanged) -> bool: ...


def app_api(node: DOMNode) -> AppApi:
    """The running app, as the API above. The cast is sound: only ``DecomposerApp`` runs
    these screens, and tui/app.py has mypy check that it provides every member."""
    return cast("AppApi", node.app)
