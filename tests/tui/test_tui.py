"""The TUI, driven by Textual's Pilot through the fake Messages API on 127.0.0.1."""

from __future__ import annotations

import copy
import json
import re

import pytest

from decomposer.claude.config import Settings
from decomposer.claude.tools import SUBMIT_PLAN, SUBMIT_REVIEW, SUBMIT_SUBTASKS
from decomposer.editing.document import PlanDocument
from decomposer.editing.drafts import DraftStore
from decomposer.tui.app import DecomposerApp
from decomposer.tui.screens.confirm import ConfirmScreen
from decomposer.tui.screens.export import ExportScreen
from decomposer.tui.screens.open import OpenScreen
from decomposer.tui.screens.plan import PlanScreen
from decomposer.tui.screens.refine import RefineScreen
from decomposer.tui.screens.review import ReviewScreen
from decomposer.tui.screens.task import TaskScreen
from helpers.claude_replies import KEY, broken_input, plan_input, refined_parts, twelve_subtasks
from helpers.exports import validation_calls
from helpers.fakeapi import FakeMessagesAPI, FakeServer, ToolReply
from helpers.pilot import first_check_done, wait_for
from helpers.plans import EXAMPLES, ROOT, clean_plan
from helpers.workspace import make_app, unsettled

HOSTILE = "[/bar] [link=https://evil.example]click[/link] [bold]x \x1b[31mred\x1b[0m " + "w" * 300


@pytest.fixture
def api(env, monkeypatch):
    fake = FakeMessagesAPI()
    with FakeServer(fake) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield fake


async def settle(pilot, app, seconds: float = 0.3) -> None:
    """Let ``seconds`` pass (timers the test means to fire: autosave, a stream's delays),
    then wait until workers are done, the plan as it is now is checked and the editor
    shows the selected subtask; then one more pass for the messages that posted."""
    await pilot.pause(seconds)
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: not unsettled(app), lambda: unsettled(app))
    await pilot.pause()


def notifications(app) -> str:
    return " | ".join(n.message for n in app._notifications)


# --- decomposition ----------------------------------------------------------------------------


async def test_type_a_task_decompose_and_watch_subtasks_arrive(api):
    api.replies.append(ToolReply(SUBMIT_PLAN, twelve_subtasks(), delay=0.001))
    app = make_app()
    seen: list = []  # the messages themselves (kept alive, so identity is meaningful)

    def hook(message) -> None:
        # a hook may see one message twice
        if type(message).__name__ == "SubtaskArrived" and not any(m is message for m in seen):
            seen.append(message)

    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        assert isinstance(app.screen, TaskScreen)
        await pilot.press(*"Export the report as CSV")
        await pilot.press("f5")
        await settle(pilot, app, 0.5)
        assert isinstance(app.screen, PlanScreen)
        assert [m.index for m in seen] == list(range(12))
        assert [s["id"] for s in app.document.plan["subtasks"]] == [f"S{n}" for n in range(1, 13)]
        assert app.document.plan["task"] == "Export the report as CSV"
        listing = app.screen.query_one("#subtasks")
        assert listing.option_count == 12
        assert app.report is not None and app.report.readiness.total == 12
        assert "in" in app.header_state()["usage"]
        body = api.requests[0].body
        assert body["messages"][0]["content"][0]["text"].count("Export the report as CSV") == 1


async def test_a_title_the_engineer_typed_survives_decomposition(api):
    api.replies.append(ToolReply(SUBMIT_PLAN, twelve_subtasks(), delay=0.001))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#plan-title").focus()
        await pilot.press("ctrl+a", "ctrl+k", *"CSV export")
        app.screen.query_one("#task").focus()
        await pilot.press(*"Export the report as CSV")
        await pilot.press("f5")
        await settle(pilot, app, 0.5)
        assert len(app.document.plan["subtasks"]) == 12
        assert app.document.plan["title"] == "CSV export"
        assert twelve_subtasks()["title"] != "CSV export"


