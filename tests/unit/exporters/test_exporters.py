"""Exporters: the registry, safe names, JSON and Markdown output, and how export writes.

Golden files: ``tests/unit/exporters/golden/json/`` and ``tests/unit/exporters/golden/markdown/`` hold the exports of
``examples/db-migration.json``, read and checked by hand when they were made. After an
intended change to the output, regenerate them with ``UPDATE_GOLDEN=1 pytest
tests/unit/exporters/test_exporters.py``, read the diff, and commit it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decomposer import exporters
from decomposer.check.validate import validate_plan
from decomposer.exporters import (
    MANIFEST,
    PREVIEW_LIMIT,
    ExportBlocked,
    Exporter,
    ExportError,
    check_report,
    export,
    get_exporter,
    preview,
    registry,
    write_files,
)
from decomposer.exporters import markdown as markdown_exporter
from decomposer.exporters.markdown_syntax import block, code_span, fenced, inline, yaml_value
from decomposer.plan.files import dump_plan
from decomposer.plan.loading import parse_plan
from decomposer.plan.names import WINDOWS_RESERVED, safe_filename, slugify
from decomposer.text import one_line
from helpers.exports import (
    DB_MIGRATION,
    GOLDEN,
    HOSTILE_TITLES,
    PROPERTIES,
    SAFE_FILE,
    files_in,
    headings,
    hostile_plan,
    md,
    rendered_text,
    table_rows,
    update_folder_golden,
    update_golden,
    validation_calls,
)
from helpers.plans import CLEAN_EXAMPLES, EXAMPLES, clean_plan, load_json

SUBTASK_SECTIONS = ["Goal", "Input state", "Acceptance criteria", "Pause boundaries", "Autonomy and risk", "Depends on"]
FRONT_MATTER_KEYS = [
    "id",
    "title",
    "autonomy",
    "estimate",
    "labels",
    "depends_on",
    "stakes",
    "verification_cost",
    "reversible",
]


def split_front_matter(text: str) -> tuple[dict, str]:
    """The front matter as a dict (each value parsed as JSON, which it must be) and the body."""
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    fields = {}
    for line in head.split("\n"):
        key, value = line.split(": ", 1)
        fields[key] = json.loads(value)
    return fields, body


# --- the registry ---------------------------------------------------------------------------

# The order the export dialog offers the formats in (github and linear come with push).
DIALOG_ORDER = ["json", "markdown", "brief", "github", "jira-csv", "linear"]


def test_registry_lists_the_formats_in_dialog_order():
    exporters_by_name = registry()
    assert {"json", "markdown", "brief", "jira-csv"} <= set(exporters_by_name)
    assert list(exporters_by_name) == [name for name in DIALOG_ORDER if name in exporters_by_name]
    for name, exporter in exporters_by_name.items():
        assert isinstance(exporter, Exporter) and exporter.name == name
        assert exporter.label and exporter.description and exporter.kind in ("file", "folder")
    kinds = {name: exporters_by_name[name].kind for name in ("json", "markdown", "brief", "jira-csv")}
    assert kinds == {"json": "file", "markdown": "folder", "brief": "folder", "jira-csv": "file"}
    names = list(exporters_by_name)
    registry().clear()  # a copy: the next call is whole again
    assert list(registry()) == names


def test_default_names():
    plan = load_json(DB_MIGRATION)
    assert get_exporter("json").default_name(plan) == "split-customer-name.json"
    assert get_exporter("markdown").default_name(plan) == "split-customer-name"
    assert get_exporter("brief").default_name(plan) == "split-customer-name-briefs"
    assert get_exporter("jira-csv").default_name(plan) == "split-customer-name-jira.csv"
    assert get_exporter("jira-csv").default_name({"id": "../../etc/passwd"}) == "etc-passwd-jira.csv"
    assert get_exporter("json").default_name({"id": "", "title": "Über Plan"}) == "uber-plan.json"
    assert get_exporter("markdown").default_name({"id": "../..", "title": 5}) == "untitled"
    assert get_exporter("markdown").default_name({}) == "untitled"


def test_unknown_exporter():
    with pytest.raises(ValueError, match="unknown exporter 'pdf'; known: json, markdown"):
        export(clean_plan(), "pdf", Path("x"))


# --- safe names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write the CSV serializer", "write-the-csv-serializer"),
        ("../../etc/passwd", "etc-passwd"),
        ("Café Über Straße", "cafe-uber-stra-e"),
        ("  --Hello,   World!--  ", "hello-world"),
        ("", "untitled"),
        (".", "untitled"),
        ("..", "untitled"),
        ("日本語", "untitled"),
        ("con", "con-file"),
        ("NUL", "nul-file"),
        ("com1", "com1-file"),
        ("LPT9", "lpt9-file"),
        ("console", "console"),
        ("[bold red]alert[/]", "bold-red-alert"),
        ("\x1b[31mred\x1b[0m", "31mred-0m"),
    ],
)
def test_safe_filename_examples(text, expected):
    assert safe_filename(text) == expected


def test_safe_filename_caps_length_without_a_trailing_hyphen():
    name = safe_filename("ab " * 200)
    assert len(name) <= 60 and not name.endswith("-")
    assert safe_filename("x" * 300, limit=20) == "x" * 20
    with pytest.raises(ValueError):
        safe_filename("x", limit=3)


@PROPERTIES
@given(st.text(), st.integers(10, 80))
def test_safe_filename_is_always_a_safe_slug(text, limit):
    name = safe_filename(text, limit)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    assert len(name) <= limit and name not in WINDOWS_RESERVED
    assert slugify(text, limit) in (name, "") or name.endswith("-file")


# --- markdown text helpers ------------------------------------------------------------------

HOSTILE_TEXTS = [
    "# not a heading",
    "- not a list",
    "1. not ordered",
    "12) nor this",
    "> not a quote",
    "<!-- not a comment",
    "<script>alert(1)</script>",
    "a | b | c",
    "```python",
    "~~~",
    "`code | with pipe`",
    "x ``y`` z ` w",
    "[link](http://example.com)",
    "![img](x.png)",
    "**bold** _it_ *em*",
    "$x^2$ costs $5",
    "&copy; &#65; R&D",
    "Title ##",
    "\x1b[31mred\x1b[0m",
    "\\*not em\\*",
    "~~strike~~",
    "===",
    "---",
    "    indented code",
    "[bold red]Rich markup[/bold red]",
    '": [ {',
    "trailing backslash \\",
    "given_name and __init__",
    "+ plus",
    "* star",
    "<http://autolink.example>",
    "a\u202eb",
    "[^1]: footnote",
    "2026.11 release",
    "7)",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_inline_renders_as_the_text_itself(text):
    for source in (f"- {inline(text)}", f"# {inline(text)}", f"Para {inline(text)}"):
        tokens = md().parse(source)
        inlines = [t for t in tokens if t.type == "inline"]
        assert len(inlines) == 1, (text, source, [t.type for t in tokens])
        shown = rendered_text(inlines[0])
        if source.startswith("Para"):
            shown = shown[len("Para ") :]
        assert shown == one_line(text).strip(), (source, shown)
        assert not any(
            child.type in ("html_inline", "link_open", "image", "em_open", "strong_open", "s_open")
            for child in inlines[0].children
        )


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_inline_in_a_table_cell_stays_in_its_cell(text):
    source = f"| a | b |\n| --- | --- |\n| {inline(text, table=True)} | end |\n"
    tokens = md().parse(source)
    cells = [t for t in tokens if t.type == "inline"]
    assert len(cells) == 4, text
    assert rendered_text(cells[2]) == one_line(text).strip()
    assert cells[3].content == "end"


def test_block_keeps_lines_and_paragraphs():
    text = "first line\n# second\n\n\n- third\n```\nfourth `x`"
    tokens = md().parse(block(text))
    assert [t.type for t in tokens if t.type.endswith("_open")] == ["paragraph_open", "paragraph_open"]
    paragraphs = [rendered_text(t) for t in tokens if t.type == "inline"]
    assert paragraphs == ["first line\n# second", "- third\n```\nfourth `x`"]


@pytest.mark.parametrize("text", ["plain", "a`b", "``double``", "` padded `", " lead", "x|y", "```"])
def test_code_span_holds_any_text(text):
    (paragraph,) = [t for t in md().parse(code_span(text)) if t.type == "inline"]
    (child,) = paragraph.children
    assert child.type == "code_inline" and child.content == text


@pytest.mark.parametrize("text", ["one line", "a\n```\nb", "````\n`````", "tabs\tand\x1b escapes\r\nCRLF"])
def test_fenced_block_holds_any_text(text):
    for indent in ("", "    "):
        source = f"- item\n\n{fenced(text, 'sh', indent)}\n" if indent else fenced(text, "sh")
        fences = [t for t in md().parse(source) if t.type == "fence"]
        assert len(fences) == 1
        expected = text.replace("\r\n", "\n").replace("\x1b", "\\x1b")
        assert fences[0].content == expected + "\n" and fences[0].info == "sh"


@pytest.mark.parametrize(
    "value",
    [
        '": [ {',
        "multi\nline",
        'tab\tquote"back\\',
        "nel\x85ls\u2028bom\ufeff",
        "\x1b[0m",
        "emoji 🚀",
        ["a", "b: c"],
        [],
        None,
        True,
        3,
        {"k": "v"},
    ],
)
def test_yaml_values_are_json(value):
    rendered = yaml_value(value)
    assert "\n" not in rendered
    assert json.loads(rendered) == value


def test_yaml_value_of_a_lone_surrogate_is_visible_text():
    assert json.loads(yaml_value("a\ud800b")) == "a\\ud800b"
    yaml_value("a\ud800b").encode("utf-8")


# --- json exporter --------------------------------------------------------------------------


def test_json_golden(tmp_path):
    plan = parse_plan(DB_MIGRATION.read_bytes(), str(DB_MIGRATION)).plan
    written = export(plan, "json", tmp_path / "split-customer-name.json")
    golden = GOLDEN / "json" / "split-customer-name.json"
    if update_golden():
        golden.write_bytes(written[0].read_bytes())
    assert written == [tmp_path / "split-customer-name.json"]
    assert written[0].read_bytes() == golden.read_bytes()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_json_round_trips_byte_for_byte(path):
    plan = load_json(path)
    (text,) = get_exporter("json").render(plan, check_report(plan)).values()
    data = text.encode("utf-8")
    again = dump_plan(parse_plan(data, "export.json").plan).encode("utf-8")
    assert again == data


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@PROPERTIES
@given(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=6))
def test_json_render_round_trips_any_plan(plan):
    (text,) = get_exporter("json").render(plan, check_report(plan)).values()
    assert dump_plan(parse_plan(text.encode("utf-8"), "x").plan) == text


@pytest.mark.parametrize("path", CLEAN_EXAMPLES, ids=lambda p: p.name)
def test_json_export_load_export_is_byte_for_byte_stable(tmp_path, path):
    plan = parse_plan(path.read_bytes(), str(path)).plan
    (first,) = export(plan, "json", tmp_path / "first.json")
    reloaded = parse_plan(first.read_bytes(), str(first)).plan
    (second,) = export(reloaded, "json", tmp_path / "second.json")
    assert reloaded == plan
    assert second.read_bytes() == first.read_bytes()
    assert first.read_bytes() == dump_plan(load_json(path)).encode("utf-8")


def test_json_export_of_the_example_is_its_canonical_dump(tmp_path):
    (written,) = export(load_json(DB_MIGRATION), "json", tmp_path / "plan.json")
    canonical = dump_plan(parse_plan(DB_MIGRATION.read_bytes(), str(DB_MIGRATION)).plan)
    assert written.read_text(encoding="utf-8") == canonical
    assert written.read_bytes().endswith(b"}\n") and b"\r" not in written.read_bytes()


def test_json_export_of_a_lone_surrogate_is_refused_with_its_place(tmp_path):
    plan = clean_plan()
    plan["subtasks"][0]["goal"] = "bad \ud800"
    with pytest.raises(ExportError, match="/subtasks/0/goal"):
        export(plan, "json", tmp_path / "plan.json")
    assert list(tmp_path.iterdir()) == []


# --- markdown exporter ----------------------------------------------------------------------


def test_markdown_golden(tmp_path):
    plan = parse_plan(DB_MIGRATION.read_bytes(), str(DB_MIGRATION)).plan
    destination = tmp_path / "split-customer-name"
    written = export(plan, "markdown", destination)
    golden = GOLDEN / "markdown" / "split-customer-name"
    update_folder_golden(destination, golden)
    assert [p.name for p in written] == ["README.md"] + sorted(p.name for p in written[1:])
    assert files_in(destination) == files_in(golden)
    assert MANIFEST in files_in(golden)


def test_markdown_readme_structure():
    plan = load_json(DB_MIGRATION)
    files = get_exporter("markdown").render(plan, check_report(plan))
    tokens = md().parse(files["README.md"])
    assert headings(tokens, "h1") == [plan["title"]]
    assert headings(tokens, "h2") == ["Task", "Context", "Subtasks"]
    fences = [t for t in tokens if t.type == "fence"]
    assert [f.content for f in fences] == [plan["task"] + "\n", plan["context"] + "\n"]
    assert table_rows(tokens) == [6] * len(plan["subtasks"])
    links = [t.attrs["href"] for t in tokens if t.type == "inline" for t in t.children if t.type == "link_open"]
    assert links == list(files)[1:]
    assert "3 delegable" in files["README.md"]


def test_markdown_subtask_file_structure():
    plan = load_json(DB_MIGRATION)
    files = get_exporter("markdown").render(plan, check_report(plan))
    readiness = validate_plan(plan).readiness
    for i, (name, subtask) in enumerate(zip(list(files)[1:], plan["subtasks"])):
        assert name.startswith(subtask["id"] + "-") and SAFE_FILE.match(name)
        fields, body = split_front_matter(files[name])
        assert list(fields) == FRONT_MATTER_KEYS
        assert fields["id"] == subtask["id"] and fields["title"] == subtask["title"]
        assert fields["depends_on"] == subtask.get("depends_on", [])
        assert fields["reversible"] is subtask["risk"]["reversible"]
        tokens = md().parse(body)
        assert headings(tokens, "h1") == [f"{subtask['id']} · {subtask['title']}"]
        assert headings(tokens, "h2") == SUBTASK_SECTIONS
        tasks = [t for t in tokens if t.type == "inline" and t.content.startswith("[ ] ")]
        assert [t.content[4:] for t in tasks] == [c["statement"] for c in subtask["acceptance"]]
        delegable = "Delegable as written: yes" in body
        assert delegable == (i in readiness.delegable_indexes)


def test_markdown_table_is_in_dependency_order():
    plan = clean_plan()
    plan["subtasks"].reverse()  # S2 (depends on S1) first
    files = get_exporter("markdown").render(plan, check_report(plan))
    ids = re.findall(r"^\| (S\d) \|", files["README.md"], re.M)
    assert ids == ["S1", "S2"]
    assert list(files)[1:] == ["S2-add-the-download-button.md", "S1-write-the-csv-serializer.md"]


def test_markdown_table_with_a_cycle_falls_back_to_plan_order():
    plan = clean_plan()
    plan["subtasks"][0]["depends_on"] = ["S2"]
    plan["subtasks"].append(dict(plan["subtasks"][0], id="S3", depends_on=[]))
    files = get_exporter("markdown").render(plan, check_report(plan))
    assert re.findall(r"^\| (S\d) \|", files["README.md"], re.M) == ["S3", "S1", "S2"]


def test_markdown_multi_line_command_and_backticks():
    plan = clean_plan()
    verify = plan["subtasks"][0]["acceptance"][0]["verify"]
    verify["command"] = "cat <<'EOF' | wc -l\n```\nEOF"
    plan["subtasks"][1]["acceptance"][0]["verify"]["command"] = "echo `date` ``x``"
    files = get_exporter("markdown").render(plan, check_report(plan))
    _, body = split_front_matter(files["S1-write-the-csv-serializer.md"])
    fences = [t for t in md().parse(body) if t.type == "fence"]
    assert [f.content for f in fences] == [verify["command"] + "\n"]
    assert headings(md().parse(body), "h2") == SUBTASK_SECTIONS
    _, body = split_front_matter(files["S2-add-the-download-button.md"])
    codes = [c.content for t in md().parse(body) if t.type == "inline" for c in t.children if c.type == "code_inline"]
    assert "echo `date` ``x``" in codes


def test_markdown_renders_any_plan_for_preview():
    broken = {
        "title": 5,
        "task": None,
        "subtasks": [
            "junk",
            {
                "id": 7,
                "title": None,
                "acceptance": [3, {"verify": "x"}, {"verify": {"method": "carrier pigeon"}}],
                "pause_boundaries": "none",
                "risk": [],
                "depends_on": [None, "S1"],
            },
            {"acceptance": [{"statement": "s", "verify": {"method": "command"}}]},
        ],
    }
    files = get_exporter("markdown").render(broken, check_report(broken))
    assert list(files)[0] == "README.md" and len(files) == 3
    assert all(SAFE_FILE.match(name) for name in list(files)[1:])
    for name in list(files)[1:]:
        fields, body = split_front_matter(files[name])
        assert headings(md().parse(body), "h2") == SUBTASK_SECTIONS
    assert preview({}, "markdown").startswith("# Untitled plan\n")


# --- hostile plans ----------------------------------------------------------------------------


def assert_markdown_structure(files: dict[str, str], plan: dict) -> None:
    subtasks = [s for s in plan["subtasks"] if isinstance(s, dict)]
    readme = md().parse(files["README.md"])
    assert len(headings(readme, "h1")) == 1
    assert headings(readme, "h2")[:1] == ["Task"] and headings(readme, "h2")[-1] == "Subtasks"
    fences = [t for t in readme if t.type == "fence"]
    assert fences[0].content == plan["task"] + "\n"
    assert table_rows(readme) == [6] * len(subtasks)
    for name, text in list(files.items())[1:]:
        assert SAFE_FILE.match(name), name
        fields, body = split_front_matter(text)
        assert list(fields) == FRONT_MATTER_KEYS
        tokens = md().parse(body)
        assert len(headings(tokens, "h1")) == 1, name
        assert headings(tokens, "h2") == SUBTASK_SECTIONS, name
    for text in files.values():
        assert "\x1b" not in text and "\r" not in text


def test_hostile_text_keeps_the_markdown_structure():
    plan = hostile_plan()
    assert not validate_plan(plan).errors  # the export is not blocked
    files = get_exporter("markdown").render(plan, check_report(plan))
    assert_markdown_structure(files, plan)
    for title, name in zip(HOSTILE_TITLES, list(files)[3:]):
        fields, body = split_front_matter(files[name])
        shown = headings(md().parse(body), "h1")[0]
        assert shown == f"{fields['id']} · {one_line(fields['title']).strip()}"
        assert fields["labels"][0] == title


def test_hostile_titles_never_leave_the_folder(tmp_path):
    plan = hostile_plan()
    destination = tmp_path / "out" / "plan"
    written = export(plan, "markdown", destination)
    assert len(written) == len(plan["subtasks"]) + 1
    for path in written:
        assert path.parent == destination and path.is_file()
    assert {p.name for p in tmp_path.rglob("*") if p.is_file()} == {p.name for p in written} | {MANIFEST}


def test_hostile_ids_and_long_titles_in_a_preview_and_on_disk(tmp_path):
    # Such a plan is blocked from export (bad ids, over-long titles): the renderer must
    # still give safe file names for the preview, and they must stay in the folder.
    plan = hostile_plan()
    plan["subtasks"][2]["id"] = "../../etc/passwd"
    plan["subtasks"][3]["id"] = "/abs/olute"
    plan["subtasks"][4]["id"] = "con"
    plan["subtasks"][5]["id"] = "S1"  # a duplicate
    plan["subtasks"][6]["title"] = "y" * 300
    plan["subtasks"][7]["id"] = "C:\\windows"
    with pytest.raises(ExportBlocked):
        export(plan, "markdown", tmp_path / "blocked")
    assert not (tmp_path / "blocked").exists()
    files = get_exporter("markdown").render(plan, check_report(plan))
    assert len(files) == len(plan["subtasks"]) + 1
    assert len({name.casefold() for name in files}) == len(files)
    assert_markdown_structure(files, plan)
    written = write_files("folder", files, tmp_path / "preview")
    assert all(path.parent == tmp_path / "preview" for path in written)
    assert all(len(path.name) < 120 for path in written)


# --- export: validation, overwriting, paths, atomicity ------------------------------------------


def test_export_blocked_by_errors_lists_them(tmp_path):
    plan = load_json(EXAMPLES / "flawed.json")
    for name in ("json", "markdown"):
        with pytest.raises(ExportBlocked) as raised:
            export(plan, name, tmp_path / f"out-{name}")
        errors = validate_plan(plan).errors
        assert raised.value.findings == errors and len(errors) == 8
        assert str(raised.value).startswith("export blocked by 8 errors; first: ")
    assert list(tmp_path.iterdir()) == []


def test_export_blocked_by_warnings_only_when_asked(tmp_path):
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"][0]["statement"] = "The export is fast"
    warnings = validate_plan(plan).warnings
    assert warnings and not validate_plan(plan).errors
    with pytest.raises(ExportBlocked) as raised:
        export(plan, "json", tmp_path / "strict.json", allow_warnings=False)
    assert raised.value.findings == warnings and "1 warning" in str(raised.value)
    assert export(plan, "json", tmp_path / "lenient.json") == [tmp_path / "lenient.json"]


def test_export_refuses_to_overwrite(tmp_path):
    plan = load_json(DB_MIGRATION)
    target = tmp_path / "plan.json"
    target.write_text("precious", encoding="utf-8")
    with pytest.raises(FileExistsError) as raised:
        export(plan, "json", target)
    assert raised.value.filename == str(target) and "plan.json" in str(raised.value)
    assert target.read_text(encoding="utf-8") == "precious"
    export(plan, "json", target, overwrite=True)
    assert target.read_text(encoding="utf-8") == dump_plan(plan)


def test_export_refuses_to_overwrite_any_file_of_a_folder(tmp_path):
    plan = load_json(DB_MIGRATION)
    folder = tmp_path / "tickets"
    folder.mkdir()
    (folder / "S3-backfill-given-name-and-family-name-for-existing-rows.md").write_text("mine", encoding="utf-8")
    (folder / "notes.txt").write_text("unrelated", encoding="utf-8")
    with pytest.raises(FileExistsError, match="S3-backfill"):
        export(plan, "markdown", folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "S3-backfill-given-name-and-family-name-for-existing-rows.md",
        "notes.txt",
    ]
    written = export(plan, "markdown", folder, overwrite=True)
    assert len(written) == 6 and (folder / "notes.txt").read_text(encoding="utf-8") == "unrelated"


def test_export_creates_missing_folders(tmp_path):
    written = export(clean_plan(), "json", tmp_path / "a" / "b" / "plan.json")
    assert written[0].is_file()


@pytest.mark.parametrize(
    "name",
    [
        "../escape.md",
        "/etc/evil.md",
        "a/../../x.md",
        "C:\\evil.md",
        "",
        ".",
        "a//b.md",
        "./x.md",
        "sub/..",
        "nul\x00.md",
    ],
)
def test_write_files_refuses_paths_outside_the_folder(tmp_path, name):
    with pytest.raises(ExportError, match="refusing"):
        write_files("folder", {"README.md": "ok", name: "evil"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_files_refuses_symlink_escapes(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.md"
    victim.write_text("untouched", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "sub").symlink_to(outside, target_is_directory=True)
    (folder / "link.md").symlink_to(victim)
    for name in ("sub/x.md", "link.md"):
        with pytest.raises(ExportError, match="outside"):
            write_files("folder", {name: "evil"}, folder, overwrite=True)
    assert victim.read_text(encoding="utf-8") == "untouched" and list(outside.iterdir()) == [victim]


def test_write_files_into_subfolders(tmp_path):
    written = write_files("folder", {"README.md": "r", "tickets/S1.md": "s"}, tmp_path / "out")
    assert written == [tmp_path / "out" / "README.md", tmp_path / "out" / "tickets" / "S1.md"]


def test_folder_export_onto_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        export(clean_plan(), "markdown", tmp_path / "out")
    assert (tmp_path / "out").read_text(encoding="utf-8") == "a file"


def test_write_files_refuses_names_that_clash_by_case(tmp_path):
    with pytest.raises(ExportError, match="case-insensitive"):
        write_files("folder", {"S1-a.md": "1", "s1-A.md": "2"}, tmp_path / "out")


def test_write_files_file_kind_needs_one_file(tmp_path):
    with pytest.raises(ExportError, match="one file"):
        write_files("file", {"a.json": "1", "b.json": "2"}, tmp_path / "x.json")
    with pytest.raises(IsADirectoryError):
        write_files("file", {"a.json": "1"}, tmp_path, overwrite=True)


def test_export_and_preview_render_from_the_report_they_are_given(tmp_path, monkeypatch):
    plan = load_json(DB_MIGRATION)
    report = check_report(plan)
    calls = validation_calls(monkeypatch)
    for name in registry():
        assert preview(plan, name, report=report)
        assert export(plan, name, tmp_path / name, report=report)
    assert calls == []
    export(plan, "json", tmp_path / "unchecked.json")  # no report: check_report makes it
    assert len(calls) == 1
    with pytest.raises(ExportBlocked):  # the refusal, too, is the given report's
        export(plan, "json", tmp_path / "refused.json", report=check_report(load_json(EXAMPLES / "flawed.json")))


def test_a_failing_render_writes_nothing(tmp_path, monkeypatch):
    def render(plan, report):
        raise RuntimeError("renderer bug")

    broken = dataclasses.replace(markdown_exporter.EXPORTER, render=render)
    monkeypatch.setattr(markdown_exporter, "EXPORTER", broken)
    with pytest.raises(RuntimeError):
        export(clean_plan(), "markdown", tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_write_failing_midway_removes_what_it_wrote(tmp_path, monkeypatch):
    calls = []
    real_write = exporters.write_atomic

    def flaky_write(path, text, mode=None):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(exporters, "write_atomic", flaky_write)
    with pytest.raises(OSError, match="No space"):
        export(load_json(DB_MIGRATION), "markdown", tmp_path / "deep" / "out")
    assert len(calls) == 3 and list(tmp_path.iterdir()) == []


def test_a_write_failing_midway_keeps_files_that_were_there(tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    monkeypatch.setattr(
        exporters, "write_atomic", lambda path, text, mode=None: (_ for _ in ()).throw(OSError(5, "EIO"))
    )
    with pytest.raises(OSError):
        export(clean_plan(), "markdown", folder)
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


# --- the manifest and stale files ---------------------------------------------------------------


def manifest_names(folder: Path) -> list[str]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]


def test_a_folder_export_lists_what_it_wrote_and_a_file_export_leaves_no_manifest(tmp_path):
    written = export(load_json(DB_MIGRATION), "markdown", tmp_path / "tickets")
    assert manifest_names(tmp_path / "tickets") == [path.name for path in written]
    assert written.removed == [] and written.kept == []
    export(load_json(DB_MIGRATION), "json", tmp_path / "plan.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "tickets"]


def test_replacing_an_export_removes_its_stale_files_and_nothing_else(tmp_path):
    plan = load_json(DB_MIGRATION)
    folder = tmp_path / "tickets"
    first = export(plan, "markdown", folder)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "S9-my-own-ticket.md").write_text("hand-written", encoding="utf-8")
    renamed, deleted = first[3], first[5]  # S3 gets a new title; S5 is deleted
    plan["subtasks"][2]["title"] = "Backfill the name parts in batches"
    del plan["subtasks"][4]

    second = export(plan, "markdown", folder, overwrite=True)
    assert sorted(second.removed) == sorted([renamed, deleted])
    assert not renamed.exists() and not deleted.exists()
    assert (folder / "S3-backfill-the-name-parts-in-batches.md").is_file()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (folder / "S9-my-own-ticket.md").read_text(encoding="utf-8") == "hand-written"
    assert manifest_names(folder) == [path.name for path in second]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST, "notes.txt", "S9-my-own-ticket.md", *(path.name for path in second)]
    )


def test_without_overwrite_an_earlier_export_is_left_alone(tmp_path):
    plan = load_json(DB_MIGRATION)
    folder = tmp_path / "tickets"
    export(plan, "markdown", folder)
    before = files_in(folder)
    del plan["subtasks"][4]
    with pytest.raises(FileExistsError):
        export(plan, "markdown", folder)
    assert files_in(folder) == before


def test_the_manifest_alone_counts_as_an_existing_export(tmp_path):
    folder = tmp_path / "tickets"
    folder.mkdir()
    (folder / MANIFEST).write_text('{"files": []}', encoding="utf-8")
    with pytest.raises(FileExistsError) as raised:
        export(clean_plan(), "markdown", folder)
    assert raised.value.filename == str(folder / MANIFEST)


def test_stale_removal_never_reaches_outside_the_folder_or_into_folders(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.md"
    victim.write_text("untouched", encoding="utf-8")
    folder = tmp_path / "tickets"
    export(clean_plan(), "markdown", folder)
    (folder / "sub").symlink_to(outside, target_is_directory=True)
    (folder / "link.md").symlink_to(victim)
    (folder / "adir").mkdir()
    hostile = [
        "../outside/victim.md",
        str(victim),
        "sub/victim.md",
        "link.md",
        "adir",
        "",
        ".",
        "..",
        "a\\..\\..\\outside\\victim.md",
        7,
        None,
    ]
    (folder / MANIFEST).write_text(json.dumps({"files": hostile}), encoding="utf-8")
    written = export(clean_plan(), "markdown", folder, overwrite=True)
    assert written.removed == [] and written.kept == []
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert (folder / "link.md").is_symlink() and (folder / "adir").is_dir()


@pytest.mark.parametrize("manifest", ["not json", "[1, 2]", '{"files": "README.md"}', "", '{"files": {"a": 1}}'])
def test_a_damaged_manifest_removes_nothing_and_is_rewritten(tmp_path, manifest):
    folder = tmp_path / "tickets"
    export(clean_plan(), "markdown", folder)
    (folder / "old.md").write_text("kept", encoding="utf-8")
    (folder / MANIFEST).write_text(manifest, encoding="utf-8")
    written = export(clean_plan(), "markdown", folder, overwrite=True)
    assert written.removed == [] and (folder / "old.md").exists()
    assert manifest_names(folder) == [path.name for path in written]


def test_a_stale_name_that_differs_only_by_case_is_kept(tmp_path):
    # On a case-insensitive disk "readme.md" is the README this export just wrote.
    folder = tmp_path / "tickets"
    export(clean_plan(), "markdown", folder)
    (folder / "readme.md").write_text("other", encoding="utf-8")
    names = manifest_names(folder) + ["readme.md"]
    (folder / MANIFEST).write_text(json.dumps({"files": names}), encoding="utf-8")
    written = export(clean_plan(), "markdown", folder, overwrite=True)
    assert written.removed == [] and (folder / "readme.md").exists()


def test_a_stale_file_that_cannot_be_removed_stays_listed(tmp_path, monkeypatch):
    plan = clean_plan()
    folder = tmp_path / "tickets"
    first = export(plan, "markdown", folder)
    stale = first[2]
    plan["subtasks"][1]["title"] = "Add the CSV download button"
    real_unlink = Path.unlink

    def refuse(path, *args, **kwargs):
        if path == stale:
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    written = export(plan, "markdown", folder, overwrite=True)
    assert written.kept == [stale] and written.removed == [] and stale.exists()
    assert manifest_names(folder) == [path.name for path in written] + [stale.name]
    monkeypatch.setattr(Path, "unlink", real_unlink)
    again = export(plan, "markdown", folder, overwrite=True)  # the next export tries again
    assert again.removed == [stale] and not stale.exists()
    assert manifest_names(folder) == [path.name for path in again]


def test_an_exporter_may_not_write_the_manifest_name(tmp_path):
    for name in (MANIFEST, MANIFEST.upper()):
        with pytest.raises(ExportError, match="kept for the export"):
            write_files("folder", {"README.md": "r", name: "{}"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- preview --------------------------------------------------------------------------------


def test_preview_shows_the_first_file():
    plan = load_json(DB_MIGRATION)
    assert preview(plan, "json") == dump_plan(plan)
    assert preview(plan, "markdown") == (GOLDEN / "markdown" / "split-customer-name" / "README.md").read_text(
        encoding="utf-8"
    )


def test_preview_of_an_invalid_plan_works():
    assert preview(load_json(EXAMPLES / "flawed.json"), "markdown").startswith("# ")


def test_preview_is_capped():
    plan = clean_plan()
    plan["context"] = "c" * (PREVIEW_LIMIT + 5000)
    text = preview(plan, "json")
    assert len(text) < PREVIEW_LIMIT + 200 and "preview cut at 200 KB" in text
