"""SVG snapshots of every screen (100x30, and the workspace at 80x24). Refresh with
`pytest tests/tui/test_tui_snapshots.py --snapshot-update`, then look at each SVG before
committing it."""

from __future__ import annotations

import pytest
from textual.errors import NoWidget
from textual.screen import ModalScreen
from textual.widgets import TextArea

from decomposer.claude.config import Settings
from decomposer.claude.tools import SUBMIT_SUBTASKS
from decomposer.editing.document import PlanDocument
from decomposer.editing.drafts import DraftStore
from decomposer.tui.app import DecomposerApp
from decomposer.tui.screens.plan import PlanScreen
from helpers.claude_replies import KEY, refined_parts
from helpers.fakeapi import FakeMessagesAPI, FakeServer, ToolReply
from helpers.pilot import wait_for
from helpers.plans import ROOT

EXAMPLE = "examples/db-migration.json"
SIZE = (100, 30)


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)  # relative paths in the header stay the same on every machine
    monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", "tests/no-config")
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_BASE_URL",
        "DECOMPOSER_MODEL",
        "TEXTUAL_THEME",
        "NO_COLOR",
        "TEXTUAL_ANIMATIONS",
    ):
        monkeypatch.delenv(name, raising=False)


def app_for(path: str | None = EXAMPLE, **kwargs) -> DecomposerApp:
    document = PlanDocument.open(ROOT / path) if path else PlanDocument.new()
    if path:
        document.path = type(document.path)(path)
    kwargs.setdefault("restore_drafts", False)
    return DecomposerApp(document, settings=Settings(), **kwargs)


def _drawn(screen, widget) -> bool:
    """Some of ``widget`` is in the frame. One scrolled out of its container gets no
    resize event until it is scrolled into view, so it may keep its first wrap: a CI run
    waited 30 s for two fields below the editor's fold."""
    try:
        return bool(screen.find_widget(widget).visible_region)
    except NoWidget:
        return False


def _unwrapped(screen) -> list[str]:
    """The text areas in the frame not yet wrapped at their width. One filled before the
    layout gave it a size wraps when its resize arrives; a frame taken before that shows
    it unwrapped. (``_width`` is the width its lines were last wrapped at: TextArea has
    no public name for it.)"""
    return [
        f"{area.id or area.__class__.__name__} wrapped at {area.wrapped_document._width}, not {area.wrap_width}"
        for area in screen.query(TextArea)
        if area.soft_wrap and area.wrapped_document._width != area.wrap_width and _drawn(screen, area)
    ]


def _unsettled(app) -> str:
    """What is not yet as the frame must show it (empty once settled): the plan as it is
    now checked, a workspace's editor on the selected subtask, its text areas wrapped."""
    if app.current_report is None:
        return f"the check of revision {app.document.revision} (last report: {app.report_revision})"
    screen = app.screen
    if isinstance(screen, PlanScreen):
        editor = screen.query_one("#editor")
        if editor.index != screen.selected_index:
            return f"the editor on subtask {screen.selected_index} (it shows {editor.index})"
    return "; ".join(area for shown in _in_the_frame(app) for area in _unwrapped(shown))


def _in_the_frame(app) -> list:
    """The screens the frame shows: the current one, and under a dialog the screens it
    dims, down to the first that is not a dialog."""
    shown = []
    for screen in reversed(app.screen_stack):
        shown.append(screen)
        if not isinstance(screen, ModalScreen):
            break
    return shown


async def _settle(pilot):
    """Wait for workers, the debounced validation and the editor following the list (state,
    then a pause for the last repaint); stop cursors blinking so every run draws the same
    frame."""
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await wait_for(pilot, lambda: not _unsettled(pilot.app), lambda: _unsettled(pilot.app))
    await pilot.pause(0.2)
    for screen in pilot.app.screen_stack:
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False
            # Stopping the blink shows the cursor, but TextArea keeps the lines it drew
            # in the blink's off phase (a slow machine gets there): redraw them.
            widget.notify_style_update()
            widget.refresh()
    await pilot.pause()


def test_task_screen(snap_compare):
    async def type_task(pilot):
        await pilot.press(*"Let users export the monthly report as CSV")
        await _settle(pilot)

    assert snap_compare(app_for(None), terminal_size=SIZE, run_before=type_task)


def test_plan_workspace(snap_compare):
    async def select_third(pilot):
        await pilot.press("down", "down")
        await _settle(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=select_third)


def test_plan_workspace_80x24_with_findings(snap_compare):
    async def show(pilot):
        await _settle(pilot)

    assert snap_compare(app_for("examples/flawed.json"), terminal_size=(80, 24), run_before=show)


def test_help_screen(snap_compare):
    async def help_(pilot):
        await pilot.press("f1")
        await _settle(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=help_)


def test_review_mode(snap_compare):
    async def review(pilot):
        await pilot.press("f8")
        await _settle(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=review)


def test_export_dialog_blocked(snap_compare):
    async def export(pilot):
        await _settle(pilot)
        await pilot.press("ctrl+t")
        await _settle(pilot)

    assert snap_compare(app_for("examples/flawed.json"), terminal_size=SIZE, run_before=export)


def test_open_dialog_with_an_error(snap_compare):
    async def open_(pilot):
        await _settle(pilot)
        await pilot.press("ctrl+o")
        await _settle(pilot)
        # typed as a user types it: a value set in code leaves the box's selection and
        # scroll to timing, and the frame differed between machines
        await pilot.press(*"tests/peers/README.md", "enter")  # not a plan or task file
        await pilot.app.workers.wait_for_complete()
        await _settle(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=open_)


def test_verify_dialog_lists_commands_before_running(snap_compare):
    async def verify(pilot):
        await _settle(pilot)
        await pilot.press("f6", "a")  # the whole plan
        await _settle(pilot)

    assert snap_compare(app_for(), terminal_size=SIZE, run_before=verify)


def test_restore_draft_dialog(snap_compare, tmp_path):
    import json
    from pathlib import Path

    plan = PlanDocument.open(ROOT / EXAMPLE).plan
    draft = DraftStore().save(DraftStore().key_for(ROOT / EXAMPLE), {**plan, "title": "Draft title"}, ROOT / EXAMPLE)
    assert DraftStore().key_for(ROOT / EXAMPLE) == DraftStore().key_for(Path(EXAMPLE))
    record = json.loads(draft.read_text())
    draft.write_text(json.dumps({**record, "saved_at": "2026-11-23T09:30:00.000000Z"}))

    async def wait(pilot):
        await _settle(pilot)

    app = DecomposerApp(PlanDocument.open(Path(EXAMPLE)), settings=Settings())  # relative: same on every machine
    assert snap_compare(app, terminal_size=SIZE, run_before=wait)


def test_refine_dialog_with_diff(snap_compare, monkeypatch):
    fake = FakeMessagesAPI(
        [
            ToolReply(
                SUBMIT_SUBTASKS,
                {"subtasks": refined_parts(), "note": "header and rows apart"},
                input_tokens=3000,
                output_tokens=900,
            )
        ]
    )
    with FakeServer(fake) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)

        async def refine(pilot):
            await pilot.press("ctrl+r")
            await pilot.pause()
            await pilot.press("enter")
            await _settle(pilot)
            await pilot.pause(0.5)
            await pilot.app.workers.wait_for_complete()

        assert snap_compare(app_for("tests/fixtures/clean-plan.json"), terminal_size=SIZE, run_before=refine)