async def test_escape_cancels_and_keeps_what_arrived(api):
    api.replies.append(ToolReply(SUBMIT_PLAN, twelve_subtasks(), delay=0.003))
    app = make_app({**clean_plan(), "subtasks": []} | {"task": "Export CSV"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        for _ in range(200):
            await pilot.pause(0.02)
            if app.stream_plan and len(app.stream_plan["subtasks"]) >= 3:
                break
        await pilot.press("escape")
        await settle(pilot, app)
        assert not app.streaming
        kept = app.document.plan["subtasks"]
        assert 3 <= len(kept) < 12 and kept[0]["id"] == "S1"
        assert "Cancelled" in notifications(app)
        # the cancelled call's tokens count: in the header and in the plan
        assert app.usage.input_tokens > 0 and app.usage.output_tokens > 0
        assert "no model calls yet" not in app.header_state()["usage"]
        assert app.document.plan["source"]["usage"]["input_tokens"] == app.usage.input_tokens
        # the draft was autosaved with what arrived
        await pilot.pause(0.8)
        assert DraftStore().list()


async def test_repair_rounds_are_shown(api):
    api.replies += [ToolReply(SUBMIT_PLAN, broken_input()), ToolReply(SUBMIT_PLAN, plan_input())]
    app = make_app({"version": 1, "id": "p", "title": "T", "task": "Export CSV", "subtasks": []})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        await settle(pilot, app, 0.5)
        assert any(s.startswith("repair round 1: 3 errors") for s in app.activity)
        assert app.report.errors == []


async def test_no_key_says_how_to_set_one_and_everything_else_works(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert "ANTHROPIC_API_KEY" in notifications(app) and "ANTHROPIC_BASE_URL" in notifications(app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not isinstance(app.screen, RefineScreen)
        await pilot.press("a")  # add a subtask still works
        await pilot.pause()
        assert len(app.document.plan["subtasks"]) == 3


# --- editing ----------------------------------------------------------------------------------


async def test_edit_a_field_and_see_findings_update_then_undo_redo(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await first_check_done(pilot, app)
        assert app.report.findings == []
        editor = app.screen.query_one("#editor")
        statement = editor._fields_by_tokens[("acceptance", 0, "statement")]
        statement.focus()
        await pilot.press("end", *" and it is fast")
        await settle(pilot, app)
        rules = {f.rule for f in app.report.findings}
        assert rules == {"vague-language"}
        assert app.screen.query_one("#findings").option_count == 1
        assert app.badges()[0] == "warning"
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        assert app.report.findings == []
        assert statement.value == clean_plan()["subtasks"][0]["acceptance"][0]["statement"]
        await pilot.press("ctrl+y")
        await settle(pilot, app)
        assert statement.value.endswith("and it is fast")


async def test_moving_through_the_list_repaints_the_row_left_and_the_row_reached(env):
    """The list repaints only those two rows (not every row in view): what the screen
    shows must still have exactly one highlighted row, the selected one."""
    plan = clean_plan()
    plan["subtasks"] += [dict(copy.deepcopy(plan["subtasks"][1]), id=f"S{n}", depends_on=[]) for n in range(3, 7)]
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        listing = app.screen.query_one("#subtasks")
        highlight = listing.get_visual_style(
            "option-list--option", "option-list--option-highlighted"
        ).rich_style.bgcolor

        def highlighted_rows() -> list[str]:
            rows = []
            for strip in app.screen._compositor.render_strips():
                row = strip.crop(listing.region.x, listing.region.right)
                if any(segment.style and segment.style.bgcolor == highlight for segment in row):
                    rows.append(re.search(r"S\d+", row.text).group())
            return rows

        for keys, expected in ((["down", "down", "down"], "S4"), (["up"], "S3"), (["end"], "S6"), (["home"], "S1")):
            await pilot.press(*keys)
            await wait_for(pilot, lambda e=expected: highlighted_rows() == [e], f"{expected} highlighted alone")


async def test_selecting_a_finding_jumps_to_its_field(env):
    plan = clean_plan()
    plan["subtasks"][1]["pause_boundaries"][0]["trigger"] = "If needed"
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)  # the first validation runs just after the first frame
        findings = app.screen.query_one("#findings")
        findings.focus()
        findings.highlighted = 0
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: getattr(app.focused, "tokens", None) == ("pause_boundaries", 0, "trigger"),
            "the finding's field to take the focus",
        )
        assert app.screen.query_one("#subtasks").selected_index == 1


async def test_add_duplicate_move_delete_subtasks_and_list_items(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")  # duplicate S1
        await pilot.pause()
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S3", "S2"]
        await pilot.press("J")  # move the copy down
        await pilot.pause()
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2", "S3"]
        await pilot.press("d")
        await pilot.pause()
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2"]
        editor = app.screen.query_one("#editor")
        editor._fields_by_tokens[("input_state", "preconditions", 0)].focus()
        await pilot.press("alt+n")
        await wait_for(
            pilot,
            lambda: getattr(app.focused, "tokens", None) == ("input_state", "preconditions", 1),
            "the new precondition's field to take the focus",
        )
        assert app.screen.query_one("#editor").index is not None
        index = app.screen.query_one("#editor").index
        assert app.document.plan["subtasks"][index]["input_state"]["preconditions"][1] == ""
        assert getattr(app.focused, "tokens", None) == ("input_state", "preconditions", 1)
        await pilot.press(*"the staging database is reachable")
        await pilot.press("alt+up")
        await pilot.pause()
        assert (
            app.document.plan["subtasks"][index]["input_state"]["preconditions"][0]
            == "the staging database is reachable"
        )


async def test_dependency_cycles_are_refused_immediately(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        editor = app.screen.query_one("#editor")
        editor._fields_by_tokens[("depends_on",)].focus()
        await pilot.press(*"S2")
        await pilot.pause()
        assert "depends_on" not in app.document.plan["subtasks"][0]  # nothing applied while typing
        await pilot.press("enter")
        await pilot.pause()
        assert "depends_on" not in app.document.plan["subtasks"][0]  # refused
        assert notifications(app).count("cycle") == 1 and "S1 → S2 → S1" in notifications(app)


# --- refine, review, export -------------------------------------------------------------------


async def test_refine_accept_shows_a_diff_and_replaces_the_subtask(api):
    api.replies.append(ToolReply(SUBMIT_SUBTASKS, {"subtasks": refined_parts(), "note": "header and rows apart"}))
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, RefineScreen)
        await pilot.press("enter")  # the first preset: split
        await settle(pilot, app)
        diff = str(app.screen.query_one("#diff").content)
        assert '+    "title": "Write the header row",' in diff and '-  "id": "S1",' in diff
        await pilot.press("ctrl+a")
        await settle(pilot, app)
        assert isinstance(app.screen, PlanScreen)
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1.1", "S1.2", "S2"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2"]


async def test_refine_reject_leaves_the_plan_alone(api):
    api.replies.append(ToolReply(SUBMIT_SUBTASKS, {"subtasks": refined_parts(), "note": "n"}))
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        app.screen.query_one("#instruction").focus()
        await pilot.press(*"make it two parts", "enter")
        await settle(pilot, app)
        assert "make it two parts" in api.requests[0].body["messages"][0]["content"][0]["text"]
        await pilot.press("escape")
        await pilot.pause()
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2"]
        assert not app.document.dirty


async def test_review_mode_incomplete_first_approve_and_model_review(api):
    plan = clean_plan()
    plan["subtasks"][1]["acceptance"][0]["statement"] = "the page is fast"
    api.replies.append(
        ToolReply(
            SUBMIT_REVIEW,
            {
                "findings": [
                    {"subtask": "S1", "field": "acceptance", "message": "passes on an empty file", "hint": "check rows"}
                ]
            },
        )
    )
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_check_done(pilot, app)  # review mode orders subtasks by their findings
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.index == 1  # the subtask with a warning comes first
        await pilot.press("n")  # to S1, which is clean
        await pilot.press("a")
        await pilot.pause()
        review = app.document.plan["subtasks"][0]["review"]
        assert review["status"] == "approved" and review["by"] and review["at"].endswith("Z")
        await pilot.press("m")
        await settle(pilot, app)
        assert [f.rule for f in app.model_findings] == ["model-review"]
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"rows are not checked", "enter")
        await pilot.pause()
        assert app.document.plan["subtasks"][app.screen.index]["review"]["status"] == "changes_requested"


# --- open and import ----------------------------------------------------------------------

PEERS = ROOT / "tests" / "peers"


async def _open(pilot, app, path) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(app.screen, OpenScreen)
    box = app.screen.query_one("#import-path")
    box.value = str(path)
    await pilot.press("enter")
    await settle(pilot, app)


async def test_import_a_taskmaster_file_as_a_new_unsaved_plan(env):
    source = env / "tasks.json"
    source.write_bytes((PEERS / "taskmaster-DwcQuocXa-financial-agent-task-master-demo.legacy.tasks.json").read_bytes())
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, app, source)
        assert isinstance(app.screen, PlanScreen)
        plan = app.document.plan
        assert plan["source"] == {"kind": "import", "importer": "taskmaster"}
        assert app.screen.query_one("#subtasks").option_count == len(plan["subtasks"]) > 5
        # unsaved and not bound to the source: saving asks for a name, never writes over tasks.json
        assert app.document.path is None and app.document.dirty
        assert "Imported" in notifications(app) and "taskmaster" in notifications(app)
        assert app.report is not None and app.report.errors  # the placeholders are flagged
        await pilot.press("ctrl+z")  # the import is an edit: undo goes back to the empty plan
        await settle(pilot, app)
        assert app.document.plan["subtasks"] == []


async def test_open_our_own_plan_binds_it_to_its_file(env):
    path = env / "plan.json"
    path.write_text(json.dumps(clean_plan()))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, app, path)
        assert app.document.path == path and not app.document.dirty
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2"]
        assert "Opened plan.json" in notifications(app)


