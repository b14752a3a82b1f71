"""A plan as tracker tickets: one parent ticket for the plan and one child per subtask,
each with a title, labels and a Markdown body.

The ``github`` and ``linear`` exporters write these to files; ``decomposer.trackers``
sends the very same text to the APIs, so an offline export shows what a push creates.
Subtask bodies are the Markdown exporter's sections (``markdown.subtask_sections``) under
``###`` headings, then a "Blocked by" line per dependency and a footer that says the text
is generated.

A ticket's reference ("#12" on GitHub, "ENG-12" on Linear) exists only once the ticket
does, so bodies take ``refs`` (subtask id -> reference) and name a dependency that has no
ticket yet by its subtask id. A push goes in dependency order, so by the time a subtask
is sent every prerequisite has its reference.

Every piece of plan text goes through ``md`` (bodies) or ``one_line`` (titles, labels):
no title can add a heading or a link, and control characters arrive as visible escapes.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from decomposer.check.validate import Report
from decomposer.exporters.markdown import NONE, subtask_sections
from decomposer.exporters.markdown_syntax import as_text, code_span, fenced, inline
from decomposer.plan.graph import dependency_order, first_positions, subtask_items
from decomposer.resources import data_path
from decomposer.text import one_line, shorten

MAPPINGS_FILE = "trackers.json"
PARENT = "plan"  # names the parent ticket in manifests and reports, where subtasks use their ids
# A reference the tracker links by itself: "#12" (GitHub), "ENG-12" (Linear, Jira). Only
# these go into a body unescaped; anything else counts as no reference.
_REFERENCE = re.compile(r"#[0-9]+|[A-Za-z][A-Za-z0-9_]*-[0-9]+")


@functools.lru_cache(maxsize=1)
def mappings() -> dict:
    """``decomposer/data/trackers.json``: labels, limits, priority and estimate mappings."""
    return json.loads(data_path(MAPPINGS_FILE).read_text(encoding="utf-8"))


def _text(value: Any) -> str:
    return one_line(as_text(value)).strip()


def creation_order(plan: dict) -> list[int]:
    """Positions of the subtasks (objects only) in the order their tickets are created:
    prerequisites first."""
    positions = {i for i, _, _ in subtask_items(plan)}
    return [i for i in dependency_order(plan) if i in positions]


def delegable_indexes(report: Report) -> set[int]:
    """The positions of the subtasks ``report`` finds delegable (the "delegable as
    written" of every body)."""
    return set(report.readiness.delegable_indexes)


def plan_title(plan: dict, limit: int) -> str:
    return shorten(_text(plan.get("title")) or "Untitled plan", limit)


def subtask_title(subtask: dict, limit: int) -> str:
    """``S1 · Write the CSV serializer``: the id keeps "Blocked by S1" lines findable."""
    sid, title = _text(subtask.get("id")), _text(subtask.get("title")) or "Untitled"
    return shorten(f"{sid} · {title}" if sid else title, limit)


def subtask_labels(subtask: dict) -> list[str]:
    """``autonomy: <level>``, ``estimate: <size>``, then the subtask's own labels; no
    repeats (GitHub label names ignore case), none empty."""
    names = []
    for family in ("autonomy", "estimate"):
        if subtask.get(family) not in (None, ""):
            names.append(f"{family}: {_text(subtask.get(family))}")
    labels = subtask.get("labels")
    names += [_text(label) for label in (labels if isinstance(labels, list) else [])]
    seen: set[str] = set()
    unique = []
    for name in names:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            unique.append(name)
    return unique


def label_family(name: str) -> str:
    """ "autonomy" or "estimate" for the labels decomposer derives, "other" for the rest."""
    family = name.split(":", 1)[0]
    return family if ":" in name and family in ("autonomy", "estimate") else "other"


def _reference(refs: Mapping[str, str], sid: Any) -> str | None:
    ref = refs.get(sid) if isinstance(sid, str) else None
    return ref if isinstance(ref, str) and _REFERENCE.fullmatch(ref) else None


def _footer(plan: dict, sid: str | None) -> list[str]:
    where = f"plan {code_span(plan.get('id'))}" if plan.get("id") not in (None, "") else "a plan"
    if sid is not None:
        where += f", subtask {code_span(sid)}"
    return [
        "---",
        "",
        f"*Written by decomposer from {where}. Edit the plan and push it again: a push replaces this text.*",
    ]


def subtask_body(plan: dict, index: int, refs: Mapping[str, str], delegable: bool) -> str:
    """The body of subtask ``index``'s ticket."""
    subtask = plan["subtasks"][index]
    lines = [*subtask_sections(subtask, delegable, heading="###"), "### Depends on", ""]
    lines += _blocked_by(plan, subtask, refs) or ["None: it can start first."]
    sid = subtask.get("id") if isinstance(subtask.get("id"), str) else None
    return "\n".join([*lines, "", *_footer(plan, sid)]) + "\n"


def _blocked_by(plan: dict, subtask: dict, refs: Mapping[str, str]) -> list[str]:
    items = subtask_items(plan)
    positions = first_positions(items)
    deps = subtask.get("depends_on")
    lines = []
    for dep in deps if isinstance(deps, list) else []:
        j = positions.get(dep) if isinstance(dep, str) else None
        title = inline(plan["subtasks"][j].get("title")) if j is not None else ""
        ref = _reference(refs, dep)
        label = f"{ref} · {inline(dep)}" if ref else inline(dep)
        lines.append(
            f"- Blocked by {label}"
            + (f" · {title}" if title else " (not a subtask of this plan)")
            + ("" if ref else " (no ticket yet)")
        )
    return lines


def plan_body(plan: dict, refs: Mapping[str, str], delegable: set[int]) -> str:
    """The body of the parent ticket: the task, the context and the subtasks in the order
    they can be done, with their tickets' references once they exist."""
    order = creation_order(plan)
    summary = f"{len(order)} subtask{'s' if len(order) != 1 else ''}, {len(delegable)} delegable as written"
    lines = [summary, "", "### Task", "", fenced(plan.get("task")), ""]
    if plan.get("context") not in (None, ""):
        lines += ["### Context", "", fenced(plan.get("context")), ""]
    lines += ["### Subtasks", "", "In dependency order: every subtask comes after the ones it depends on.", ""]
    for i in order:
        subtask = plan["subtasks"][i]
        sid = subtask.get("id")
        ref = _reference(refs, sid)
        head = f"{ref} · {inline(sid)}" if ref else inline(sid)
        lines.append(
            f"- {head} · {inline(subtask.get('title')) or 'Untitled'} "
            f"(autonomy: {inline(subtask.get('autonomy')) or NONE})" + ("" if ref else " (no ticket yet)")
        )
    if not order:
        lines.append("No subtasks yet.")
    return "\n".join([*lines, "", *_footer(plan, None)]) + "\n"
