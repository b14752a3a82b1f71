"""Text areas show their text wrapped at the width they are drawn at."""

from __future__ import annotations

from decomposer.claude.config import Settings
from decomposer.editing.document import PlanDocument
from decomposer.tui.app import DecomposerApp
from helpers.pilot import first_check_done, wait_for
from helpers.plans import clean_plan

LONG_GOAL = " ".join(["the monthly report exports every row as CSV"] * 6)


async def test_a_field_wrapped_at_the_wrong_width_is_rewrapped_when_drawn(monkeypatch, tmp_path):
    """The state a Resize handled while the compositor had no region for the field leaves
    (seen on a loaded CI machine: the goal on one line, cut at the panel's edge): the next
    repaint wraps it at its width again."""
    monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
    plan = clean_plan()
    plan["subtasks"][0]["goal"] = LONG_GOAL
    app = DecomposerApp(PlanDocument(plan), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_check_done(pilot, app)
        goal = app.screen.query_one("#editor")._fields_by_tokens[("goal",)]
        await wait_for(pilot, lambda: goal.wrap_width > 0, "the goal field laid out")
        width = goal.wrap_width
        await wait_for(pilot, lambda: goal.wrapped_document.height > 1, "the long goal wrapped")

        goal.wrapped_document.wrap(0)  # what the lost race leaves: no wrapping, no Resize to come
        goal.refresh()
        await wait_for(pilot, lambda: goal.wrapped_document.height > 1, "the goal rewrapped when drawn")
        assert goal.wrap_width == width
        assert all(len(row.rstrip()) <= width for rows in goal.wrapped_document.lines for row in rows)
