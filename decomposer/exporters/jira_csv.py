"""The ``jira-csv`` exporter: a CSV for Jira's importer, the plan as the parent issue
and each subtask as its child.

Columns, exactly: ``Issue Type,Issue ID,Summary,Description,Priority,Labels,Parent``
(the hierarchy layout of Jira's CSV import). ``Issue ID`` is a number local to the file
and ``Parent`` holds the parent's number; the parent row comes first, then the subtasks in
dependency order.

* Issue types: the plan is a ``Task`` and each subtask a ``Sub-task``. A sub-task's parent
  must be a standard issue (Task, Story), not an Epic, and one subtask of a plan is one
  agent session, which is what a Jira sub-task is. Team-managed projects call the type
  ``Subtask``: map it in the import wizard.
* Summary: ``S1: <title>`` for a subtask (the id lets descriptions refer to each other:
  "depends on S1"), the plan title for the parent; cut to Jira's 255 characters.
* Description: Jira wiki markup with the sections of a ticket (goal, input state,
  acceptance criteria, pause boundaries, autonomy and risk, depends on). Plan text is
  escaped so it renders as itself: wiki special characters get a backslash, a line
  cannot start a heading, and commands go in ``{noformat}`` blocks or escaped ``{{…}}``.
  Cut to Jira's 32,767 characters with a note.
* Priority, from the risk (how carefully the issue must be handled): high stakes and a
  step that cannot be undone -> Highest; other high stakes -> High; low stakes with an
  irreversible step or expensive verification -> Medium; low stakes, cheap, reversible
  -> Low. The parent takes the highest of its subtasks. Jira's default scheme has all four.
* Labels: ``autonomy-<level>``, ``estimate-<size>`` and the subtask's labels (the parent:
  the plan id), whitespace replaced by ``-`` since a Jira label cannot hold a space.
  Jira's documented way to import several labels is a repeated ``Labels`` column, but the
  header is fixed by the format above, so the labels share the one cell, separated by
  spaces: the one character a label can never contain. If an importer keeps such a cell
  as one value, split the column in the import wizard.
* Cells: RFC 4180 (every field quoted, quotes doubled, CRLF between records), and every
  cell neutralised against formula injection (OWASP CSV Injection, CWE-1236): content is
  arranged to start with a word where it can, and a cell that still begins with ``=``,
  ``+``, ``-``, ``@``, a tab, CR, LF or NUL gets a leading ``'`` (which Jira keeps as
  literal text, hence the preference for safe content).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from decomposer.check.validate import Report
from decomposer.exporters import Exporter, plan_stem
from decomposer.exporters.markdown_syntax import as_text
from decomposer.plan.contract import enum_values
from decomposer.plan.graph import dependency_order, first_positions, subtask_items
from decomposer.plan.pointers import as_dict, as_list
from decomposer.text import one_line, shorten, terminal_safe

HEADER = ("Issue Type", "Issue ID", "Summary", "Description", "Priority", "Labels", "Parent")
PARENT_TYPE = "Task"
SUBTASK_TYPE = "Sub-task"
SUMMARY_LIMIT = 255  # Jira's limit for a summary
DESCRIPTION_LIMIT = 32_767  # Jira's limit for a text field
LABEL_LIMIT = 255  # Jira's limit for one label
CUT_NOTE = "\n\n(cut here: Jira takes at most 32,767 characters; the full text is in the plan)"
PRIORITIES = ("Highest", "High", "Medium", "Low")  # most careful first
# OWASP CSV Injection: a cell starting with one of these can run as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
NONE = "none"
_NOFORMAT = "{noformat}"
_CLOSE_NOFORMAT = "\n" + _NOFORMAT

# Characters with a meaning in Jira wiki markup (emphasis, lists, tables, links, macros,
# images, monospace, headings' companions); "\X" makes each literal.
_WIKI_SPECIAL = re.compile(r"[\\*_?\-+^~{}\[\]|!#]")
# Lines that start a heading or a quote block.
_WIKI_BLOCK_START = re.compile(r"^(h[1-6]|bq)\.", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def default_name(plan: dict) -> str:
    """``<plan id>-jira.csv``."""
    return f"{plan_stem(plan)}-jira.csv"


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: a leading ``'`` when it would start
    with a formula character (see ``FORMULA_START``)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


# --- Jira wiki markup -----------------------------------------------------------------------


def wiki_inline(value: Any) -> str:
    """One line of untrusted text as Jira wiki markup that renders as the text itself."""
    text = _WIKI_SPECIAL.sub(r"\\\g<0>", one_line(as_text(value)).strip())
    return _WIKI_BLOCK_START.sub(lambda m: m.group(1) + "\\.", text)


def wiki_block(value: Any) -> str:
    """Several lines of untrusted text: each line as ``wiki_inline``, blank lines kept
    as paragraph breaks."""
    lines = as_text(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        line = wiki_inline(line)
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\n".join(p) for p in paragraphs if p)


def wiki_code(value: Any) -> str:
    """A command as literal text: a ``{noformat}`` block on lines of its own, or escaped
    monospace when the text itself holds ``{noformat}`` (which would end the block)."""
    text = as_text(value).replace("\r\n", "\n").replace("\r", "\n")
    if "{noformat}" in text.lower():
        return "{{" + wiki_inline(text) + "}}"
    return "{noformat}\n" + "\n".join(terminal_safe(line) for line in text.split("\n")) + "\n{noformat}"


def _monospace(value: Any) -> str:
    text = wiki_inline(value)
    return "{{" + text + "}}" if text else NONE


# --- cells ----------------------------------------------------------------------------------


def priority(risk: Any) -> str:
    """Jira priority from a subtask's risk (see the module docstring); "" when the risk
    is not one the schema allows (the project default applies)."""
    risk = as_dict(risk)
    stakes, cost, reversible = risk.get("stakes"), risk.get("verification_cost"), risk.get("reversible")
    if (
        stakes not in enum_values("risk.stakes")
        or cost not in enum_values("risk.verification_cost")
        or not isinstance(reversible, bool)
    ):
        return ""
    if stakes == "high":
        return "High" if reversible else "Highest"
    return "Low" if reversible and cost == "cheap" else "Medium"


def label(text: Any) -> str:
    """A Jira label from any text: no whitespace (runs become ``-``), no raw control
    characters, at most 255 characters."""
    return shorten(_WHITESPACE.sub("-", terminal_safe(as_text(text))).strip("-"), LABEL_LIMIT)


def _labels(values: list[Any]) -> str:
    labels = [label(value) for value in values]
    return " ".join(dict.fromkeys(text for text in labels if text))


def _cap(text: str) -> str:
    """``text`` cut to Jira's limit with a note; a ``{noformat}`` block the cut falls in
    is closed, or the note would be shown as code and the block never end."""
    if len(text) <= DESCRIPTION_LIMIT:
        return text
    room = DESCRIPTION_LIMIT - len(CUT_NOTE)
    kept = text[:room]
    # Plan text cannot spell "{noformat}" (wiki_inline escapes braces; wiki_code does not use
    # the block for text that holds it), so an odd count means the cut is inside a block.
    if kept.count(_NOFORMAT) % 2:
        kept = text[: room - len(_CLOSE_NOFORMAT)]
        kept += _CLOSE_NOFORMAT if kept.count(_NOFORMAT) % 2 else ""
    return kept + CUT_NOTE


def _summary(text: str) -> str:
    return shorten(one_line(text).strip(), SUMMARY_LIMIT)


# --- descriptions ---------------------------------------------------------------------------


def subtask_description(plan: dict, subtask: dict, positions: dict[str, int]) -> str:
    risk = as_dict(subtask.get("risk"))
    state = as_dict(subtask.get("input_state"))
    lines = [
        "h3. Goal",
        wiki_block(subtask.get("goal")) or NONE,
        "",
        "h3. Input state",
        wiki_block(state.get("summary")) or NONE,
    ]
    for heading, items in (
        ("Preconditions", as_list(state.get("preconditions"))),
        ("Artifacts", as_list(state.get("artifacts"))),
    ):
        if items:
            lines += ["", f"*{heading}:*", *(f"* {wiki_inline(item) or NONE}" for item in items)]
    lines += ["", "h3. Acceptance criteria", *_criteria(subtask.get("acceptance"))]
    lines += ["", "h3. Pause boundaries", *_boundaries(subtask.get("pause_boundaries"))]
    reversible = risk.get("reversible")
    lines += [
        "",
        "h3. Autonomy and risk",
        f"* Autonomy: *{wiki_inline(subtask.get('autonomy')) or NONE}*",
        f"* Stakes: {wiki_inline(risk.get('stakes')) or NONE}",
        f"* Verification cost: {wiki_inline(risk.get('verification_cost')) or NONE}",
        f"* Reversible: {('yes' if reversible else 'no') if isinstance(reversible, bool) else wiki_inline(reversible) or NONE}",
        "",
        "h3. Depends on",
        *_dependencies(plan, subtask, positions),
    ]
    return _cap("\n".join(lines))


def _criteria(criteria: Any) -> list[str]:
    lines: list[str] = []
    for criterion in as_list(criteria):
        if not isinstance(criterion, dict):
            lines.append(f"* {wiki_inline(criterion) or NONE}")
            continue
        lines.append(f"* {wiki_inline(criterion.get('statement')) or NONE}")
        verify = as_dict(criterion.get("verify"))
        method = verify.get("method")
        if method == "command":
            command = as_text(verify.get("command"))
            expect = [f"exit code {wiki_inline(verify.get('expect_exit', 0))}"]
            if "expect_output" in verify:
                expect.append(f"output matching {_monospace(verify['expect_output'])}")
            if "timeout_s" in verify:
                expect.append(f"timeout {wiki_inline(verify['timeout_s'])} s")
            if "\n" in command or "\r" in command:
                # A block ends the list; the criterion's details follow it as a paragraph.
                lines += [f"** Expect: {', '.join(expect)}; command:", wiki_code(command)]
            else:
                lines += [f"** Command: {_monospace(command)}", f"** Expect: {', '.join(expect)}"]
        elif method == "review":
            reviewer = wiki_inline(verify.get("reviewer"))
            lines.append(f"** Review by {reviewer}" if reviewer else "** Review (no reviewer named)")
        else:
            lines.append(f"** Verified by: {wiki_inline(method) or NONE}")
    return lines or [NONE]


def _boundaries(boundaries: Any) -> list[str]:
    lines: list[str] = []
    for boundary in as_list(boundaries):
        if not isinstance(boundary, dict):
            lines.append(f"* {wiki_inline(boundary) or NONE}")
            continue
        lines.append(
            f"* {wiki_inline(boundary.get('trigger')) or NONE}: *{wiki_inline(boundary.get('action')) or NONE}*"
        )
        for field, heading in (("question", "Question"), ("reason", "Reason")):
            if field in boundary:
                lines.append(f"** {heading}: {wiki_inline(boundary[field]) or NONE}")
    return lines or [NONE]


def _dependencies(plan: dict, subtask: dict, positions: dict[str, int]) -> list[str]:
    subtasks = as_list(plan.get("subtasks"))
    lines = []
    for dep in as_list(subtask.get("depends_on")):
        j = positions.get(dep) if isinstance(dep, str) else None
        title = f": {wiki_inline(subtasks[j].get('title'))}" if j is not None else " (not a subtask of this plan)"
        lines.append(f"* {wiki_inline(dep) or NONE}{title}")
    return lines or ["None: it can start first."]


def plan_description(plan: dict, order: list[int]) -> str:
    subtasks = as_list(plan.get("subtasks"))
    lines = ["h3. Task", wiki_code(plan.get("task"))]
    if plan.get("context") not in (None, ""):
        lines += ["", "h3. Context", wiki_code(plan.get("context"))]
    lines += ["", "h3. Subtasks", "In dependency order; each is a sub-task of this issue."]
    for i in order:
        subtask = subtasks[i]
        lines.append(
            f"* {wiki_inline(subtask.get('id')) or NONE}: {wiki_inline(subtask.get('title')) or NONE} "
            f"(autonomy {wiki_inline(subtask.get('autonomy')) or NONE})"
        )
    return _cap("\n".join(lines))


# --- the file -------------------------------------------------------------------------------


def rows(plan: dict) -> list[tuple[str, ...]]:
    """The CSV records, header first, cells not yet neutralised."""
    items = {i: subtask for i, subtask, _ in subtask_items(plan)}
    order = [i for i in dependency_order(plan) if i in items]
    positions = first_positions(subtask_items(plan))
    children = []
    for number, i in enumerate(order, start=2):
        subtask = items[i]
        estimate = subtask.get("estimate")
        labels = [
            f"autonomy-{as_text(subtask.get('autonomy'))}" if subtask.get("autonomy") is not None else "",
            f"estimate-{as_text(estimate)}" if estimate is not None else "",
            *as_list(subtask.get("labels")),
        ]
        children.append(
            (
                SUBTASK_TYPE,
                str(number),
                _summary(f"{as_text(subtask.get('id')) or '?'}: {as_text(subtask.get('title'))}"),
                subtask_description(plan, subtask, positions),
                priority(subtask.get("risk")),
                _labels(labels),
                "1",
            )
        )
    child_priorities = {row[4] for row in children}
    parent_priority = next((p for p in PRIORITIES if p in child_priorities), "")
    parent = (
        PARENT_TYPE,
        "1",
        _summary(as_text(plan.get("title"))) or "Untitled plan",
        plan_description(plan, order),
        parent_priority,
        _labels([plan.get("id")]),
        "",
    )
    return [HEADER, parent, *children]


def render(plan: dict, report: Report) -> dict[str, str]:
    """The CSV; ``report`` goes unused (a Jira ticket says nothing of readiness)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for record in rows(plan):
        writer.writerow([neutralise(cell) for cell in record])
    return {default_name(plan): buffer.getvalue()}


EXPORTER = Exporter(
    name="jira-csv",
    label="Jira CSV",
    description="One CSV for Jira's importer: the plan as a Task, each subtask a Sub-task with its sections in the "
    "description, priority from its risk, and labels (autonomy, estimate, its own) space-separated in one "
    "Labels column; cells are quoted and guarded against spreadsheet formulas.",
    kind="file",
    default_name=default_name,
    render=render,
)
