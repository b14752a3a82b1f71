"""The ``brief`` exporter: one prompt per subtask for a coding agent, and an index.

Golden files: ``tests/unit/exporters/golden/brief/`` holds the export of ``examples/db-migration.json``,
read by hand when it was made; regenerate with ``UPDATE_GOLDEN=1 pytest
tests/unit/exporters/test_export_brief.py`` after an intended change and read the diff.
"""

from __future__ import annotations

import json
import re

import pytest

from decomposer.check.validate import validate_plan
from decomposer.exporters import MANIFEST, ExportBlocked, brief, check_report, export, get_exporter, write_files
from decomposer.plan.loading import parse_plan
from decomposer.text import one_line
from helpers.exports import (
    DB_MIGRATION,
    GOLDEN,
    HOSTILE_TITLES,
    SAFE_FILE,
    files_in,
    headings,
    hostile_plan,
    md,
    rendered_text,
    table_rows,
    update_folder_golden,
)
from helpers.plans import EXAMPLES, clean_plan, load_json

SECTIONS = [
    "Task context",
    "What you start from",
    "What done means",
    "When to stop and ask",
    "What you may and may not do",
    "Dependencies",
]


def render(plan: dict) -> dict[str, str]:
    return get_exporter("brief").render(plan, check_report(plan))