async def _refused(pilot, app, path) -> str:
    """Open ``path``, which cannot be imported: the dialog stays, with the reason."""
    await _open(pilot, app, path)
    assert isinstance(app.screen, OpenScreen)
    return str(app.screen.query_one("#import-status").content)


async def test_a_file_that_cannot_be_imported_keeps_the_dialog_open_with_the_reason(env):
    broken = env / "[bold]tasks.json"
    broken.write_text('{"tasks": [{"id": 1, "title": ')
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        status = await _refused(pilot, app, broken)
        assert "[bold]tasks.json" in status  # the name is shown literally, not as markup
        assert app.document.plan["subtasks"][0]["id"] == "S1"  # the plan is untouched
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)


async def test_a_file_of_unknown_format_says_how_to_pick_one_in_the_dialog(env):
    notes = env / "notes.txt"
    notes.write_text("just some notes\n")
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        status = await _refused(pilot, app, notes)
        assert "cannot tell which tool wrote this" in status
        assert "pick its format in the list" in status and "--from" not in status  # no CLI flag in the TUI
        deep = env / ("a" * 200) / ("b" * 200)
        deep.mkdir(parents=True)
        (deep / "notes.txt").write_text("just some notes\n")
        await pilot.press("escape")
        status = await _refused(pilot, app, deep / "notes.txt")
        assert "…" in status and status.endswith("pick its format in the list on the left (shift+tab)")
        await pilot.press("shift+tab")  # the hint's key reaches the list
        formats, path_box = app.screen.query_one("#import-formats"), app.screen.query_one("#import-path")
        await wait_for(pilot, lambda: app.focused is formats, "the format list to take the focus")
        await pilot.press("down", "down", "down", "enter")  # Spec Kit; enter goes back to the path
        await wait_for(pilot, lambda: app.focused is path_box, "the path box to take the focus back")
        assert app.screen.chosen == "speckit"


