"""Hostile input, property-based: plans and imported files full of markup, terminal
escapes, spreadsheet formulas, path traversal, huge fields, deep nesting and bytes that
are not UTF-8.

What must hold whatever they contain: nothing crashes (an importer fails only with
``ImportFailed``, an export only with ``ExportError``); every exporter writes only inside
the folder it was given; text reaches a terminal with its control characters escaped;
and the TUI shows such text literally, with no style that came from it.

Hypothesis runs derandomized and without an example database, so CI sees the same
examples on every run; the example counts keep the file to a few seconds.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from decomposer.check.validate import validate_plan
from decomposer.cli.main import main
from decomposer.exporters import ExportBlocked, ExportError, check_report, export, registry, write_files
from decomposer.exporters.jira_csv import FORMULA_START
from decomposer.importers import ImportFailed, import_path
from decomposer.plan.loading import load_plan
from decomposer.text import one_line
from helpers.pilot import wait_for
from helpers.plans import clean_plan

HOSTILE = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Pieces of hostile text, grouped by what they attack.
MARKUP = ["[bold]", "[/]", "[/bar]", "[link=https://evil.example]", "[@click=app.quit]", "$accent", "[on red]"]
ESCAPES = [
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x9b2J",
    "\u202e",
    "\u2066",
    "\x00",
    "\x07",
    "\x7f",
    "\r",
]
DOCUMENT = [
    "# ",
    "| a |",
    "`",
    "```",
    "~~~",
    "---",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "{noformat}",
    "h1. ",
    "\n",
    "\u2028",
]
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\t=1", "=cmd|' /C calc'!A0"]
PATHS = ["../", "../../etc/passwd", "/etc/passwd", "..\\..\\", "C:\\windows", "con", "NUL", ".", "..", "~/", "/"]
FRAGMENTS = MARKUP + ESCAPES + DOCUMENT + FORMULAS + PATHS + ["é", "\U0001f600", " "]
# What must never reach a terminal raw (the printable forms are \x1b, \u202e, ...).
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x00", "\u202e", "\u2066")

hostile_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), min_size=1, max_size=8).map("".join)
# One line of 50,000 characters built from one fragment.
huge_text = st.sampled_from(FRAGMENTS).map(lambda piece: (piece * (50_000 // len(piece) + 1))[:50_000])
ids = st.one_of(st.sampled_from(PATHS + MARKUP + FORMULAS), hostile_text, st.just("S1"))


def nested(depth: int):
    value: list = ["deep"]
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def hostile_plans(draw) -> dict:
    """The clean plan and copies of its first subtask, with hostile text in every field an
    exporter or a screen shows: ids, titles, goals, labels, criteria, commands, triggers,
    dependencies; now and then a huge field or a deeply nested value."""
    plan = clean_plan()
    base = plan["subtasks"][0]
    for _ in range(draw(st.integers(0, 3))):
        plan["subtasks"].append(copy.deepcopy(base))
    plan["id"] = draw(ids)
    plan["title"] = draw(hostile_text)
    plan["task"] = draw(hostile_text)
    for subtask in plan["subtasks"]:
        subtask["id"] = draw(ids)
        subtask["title"] = draw(hostile_text)
        subtask["goal"] = draw(hostile_text)
        subtask["labels"] = draw(st.lists(hostile_text, max_size=3))
        criterion = subtask["acceptance"][0]
        criterion["statement"] = draw(hostile_text)
        if criterion["verify"]["method"] == "command":
            criterion["verify"]["command"] = draw(hostile_text)
        subtask["pause_boundaries"][0]["trigger"] = draw(hostile_text)
        subtask["depends_on"] = draw(st.lists(st.one_of(ids, st.sampled_from(["S1", "S2"])), max_size=2))
    extreme = draw(st.sampled_from(["none", "huge-title", "huge-goal", "huge-command", "deep-labels", "deep-risk"]))
    target = plan["subtasks"][-1]
    if extreme == "huge-title":
        target["title"] = draw(huge_text)
    elif extreme == "huge-goal":
        target["goal"] = draw(huge_text)
    elif extreme == "huge-command":
        target["acceptance"][0]["verify"] = {"method": "command", "command": draw(huge_text)}
    elif extreme == "deep-labels":
        target["labels"] = nested(300)
    elif extreme == "deep-risk":
        target["risk"] = {"stakes": nested(300)}
    return plan


def fit(text: str, shortest: int, longest: int) -> str:
    """``text`` cut or padded to a length the schema accepts (padding with a word)."""
    return (text + " pad" * shortest)[: max(shortest, min(len(text), longest))]


@st.composite
def valid_hostile_plans(draw) -> dict:
    """Hostile text in every free-text field of a plan that passes validation, so that
    exports go through (ids keep their patterns: they are what file names come from)."""
    plan = clean_plan()
    plan["title"] = fit(draw(hostile_text), 1, 200)
    plan["task"] = draw(hostile_text)
    for subtask in plan["subtasks"]:
        subtask["title"] = fit(draw(hostile_text), 3, 120)
        subtask["goal"] = fit(draw(hostile_text), 1, 4000)
        subtask["labels"] = draw(st.lists(hostile_text, max_size=3))
        subtask["input_state"]["summary"] = draw(hostile_text)
        for criterion in subtask["acceptance"]:
            criterion["statement"] = draw(hostile_text)
            if criterion["verify"]["method"] == "command":
                criterion["verify"]["command"] = draw(hostile_text)
        subtask["pause_boundaries"][0]["trigger"] = draw(hostile_text)
    assume(not validate_plan(plan).errors)
    return plan


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file() or path.is_symlink()}


def inside(path: Path, folder: Path) -> bool:
    return path.resolve() == folder.resolve() or folder.resolve() in path.resolve().parents


def assert_exports_stay_inside(plan: dict, root: Path) -> None:
    """Every exporter, through ``write_files`` (what a preview's files would be written
    with, the plan unvalidated) and through ``export``: each written file is inside its
    own destination, and nothing else appears under ``root``."""
    allowed: set[Path] = set()
    for name, exporter in registry().items():
        files = exporter.render(plan, check_report(plan))  # the preview renders any plan: it must not raise
        assert files and all(isinstance(text, str) for text in files.values())
        for way in ("write_files", "export"):
            destination = root / way / (name if exporter.kind == "folder" else f"{name}.out")
            try:
                if way == "write_files":
                    written = write_files(exporter.kind, files, destination, plan=plan)
                else:
                    written = export(plan, name, destination)
            except (ExportBlocked, ExportError):
                continue  # refused as a whole: then nothing is written (checked below)
            for path in written:
                assert inside(path, destination) and path.is_file(), (name, path)
            allowed |= files_under(destination) if exporter.kind == "folder" else {destination}
            check_written(name, written)
    assert files_under(root) == allowed


def check_written(name: str, written) -> None:
    """What the files must not carry, whatever the plan held."""
    for path in written:
        text = path.read_text(encoding="utf-8")
        if name == "jira-csv":
            for row in csv.reader(io.StringIO(text, newline=""), strict=True):
                assert not any(cell.startswith(FORMULA_START) for cell in row), row
        if name != "json":  # JSON keeps the plan as data ("\u001b" escapes)
            assert "\x1b" not in text and "\x00" not in text, (name, path)


# --- plans -----------------------------------------------------------------------------------


@HOSTILE
@given(plan=st.one_of(hostile_plans(), valid_hostile_plans()))
def test_every_exporter_writes_only_inside_its_folder(plan):
    with tempfile.TemporaryDirectory() as temp:
        assert_exports_stay_inside(plan, Path(temp))


@HOSTILE
@given(plan=hostile_plans())
def test_the_json_export_keeps_hostile_text_as_data(plan):
    """Whatever the text, the exported JSON loads back as the same plan."""
    with tempfile.TemporaryDirectory() as temp:
        target = Path(temp) / "plan.json"
        write_files("file", registry()["json"].render(plan, check_report(plan)), target, plan=plan)
        assert load_plan(str(target)).plan == plan


@settings(HOSTILE, max_examples=15)
@given(plan=valid_hostile_plans(), fmt=st.sampled_from(["json", "markdown", "brief", "jira-csv", "github", "linear"]))
def test_cli_export_with_default_names_stays_in_the_current_folder(tmp_path, monkeypatch, capsys, plan, fmt):
    """``decomposer export PLAN --to FMT`` names its output after the plan: here, and
    only here, whatever the plan's text."""
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    source = work / "in" / "plan.json"
    source.parent.mkdir()
    source.write_text(json.dumps(plan), encoding="utf-8")
    here = work / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code = main(["export", str(source), "--to", fmt])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err and not any(raw in out + err for raw in RAW_CONTROLS)
    created = files_under(work) - {source}
    assert created and all(inside(path, here) for path in created)


