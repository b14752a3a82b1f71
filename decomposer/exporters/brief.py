"""The ``brief`` exporter: one prompt per subtask for a coding agent, and an index.

``<id>-<title>.md`` tells an agent, for one subtask: the task context (plan title and the
subtask's goal), what it starts from, what done means and which commands prove it, when
to stop and ask (each trigger and question word for word), what it may and may not do at
the subtask's autonomy level, and which subtasks must be done first. ``README.md`` is the
index: the task, the context and the subtasks in dependency order with their readiness.

The fixed wording lives in ``decomposer/data/brief.md`` as named fragments with
``${placeholders}``; this module only chooses fragments and fills them. Every piece of
plan text goes through ``md`` first, so none can add a heading, end a code block or leave
its section. Like every renderer, it accepts any plan, valid or not, for the preview.
"""

from __future__ import annotations

import functools
import re
from string import Template
from typing import Any

from decomposer.check.validate import Report
from decomposer.exporters import Exporter, plan_stem
from decomposer.exporters.markdown import README, file_names, readiness_labels, subtask_table, summary_line
from decomposer.exporters.markdown_syntax import as_text, block, code_span, fenced, inline
from decomposer.plan.contract import enum_values
from decomposer.plan.graph import first_positions, subtask_items
from decomposer.plan.pointers import as_dict, as_list
from decomposer.resources import data_path

TEMPLATE_FILE = "brief.md"
NONE = "—"
_FRAGMENT_START = re.compile(r"^@@ ([a-z-]+)$", re.M)
_PLACEHOLDER_ALONE = re.compile(r"\$\{([a-z_]+)\}")


def default_name(plan: dict) -> str:
    """The folder: ``<plan id>-briefs``, beside the Markdown tickets' ``<plan id>``."""
    return f"{plan_stem(plan)}-briefs"


@functools.lru_cache(maxsize=1)
def fragments() -> dict[str, str]:
    """The wording, by fragment name (see the note at the top of the template file)."""
    text = data_path(TEMPLATE_FILE).read_text(encoding="utf-8")
    parts = _FRAGMENT_START.split(text)[1:]  # [0] is the note above the first fragment
    return {name: body.strip("\n") for name, body in zip(parts[::2], parts[1::2])}


def say(name: str, **values: str) -> str:
    """Fragment ``name`` with its placeholders filled (``KeyError`` when one has no
    value). A placeholder alone on its line whose value is empty takes the line and the
    blank line after it away, so an absent optional section leaves no gap."""
    lines: list[str] = []
    skip_blank = False
    for line in fragments()[name].split("\n"):
        alone = _PLACEHOLDER_ALONE.fullmatch(line)
        if alone and values.get(alone.group(1)) == "":
            skip_blank = True
            continue
        if not (skip_blank and line == ""):
            lines.append(line)
        skip_blank = False
    return Template("\n".join(lines)).substitute(values)


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _item(marker: str, text: str) -> str:
    """A list item whose text may span lines: continuation lines indented to the text."""
    return marker + _indent(text, " " * len(marker))[len(marker) :]


def render(plan: dict, report: Report) -> dict[str, str]:
    names = file_names(plan)
    positions = first_positions(subtask_items(plan))
    subtasks = as_list(plan.get("subtasks"))
    context = plan.get("context")
    files = {
        README: say(
            "readme",
            plan_title=inline(plan.get("title")) or "Untitled plan",
            summary=summary_line(plan, len(names), report.readiness.delegable),
            task=fenced(plan.get("task")),
            context=say("context", context=fenced(context)) if context not in (None, "") else "",
            table="\n".join(subtask_table(plan, names, readiness_labels(plan, report))),
        )
        + "\n"
    }
    # Each brief goes to an agent on its own, so each carries the plan's context.
    plan_context = say("brief-context", context=fenced(context)) if context not in (None, "") else ""
    for i, name in names.items():
        files[name] = _brief(plan, subtasks[i], names, positions, plan_context) + "\n"
    return files


def _brief(plan: dict, subtask: dict, names: dict[int, str], positions: dict[str, int], plan_context: str) -> str:
    return say(
        "brief",
        subtask_id=inline(subtask.get("id")) or "Subtask",
        subtask_title=inline(subtask.get("title")) or "Untitled",
        plan_title=inline(plan.get("title")) or "Untitled plan",
        goal=block(subtask.get("goal")) or NONE,
        plan_context=plan_context,
        start=_start(as_dict(subtask.get("input_state"))),
        criteria=_criteria(subtask.get("acceptance")),
        boundaries=_boundaries(subtask.get("pause_boundaries")),
        autonomy_rules=_autonomy_rules(subtask),
        risk=_risk(as_dict(subtask.get("risk"))),
        dependencies=_dependencies(plan, subtask, names, positions),
    )


