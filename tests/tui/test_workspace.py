"""Pilot tests of the workspace: the subtask list, the editor beside it and the findings
(issue 13: what the screen shows must be the plan as it is)."""

from __future__ import annotations

import json
import shutil

from decomposer.editing.document import PlanDocument
from decomposer.editing.drafts import DraftStore
from decomposer.tui.app import DecomposerApp
from decomposer.tui.screens.confirm import ConfirmScreen
from decomposer.tui.screens.plan import PlanScreen
from helpers.pilot import first_check_done, wait_for
from helpers.plans import EXAMPLES
from helpers.workspace import list_ids, make_app, settle


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


# --- item 1: the order switch -----------------------------------------------------------------


async def test_switching_the_order_shows_each_subtask_once(env):
    plan = example("docs-chore.json")
    ids = [s["id"] for s in plan["subtasks"]]
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        await pilot.press("down")
        for turn in range(3):
            await pilot.press("o")
            await wait_for(
                pilot,
                lambda t=turn: screen.query_one("#subtasks").by_dependencies == (t % 2 == 0),
                "the order to switch",
            )
            await pilot.pause()
            assert sorted(list_ids(screen)) == sorted(ids)
            assert screen.query_one("#subtasks").option_count == len(ids)
            order = "dependency" if turn % 2 == 0 else "plan"
            assert str(screen.query_one("#subtasks").border_subtitle) == f"{len(ids)} · {order} order"
            await wait_for(pilot, lambda: screen.selected_index == 1, "the same subtask to stay selected")


# --- item 2: discarding a draft ---------------------------------------------------------------


async def test_discarding_the_draft_shows_the_plans_findings(env):
    path = env / "flawed.json"
    shutil.copy(EXAMPLES / "flawed.json", path)
    edited = json.loads(path.read_text())
    edited["subtasks"][0]["title"] += " now"
    store = DraftStore()
    store.save(store.key_for(path), edited, path)
    app = DecomposerApp(PlanDocument.open(path))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the restore prompt")
        await first_check_done(pilot, app)  # checked while the prompt is up
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen), "the workspace")
        await settle(pilot, app)
        errors = len(app.report.errors)
        assert errors > 0
        findings = app.screen.query_one("#findings")
        assert findings.option_count == len(app.report.findings)
        assert str(findings.border_title) == f"Findings ({len(app.report.findings)})"
        assert f"{errors} errors" in str(app.screen.query_one("#header").content)
        assert set(app.badges().values()) & {"error", "warning"}
        prompts = [str(app.screen.query_one("#subtasks").get_option_at_index(i).prompt) for i in range(4)]
        assert any(p.startswith("✖") for p in prompts)
    assert DraftStore().find_for(path) is None