# --- the terminal ------------------------------------------------------------------------------


@HOSTILE
@given(subtask=hostile_plans().map(lambda plan: plan["subtasks"][-1]), text=hostile_text)
# Found by this test: U+2028 and U+2029 end a line for str.splitlines() and log readers,
# and one_line let them through.
@example(subtask={"id": "S1", "title": "a\u2028error: forged line"}, text="b\u2029c")
def test_progress_lines_escape_model_output(subtask, text):
    """What the CLI prints while a model call streams (ids, titles, autonomy, findings,
    retry reasons all come from the model or the API)."""
    from decomposer.check.findings import Finding
    from decomposer.claude import engine as e
    from decomposer.claude.failures import CallFailure
    from decomposer.cli.model_commands import ProgressPrinter

    stream = io.StringIO()
    printer = ProgressPrinter("claude-[bold]x[/]", stream)
    subtask = dict(subtask, autonomy=text)
    printer(e.CallStarted("decompose", 2, 48_000))
    printer(e.SubtaskReady(0, subtask))
    printer(e.SubtaskReady(1, {"id": ["not", "text"], "title": 5}))
    printer(e.RepairRound(1, [Finding("schema", "error", text, "/subtasks/0/" + text, text, text)]))
    printer(e.Retrying(CallFailure("connection", text, text), 48_000))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 6  # one line per event, and one per finding: no line break from the text
    assert not any(raw in stream.getvalue() for raw in RAW_CONTROLS)


