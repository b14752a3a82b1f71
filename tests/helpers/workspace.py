"""Building the app on a plan and letting it settle, for the Pilot tests of the workspace
(tests/tui/test_workspace.py)."""

from __future__ import annotations

import copy

from decomposer.claude.config import Settings
from decomposer.editing.document import PlanDocument
from decomposer.tui.app import DecomposerApp
from decomposer.tui.screens.plan import PlanScreen
from helpers.pilot import wait_for


def make_app(plan: dict | None = None, path=None, **kwargs) -> DecomposerApp:
    document = PlanDocument(copy.deepcopy(plan), path) if plan is not None else PlanDocument.new()
    kwargs.setdefault("restore_drafts", False)
    return DecomposerApp(document, settings=Settings(stream_retry_delay=0), **kwargs)


def unsettled(app) -> str:
    """What the app is still doing (empty once idle): a worker, the check of the plan as
    it is now, the editor following the list."""
    busy = [worker.name for worker in app.workers if not worker.is_finished]
    if busy:
        return f"the workers {busy}"
    if app.current_report is None:
        return f"the check of revision {app.document.revision}"
    screen = app.screen
    if isinstance(screen, PlanScreen) and screen.query_one("#editor").index != screen.selected_index:
        return "the editor to follow the list"
    return ""


async def settle(pilot, app) -> None:
    """Wait until workers are done, the plan as it is now is checked and the editor shows
    the selected subtask; then one more pass for the messages that posted."""
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: not unsettled(app), lambda: unsettled(app))
    await pilot.pause()


def list_ids(screen) -> list[str]:
    """The ids the subtask list shows, top to bottom."""
    listing = screen.query_one("#subtasks")
    return [str(listing.get_option_at_index(i).prompt).split()[1] for i in range(listing.option_count)]


def notifications(app) -> str:
    return " | ".join(n.message for n in app._notifications)