async def test_opening_another_plan_over_unsaved_changes_asks_first(env):
    path = env / "other.json"
    path.write_text(json.dumps({**clean_plan(), "title": "The other plan"}))
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("a")  # an unsaved change
        await pilot.pause()
        await _open(pilot, app, path)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert len(app.document.plan["subtasks"]) == 3
        await _open(pilot, app, path)
        await pilot.press("enter")  # the confirm button: open
        await settle(pilot, app)
        assert app.document.plan["title"] == "The other plan"
        # the abandoned changes are kept as a draft
        assert any(d.subtask_count == 3 for d in DraftStore().list())


async def test_the_editor_lists_every_ticket_of_a_subtask(env):
    plan = clean_plan()
    plan["subtasks"][0]["tracker"] = [
        {"system": "github", "key": "#12", "url": "https://github.com/o/r/issues/12"},
        {"system": "linear", "key": "ENG-[b]7[/b]"},
    ]
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        shown = str(app.screen.query_one("#editor")._tool_filled.content)
        assert "github #12 https://github.com/o/r/issues/12" in shown and "linear ENG-[b]7[/b]" in shown


# --- verify -------------------------------------------------------------------------------


def _plan_with_commands(tmp_path) -> dict:
    import shlex
    import sys

    plan = clean_plan()
    marker = tmp_path / "ran.txt"
    write = shlex.join([sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')"])
    plan["subtasks"][0]["acceptance"] = [
        {"statement": "The marker is written", "verify": {"method": "command", "command": write}},
        {"statement": "A failing check [bold]fails[/bold]", "verify": {"method": "command", "command": "exit 3"}},
    ]
    return plan


async def test_verify_shows_every_command_and_runs_nothing_until_confirmed(env):
    app = make_app(_plan_with_commands(env))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("f6")
        await pilot.pause()
        listing = str(app.screen.query_one("#verify-list").content)
        assert "ran.txt" in listing and "exit 3" in listing
        assert "[bold]fails[/bold]" in listing  # plan text shown literally
        await pilot.press("escape")
        await settle(pilot, app)
        assert not (env / "ran.txt").exists()
        assert "evidence" not in app.document.plan["subtasks"][0]


async def test_verify_runs_on_enter_and_records_evidence(env):
    app = make_app(_plan_with_commands(env))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("enter")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.state == "done":
                break
        assert (env / "ran.txt").exists()
        evidence = app.document.plan["subtasks"][0]["evidence"]
        assert [(e["criterion"], e["passed"], e.get("exit_code")) for e in evidence] == [(0, True, 0), (1, False, 3)]
        assert "1 passed, 1 failed, 0 not run" in str(app.screen.query_one("#verify-foot").content)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+z")  # evidence is an edit like any other
        await settle(pilot, app)
        assert len(app.document.plan["subtasks"][0]["evidence"]) == 1


async def test_export_is_blocked_by_errors_then_allowed(env):
    plan = clean_plan()
    plan["subtasks"][0]["depends_on"] = ["S9"]
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert "blocked by 1 errors" in str(app.screen.query_one("#blockers").content)
        await pilot.press("ctrl+e")
        await settle(pilot, app)
        assert "refused" in notifications(app)
        assert not list(env.glob("*.json"))
        await pilot.press("escape")
        await pilot.pause()
        app.document.set_field(("subtasks", 0, "depends_on"), None, delete=True)
        app.document_changed()
        await settle(pilot, app)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "Ready" in str(app.screen.query_one("#blockers").content)
        await pilot.press("ctrl+t")
        await settle(pilot, app)
        written = list(env.glob("*.json"))
        assert len(written) == 1 and json.loads(written[0].read_text())["subtasks"][0]["id"] == "S1"


async def test_the_export_dialog_renders_and_writes_from_the_apps_report(env, monkeypatch):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        calls = validation_calls(monkeypatch)
        await pilot.press("ctrl+t")  # the preview: the app's report, not a check of its own
        await pilot.pause()
        await pilot.press("ctrl+t")
        await settle(pilot, app)
        assert len(list(env.glob("*.json"))) == 1
        assert calls == []


async def test_re_exporting_markdown_over_an_earlier_export_removes_stale_tickets(env):
    app = make_app(clean_plan(), env / "plan.json")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        for _ in range(2):
            await pilot.press("ctrl+t")
            await pilot.pause()
            await pilot.press("down")  # Markdown tickets
            await pilot.pause()
            await pilot.press("ctrl+t")
            await settle(pilot, app)
            if isinstance(app.screen, ConfirmScreen):  # the folder exists: overwrite
                await pilot.press("y")
                await settle(pilot, app)
            assert isinstance(app.screen, PlanScreen)
            if len(app.document.plan["subtasks"]) == 2:
                folder = next(p for p in env.iterdir() if p.is_dir() and p.name != "data")
                assert len(list(folder.glob("S*.md"))) == 2
                app.document.delete_subtask(1)  # then export again
                app.document_changed()
                await settle(pilot, app)
        assert [p.name.split("-")[0] for p in folder.glob("S*.md")] == ["S1"]
        assert "removed 1 stale file" in notifications(app)


# --- files and safety -------------------------------------------------------------------------


async def test_save_autosave_and_restore(env):
    path = env / "plan.json"
    path.write_text(json.dumps(clean_plan(), indent=2))
    app = make_app(clean_plan(), path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one("#editor")._fields_by_tokens[("title",)].focus()
        await pilot.press("end", *" now")
        await pilot.pause(1.0)  # autosave is debounced
        await app.workers.wait_for_complete()
    assert json.loads(path.read_text())["subtasks"][0]["title"] == "Write the CSV serializer"
    info = DraftStore().find_for(path)
    assert info is not None
    app = DecomposerApp(PlanDocument.open(path), settings=Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.document.plan["subtasks"][0]["title"] == "Write the CSV serializer now"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert json.loads(path.read_text())["subtasks"][0]["title"] == "Write the CSV serializer now"
        assert DraftStore().find_for(path) is None


async def test_quit_with_unsaved_changes_asks_first(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code in (0, None)


# --- untrusted text ---------------------------------------------------------------------------


async def test_markup_and_escapes_in_task_and_model_output_stay_literal(api):
    hostile = plan_input()
    hostile["title"] = HOSTILE
    hostile["subtasks"][0]["title"] = HOSTILE
    hostile["subtasks"][0]["goal"] = "x" * 50_000
    api.replies.append(ToolReply(SUBMIT_PLAN, hostile))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#task").load_text(HOSTILE)
        app.edit_plan_field("task", HOSTILE)
        await pilot.press("f5")
        await settle(pilot, app, 0.5)
        assert app.document.plan["subtasks"][0]["title"] == HOSTILE
        app.screen.query_one("#subtasks").highlighted = 0
        await pilot.pause()
        screen_text = app.export_screenshot()
        assert "\x1b[31m" not in screen_text and "[/bar]" in screen_text and "[bold]" in screen_text
        await pilot.press("f2")
        await pilot.pause()
        assert "[link=https://evil.example]" in app.export_screenshot()


async def test_opening_a_plan_is_not_an_edit(env):
    """Fields report their initial values when mounted; none of that may reach the
    document (it once marked the plan dirty and warned about a cycle it already had)."""
    app = DecomposerApp(PlanDocument.open(EXAMPLES / "flawed.json"), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        for _ in range(4):
            await pilot.press("down")
            await pilot.pause(0.1)
        assert not app.document.dirty and not app.document.can_undo
        assert "cycle" not in notifications(app)


async def test_bindings_can_be_remapped_by_id_in_the_config_file(env):
    app = DecomposerApp(
        PlanDocument(clean_plan()), settings=Settings(), restore_drafts=False, config={"keymap": {"review": "ctrl+g"}}
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_the_key_bar_shows_the_focused_widgets_keys_remapped_and_clickable(env):
    app = DecomposerApp(
        PlanDocument(clean_plan()), settings=Settings(), restore_drafts=False, config={"keymap": {"review": "ctrl+g"}}
    )
    async with app.run_test(size=(200, 30)) as pilot:
        bar = app.screen.query_one("KeyBar")
        await wait_for(pilot, lambda: len(str(bar.render())) == 200, "the key bar laid out at 200 columns")
        line = str(bar.render())
        assert " f1 Help " in line and " ^g Review " in line and "f8" not in line  # the remapped key
        assert line.endswith("│ ^p palette ") and len(line) == 200  # the palette's key at the right edge
        assert "Add item" not in line
        app.screen.query_one("SubtaskEditor Input").focus()  # a list field's keys join when it has focus
        await wait_for(pilot, lambda: "alt+n Add item" in str(bar.render()), "the list field's keys in the bar")
        help_key = next(key for key in bar.shown if key.key == "f1")
        await pilot.click(bar, offset=(help_key.start + 1, 0))
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"


async def test_the_key_bar_cuts_keys_at_the_edge_and_keeps_the_palette(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(60, 24)) as pilot:
        bar = app.screen.query_one("KeyBar")
        await wait_for(pilot, lambda: len(str(bar.render())) == 60, "the key bar laid out at 60 columns")
        line = str(bar.render())
        assert len(line) == 60 and "…" in line and line.endswith("^p palette ")
        assert all(key.end <= 60 for key in bar.shown)  # no key is clickable past what is drawn
        cut = line.index("…")
        left = [key for key in bar.shown if key.key != "ctrl+p"]
        assert left and all(key.end <= cut for key in left)
        drawn, _palette = bar.keys()
        for key, whole in zip(left, drawn):  # only whole keys, the "…" overwrites none
            assert line[key.start : key.end] == f" {whole.display} {whole.description} "
        await pilot.resize_terminal(12, 24)  # narrower than the palette's own key
        await wait_for(pilot, lambda: len(str(bar.render())) == 12, "the key bar laid out at 12 columns")
        line = str(bar.render())
        assert len(line) == 12 and "palette" not in line and "│" not in line
        assert all(key.key != "ctrl+p" and key.end <= 12 for key in bar.shown)


async def test_garbage_collection_is_paused_only_until_the_first_frame(env):
    import gc

    seen = []

    class Probe(DecomposerApp):
        def on_mount(self) -> None:  # Textual runs DecomposerApp.on_mount too
            seen.append(gc.isenabled())

    app = Probe(PlanDocument(clean_plan()), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert seen == [False] and gc.isenabled()
    quits_at_once = Probe(PlanDocument(clean_plan()), settings=Settings(), restore_drafts=False)
    async with quits_at_once.run_test(size=(100, 30)):
        quits_at_once.exit()
    assert gc.isenabled()  # never left off for the rest of the process


async def test_the_decompose_button_runs_by_click_and_by_enter(env):
    app = make_app()  # an empty task: decompose asks for one first
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click("#decompose")
        await pilot.pause()
        assert notifications(app).count("Write the task first") == 1
        app.screen.query_one("#decompose").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert notifications(app).count("Write the task first") == 2


async def test_every_palette_action_exists(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for needed in ("Decompose task", "Refine subtask", "Export plan", "Review mode", "Save", "Undo"):
            assert needed in titles
        for _, _, action in DecomposerApp.COMMAND_ENTRIES:
            name = action.split("(")[0]
            assert hasattr(app, f"action_{name}"), name


async def test_an_unsaved_new_plan_is_offered_back_after_a_crash(env):
    store = DraftStore()
    plan = clean_plan()
    store.save(store.key_for(None), plan, None)  # what autosave left behind
    app = DecomposerApp(PlanDocument.new(), settings=Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.document.plan["subtasks"] == plan["subtasks"]


async def test_start_with_a_task_decomposes_right_away(api):
    api.replies.append(ToolReply(SUBMIT_PLAN, plan_input()))
    app = make_app(start_task="Let users download the monthly report as CSV")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app, 0.8)
        assert isinstance(app.screen, PlanScreen)
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2"]
        assert app.document.plan["task"] == "Let users download the monthly report as CSV"


# --- regressions from the TUI review ----------------------------------------------------------


async def test_markup_in_an_id_or_model_name_cannot_crash_the_app(env):
    plan = clean_plan()
    plan["subtasks"][0]["id"] = "S[/bar]"
    app = DecomposerApp(PlanDocument(plan), settings=Settings(model="claude-[/x]"), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        editor = app.screen.query_one("#editor")
        editor._fields_by_tokens[("id",)].focus()
        await pilot.press("end", "[", "/")
        await pilot.pause(0.3)
        await pilot.press("f2")
        await pilot.pause()
        assert app.is_running


async def test_control_characters_in_fields_are_shown_escaped_and_not_rewritten(env):
    plan = clean_plan()
    plan["subtasks"][0]["title"] = "Write \x1b]2;PWNED\x07 the \x1b[41mserializer"
    plan["subtasks"][0]["goal"] = "Goal \u202e reversed"
    plan["task"] = "Task \x1b[31m red"
    app = DecomposerApp(PlanDocument(copy.deepcopy(plan)), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        fields = app.screen.query_one("#editor")._fields_by_tokens
        assert fields[("title",)].value == "Write \\x1b]2;PWNED\\x07 the \\x1b[41mserializer"
        assert "\x1b" not in fields[("title",)].value and "\u202e" not in fields[("goal",)].text
        await pilot.press("f2")
        await pilot.pause(0.3)
        assert "\x1b" not in app.screen.query_one("#task").text
        assert "\x1b" not in app.export_screenshot()
        assert app.document.plan == plan and not app.document.dirty  # showing is not editing


async def test_quick_keys_act_on_what_the_list_shows(env):
    plan = clean_plan()
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("end", "d", "d")  # a double tap: delete S2, then S1
        await pilot.pause()
        assert app.is_running and app.document.plan["subtasks"] == []
        await pilot.press("ctrl+z", "ctrl+z")
        await pilot.pause()
        await pilot.press("home", "c", "d")  # duplicate S1, then delete the copy
        await pilot.pause()
        assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1", "S2"]


async def test_enter_on_the_list_then_typing_edits_the_subtask_shown(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("down", "enter")
        await pilot.press("end", *"!!")
        await pilot.pause(0.3)
        assert app.document.plan["subtasks"][1]["title"] == "Add the download button!!"
        assert app.document.plan["subtasks"][0]["title"] == "Write the CSV serializer"


async def test_quitting_writes_the_draft_before_exit(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("a", "ctrl+q", "y")
        await pilot.pause()
    assert any(d.subtask_count == 3 for d in DraftStore().list())


async def test_escape_on_the_restore_prompt_keeps_the_draft(env):
    store = DraftStore()
    store.save(store.key_for(None), clean_plan(), None)
    app = DecomposerApp(PlanDocument.new(), settings=Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.pause()
    assert len(DraftStore().list()) >= 1


async def test_undo_in_a_dialog_text_box_leaves_the_plan_alone(env):
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press("tab", "ctrl+z")
        await pilot.pause()
        assert len(app.document.plan["subtasks"]) == 3


async def test_the_highlighted_findings_hint_is_shown_literally(env):
    plan = clean_plan()
    plan["subtasks"][1]["pause_boundaries"][0]["trigger"] = "If needed"
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        findings = app.screen.query_one("#findings")
        findings.focus()
        findings.highlighted = 0
        await pilot.pause()
        assert "name an observable event" in str(findings.border_subtitle)


def test_the_editor_offers_what_the_contract_allows():
    from decomposer.resources import plan_schema
    from decomposer.tui.widgets.subtask_editor import ENUMS, OPTIONAL_FIELDS

    defs = plan_schema()["$defs"]
    assert ENUMS["autonomy"] == defs["subtask"]["properties"]["autonomy"]["enum"] == ["propose", "gated", "autonomous"]
    assert ENUMS["action"] == defs["pause_boundary"]["properties"]["action"]["enum"]
    # emptied optional fields are removed; a command criterion's command is required by a condition
    assert {
        "artifacts",
        "expect_output",
        "timeout_s",
        "question",
        "reason",
        "depends_on",
        "labels",
        "notes",
    } <= OPTIONAL_FIELDS
    assert not {"command", "statement", "trigger", "title", "goal", "summary"} & OPTIONAL_FIELDS


async def test_an_edit_under_a_missing_object_creates_it(env):
    plan = clean_plan()
    del plan["subtasks"][0]["risk"]
    del plan["subtasks"][0]["acceptance"][0]["verify"]
    app = make_app(plan)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        app.edit_field(0, ("risk", "stakes"), "low")
        app.edit_field(0, ("acceptance", 0, "verify", "command"), "make test")
        await settle(pilot, app)
        subtask = app.document.plan["subtasks"][0]
        assert subtask["risk"] == {"stakes": "low"}
        assert subtask["acceptance"][0]["verify"] == {"command": "make test"}
        revision = app.document.revision
        app.edit_field(0, ("title", "x"), "y")  # a path through a string is refused quietly
        assert app.document.revision == revision
        assert app.document.plan["subtasks"][0]["title"] == plan["subtasks"][0]["title"]


async def test_a_new_item_is_focused_even_before_its_fields_are_on_screen(env):
    """The editor mounts a new item's fields when the list grows; a focus asked for before
    they are on the screen must still land once they are (it used to do nothing)."""
    app = make_app(clean_plan())
    async with app.run_test(size=(100, 30)) as pilot:
        await first_check_done(pilot, app)
        editor = app.screen.query_one("#editor")
        index = editor.index
        new = app.edit_list(index, ("input_state", "preconditions"), 0, "add")
        editor.load(index, app.plan["subtasks"][index])  # mounts the new item's fields
        editor.focus_list(("input_state", "preconditions"), new)  # at once: they are not mounted yet
        await wait_for(
            pilot,
            lambda: getattr(app.focused, "tokens", None) == ("input_state", "preconditions", 1),
            "the new precondition's field to take the focus",
            timeout=5,
        )