def test_a_hostile_model_reply_is_printed_escaped_and_named_safely(tmp_path, monkeypatch, capsys):
    """The model's title names the plan file: "../../" in it must not leave the folder."""
    from decomposer.claude.tools import SUBMIT_PLAN
    from helpers.claude_replies import KEY, plan_input
    from helpers.fakeapi import FakeMessagesAPI, ToolReply
    from helpers.faultkit import FaultServer

    reply = plan_input()
    reply["title"] = "../../../outside \x1b[2J[bold]x[/]"
    reply["subtasks"][0]["title"] = "\x1b]0;pwned\x07 [link=https://evil.example]S[/link] \u202e"
    here = tmp_path / "a" / "b" / "c"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    with FaultServer(FakeMessagesAPI([ToolReply(SUBMIT_PLAN, reply)])) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(here / "config"))
        assert main(["decompose", "Export the report as CSV"]) in (0, 1)
    out, err = capsys.readouterr()
    assert not any(raw in out + err for raw in RAW_CONTROLS)
    assert "\\x1b]0;pwned\\x07 [link=https://evil.example]S[/link] \\u202e" in err
    [written] = files_under(tmp_path)
    assert written.parent == here and written.name == "outside-2j-bold-x.json"
    assert load_plan(str(written)).plan["title"] == reply["title"]


# --- imported files --------------------------------------------------------------------------


@st.composite
def taskmaster_files(draw) -> str:
    """A tasks.json with hostile titles, ids, dependencies and statuses."""

    def task(number: int) -> dict:
        return {
            "id": draw(st.one_of(st.just(number), ids, st.integers(-5, 10**12))),
            "title": draw(st.one_of(hostile_text, huge_text)),
            "description": draw(hostile_text),
            "details": draw(hostile_text),
            "testStrategy": draw(hostile_text),
            "status": draw(hostile_text),
            "priority": draw(hostile_text),
            "dependencies": draw(st.lists(st.one_of(ids, st.integers(0, 5)), max_size=3)),
            "subtasks": [
                {"id": k, "title": draw(hostile_text), "dependencies": draw(st.lists(ids, max_size=2))}
                for k in range(draw(st.integers(0, 2)))
            ],
        }

    tasks = [task(n) for n in range(1, draw(st.integers(1, 4)) + 1)]
    layout = draw(st.sampled_from(["legacy", "tagged"]))
    document = {"tasks": tasks} if layout == "legacy" else {draw(hostile_text): {"tasks": tasks}}
    return json.dumps(document, ensure_ascii=draw(st.booleans()))