def _start(state: dict) -> str:
    parts = [block(state.get("summary")) or NONE]
    for fragment, items in (
        ("start-preconditions", as_list(state.get("preconditions"))),
        ("start-artifacts", as_list(state.get("artifacts"))),
    ):
        if items:
            parts += [say(fragment), "\n".join(f"- {inline(item)}" for item in items)]
    return "\n\n".join(parts)


def _criteria(criteria: Any) -> str:
    items = []
    for n, criterion in enumerate(as_list(criteria), start=1):
        marker = f"{n}. "
        if not isinstance(criterion, dict):
            items.append(_item(marker, inline(criterion) or NONE))
            continue
        how = _verification(as_dict(criterion.get("verify")))
        items.append(_item(marker, f"{inline(criterion.get('statement')) or NONE}\n\n{how}"))
    return "\n\n".join(items) or say("no-criteria")


def _verification(verify: dict) -> str:
    method = verify.get("method")
    if method == "review":
        reviewer = inline(verify.get("reviewer"))
        return say("criterion-review", reviewer=reviewer) if reviewer else say("criterion-review-unnamed")
    command = as_text(verify.get("command")) if method == "command" else ""
    if not command:
        described = "a command criterion without a command" if method == "command" else inline(method) or "none"
        return say("criterion-unknown", method=described)
    expectations = [say("expect-exit", code=inline(verify.get("expect_exit", 0)))]
    if "expect_output" in verify:
        expectations.append(say("expect-output", pattern=code_span(verify["expect_output"])))
    if "timeout_s" in verify:
        expectations.append(say("expect-timeout", seconds=inline(verify["timeout_s"])))
    expected = " ".join(expectations)
    if "\n" in command or "\r" in command:
        return f"{say('criterion-command-block', expectations=expected)}\n\n{fenced(command, 'sh')}"
    return say("criterion-command", command=code_span(command), expectations=expected)


def _boundaries(boundaries: Any) -> str:
    items = []
    for boundary in as_list(boundaries):
        if not isinstance(boundary, dict):
            items.append(_item("- ", inline(boundary) or NONE))
            continue
        action = boundary.get("action")
        details = [
            say(f"action-{action}")
            if action in enum_values("pause_boundary.action")
            else say("action-unknown", action=inline(action) or "none")
        ]
        if "question" in boundary:
            details.append(say("boundary-question", question=inline(boundary["question"])))
        if "reason" in boundary:
            details.append(say("boundary-reason", reason=inline(boundary["reason"])))
        items.append(
            "\n".join(
                [
                    _item("- ", say("boundary", trigger=inline(boundary.get("trigger")) or NONE)),
                    *(_indent(_item("- ", detail), "  ") for detail in details),
                ]
            )
        )
    return "\n".join(items) or say("no-boundaries")


def _autonomy_rules(subtask: dict) -> str:
    autonomy = subtask.get("autonomy")
    if autonomy == "gated":
        confirmations = [
            inline(b.get("trigger")) or NONE
            for b in as_list(subtask.get("pause_boundaries"))
            if isinstance(b, dict) and b.get("action") == "confirm"
        ]
        listed = (
            say("gated-confirmations", triggers="; ".join(f'"{trigger}"' for trigger in confirmations))
            if confirmations
            else say("gated-no-confirmations")
        )
        return say("autonomy-gated", confirmations=listed)
    if autonomy in enum_values("subtask.autonomy"):
        return say(f"autonomy-{autonomy}")
    # No valid level (a plan being edited): the most careful one applies.
    return f"{say('autonomy-unknown', autonomy=inline(autonomy) or 'none')}\n\n{say('autonomy-propose')}"


def _risk(risk: dict) -> str:
    reversible = risk.get("reversible")
    shown = ("yes" if reversible else "no") if isinstance(reversible, bool) else inline(reversible) or NONE
    text = say(
        "risk",
        stakes=inline(risk.get("stakes")) or NONE,
        verification_cost=inline(risk.get("verification_cost")) or NONE,
        reversible=shown,
    )
    return f"{text}\n\n{say('risk-irreversible')}" if reversible is False else text


def _dependencies(plan: dict, subtask: dict, names: dict[int, str], positions: dict[str, int]) -> str:
    """The subtasks to finish first, linked to their briefs (an id stands for the first
    subtask that has it)."""
    subtasks = as_list(plan.get("subtasks"))
    items = []
    for dep in as_list(subtask.get("depends_on")):
        j = positions.get(dep) if isinstance(dep, str) else None
        if j is None:
            items.append(f"- {say('dependency-unknown', id=inline(dep) or NONE)}")
        else:
            items.append(f"- [{inline(dep)} · {inline(subtasks[j].get('title')) or 'Untitled'}]({names[j]})")
    return f"{say('dependencies')}\n\n" + "\n".join(items) if items else say("dependencies-none")


EXPORTER = Exporter(
    name="brief",
    label="Agent briefs",
    description="A folder with one prompt per subtask for a coding agent (start state, done criteria and commands, "
    "when to stop and ask, what its autonomy allows) and an index README.",
    kind="folder",
    default_name=default_name,
    render=render,
)
