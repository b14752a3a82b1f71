"""The ``jira-csv`` exporter: structure, RFC 4180, labels, priorities, and cells that
cannot run as spreadsheet formulas. Every test parses the CSV back with the csv module.

Golden file: ``tests/unit/exporters/golden/jira-csv/`` holds the export of ``examples/db-migration.json``,
read by hand when it was made; regenerate with ``UPDATE_GOLDEN=1 pytest
tests/unit/exporters/test_export_jira.py`` after an intended change and read the diff.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decomposer.check.validate import validate_plan
from decomposer.exporters import ExportBlocked, check_report, export, get_exporter
from decomposer.exporters.jira_csv import (
    CUT_NOTE,
    DESCRIPTION_LIMIT,
    FORMULA_START,
    HEADER,
    label,
    neutralise,
    priority,
    wiki_block,
    wiki_inline,
)
from decomposer.plan.graph import dependency_order
from decomposer.text import one_line
from helpers.exports import DB_MIGRATION, GOLDEN, PROPERTIES, hostile_plan, update_golden
from helpers.plans import clean_plan, load_json

SECTIONS = ["Goal", "Input state", "Acceptance criteria", "Pause boundaries", "Autonomy and risk", "Depends on"]
FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", "=1+1"]
# A wiki special character that is not preceded by the escaping backslash.
UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[*_?\-+^~{}\[\]|!#]")


def render_text(plan: dict) -> str:
    (text,) = get_exporter("jira-csv").render(plan, check_report(plan)).values()
    return text


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def records(plan: dict) -> list[dict[str, str]]:
    header, *rows = parse(render_text(plan))
    assert tuple(header) == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def test_jira_golden(tmp_path):
    (written,) = export(load_json(DB_MIGRATION), "jira-csv", tmp_path / "split-customer-name-jira.csv")
    golden = GOLDEN / "jira-csv" / "split-customer-name-jira.csv"
    if update_golden():
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(written.read_bytes())
    assert written.read_bytes() == golden.read_bytes()


def test_the_header_is_exactly_the_hierarchy_layout():
    text = render_text(load_json(DB_MIGRATION))
    assert text.split("\r\n", 1)[0] == '"Issue Type","Issue ID","Summary","Description","Priority","Labels","Parent"'


def test_rfc_4180_every_field_quoted_and_crlf_between_records():
    text = render_text(hostile_plan())
    rows = parse(text)
    again = io.StringIO()
    csv.writer(again, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    assert again.getvalue() == text  # nothing but quoted fields, doubled quotes, CRLF
    assert text.endswith('"\r\n') and all(len(row) == len(HEADER) for row in rows)
    assert '""' in text  # the hostile titles hold quotes: doubled inside the field


def test_the_plan_is_the_parent_and_comes_first():
    plan = load_json(DB_MIGRATION)
    parent, *children = records(plan)
    assert parent["Issue Type"] == "Task" and parent["Issue ID"] == "1" and parent["Parent"] == ""
    assert parent["Summary"] == plan["title"] and parent["Labels"] == plan["id"]
    assert [row["Issue Type"] for row in children] == ["Sub-task"] * len(plan["subtasks"])
    assert [row["Issue ID"] for row in children] == [str(n) for n in range(2, len(children) + 2)]
    assert {row["Parent"] for row in children} == {"1"}
    assert [row["Summary"] for row in children] == [
        f"{plan['subtasks'][i]['id']}: {plan['subtasks'][i]['title']}" for i in dependency_order(plan)
    ]


def test_subtasks_come_in_dependency_order():
    plan = clean_plan()
    plan["subtasks"].reverse()  # S2, which depends on S1, first
    assert [row["Summary"].split(":")[0] for row in records(plan)[1:]] == ["S1", "S2"]


def test_descriptions_have_the_ticket_sections():
    plan = load_json(DB_MIGRATION)
    parent, *children = records(plan)
    order = dependency_order(plan)
    for row, i in zip(children, order):
        subtask = plan["subtasks"][i]
        description = row["Description"]
        assert re.findall(r"^h3\. (.*)$", description, re.M) == SECTIONS
        assert description.startswith("h3. Goal\n")  # a word first: never a formula
        shown = unescape(description)
        assert subtask["goal"] in shown
        for criterion in subtask["acceptance"]:
            assert criterion["statement"] in shown
            if criterion["verify"]["method"] == "command":
                assert "{{" + criterion["verify"]["command"] + "}}" in shown
        for boundary in subtask["pause_boundaries"]:
            assert f"{boundary['trigger']}: *{boundary['action']}*" in shown
        for dep in subtask.get("depends_on", []):
            assert f"* {dep}: " in shown
    assert re.findall(r"^h3\. (.*)$", parent["Description"], re.M) == ["Task", "Context", "Subtasks"]
    assert "{noformat}\n" + plan["task"] + "\n{noformat}" in parent["Description"]


@pytest.mark.parametrize(
    ("stakes", "cost", "reversible", "expected"),
    [
        ("high", "expensive", False, "Highest"),
        ("high", "cheap", False, "Highest"),
        ("high", "cheap", True, "High"),
        ("high", "expensive", True, "High"),
        ("low", "expensive", True, "Medium"),
        ("low", "cheap", False, "Medium"),
        ("low", "cheap", True, "Low"),
    ],
)
def test_priority_follows_the_risk(stakes, cost, reversible, expected):
    assert priority({"stakes": stakes, "verification_cost": cost, "reversible": reversible}) == expected


def test_priority_of_an_unusable_risk_is_the_project_default_and_the_parent_takes_the_highest():
    assert priority({"stakes": "medium", "verification_cost": "cheap", "reversible": True}) == ""
    assert priority([]) == "" and priority({"stakes": "low", "verification_cost": "cheap", "reversible": 1}) == ""
    plan = clean_plan()  # S1 low/cheap/reversible -> Low, S2 high/cheap/irreversible -> Highest
    assert [row["Priority"] for row in records(plan)] == ["Highest", "Low", "Highest"]
    plan["subtasks"][1]["risk"].update(reversible=True)
    assert records(plan)[0]["Priority"] == "High"


def test_labels_are_autonomy_estimate_and_the_subtasks_own_without_spaces():
    plan = clean_plan()
    plan["subtasks"][0]["labels"] = ["back end", "data\tmigration", "multi\nline", "ok", "ok", "  padded  "]
    first, second = records(plan)[1:]
    assert first["Labels"].split(" ") == [
        "autonomy-autonomous",
        "estimate-S",
        "back-end",
        "data-migration",
        "multi-line",
        "ok",
        "padded",
    ]
    assert second["Labels"] == "autonomy-gated"  # no estimate, no labels
    assert label("x" * 300) == "x" * 254 + "…"


@pytest.mark.parametrize("text", FORMULAS)
def test_no_cell_can_start_a_formula(text):
    plan = clean_plan()
    plan["title"] = f"{text} plan"
    subtask = plan["subtasks"][0]
    subtask["title"] = f"{text} title"
    subtask["goal"] = text
    subtask["labels"] = [text]
    subtask["acceptance"][0]["statement"] = text
    assert not validate_plan(plan).errors
    rows = parse(render_text(plan))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), (text, cell[:40])
    parent = dict(zip(HEADER, rows[1]))
    if text.startswith(("=", "+", "-", "@")):
        assert parent["Summary"] == "'" + plan["title"]  # neutralised, not rewritten
    subtask_row = dict(zip(HEADER, rows[2]))
    assert subtask_row["Summary"].startswith("S1: ")  # starts with a word by construction


def test_a_cell_that_would_start_a_formula_gets_a_quote():
    for text in FORMULAS + ["\x00x"]:
        assert neutralise(text) == "'" + text
    for text in ["plain", "'quoted", " =1", "", "S1: =1"]:
        assert neutralise(text) == text


def test_cells_of_a_broken_plan_are_neutralised_too():
    # The preview renders plans that break the schema: labels may then lead their cell.
    broken = {"title": "@evil", "subtasks": [{"id": "-1", "title": "=x", "labels": ["=1+1", "b"]}]}
    rows = parse(render_text(broken))
    assert rows[1][2] == "'@evil"
    assert rows[2][2] == "'-1: =x" and rows[2][5] == "'=1+1 b"
    assert all(not cell.startswith(FORMULA_START) for row in rows for cell in row)


HOSTILE_WIKI = [
    "h1. Heading",
    "bq. quote",
    "* bullet",
    "# numbered",
    "----",
    "|a|b|",
    "[link|http://evil]",
    "{html}<script>x</script>{html}",
    "{noformat}",
    "*bold* _it_ -del- +ins+ ^sup^ ~sub~ ??cite??",
    "!image.png!",
    "{{mono}}",
    "\\\\ break",
    "\x1b[31mred",
    "[bold red]rich[/bold red]",
]


@pytest.mark.parametrize("text", HOSTILE_WIKI)
def test_wiki_text_escapes_every_special_character(text):
    escaped = wiki_inline(text)
    assert not UNESCAPED.search(escaped), escaped
    assert not re.match(r"(h[1-6]|bq)\.", escaped, re.I)
    assert "\x1b" not in escaped
    assert unescape(escaped) == one_line(text).strip()


@PROPERTIES
@given(st.text())
def test_wiki_text_of_anything_is_escaped_and_reversible(text):
    escaped = wiki_inline(text)
    assert "\n" not in escaped and not UNESCAPED.search(escaped)
    assert unescape(escaped) == one_line(text).strip()


def test_hostile_text_keeps_the_sections():
    plan = hostile_plan()
    for n, text in enumerate(HOSTILE_WIKI):
        plan["subtasks"][2 + n % 10]["goal"] += "\n" + text
    plan["subtasks"][3]["acceptance"][0]["verify"]["command"] = "echo {noformat}\nh1. not a heading"
    plan["subtasks"][4]["acceptance"][0]["verify"]["command"] = "printf 'a\nb'"
    assert not validate_plan(plan).errors
    parent, *children = records(plan)
    assert len(children) == len(plan["subtasks"])
    for row in children:
        description = row["Description"]
        assert re.findall(r"^h[1-6]\. (.*)$", description, re.M) == SECTIONS
        assert description.count("{noformat}") % 2 == 0
        assert "\x1b" not in description and "\r" not in description
    printf = next(row for row in children if "printf" in row["Description"])
    assert "{noformat}\nprintf 'a\nb'\n{noformat}" in printf["Description"]
    echo = next(row for row in children if "echo \\{noformat\\}" in row["Description"])
    assert "{{echo \\{noformat\\} h1. not a heading}}" in echo["Description"]


def test_wiki_block_keeps_paragraphs_and_guards_every_line():
    assert wiki_block("one\nh2. two\n\n\n- three") == "one\nh2\\. two\n\n\\- three"
    assert wiki_block("") == ""


def test_a_huge_title_and_text_are_capped(tmp_path):
    plan = clean_plan()
    plan["subtasks"][0]["title"] = "T" * 50_000
    plan["subtasks"][0]["goal"] = "g" * 50_000
    with pytest.raises(ExportBlocked):
        export(plan, "jira-csv", tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []
    rows = {row["Summary"][:3]: row for row in records(plan)[1:]}
    row = rows["S1:"]
    assert len(row["Summary"]) == 255 and row["Summary"].endswith("…")
    assert len(row["Description"]) == DESCRIPTION_LIMIT and row["Description"].endswith(CUT_NOTE)
    assert get_exporter("jira-csv").default_name(plan) == "fixture-plan-jira.csv"


def test_a_cut_inside_a_noformat_block_closes_the_block():
    # A valid task may hold 50,000 characters, more than a Jira description takes: the cut
    # falls inside the task's {noformat} block, which must still be closed.
    plan = clean_plan()
    plan["task"] = "word " * 9_000
    assert not validate_plan(plan).errors
    description = records(plan)[0]["Description"]
    assert len(description) <= DESCRIPTION_LIMIT and description.endswith(CUT_NOTE)
    assert description.count("{noformat}") == 2
    assert description[: -len(CUT_NOTE)].endswith("\n{noformat}")


def test_the_file_on_disk_is_what_was_rendered(tmp_path):
    plan = hostile_plan()
    (written,) = export(plan, "jira-csv", tmp_path / "out.csv")
    assert written.read_bytes() == render_text(plan).encode("utf-8")
    assert written.read_bytes().count(b"\r\n") >= len(plan["subtasks"]) + 2
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_any_plan_renders_for_the_preview():
    broken = json.loads(
        '{"title": 5, "subtasks": ["junk", {"id": 7, "acceptance": [3, {"verify": "x"}], '
        '"pause_boundaries": "none", "risk": [], "depends_on": [null, "S1"]}]}'
    )
    rows = parse(render_text(broken))
    assert len(rows) == 3 and all(len(row) == len(HEADER) for row in rows)
    assert parse(render_text({}))[1][2] == "Untitled plan"