@st.composite
def markdown_task_files(draw) -> tuple[str, str]:
    """(importer, tasks text) for the Markdown formats, hostile text in titles and ids."""
    importer = draw(st.sampled_from(["speckit", "kiro", "backlog"]))
    lines = []
    if importer == "backlog":
        lines += [
            "---",
            f"id: {json.dumps(draw(ids))}",
            f"title: {json.dumps(draw(hostile_text))}",
            f"dependencies: {json.dumps(draw(st.lists(ids, max_size=2)))}",
            "---",
            "## Description",
            draw(hostile_text),
            "## Acceptance Criteria",
            f"- [ ] #1 {one_line(draw(hostile_text))}",
        ]
    elif importer == "speckit":
        lines += ["# Tasks: " + one_line(draw(hostile_text)), "## Phase 1: " + one_line(draw(hostile_text))]
        lines += [f"- [ ] T00{n} [P] {one_line(draw(hostile_text))}" for n in range(1, 4)]
        lines += ["**Checkpoint**: " + one_line(draw(hostile_text))]
    else:
        lines += ["# Implementation Plan"]
        lines += [
            f"- [ ] {n}. {one_line(draw(hostile_text))}\n  - {one_line(draw(hostile_text))}\n"
            f"  - _Requirements: {one_line(draw(hostile_text))}_"
            for n in range(1, 4)
        ]
    return importer, "\n".join(lines) + "\n"


def import_and_export(source: Path, importer: str, work: Path, capsys) -> None:
    """Import ``source`` (library and CLI); the plan file goes into the folder given, and
    the imported plan exports only inside its folders."""
    try:
        result = import_path(source, importer)
    except ImportFailed as exc:
        assert exc.reason and str(exc).startswith(str(source.parent))
        return
    into = work / "plans"
    into.mkdir()
    code = main(["import", str(source), "--from", importer, "-o", str(into)])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2) and "Traceback" not in err, err
    assert not any(raw in out + err for raw in RAW_CONTROLS)
    if code != 2:
        [written] = files_under(into)
        assert written.parent == into and load_plan(str(written)).plan == result.plan
    assert_exports_stay_inside(result.plan, work / "exports")


@HOSTILE
@given(text=taskmaster_files())
def test_hostile_taskmaster_files(tmp_path, capsys, text):
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    source = work / "tasks.json"
    source.write_text(text, encoding="utf-8", errors="surrogatepass")
    import_and_export(source, "taskmaster", work, capsys)


@HOSTILE
@given(case=markdown_task_files())
def test_hostile_markdown_task_files(tmp_path, capsys, case):
    importer, text = case
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    folder = work / "specs" / "001-feature"
    folder.mkdir(parents=True)
    source = folder / ("task-1 - hostile.md" if importer == "backlog" else "tasks.md")
    source.write_text(text, encoding="utf-8")
    import_and_export(source if importer == "backlog" else folder, importer, work, capsys)


# Bytes no UTF-8 reader accepts, and encodings people save task files in by mistake.
NOT_UTF8 = [
    b"\xff\xfe\x00\x00",
    b"\xc3\x28",
    b"\xa0\xa1",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\x80",
]


@HOSTILE
@given(
    importer=st.sampled_from(["json", "taskmaster", "speckit", "kiro", "backlog"]),
    head=st.sampled_from([b"", b"\xef\xbb\xbf", b'{"tasks": [{"id": 1, "title": "', b"---\nid: ", b"- [ ] T001 "]),
    bad=st.sampled_from(NOT_UTF8),
    tail=st.binary(max_size=200),
    encoding=st.sampled_from([None, "latin-1", "utf-16", "cp1252"]),
)
def test_files_that_are_not_utf8_fail_with_import_failed(tmp_path, importer, head, bad, tail, encoding):
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    name = {"json": "plan.json", "taskmaster": "tasks.json", "backlog": "task-1 - x.md"}.get(importer, "tasks.md")
    data = head + bad + tail
    if encoding:  # a real task file, saved in another encoding
        data = "# Tasks: Café\n- [ ] T001 Déployer l'export\n".encode(encoding) + bad
    (work / name).write_bytes(data)
    source = work / name if importer in ("json", "taskmaster", "backlog") else work
    with pytest.raises(ImportFailed) as failed:
        import_path(source, importer)
    assert failed.value.reason and "\n" not in str(failed.value)