def section(text: str, heading: str) -> str:
    """The source of the ``## heading`` section (up to the next ``## ``)."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, heading
    return match.group(1)


def shown(source: str) -> str:
    """Everything a Markdown renderer shows for ``source``: inline text (code spans with
    their backticks) and fenced code, in order."""
    parts = []
    for token in md().parse(source):
        if token.type == "inline":
            parts.append(rendered_text(token))
        elif token.type == "fence":
            parts.append(token.content)
    return "\n".join(parts)


def test_brief_golden(tmp_path):
    plan = parse_plan(DB_MIGRATION.read_bytes(), str(DB_MIGRATION)).plan
    destination = tmp_path / "split-customer-name-briefs"
    written = export(plan, "brief", destination)
    golden = GOLDEN / "brief" / "split-customer-name-briefs"
    update_folder_golden(destination, golden)
    assert [p.name for p in written][0] == "README.md" and len(written) == len(plan["subtasks"]) + 1
    assert files_in(destination) == files_in(golden)
    assert MANIFEST in files_in(golden)


def test_each_brief_has_the_sections_in_order():
    plan = load_json(DB_MIGRATION)
    files = render(plan)
    assert (
        list(files)[1:] == list(get_exporter("markdown").render(plan, check_report(plan)))[1:]
    )  # the ticket file names
    for name, subtask in zip(list(files)[1:], plan["subtasks"]):
        assert name.startswith(subtask["id"] + "-") and SAFE_FILE.match(name)
        tokens = md().parse(files[name])
        assert headings(tokens, "h1") == [f"Brief {subtask['id']}: {subtask['title']}"]
        assert headings(tokens, "h2") == SECTIONS
        assert plan["title"] in shown(files[name].split("\n## ")[0])
        assert subtask["goal"] in shown(section(files[name], "Task context"))


def test_each_brief_carries_the_plan_context_the_subtask_may_rely_on():
    # A brief is handed to an agent alone: the plan's constraints (who approves DDL, how
    # deploys go) must be in it, not only in the index.
    plan = load_json(DB_MIGRATION)
    files = render(plan)
    for name in list(files)[1:]:
        context = [t for t in md().parse(section(files[name], "Task context")) if t.type == "fence"]
        assert [(block.content, block.info) for block in context] == [(plan["context"] + "\n", "text")], name
    del plan["context"]
    for name, text in list(render(plan).items())[1:]:
        assert not [t for t in md().parse(section(text, "Task context")) if t.type == "fence"], name


def test_the_start_lists_summary_preconditions_and_artifacts():
    plan = load_json(DB_MIGRATION)
    files = render(plan)
    for name, subtask in zip(list(files)[1:], plan["subtasks"]):
        start = shown(section(files[name], "What you start from"))
        state = subtask["input_state"]
        for text in [state["summary"], *state["preconditions"], *state.get("artifacts", [])]:
            assert text in start, (name, text)


def test_done_means_each_criterion_with_its_exact_command_and_expectations():
    plan = load_json(DB_MIGRATION)
    files = render(plan)
    for name, subtask in zip(list(files)[1:], plan["subtasks"]):
        done = section(files[name], "What done means")
        tokens = md().parse(done)
        items = [t for t in tokens if t.type == "list_item_open" and t.level == 1]
        assert len(items) == len(subtask["acceptance"])
        codes = [c.content for t in tokens if t.type == "inline" for c in t.children if c.type == "code_inline"]
        text = shown(done)
        for criterion in subtask["acceptance"]:
            verify = criterion["verify"]
            assert criterion["statement"] in text
            if verify["method"] == "command":
                assert verify["command"] in codes
                assert f"exit code {verify.get('expect_exit', 0)}" in text
                if "expect_output" in verify:
                    assert verify["expect_output"] in codes
                if "timeout_s" in verify:
                    assert f"within {verify['timeout_s']} seconds" in text
            else:
                assert f"{verify['reviewer']} must accept it" in text


def test_stop_and_ask_quotes_each_trigger_and_question_word_for_word():
    plan = load_json(DB_MIGRATION)
    files = render(plan)
    actions = {"ask": "ask the question below", "confirm": "wait for explicit approval", "stop": "stop working"}
    for name, subtask in zip(list(files)[1:], plan["subtasks"]):
        items = [t for t in md().parse(section(files[name], "When to stop and ask")) if t.type == "inline"]
        lines = [rendered_text(t) for t in items]
        for boundary in subtask["pause_boundaries"]:
            where = lines.index(f"Trigger: {boundary['trigger']}")
            action = lines[where + 1].replace("\n", " ")
            assert action.startswith("Then: ") and actions[boundary["action"]] in action
            rest = lines[where + 2 : where + 4]
            if "question" in boundary:
                assert f"Ask: {boundary['question']}" in rest
            if "reason" in boundary:
                assert f"Why: {boundary['reason']}" in rest


@pytest.mark.parametrize("autonomy", ["propose", "gated", "autonomous"])
def test_the_rules_follow_the_autonomy_level(autonomy):
    plan = clean_plan()
    subtask = plan["subtasks"][1]  # gated, high stakes, irreversible, confirms before deploying
    subtask["autonomy"] = autonomy
    text = render(plan)["S2-add-the-download-button.md"]
    rules = shown(section(text, "What you may and may not do"))
    assert f"Your autonomy level is {autonomy}" in rules
    assert ("propose it" in rules) == (autonomy == "propose")
    assert ("ask for confirmation and wait" in rules) == (autonomy == "gated")
    assert ("report what you did" in rules) == (autonomy == "autonomous")
    assert ('confirmations you must wait for: "When about to deploy to production"' in rules) == (autonomy == "gated")
    assert "Every step reversible: no" in rules and "cannot be undone" in rules


def test_gated_lists_every_confirmation_and_says_so_when_there_is_none():
    plan = clean_plan()
    boundaries = plan["subtasks"][1]["pause_boundaries"]
    boundaries.append({"trigger": "When about to push the branch", "action": "confirm"})
    boundaries.append({"trigger": "If the diff touches billing/", "action": "stop"})
    rules = shown(section(render(plan)["S2-add-the-download-button.md"], "What you may and may not do"))
    assert '"When about to deploy to production"; "When about to push the branch"' in rules.replace("\n", " ")
    assert "billing" not in rules
    for boundary in boundaries:
        boundary["action"] = "stop"
    rules = shown(section(render(plan)["S2-add-the-download-button.md"], "What you may and may not do"))
    assert "None of the pause boundaries is a confirmation" in rules.replace("\n", " ")


def test_dependencies_link_to_the_briefs_to_finish_first():
    plan = load_json(DB_MIGRATION)
    files = render(plan)
    names = list(files)[1:]
    for name, subtask in zip(names, plan["subtasks"]):
        tokens = md().parse(section(files[name], "Dependencies"))
        links = [c.attrs["href"] for t in tokens if t.type == "inline" for c in t.children if c.type == "link_open"]
        expected = [names[[s["id"] for s in plan["subtasks"]].index(dep)] for dep in subtask.get("depends_on", [])]
        assert links == expected
        if not expected:
            assert "you can start right away" in shown(section(files[name], "Dependencies"))


def test_the_index_lists_the_briefs_in_dependency_order_with_readiness():
    plan = clean_plan()
    plan["subtasks"].reverse()
    plan["subtasks"][0]["autonomy"] = "propose"  # S2
    files = render(plan)
    readme = files["README.md"]
    tokens = md().parse(readme)
    assert headings(tokens, "h2") == ["Task", "Briefs"]  # no context: no empty section
    assert re.findall(r"^\| (S\d) \|", readme, re.M) == ["S1", "S2"]
    assert table_rows(tokens) == [6, 6]
    assert "| delegable |" in readme and "| not delegable: autonomy is propose |" in readme
    plan["context"] = "Repository notes"
    assert headings(md().parse(render(plan)["README.md"]), "h2") == ["Task", "Context", "Briefs"]


def test_a_multi_line_command_is_a_fenced_block():
    plan = clean_plan()
    command = "cat <<'EOF' | wc -l\n```\nEOF"
    plan["subtasks"][0]["acceptance"][0]["verify"]["command"] = command
    done = section(render(plan)["S1-write-the-csv-serializer.md"], "What done means")
    fences = [t for t in md().parse(done) if t.type == "fence"]
    assert [(f.content, f.info) for f in fences] == [(command + "\n", "sh")]


def test_every_fragment_is_used_and_filled(monkeypatch):
    """Rendering plans that take every branch uses each fragment of the template, and
    every placeholder gets a value (``say`` raises KeyError otherwise)."""
    used = set()
    real_say = brief.say

    def recording_say(name, **values):
        used.add(name)
        return real_say(name, **values)

    monkeypatch.setattr(brief, "say", recording_say)
    odd = clean_plan()
    odd["context"] = "notes"
    first, second = odd["subtasks"]
    first["acceptance"] += [
        {
            "statement": "multi",
            "verify": {"method": "command", "command": "a\nb", "expect_output": "x", "timeout_s": 5},
        },
        {"statement": "no reviewer", "verify": {"method": "review"}},
        {"statement": "no command", "verify": {"method": "command"}},
        {"statement": "odd", "verify": {"method": "carrier pigeon"}},
    ]
    first["pause_boundaries"] += [
        {"trigger": "t", "action": "ask", "question": "q?", "reason": "r"},
        {"trigger": "t2", "action": "shout"},
    ]
    first["depends_on"] = ["S9"]
    second["pause_boundaries"] = []
    second["acceptance"] = []
    for autonomy in ("propose", "gated", "autonomous", "free"):
        first["autonomy"] = autonomy
        render(odd)
    second["pause_boundaries"] = [{"trigger": "x", "action": "stop"}]
    render(odd)  # gated without a confirmation
    render(load_json(DB_MIGRATION))
    assert used == set(brief.fragments())


def test_the_template_has_the_fragments_the_exporter_names():
    fragments = brief.fragments()
    assert "brief" in fragments and "readme" in fragments
    assert all(text and not text.startswith("\n") and not text.endswith("\n") for text in fragments.values())
    assert "@@" not in "".join(fragments.values())


def test_say_drops_an_empty_optional_section():
    assert "${context}" in brief.fragments()["readme"]
    with_context = brief.say("readme", plan_title="P", summary="s", task="t", context="C", table="|x|")
    without = brief.say("readme", plan_title="P", summary="s", task="t", context="", table="|x|")
    assert "\n\nC\n\n" in with_context
    assert without == with_context.replace("C\n\n", "", 1)
    with pytest.raises(KeyError):
        brief.say("readme", plan_title="P")


# --- hostile plans ----------------------------------------------------------------------------


def test_hostile_text_cannot_leave_its_section():
    plan = hostile_plan()
    assert not validate_plan(plan).errors
    files = render(plan)
    assert len(files) == len(plan["subtasks"]) + 1
    readme = md().parse(files["README.md"])
    assert len(headings(readme, "h1")) == 1 and headings(readme, "h2") == ["Task", "Context", "Briefs"]
    assert table_rows(readme) == [6] * len(plan["subtasks"])
    for title, name in zip(HOSTILE_TITLES, list(files)[3:]):
        assert SAFE_FILE.match(name), name
        tokens = md().parse(files[name])
        assert headings(tokens, "h1") == [f"Brief {name.split('-')[0]}: {one_line(title).strip()}"]
        assert headings(tokens, "h2") == SECTIONS, name
        stop = shown(section(files[name], "When to stop and ask"))
        assert f"Ask: {one_line(title).strip()}" in stop
    for text in files.values():
        assert "\x1b" not in text and "\r" not in text


def test_hostile_ids_and_long_titles_get_safe_names(tmp_path):
    plan = hostile_plan()
    plan["subtasks"][2]["id"] = "../../etc/passwd"
    plan["subtasks"][3]["id"] = "con"
    plan["subtasks"][4]["title"] = "y" * 50_000
    with pytest.raises(ExportBlocked):
        export(plan, "brief", tmp_path / "blocked")
    assert not (tmp_path / "blocked").exists()
    files = render(plan)
    assert all(len(name) < 120 and (name == "README.md" or SAFE_FILE.match(name)) for name in files)
    written = write_files("folder", files, tmp_path / "preview")
    assert {p.parent for p in written} == {tmp_path / "preview"}


def test_any_plan_renders_for_the_preview():
    broken = {
        "title": 5,
        "task": None,
        "subtasks": [
            "junk",
            {
                "id": 7,
                "title": None,
                "acceptance": [3, {"verify": "x"}],
                "pause_boundaries": "none",
                "risk": [],
                "autonomy": ["x"],
                "depends_on": [None, "S1"],
                "input_state": "here",
            },
        ],
    }
    files = render(broken)
    assert list(files)[0] == "README.md" and len(files) == 2
    (name,) = list(files)[1:]
    assert headings(md().parse(files[name]), "h2") == SECTIONS
    assert render({})["README.md"].startswith("# Agent briefs: Untitled plan\n")


def test_every_example_renders_with_the_sections(tmp_path):
    for path in sorted(EXAMPLES.glob("*.json")):
        files = render(json.loads(path.read_text(encoding="utf-8")))
        for name in list(files)[1:]:
            assert headings(md().parse(files[name]), "h2") == SECTIONS, (path.name, name)
