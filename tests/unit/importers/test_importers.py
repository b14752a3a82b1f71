"""Importers and `decomposer import`: real peer files in, checked plans out.

``tests/peers/`` holds files written by other tools, copied unchanged from public
repositories (``tests/peers/README.md`` says where from). Tests lay them out in a temporary
folder the way each tool keeps them (``specs/007-mock-auth/tasks.md``, ``.kiro/specs/...``)
and import them from there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decomposer.check.lint import lexicon
from decomposer.check.schema import is_valid
from decomposer.cli.import_command import FORMATS_HELP
from decomposer.cli.main import main
from decomposer.exporters import export
from decomposer.importers import ImportFailed, backlog, common, detect, import_path, importers, kiro, speckit
from decomposer.plan.files import dump_plan
from helpers.plans import CLEAN_EXAMPLES, ROOT, load_json

PEERS = ROOT / "tests" / "peers"
TASKMASTER_TAGGED = PEERS / "taskmaster-AlexKucera-obsidian-typst-pdf-export.tasks.json"
TASKMASTER_LEGACY = PEERS / "taskmaster-DwcQuocXa-financial-agent-task-master-demo.legacy.tasks.json"
TASKMASTER_REPORT = PEERS / "taskmaster-AlexKucera-obsidian-typst-pdf-export.complexity-report.json"
SPECKIT = "speckit-microsoft-CommunityManagement-007-mock-auth"
KIRO = "kiro-RockyBoyRC-SpaceWeirdos.2-warband-list-navigation"
BACKLOG = "backlogmd-MrLesk-Backlog.md"
# Backlog.md's own file names for the two peer task files.
BACKLOG_FILES = {
    "back-355 - Add-task-type-field-bug-feature-enhancement-etc..md": f"{BACKLOG}.back-355.md",
    "back-355.02 - CLI-Add-type-flag-to-task-create-and-edit-commands.md": f"{BACKLOG}.back-355.02.md",
}
PROPERTIES = settings(max_examples=150, deadline=None, derandomize=True, database=None)
# What an import of a foreign format may report: the placeholders and what the checks
# find in the source's own words; never a schema error unless a test says which.
IMPORT_RULES = {"placeholder", "not-machine-verifiable", "vague-language", "oversized-subtask"}


# --- laying out the peer files ---------------------------------------------------------------


def speckit_folder(tmp_path: Path, with_spec: bool = True) -> Path:
    folder = tmp_path / "specs" / "007-mock-auth"
    folder.mkdir(parents=True)
    shutil.copy(PEERS / f"{SPECKIT}.tasks.md", folder / "tasks.md")
    if with_spec:
        shutil.copy(PEERS / f"{SPECKIT}.spec.md", folder / "spec.md")
    return folder


def kiro_folder(tmp_path: Path, files=("tasks", "requirements", "design")) -> Path:
    folder = tmp_path / ".kiro" / "specs" / "2-warband-list-navigation"
    folder.mkdir(parents=True)
    for name in files:
        shutil.copy(PEERS / f"{KIRO}.{name}.md", folder / f"{name}.md")
    return folder


def backlog_folder(tmp_path: Path) -> Path:
    root = tmp_path / "backlog"
    (root / "tasks").mkdir(parents=True)
    shutil.copy(PEERS / f"{BACKLOG}.config.yml", root / "config.yml")
    for name, peer in BACKLOG_FILES.items():
        shutil.copy(PEERS / peer, root / "tasks" / name)
    return root


def taskmaster_project(tmp_path: Path) -> Path:
    project = tmp_path / "obsidian-typst-pdf-export"
    (project / ".taskmaster" / "tasks").mkdir(parents=True)
    shutil.copy(TASKMASTER_TAGGED, project / ".taskmaster" / "tasks" / "tasks.json")
    return project


def by_id(result) -> dict[str, dict]:
    return {subtask["id"]: subtask for subtask in result.plan["subtasks"]}


def statements(subtask: dict) -> list[str]:
    return [criterion["statement"] for criterion in subtask["acceptance"]]


def assert_placeholders_flagged(result):
    """Schema-valid, with cautious defaults, and every placeholder reported where it stands."""
    assert is_valid(result.plan)
    assert result.plan["source"] == {"kind": "import", "importer": result.importer}
    assert common.DEFAULTS_NOTE in result.notes
    flagged = {(f.rule, f.path) for f in result.findings}
    assert {f.rule for f in result.findings} <= IMPORT_RULES
    for i, subtask in enumerate(result.plan["subtasks"]):
        assert subtask["autonomy"] == "propose"
        assert subtask["risk"] == {"stakes": "high", "verification_cost": "expensive", "reversible": False}
        for where in ("input_state/summary", "input_state/preconditions/0", "pause_boundaries/0/trigger"):
            assert ("placeholder", f"/subtasks/{i}/{where}") in flagged
        for j, statement in enumerate(statements(subtask)):
            if statement == common.TBD_CRITERION:
                assert ("placeholder", f"/subtasks/{i}/acceptance/{j}/statement") in flagged
        if subtask["goal"] == common.TBD_GOAL:
            assert ("placeholder", f"/subtasks/{i}/goal") in flagged
        assert all(c["verify"] == {"method": "review"} for c in subtask["acceptance"])


# --- the registry ----------------------------------------------------------------------------


def test_importers_are_offered_in_dialog_order_with_words_for_the_dialog():
    found = importers()
    assert list(found) == ["json", "taskmaster", "speckit", "backlog", "kiro"]
    for name, importer in found.items():
        assert importer.name == name and importer.label and importer.description.endswith(".")
        assert set(importer.accepts) <= {"file", "folder"} and importer.accepts


def test_the_cli_help_names_every_importer():
    assert all(name in FORMATS_HELP for name in importers())


def test_placeholders_are_reported_by_the_lint_as_placeholders_and_nothing_else():
    for text in (
        common.TBD_GOAL,
        common.TBD_SUMMARY,
        common.TBD_PRECONDITION,
        common.TBD_CRITERION,
        common.TBD_TRIGGER,
    ):
        smells, marks = lexicon().analyse(text)
        assert (smells, marks) == ((), ("TBD",)), text


# --- taskmaster ------------------------------------------------------------------------------


def test_taskmaster_tagged_layout_maps_tasks_subtasks_and_dependencies():
    result = import_path(TASKMASTER_TAGGED)
    assert result.importer == "taskmaster"
    subtasks = by_id(result)
    assert len(subtasks) == 60  # 10 tasks, 50 subtasks
    assert list(subtasks)[:7] == ["S1", "S1.1", "S1.2", "S1.3", "S1.4", "S1.5", "S2"]
    first = subtasks["S1"]
    assert first["title"] == "Fix TypeScript Issues and Clean Template Code"
    assert first["labels"] == ["taskmaster:1", "status:done", "priority:high"]
    assert first["goal"].startswith(
        "Resolve TypeScript type inconsistencies and remove sample plugin template code\n\n"
        "Fix type mismatches in main.ts"
    )
    assert statements(first) == [
        "Verify TypeScript compilation passes without errors using 'npm run build'. "
        "Confirm plugin loads in Obsidian without console errors."
    ]
    # "1.1"-style and integer dependencies.
    assert subtasks["S1.5"]["depends_on"] == ["S1.2", "S1.3"]
    assert subtasks["S5"]["depends_on"] == ["S3", "S4"]
    assert subtasks["S10"]["depends_on"] == ["S8", "S9"]
    assert "depends_on" not in subtasks["S1"]
    assert subtasks["S2.1"]["labels"] == ["taskmaster:2.1", "status:done"]
    # Task 2's subtasks have no testStrategy: a TBD criterion each, named in the notes.
    assert sum(statements(s) == [common.TBD_CRITERION] for s in subtasks.values()) == 15
    assert statements(subtasks["S2.1"]) == [common.TBD_CRITERION]
    assert any("15 subtasks without acceptance criteria" in note for note in result.notes)
    assert result.plan["task"] == common.TBD_TASK
    assert_placeholders_flagged(result)


def test_taskmaster_legacy_layout_resolves_integer_dependencies_between_siblings():
    result = import_path(TASKMASTER_LEGACY)
    plan = result.plan
    assert (plan["id"], plan["title"]) == ("financial-agent-demo", "Financial Agent Demo")
    subtasks = by_id(result)
    assert len(subtasks) == 24
    assert subtasks["S1.2"]["depends_on"] == ["S1.1"]  # written as the integer 1 inside task 1
    assert subtasks["S5.3"]["depends_on"] == ["S5.1", "S5.2"]
    assert subtasks["S7"]["depends_on"] == ["S4", "S5", "S6"]
    assert subtasks["S10"]["labels"] == ["taskmaster:10", "status:pending", "priority:low"]
    assert any("scripts/PRD.txt" in note for note in result.notes)
    # Subtask 3.3's details run to 5,617 characters: kept whole, so the schema reports
    # the goal as too long instead of the import cutting what the author wrote.
    errors = [(f.rule, f.path) for f in result.report.errors]
    assert errors == [("schema", "/subtasks/8/goal")]
    assert subtasks["S3.3"]["goal"].endswith(
        "\n".join(load_json(TASKMASTER_LEGACY)["tasks"][2]["subtasks"][2]["details"].splitlines()).strip()
    )


def test_taskmaster_project_folder_is_detected_and_named_after_the_project(tmp_path):
    project = taskmaster_project(tmp_path)
    assert detect(project).name == "taskmaster"
    result = import_path(project)
    assert (result.plan["id"], result.plan["title"]) == ("obsidian-typst-pdf-export", "obsidian-typst-pdf-export")
    assert len(result.plan["subtasks"]) == 60


def test_taskmaster_imports_the_master_tag_and_names_the_others(tmp_path):
    path = tmp_path / "tasks.json"
    task = {"id": 1, "title": "Write the parser", "description": "Parse the files.", "dependencies": [7, "1.9"]}
    path.write_text(
        json.dumps(
            {
                "feature-x": {"tasks": [{"id": 1, "title": "Other tag"}, {"id": 2, "title": "Another"}]},
                "master": {"tasks": [task]},
            }
        ),
        encoding="utf-8",
    )
    result = import_path(path)
    assert [s["title"] for s in result.plan["subtasks"]] == ["Write the parser"]
    assert any('imported tag "master"' in note and "feature-x (2 tasks)" in note for note in result.notes)
    # Dependencies on tasks that are not in the file are left out, and said so.
    assert "depends_on" not in result.plan["subtasks"][0]
    assert any("left out 2 dependencies" in note and "S1 → 7" in note and "S1 → 1.9" in note for note in result.notes)


def test_reports_and_checklists_are_not_taken_for_task_lists():
    for path in (TASKMASTER_REPORT, PEERS / f"{SPECKIT}.checklists-requirements.md"):
        with pytest.raises(ImportFailed, match="cannot tell which tool wrote this"):
            import_path(path)
    with pytest.raises(ImportFailed, match=r"no task list: expected"):
        import_path(TASKMASTER_REPORT, "taskmaster")


# --- Spec Kit --------------------------------------------------------------------------------


def test_speckit_tasks_become_subtasks_with_labels(tmp_path):
    folder = speckit_folder(tmp_path)
    assert detect(folder).name == "speckit" and detect(folder / "tasks.md").name == "speckit"
    result = import_path(folder)
    plan = result.plan
    assert (plan["id"], plan["title"]) == ("007-mock-auth", "Mock Authentication with Sample Users")
    assert plan["task"].startswith("Build a mock authentication system with sample users for local development")
    subtasks = by_id(result)
    # T001-T025; the task lines inside the "Parallel Example" code blocks are not tasks.
    assert list(subtasks) == [f"S{n}" for n in range(1, 26)]
    assert subtasks["S2"]["labels"] == ["speckit:T002", "parallel", "phase:1", "status:todo"]
    assert subtasks["S6"]["labels"] == ["speckit:T006", "story:US1", "phase:3", "priority:p1", "status:todo"]
    assert subtasks["S25"]["labels"] == ["speckit:T025", "phase:9", "status:todo"]
    # A task line longer than a title may be is cut at a word; the goal keeps it whole.
    line = (
        "Create mock user definitions module with all 5 sample users, deterministic UUIDs, slugs, grants, "
        "and the `SampleUser`/`SampleGrant` types in src/lib/auth/mock-users.ts"
    )
    assert subtasks["S1"]["goal"] == line
    assert line.startswith(subtasks["S1"]["title"]) and len(subtasks["S1"]["title"]) <= 120
    assert_placeholders_flagged(result)


def test_speckit_checkpoints_tests_and_scenarios_close_each_phase(tmp_path):
    result = import_path(speckit_folder(tmp_path))
    subtasks = by_id(result)
    closing = {sid: len(s["acceptance"]) for sid, s in subtasks.items() if statements(s) != [common.TBD_CRITERION]}
    # The last task of phases 2-8; phase 1 and the polish phase have no checkpoint.
    assert closing == {"S5": 1, "S8": 5, "S12": 6, "S14": 6, "S16": 5, "S18": 5, "S21": 5}
    us1 = statements(subtasks["S8"])
    assert us1[0].startswith("Checkpoint: App runs locally with automatic mock auth.")
    assert us1[1].startswith("Independent test: Start the app with `NODE_ENV=development`")
    assert us1[2] == (
        "Given the app is running in development mode, When a developer accesses an authenticated "
        "route, Then the request has a valid session with the default sample user's `userId`."
    )
    assert statements(subtasks["S12"])[2].startswith(
        'Given the app is in development mode, When the developer selects "Bristol City Admin"'
    )


def test_speckit_without_spec_keeps_the_phase_criteria_and_says_what_is_missing(tmp_path):
    result = import_path(speckit_folder(tmp_path, with_spec=False))
    assert len(by_id(result)["S8"]["acceptance"]) == 2  # checkpoint and independent test
    assert result.plan["task"] == common.TBD_TASK
    assert any("no spec.md beside tasks.md" in note for note in result.notes)


# --- Backlog.md ------------------------------------------------------------------------------


def test_backlog_folder_maps_front_matter_criteria_and_hierarchy(tmp_path):
    root = backlog_folder(tmp_path)
    for path in (root, root / "tasks", next((root / "tasks").glob("back-355 -*"))):
        assert detect(path).name == "backlog", path
    result = import_path(root)
    subtasks = by_id(result)
    assert list(subtasks) == ["S355", "S355.2"]
    parent, child = subtasks["S355"], subtasks["S355.2"]
    assert parent["title"] == "Add task type field (bug, feature, enhancement, etc.)"
    assert parent["labels"] == [
        "backlog:BACK-355",
        "status:done",
        "priority:medium",
        "enhancement",
        "core",
        "cli",
        "mcp",
        "web",
    ]
    assert len(parent["acceptance"]) == 10
    assert statements(parent)[0] == "Task types are configurable per-project in config.yml with sensible defaults"
    assert child["title"] == "CLI: Add --type flag to task create and edit commands"
    assert statements(child)[-1] == "CLI help text documents the --type flag"
    assert child["goal"].startswith("Extend CLI commands to support the type field")
    # One top task: its title and description are the plan's.
    assert result.plan["title"] == parent["title"]
    assert result.plan["task"] == parent["goal"]
    # BACK-355.01 is not among the files: the dependency is left out and named.
    assert "depends_on" not in child
    assert any("S355.2 → task-355.01" in note for note in result.notes)
    assert any("implementation plan, implementation notes, final summary, comments" in note for note in result.notes)
    assert ("oversized-subtask", "/subtasks/0/acceptance") in {(f.rule, f.path) for f in result.findings}
    assert_placeholders_flagged(result)


def test_backlog_dependencies_match_by_number_and_definition_of_done_counts(tmp_path):
    root = backlog_folder(tmp_path)
    (root / "tasks" / "back-355.01 - Core.md").write_text(
        "---\nid: BACK-355.01\ntitle: Add the type field to the core\nstatus: To Do\n---\n\n"
        "## Description\n\nStore the type.\n\n"
        "## Acceptance Criteria\n<!-- AC:BEGIN -->\n- [ ] #1 The task model has a type field\n<!-- AC:END -->\n\n"
        "## Definition of Done\n<!-- DOD:BEGIN -->\n- [ ] #1 bun test passes\n<!-- DOD:END -->\n",
        encoding="utf-8",
    )
    subtasks = by_id(import_path(root))
    assert subtasks["S355.2"]["depends_on"] == ["S355.1"]  # "task-355.01" is BACK-355.01
    assert statements(subtasks["S355.1"]) == ["The task model has a type field", "bun test passes"]
    assert subtasks["S355.1"]["labels"] == ["backlog:BACK-355.01", "status:to-do"]


def test_backlog_single_file_and_files_that_are_not_tasks(tmp_path):
    root = backlog_folder(tmp_path)
    single = import_path(next((root / "tasks").glob("back-355.02*")))
    assert [s["id"] for s in single.plan["subtasks"]] == ["S355.2"]
    assert single.plan["title"] == "CLI: Add --type flag to task create and edit commands"
    (root / "tasks" / "README.md").write_text("# About these tasks\n", encoding="utf-8")
    result = import_path(root)
    assert len(result.plan["subtasks"]) == 2
    assert any("README.md (no front matter" in note for note in result.notes)


def test_backlog_several_top_tasks_take_the_project_name(tmp_path):
    root = backlog_folder(tmp_path)
    (root / "tasks" / "back-7 - Other.md").write_text(
        "---\nid: BACK-7\ntitle: Another top task\n---\n", encoding="utf-8"
    )
    result = import_path(root)
    assert (result.plan["id"], result.plan["title"]) == ("backlog-md", "Backlog.md")
    assert result.plan["task"] == common.TBD_TASK


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("---\nid: BACK-1\ntitle: [unclosed\nstatus: To Do\n---\n", 4, "invalid YAML"),
        ("---\nid: BACK-1\n  title: bad indent\n---\n", 3, "invalid YAML"),
        ("---\nid: BACK-1\ntitle: never closed\n", 1, "never closed"),
    ],
    ids=["unclosed-list", "bad-indent", "unclosed-front-matter"],
)
def test_broken_front_matter_names_file_and_line(tmp_path, text, line, reason):
    path = tmp_path / "back-1 - Broken.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_path(path, "backlog")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ") and reason in caught.value.reason


# --- Kiro ------------------------------------------------------------------------------------


def test_kiro_tasks_get_the_ears_criteria_they_name(tmp_path):
    folder = kiro_folder(tmp_path)
    assert detect(folder).name == "kiro" and detect(folder / "tasks.md").name == "kiro"
    result = import_path(folder)
    plan = result.plan
    assert (plan["id"], plan["title"]) == ("2-warband-list-navigation", "Warband List & Navigation")
    assert plan["task"].startswith("This document specifies the warband list view and navigation functionality")
    subtasks = by_id(result)
    assert len(subtasks) == 25
    assert list(subtasks)[:5] == ["S1", "S1.1", "S1.2", "S2", "S2.1"]
    service = subtasks["S1.1"]
    assert service["title"] == "Create apiClient service"
    assert service["labels"] == ["kiro:1.1", "status:done"]
    assert service["goal"].splitlines()[0] == "- Implement HTTP client wrapper (axios or fetch)"
    # _Requirements: 7.1, 7.2, 7.3, 7.4, 7.5, 7.6, 7.7_
    assert len(service["acceptance"]) == 7
    assert statements(service)[0] == (
        "WHEN the frontend needs to fetch warband data THEN the Frontend SHALL make "
        "HTTP requests to backend API endpoints"
    )
    # 1.1, 2.1, 2.2, 3.4, 4.1-4.6, 7.1-7.7: ranges expand to 17 criteria (too many: reported).
    assert len(subtasks["S2.1"]["acceptance"]) == 17
    assert ("oversized-subtask", "/subtasks/4/acceptance") in {(f.rule, f.path) for f in result.findings}
    # "_Requirements: All_" names no criterion: a TBD criterion, and a note.
    assert statements(subtasks["S11.1"]) == [common.TBD_CRITERION]
    assert any("S11.1 All" in note for note in result.notes)
    # A parent task has no bullet lines: its goal is a placeholder.
    assert subtasks["S1"]["goal"] == common.TBD_GOAL
    assert_placeholders_flagged(result)


def test_kiro_statuses_and_optional_tasks(tmp_path):
    folder = tmp_path / ".kiro" / "specs" / "demo"
    folder.mkdir(parents=True)
    (folder / "tasks.md").write_text(
        "# Implementation Plan\n\n- [ ] 1. Build it\n  - _Requirements: 1_\n- [-] 2. Test it\n"
        "- [ ]* 2.1 Write property tests\n- [~] 3. Ship it\n",
        encoding="utf-8",
    )
    (folder / "requirements.md").write_text(
        "# Requirements Document\n\n### Requirement 1\n\n#### Acceptance Criteria\n\n"
        "1. WHEN asked THEN the tool SHALL answer\n2. IF the input is empty THEN the tool SHALL\n"
        "   exit with status 2\n",
        encoding="utf-8",
    )
    result = import_path(folder)
    labels = {s["id"]: s["labels"] for s in result.plan["subtasks"]}
    assert labels == {
        "S1": ["kiro:1", "status:todo"],
        "S2": ["kiro:2", "status:in-progress"],
        "S2.1": ["kiro:2.1", "status:todo", "optional"],
        "S3": ["kiro:3", "status:queued"],
    }
    assert statements(by_id(result)["S1"]) == [
        "WHEN asked THEN the tool SHALL answer",
        "IF the input is empty THEN the tool SHALL exit with status 2",
    ]
    assert result.plan["title"] == "demo"


# --- json: our own format --------------------------------------------------------------------


@pytest.mark.parametrize("example", CLEAN_EXAMPLES, ids=lambda p: p.name)
def test_json_round_trip_is_byte_for_byte(tmp_path, example, capsys):
    exported = export(load_json(example), "json", tmp_path / "exported.json")[0]
    assert detect(exported).name == "json"
    result = import_path(exported)
    assert result.notes == ["a decomposer plan: taken unchanged"]
    assert dump_plan(result.plan) == exported.read_text(encoding="utf-8")
    code = main(["import", str(exported), "-o", str(tmp_path / "again.json")])
    capsys.readouterr()
    assert code == 0
    assert (tmp_path / "again.json").read_bytes() == exported.read_bytes()


def test_json_keeps_the_plan_as_it_is_and_reports_its_findings(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{"version": 1, "id": "x", "id": "y", "title": "T", "task": "t", "subtasks": []}', encoding="utf-8")
    result = import_path(path)
    assert result.plan["id"] == "y" and "source" not in result.plan
    messages = [f.message for f in result.report.errors]
    assert '"id" is given more than once in the same object; only the last value is kept' in messages
    assert "needs at least 1 item, has none" in messages


# --- malformed input -------------------------------------------------------------------------


def test_truncated_json_names_line_and_column(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text(TASKMASTER_LEGACY.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_path(path, "taskmaster")
    assert str(caught.value).startswith(f"{path}: not valid JSON: ")
    assert " at line " in str(caught.value) and ", column " in str(caught.value)


def test_latin1_file_is_refused_with_its_line(tmp_path):
    folder = speckit_folder(tmp_path, with_spec=False)
    text = (folder / "tasks.md").read_text(encoding="utf-8")
    # "Café" in Latin-1 on the first line; the rest stays UTF-8.
    (folder / "tasks.md").write_bytes(text.replace("Mock", "Café", 1).encode("utf-8").replace("é".encode(), b"\xe9", 1))
    with pytest.raises(ImportFailed) as caught:
        import_path(folder)
    assert caught.value.line == 1
    assert "not UTF-8 text (byte 0xe9" in caught.value.reason and "save the file as UTF-8" in caught.value.reason


def test_a_file_just_over_the_size_cap_is_refused_unread(tmp_path):
    path = tmp_path / "tasks.md"
    with open(path, "wb") as handle:  # sparse: no disk space used
        handle.truncate(common.MAX_FILE_BYTES + 1)
    for name in ("speckit", "kiro", "backlog", "json", "taskmaster"):
        with pytest.raises(ImportFailed, match=r"too large \(20,971,521 bytes; the limit is 20,971,520\)"):
            import_path(path, name)


def test_a_folder_with_thousands_of_files_is_refused(tmp_path):
    folder = tmp_path / "tasks"
    folder.mkdir()
    for n in range(5000):
        (folder / f"task-{n} - T.md").touch()
    with pytest.raises(ImportFailed, match=r"has more than 2,000 entries"):
        import_path(folder, "backlog")


def test_symbolic_links_out_of_the_folder_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.md"
    secret.write_text("---\nid: BACK-9\ntitle: Read from outside\n---\n", encoding="utf-8")
    root = backlog_folder(tmp_path)
    (root / "tasks" / "back-9 - Linked.md").symlink_to(secret)
    result = import_path(root)
    assert "S9" not in by_id(result)
    assert any("back-9 - Linked.md (a symbolic link that leads outside" in note for note in result.notes)

    folder = kiro_folder(tmp_path, files=("tasks", "design"))
    shutil.copy(PEERS / f"{KIRO}.requirements.md", outside / "requirements.md")
    (folder / "requirements.md").symlink_to(outside / "requirements.md")
    result = import_path(folder)
    assert statements(by_id(result)["S1.1"]) == [common.TBD_CRITERION]
    assert any("requirements.md (a symbolic link that leads outside" in note for note in result.notes)

    (folder / "tasks.md").unlink()
    (folder / "tasks.md").symlink_to(PEERS / f"{KIRO}.tasks.md")
    with pytest.raises(ImportFailed, match="a symbolic link that leads outside the folder"):
        import_path(folder, "kiro")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("notes.txt", "just some notes\n", "cannot tell which tool wrote this"),
        ("tasks.md", "# Tasks\n\nNothing here yet.\n", "cannot tell which tool wrote this"),
        ("empty.json", "", "cannot tell which tool wrote this"),
    ],
    ids=["text", "markdown", "empty"],
)
def test_undetectable_sources_ask_for_the_format(tmp_path, name, content, match):
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ImportFailed, match=match):
        import_path(tmp_path / name)


def test_sources_with_no_tasks_and_unknown_names_fail_clearly(tmp_path):
    (tmp_path / "tasks.md").write_text("# Tasks\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="no Spec Kit tasks found"):
        import_path(tmp_path / "tasks.md", "speckit")
    with pytest.raises(ImportFailed, match="no Kiro tasks found"):
        import_path(tmp_path / "tasks.md", "kiro")
    with pytest.raises(ImportFailed, match="no such file or folder"):
        import_path(tmp_path / "missing.md")
    with pytest.raises(ImportFailed, match="unknown import format 'trello'; known: json, taskmaster"):
        import_path(tmp_path / "tasks.md", "trello")


def test_a_symbolic_link_loop_or_a_dangling_link_is_named_as_such(tmp_path):
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    (tmp_path / "tasks.md").symlink_to(tmp_path / "gone.md")
    for path in (tmp_path / "a.json", tmp_path / "tasks.md"):
        for importer in (None, "kiro"):
            with pytest.raises(ImportFailed, match="a symbolic link that leads nowhere") as failure:
                import_path(path, importer)
            assert str(failure.value).startswith(f"{path}: ")


# --- the command line ------------------------------------------------------------------------


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_writes_the_plan_and_exits_1_with_the_placeholders(tmp_path, capsys, monkeypatch):
    folder = kiro_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["import", str(folder)], capsys)
    assert (code, err) == (1, "")
    written = tmp_path / "2-warband-list-navigation.json"  # the plan id, here
    assert load_json(written) == import_path(folder).plan
    assert out.startswith(f"imported {folder / 'tasks.md'} (kiro) into 2-warband-list-navigation.json\n  note: ")
    assert "  S1.1 Create apiClient service" in out
    assert "warning  placeholder  /subtasks/1/input_state/summary" in out


def test_import_refuses_to_overwrite_without_force(tmp_path, capsys):
    out_path = tmp_path / "plan.json"
    out_path.write_text("keep me", encoding="utf-8")
    code, out, err = run(["import", str(TASKMASTER_LEGACY), "-o", str(out_path)], capsys)
    assert (code, out) == (2, "")
    assert err == f"decomposer import: {out_path}: already exists; use --force to replace it\n"
    assert out_path.read_text(encoding="utf-8") == "keep me"
    code, _, _ = run(["import", str(TASKMASTER_LEGACY), "-o", str(out_path), "--force"], capsys)
    assert code == 1 and load_json(out_path)["title"] == "Financial Agent Demo"


def test_import_of_an_unknown_format_names_the_flag_that_picks_one(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("just some notes\n", encoding="utf-8")
    code, out, err = run(["import", str(tmp_path / "notes.txt"), "-o", str(tmp_path / "p.json")], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"decomposer import: {tmp_path / 'notes.txt'}: cannot tell which tool wrote this; "
        "name the format with --from (json, taskmaster, speckit, backlog, kiro)\n"
    )


def test_import_into_a_folder_writes_the_plan_id_there(tmp_path, capsys):
    folder = speckit_folder(tmp_path)
    code, _, _ = run(["import", str(folder), "--from", "speckit", "-o", str(tmp_path)], capsys)
    assert code == 1 and (tmp_path / "007-mock-auth.json").is_file()


def test_import_json_output_has_notes_findings_and_readiness(tmp_path, capsys):
    root = backlog_folder(tmp_path)
    code, out, _ = run(["import", str(root), "-o", str(tmp_path / "p.json"), "--format", "json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert (report["importer"], report["output"]) == ("backlog", str(tmp_path / "p.json"))
    assert common.DEFAULTS_NOTE in report["notes"]
    assert report["readiness"] == {"delegable": 0, "total": 2}
    rules = Counter(f["rule"] for f in report["findings"])
    assert rules["placeholder"] == 6 and rules["not-machine-verifiable"] == 2


def test_import_errors_are_one_line_on_stderr_without_a_traceback(tmp_path):
    broken = tmp_path / "back-1 - Broken.md"
    broken.write_text("---\nid: BACK-1\ntitle: [unclosed\n---\n", encoding="utf-8")
    evil = tmp_path / "evil\x1b[31m.md"
    evil.write_text("nothing", encoding="utf-8")
    cases = {
        str(broken): f"{broken}:4: invalid YAML",
        str(evil): "evil\\x1b[31m.md: cannot tell which tool wrote this",
    }
    for source, expected in cases.items():
        result = subprocess.run(
            [sys.executable, "-m", "decomposer", "import", source, "-o", str(tmp_path / "o.json")],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 2, result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr
        assert len(result.stderr.splitlines()) == 1 and expected in result.stderr
        assert not (tmp_path / "o.json").exists()


# --- arbitrary text --------------------------------------------------------------------------

MARKDOWN_LINES = [
    "---",
    "id: BACK-1",
    "title: x",
    "dependencies: [task-1, 2]",
    "labels: {a: b}",
    "## Description",
    "## Acceptance Criteria",
    "## Definition of Done",
    "<!-- AC:BEGIN -->",
    "- [ ] #1 works",
    "- [x] done",
    "## Phase 1: Setup",
    "- [ ] T001 [P] [US1] Do it",
    "- [X] T9999999999 x",
    "**Checkpoint**: ok",
    "**Independent Test**: ok",
    "```",
    "### User Story 1 - A (Priority: P1)",
    "**Acceptance Scenarios**:",
    "1. **Given** a, **When** b, **Then** c",
    '**Input**: User description: "do it"',
    "- [ ] 1. Parent",
    "- [-]* 1.1 Child",
    "  - detail",
    "  - _Requirements: 1.1, 2.1-2.9, All, 3_",
    "### Requirement 1",
    "#### Acceptance Criteria",
    "1. WHEN x THEN y SHALL z",
    "## Introduction",
    "# Tasks: T",
    "\t- [ ] T2",
    "- [ ]",
    "...",
    "TODO",
]
FRONT_MATTER_LINES = [
    "id: BACK-1",
    "id: 7",
    "title: x",
    "title: [",
    "dependencies: [task-1, BACK-2.1]",
    "labels: {a: b}",
    "labels: [a, [b]]",
    "status: &a x",
    "priority: *a",
    "- 1",
]
markdown_text = st.lists(st.one_of(st.sampled_from(MARKDOWN_LINES), st.text(max_size=40)), max_size=30).map("\n".join)
printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)  # YAML refuses controls
front_matter = st.lists(st.one_of(st.sampled_from(FRONT_MATTER_LINES), printable), max_size=8).map("\n".join)
# Half the texts open with front matter, so the Backlog.md parser gets past its first line.
task_text = st.one_of(markdown_text, st.builds("---\n{}\n---\n{}".format, front_matter, markdown_text))


@PROPERTIES
@given(text=task_text)
def test_markdown_parsers_accept_any_text(text):
    for parse in (speckit.parse_tasks, speckit.parse_spec, kiro.parse_tasks, kiro.parse_requirements):
        parse(text)
    with contextlib.suppress(ImportFailed):
        backlog.parse_task(text, Path("task.md"))


@PROPERTIES
@given(tasks=task_text, other=markdown_text)
def test_markdown_importers_fail_only_with_import_failed(tasks, other):
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "tasks.md").write_text(tasks, encoding="utf-8")
        for name in ("spec.md", "requirements.md"):
            (folder / name).write_text(other, encoding="utf-8")
        for importer in ("speckit", "kiro", "backlog"):
            source = folder if importer != "backlog" else folder / "tasks.md"
            try:
                result = import_path(source, importer)
            except ImportFailed as exc:
                assert str(exc).startswith(str(folder)) and exc.reason
            else:
                assert result.plan["subtasks"] and result.plan["source"]["importer"] == importer


def test_unreadable_file_is_an_import_failure(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "tasks.json"
    shutil.copy(TASKMASTER_LEGACY, path)
    path.chmod(0)
    with pytest.raises(ImportFailed, match="permission denied"):
        import_path(path, "taskmaster")


def test_a_source_without_a_task_statement_leaves_a_task_placeholder_the_checks_flag():
    result = import_path(TASKMASTER_LEGACY)
    assert result.plan["task"].startswith("TBD")
    [finding] = [f for f in result.findings if f.path == "/task"]
    assert finding.rule == "placeholder"