@pytest.mark.parametrize(
    "importer, name, text",
    [
        ("taskmaster", "tasks.json", '{"tasks": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("taskmaster", "tasks.json", '{"tasks": [{"id": 1, "title": ' + '{"a": ' * 50_000 + "1" + "}" * 50_000 + "}]}"),
        ("json", "plan.json", '{"version": 1, "subtasks": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("backlog", "task-1 - x.md", "---\nid: task-1\nlabels: " + "[" * 5_000 + "]" * 5_000 + "\n---\n"),
    ],
    ids=["taskmaster-lists", "taskmaster-objects", "json-lists", "backlog-yaml"],
)
def test_deeply_nested_imports_fail_cleanly(tmp_path, capsys, importer, name, text):
    (tmp_path / name).write_text(text)
    code = main(["import", str(tmp_path / name), "--from", importer, "-o", str(tmp_path / "out.json")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "nested too deeply" in err and not (tmp_path / "out.json").exists()


# --- the TUI shows hostile text literally ---------------------------------------------------------

# Text a Textual or Rich renderer could take for markup, an action, a variable, a link or
# an emoji code; each is short enough to be shown whole in the list and the headers.
SHOWN = [
    "[bold]B[/bold] plain",
    "[link=https://evil.example]click[/link]",
    "[@click=app.quit]quit[/]",
    "$accent $text :smile: https://x.io",
    "[/bar] <b>h</b> **m** `c`",
    "[reverse]R[/] [on red]bg[/]",
    "list[int] dict[str, int]",
    "\x1b[31mred\x1b[0m \x1b]0;t\x07",
]


def screen_rows(app) -> list[tuple[str, list]]:
    """The screen as it is drawn: each row's text and the style of each cell."""
    rows = []
    for strip in app.screen._compositor.render_strips():
        text, styles = "", []
        for segment in strip:
            text += segment.text
            styles += [segment.style] * len(segment.text)
        rows.append((text, styles))
    return rows


async def assert_shown_literally(pilot, app, text: str) -> None:
    """``text`` appears on screen as written (control characters as visible escapes), and
    every cell of it has one style: no span of it was bold, a link, coloured..."""
    expected = one_line(text)
    await wait_for(
        pilot, lambda: any(expected in row for row, _ in screen_rows(app)), lambda: f"{expected!r} on screen"
    )
    found = 0
    for row, styles in screen_rows(app):
        start = row.find(expected)
        while start != -1:
            found += 1
            assert len(set(styles[start : start + len(expected)])) == 1, (expected, row)
            start = row.find(expected, start + 1)
    assert found, f"{expected!r} is not on screen:\n" + "\n".join(row for row, _ in screen_rows(app))
    assert not any(raw in row for row, _ in screen_rows(app) for raw in RAW_CONTROLS)


def plan_with_shown_text() -> dict:
    plan = clean_plan()
    plan["title"] = SHOWN[0]
    base = plan["subtasks"][0]
    plan["subtasks"] = []
    for n, text in enumerate(SHOWN, start=1):
        subtask = copy.deepcopy(base)
        subtask.update(id=f"S{n}", title=text)
        subtask["acceptance"][0]["statement"] = text
        subtask["acceptance"][0]["verify"]["command"] = text
        plan["subtasks"].append(subtask)
    # An unknown dependency: the findings panel quotes it.
    plan["subtasks"][0]["depends_on"] = [SHOWN[1]]
    return plan


async def test_the_tui_shows_hostile_text_literally(monkeypatch, tmp_path):
    from decomposer.claude.config import Settings
    from decomposer.editing.document import PlanDocument
    from decomposer.tui.app import DecomposerApp

    monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
    app = DecomposerApp(PlanDocument(plan_with_shown_text()), settings=Settings(), restore_drafts=False)
    async with app.run_test(size=(180, 50)) as pilot:
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause()
        for text in SHOWN:  # the subtask list, and the plan title in the header
            await assert_shown_literally(pilot, app, text)
        # The findings panel quotes the unknown dependency.
        await assert_shown_literally(pilot, app, f'depends on "{SHOWN[1]}", which is not a subtask')
        await pilot.press("f6")  # verify: the commands it would run, listed
        await pilot.pause()
        await assert_shown_literally(pilot, app, SHOWN[0])
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f8")  # review mode: each subtask described
        for text in SHOWN:
            await pilot.pause()
            await assert_shown_literally(pilot, app, text)
            await pilot.press("n")
        assert app.is_running
