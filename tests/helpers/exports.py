"""Golden files, hostile plans and Markdown parsing shared by the exporter and export-command tests."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from pathlib import Path

from hypothesis import settings
from markdown_it import MarkdownIt

from decomposer.exporters import BUILTIN_MODULES
from helpers.plans import EXAMPLES, ROOT, clean_plan

GOLDEN = ROOT / "tests" / "unit" / "exporters" / "golden"


DB_MIGRATION = EXAMPLES / "db-migration.json"

# Every module an export or a push runs, imported before validate_plan is wrapped so that
# each one's binding of the name is found and wrapped too.
EXPORT_MODULES = (
    "decomposer.cli.main",
    "decomposer.cli.export_command",
    "decomposer.cli.export_check",
    "decomposer.cli.push_command",
    "decomposer.trackers.github",
    "decomposer.trackers.linear",
    *(f"decomposer.exporters.{name}" for name in BUILTIN_MODULES),
)


PROPERTIES = settings(max_examples=150, deadline=None, derandomize=True, database=None)


SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*\.md$")


def validation_calls(monkeypatch) -> list[object]:
    """From now until the test ends, every call of ``validate_plan`` (the plan it was
    given), whichever module makes it: the real function is wrapped in every module that
    holds it."""
    from decomposer.check import validate

    for name in EXPORT_MODULES:
        importlib.import_module(name)
    real = validate.validate_plan
    calls: list[object] = []

    def counted(plan, *args, **kwargs):
        calls.append(plan)
        return real(plan, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("decomposer") and getattr(module, "validate_plan", None) is real:
            monkeypatch.setattr(module, "validate_plan", counted)
    return calls


def md() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def headings(tokens, level: str) -> list[str]:
    """The text each heading of ``level`` ("h1") shows."""
    return [rendered_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == level]


def rendered_text(inline_token) -> str:
    """What an inline token shows, code spans with their backticks (as the source had
    them), so it can be compared with the text that went in."""
    parts = []
    for child in inline_token.children:
        if child.type == "text":
            parts.append(child.content)
        elif child.type == "code_inline":
            parts.append(child.markup + child.content + child.markup)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def update_golden() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"


def update_folder_golden(exported: Path, golden: Path) -> None:
    """With UPDATE_GOLDEN=1, make ``golden`` a copy of the ``exported`` folder (manifest
    included)."""
    if update_golden():
        golden.mkdir(parents=True, exist_ok=True)
        for old in golden.iterdir():
            old.unlink()
        for file in exported.iterdir():
            (golden / file.name).write_bytes(file.read_bytes())


HOSTILE_TITLES = [
    "../../etc/passwd",
    "con",
    "[bold red]alert[/bold red]",
    "\x1b[2J\x1b[31mred",
    "a\nb\r\nc",
    "pipe | in | title",
    "```",
    'yaml ": [ {breaker',
    "# heading",
    "<!-- open comment",
    "- list item",
    "`tick` and ``two``",
    "x" * 118,
]


def hostile_plan() -> dict:
    """A plan that passes validation (so export runs) with hostile text everywhere."""
    plan = clean_plan()
    for n, title in enumerate(HOSTILE_TITLES, start=3):
        subtask = json.loads(json.dumps(plan["subtasks"][0]))
        subtask.update(
            id=f"S{n}",
            title=title,
            goal=f"{title}\n# not a heading\n```\nstill prose",
            labels=[title, "ok"],
            depends_on=["S1"],
        )
        subtask["acceptance"][0]["statement"] = f"{title} | exits 0"
        subtask["acceptance"][0]["verify"]["command"] = f"echo '{title}' ```"
        subtask["pause_boundaries"][0]["trigger"] = f"If the diff touches {title}"
        subtask["pause_boundaries"][0]["question"] = title
        plan["subtasks"].append(subtask)
    plan["title"] = "```\n# Injected heading"
    plan["task"] = "```\n# not a heading\n````\n| a | b |\n<script>x</script>"
    plan["context"] = "~~~\n---\n"
    return plan


def table_rows(tokens) -> list[int]:
    """The number of cells in each body row of the (one) table."""
    rows, cells = [], None
    for token in tokens:
        if token.type == "tr_open":
            cells = 0
        elif token.type == "td_open":
            cells += 1
        elif token.type == "tr_close" and cells:
            rows.append(cells)
    return rows
