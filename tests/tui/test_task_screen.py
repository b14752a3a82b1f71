"""The task screen: attaching a file to the plan's context."""

from __future__ import annotations

import pytest

from decomposer.claude.config import Settings
from decomposer.editing.document import PlanDocument
from decomposer.plan.contract import max_length
from decomposer.tui.app import DecomposerApp
from helpers.pilot import wait_for

LIMIT = max_length("plan.context")


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def notifications(app) -> str:
    return " | ".join(n.message for n in app._notifications)


async def _attach(pilot, app, path) -> None:
    app.clear_notifications()
    box = app.screen.query_one("#attach")
    box.focus()
    box.value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: bool(app._notifications), f"the answer to attaching {path.name}")


async def test_a_file_is_attached_by_its_characters_not_its_bytes(env):
    """Three bytes a character: the file is over the limit in bytes, within it in
    characters (it was refused for its bytes)."""
    notes = env / "notes.md"
    notes.write_text("€" * (LIMIT // 2), encoding="utf-8")
    assert notes.stat().st_size > LIMIT
    app = DecomposerApp(PlanDocument.new(), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _attach(pilot, app, notes)
        assert "Attached notes.md" in notifications(app)
        assert app.document.plan["context"].startswith("--- notes.md ---\n€€€")


async def test_attaching_refuses_what_would_take_the_context_over_its_limit(env):
    """The limit is the whole context's: a file that fits alone but not beside what is
    there already is refused, and the context is left as it was (it was appended, and the
    plan failed the schema)."""
    first, second = env / "first.txt", env / "second.txt"
    first.write_text("a" * (LIMIT // 2 + 10))
    second.write_text("b" * (LIMIT // 2 + 10))
    app = DecomposerApp(PlanDocument.new(), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _attach(pilot, app, first)
        before = app.document.plan["context"]
        await _attach(pilot, app, second)
        shown = notifications(app)
        assert "Cannot attach" in shown and f"over its limit of {LIMIT:,}" in shown
        assert app.document.plan["context"] == before
        assert len(app.screen.query_one("#context").text) <= LIMIT
