"""The ``markdown`` exporter: a folder with a README and one ticket file per subtask.

``README.md`` has the plan title, the task (fenced: it is the engineer's raw text), the
context, and a table of the subtasks in dependency order with a link to each file, their
autonomy and their readiness (delegable, or what stands in the way).
``<id>-<title>.md`` is one subtask as a ticket an agent or a person can pick up: YAML
front matter for tools, then goal, input state, acceptance criteria as a task list,
pause boundaries, autonomy and risk, and links to the subtasks it depends on.

Every piece of plan text goes through ``md``, so no title, id or criterion can add a
heading, end a code block, split a table cell or break the front matter. The renderer
accepts any plan, valid or not, so the export dialog can preview a plan being edited.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from decomposer.check.findings import ERROR, WARNING
from decomposer.check.semantic import has_command_criterion
from decomposer.check.validate import DELEGABLE_AUTONOMY, Report
from decomposer.exporters import Exporter, plan_stem
from decomposer.exporters.markdown_syntax import as_text, block, code_span, fenced, front_matter, inline
from decomposer.plan.graph import dependency_order, first_positions, subtask_items
from decomposer.plan.names import safe_filename
from decomposer.plan.pointers import as_dict, as_list
from decomposer.text import plural

README = "README.md"
_VALID_ID = re.compile(r"^S[0-9]+(\.[0-9]+)*$")
_ID_LIMIT = 40
NONE = "—"
DELEGABLE = "delegable"
DELEGABLE_MEANING = (
    "A subtask is *delegable* when no error or warning points into it, its autonomy is gated or "
    "autonomous, and at least one acceptance criterion is checked by a command; otherwise its readiness "
    "says which of these stands in the way."
)


def default_name(plan: dict) -> str:
    """The folder: the plan id (made safe; the title when the id is unusable)."""
    return plan_stem(plan)


def _yes_no(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return inline(value)


def file_names(plan: dict) -> dict[int, str]:
    """The file of each subtask (by position): ``<id>-<title slug>.md``, e.g.
    ``S1-write-the-csv-serializer.md``. An id that is not of the S1 / S2.1 form is made
    safe first, and names that would clash (also by case) get ``-2``, ``-3``."""
    names: dict[int, str] = {}
    taken = {README.casefold()}
    for i, subtask, sid in subtask_items(plan):
        prefix = (
            sid
            if sid is not None and _VALID_ID.match(sid) and len(sid) <= _ID_LIMIT
            else (safe_filename(sid or "subtask", _ID_LIMIT))
        )
        stem = f"{prefix}-{safe_filename(as_text(subtask.get('title')))}"
        name, n = f"{stem}.md", 1
        while name.casefold() in taken:
            n += 1
            name = f"{stem}-{n}.md"
        taken.add(name.casefold())
        names[i] = name
    return names


def readiness_labels(plan: dict, report: Report) -> dict[int, str]:
    """Each subtask's readiness (by position) as plain text: ``delegable``, or ``not
    delegable:`` and what stands in the way (findings, autonomy, no command criterion),
    the same conditions as ``validate.readiness``."""
    delegable = set(report.readiness.delegable_indexes)
    severities: dict[int, Counter] = {}
    for finding in report.findings:
        if finding.subtask_index is not None:
            severities.setdefault(finding.subtask_index, Counter())[finding.severity] += 1
    labels = {}
    for i, subtask, _ in subtask_items(plan):
        if i in delegable:
            labels[i] = DELEGABLE
            continue
        counts = severities.get(i, Counter())
        reasons = [plural(counts[severity], severity) for severity in (ERROR, WARNING) if counts[severity]]
        autonomy = subtask.get("autonomy")
        if autonomy not in DELEGABLE_AUTONOMY:
            reasons.append(f"autonomy is {as_text(autonomy)}" if autonomy is not None else "no autonomy set")
        if not has_command_criterion(subtask):
            reasons.append("no criterion checked by a command")
        labels[i] = "not delegable: " + ", ".join(reasons)
    return labels


def render(plan: dict, report: Report) -> dict[str, str]:
    readiness = readiness_labels(plan, report)
    names = file_names(plan)
    positions = first_positions(subtask_items(plan))
    subtasks = as_list(plan.get("subtasks"))
    files = {README: _readme(plan, names, readiness, report.readiness.delegable)}
    for i, name in names.items():
        files[name] = _subtask_file(plan, subtasks[i], names, positions, readiness[i] == DELEGABLE)
    return files


def summary_line(plan: dict, subtask_count: int, delegable_count: int) -> str:
    """ "5 subtasks, 3 delegable as written · plan `id`"."""
    summary = f"{plural(subtask_count, 'subtask')}, {delegable_count} delegable as written"
    if plan.get("id") not in (None, ""):
        summary += f" · plan {code_span(plan.get('id'))}"
    return summary


def subtask_table(plan: dict, names: dict[int, str], readiness: dict[int, str]) -> list[str]:
    """The lines of a table of the subtasks in dependency order, each linked to its file
    in ``names``, with its autonomy, estimate, dependencies and readiness."""
    subtasks = as_list(plan.get("subtasks"))
    if not names:
        return ["No subtasks yet."]
    lines = ["| Id | Subtask | Autonomy | Estimate | Depends on | Readiness |", "| --- | --- | --- | --- | --- | --- |"]
    for i in dependency_order(plan):
        if i not in names:
            continue
        subtask = subtasks[i]
        deps = ", ".join(inline(dep, table=True) for dep in as_list(subtask.get("depends_on"))) or NONE
        lines.append(
            f"| {inline(subtask.get('id'), table=True) or NONE} "
            f"| [{inline(subtask.get('title'), table=True) or 'Untitled'}]({names[i]}) "
            f"| {inline(subtask.get('autonomy'), table=True) or NONE} "
            f"| {inline(subtask.get('estimate'), table=True) or NONE} "
            f"| {deps} | {inline(readiness[i], table=True)} |"
        )
    return lines + ["", DELEGABLE_MEANING]


def _readme(plan: dict, names: dict[int, str], readiness: dict[int, str], delegable_count: int) -> str:
    lines = [f"# {inline(plan.get('title')) or 'Untitled plan'}", ""]
    lines += [summary_line(plan, len(names), delegable_count), "", "## Task", "", fenced(plan.get("task")), ""]
    if plan.get("context") not in (None, ""):
        lines += ["## Context", "", fenced(plan.get("context")), ""]
    lines += ["## Subtasks", "", "In dependency order: every subtask comes after the ones it depends on.", ""]
    lines += subtask_table(plan, names, readiness)
    return "\n".join(lines) + "\n"


def _subtask_file(
    plan: dict, subtask: dict, names: dict[int, str], positions: dict[str, int], is_delegable: bool
) -> str:
    risk = as_dict(subtask.get("risk"))
    lines = [
        front_matter(
            {
                "id": subtask.get("id"),
                "title": subtask.get("title"),
                "autonomy": subtask.get("autonomy"),
                "estimate": subtask.get("estimate"),
                "labels": subtask.get("labels", []),
                "depends_on": subtask.get("depends_on", []),
                "stakes": risk.get("stakes"),
                "verification_cost": risk.get("verification_cost"),
                "reversible": risk.get("reversible"),
            }
        ),
        "",
        f"# {inline(subtask.get('id')) or 'Subtask'} · {inline(subtask.get('title')) or 'Untitled'}",
        "",
        f"Part of [{inline(plan.get('title')) or 'the plan'}]({README}).",
        "",
        *subtask_sections(subtask, is_delegable),
        "## Depends on",
        "",
        *_dependencies(plan, subtask, names, positions),
    ]
    return "\n".join(lines) + "\n"


def subtask_sections(subtask: dict, is_delegable: bool, heading: str = "##") -> list[str]:
    """A subtask's ticket sections as lines, each section under a ``heading`` of that
    level and followed by a blank line: goal, input state, acceptance criteria, pause
    boundaries, autonomy and risk. Every value is escaped; any subtask shape renders.
    The GitHub exporter calls this with "###", the heading issue forms use."""
    risk = as_dict(subtask.get("risk"))
    state = as_dict(subtask.get("input_state"))
    lines = [
        f"{heading} Goal",
        "",
        block(subtask.get("goal")) or NONE,
        "",
        f"{heading} Input state",
        "",
        block(state.get("summary")) or NONE,
        "",
    ]
    for label, items in (
        ("Preconditions", as_list(state.get("preconditions"))),
        ("Artifacts", as_list(state.get("artifacts"))),
    ):
        if items:
            lines += [f"{label}:", "", *(f"- {inline(item)}" for item in items), ""]
    lines += [f"{heading} Acceptance criteria", "", *_criteria(subtask.get("acceptance")), ""]
    lines += [f"{heading} Pause boundaries", "", *_boundaries(subtask.get("pause_boundaries")), ""]
    lines += [
        f"{heading} Autonomy and risk",
        "",
        f"- Autonomy: **{inline(subtask.get('autonomy')) or NONE}**",
        f"- Stakes: {inline(risk.get('stakes')) or NONE}",
        f"- Verification cost: {inline(risk.get('verification_cost')) or NONE}",
        f"- Reversible: {_yes_no(risk.get('reversible')) or NONE}",
        f"- Delegable as written: {'yes' if is_delegable else 'no'}",
        "",
    ]
    return lines


def _criteria(criteria: Any) -> list[str]:
    lines: list[str] = []
    for criterion in as_list(criteria):
        if not isinstance(criterion, dict):
            lines.append(f"- [ ] {inline(criterion)}")
            continue
        lines.append(f"- [ ] {inline(criterion.get('statement')) or NONE}")
        verify = as_dict(criterion.get("verify"))
        method = verify.get("method")
        if method == "command":
            lines += _command(verify)
        elif method == "review":
            reviewer = inline(verify.get("reviewer"))
            lines.append(f"  - Review by {reviewer}" if reviewer else "  - Review (no reviewer named)")
        else:
            lines.append(f"  - Verified by: {inline(method) or NONE}")
    return lines or ["None."]


def _command(verify: dict) -> list[str]:
    command = as_text(verify.get("command"))
    if not command:
        lines = ["  - Command: none given"]
    elif "\n" in command or "\r" in command:
        lines = ["  - Command:", "", fenced(command, "sh", indent="    "), ""]
    else:
        lines = [f"  - Command: {code_span(command)}"]
    expect = [f"exit code {inline(verify.get('expect_exit', 0))}"]
    if "expect_output" in verify:
        expect.append(f"output matching {code_span(verify['expect_output'])}")
    if "timeout_s" in verify:
        expect.append(f"timeout {inline(verify['timeout_s'])} s")
    return lines + [f"  - Expect: {', '.join(expect)}"]


def _boundaries(boundaries: Any) -> list[str]:
    lines: list[str] = []
    for boundary in as_list(boundaries):
        if not isinstance(boundary, dict):
            lines.append(f"- {inline(boundary)}")
            continue
        lines.append(f"- {inline(boundary.get('trigger')) or NONE} → **{inline(boundary.get('action')) or NONE}**")
        for field, label in (("question", "Question"), ("reason", "Reason")):
            if field in boundary:
                lines.append(f"  - {label}: {inline(boundary[field])}")
    return lines or ["None."]


def _dependencies(plan: dict, subtask: dict, names: dict[int, str], positions: dict[str, int]) -> list[str]:
    """Links to the subtasks it depends on (an id resolves to the first subtask with it)."""
    subtasks = as_list(plan.get("subtasks"))
    lines = []
    for dep in as_list(subtask.get("depends_on")):
        j = positions.get(dep) if isinstance(dep, str) else None
        if j is None:
            lines.append(f"- {inline(dep)} (not a subtask of this plan)")
        else:
            lines.append(f"- [{inline(dep)} · {inline(subtasks[j].get('title')) or 'Untitled'}]({names[j]})")
    return lines or ["None: it can start first."]


EXPORTER = Exporter(
    name="markdown",
    label="Markdown tickets",
    description="A folder with a README (task and subtask table) and one ticket file per subtask.",
    kind="folder",
    default_name=default_name,
    render=render,
)
