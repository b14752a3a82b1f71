"""The ``linear`` exporter: the plan as Linear ``issueCreate`` inputs, in one JSON file.

The file is a JSON array of ``IssueCreateInput`` objects in creation order: the plan's
parent issue first, then the subtasks, prerequisites first. Each input has

* ``id``: a client UUID derived from the plan id and the subtask id (uuid5), the same on
  every export, so a child can name its parent (``parentId``) before either exists and
  Linear refuses a second import of the same issue instead of duplicating it;
* ``title`` and ``description`` (Markdown: the same text ``--push`` sends; see
  ``tickets``), with "Blocked by S1" lines for dependencies;
* ``priority`` from the subtask's risk and ``estimate`` from its size, mapped as
  ``decomposer/data/trackers.json`` says: high stakes and irreversible 2 (high), other
  high stakes 3 (medium), low stakes 4 (low), never 1 (urgent: a scheduling call);
  XS, S, M, L, XL as 1, 2, 3, 5, 8 (a Fibonacci scale; the push uses the team's scale).

``teamId`` is left out: it is the one field only the workspace knows. Add it to each input
(``jq 'map(.teamId = "…")'``) before sending them, or let ``decomposer export PLAN --to
linear --push --team KEY`` resolve the team, create the issues and record them in the plan.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from decomposer.check.validate import Report
from decomposer.exporters import Exporter, plan_stem
from decomposer.exporters.tickets import (
    PARENT,
    creation_order,
    delegable_indexes,
    mappings,
    plan_body,
    plan_title,
    subtask_body,
    subtask_title,
)
from decomposer.plan.pointers import as_dict

# Fixed forever: the client ids of exported issues are uuid5(this, "<plan id>/<key>").
ID_NAMESPACE = uuid.UUID("5d0c3b4e-6f57-4c1e-9a43-0c7d8d7f2a61")
TITLE_LIMIT = 255


def default_name(plan: dict) -> str:
    """``<plan id>-linear.json``."""
    return f"{plan_stem(plan)}-linear.json"


def priority(subtask: dict) -> int:
    """Linear priority from the subtask's risk (see the module docstring)."""
    table = mappings()["linear"]["priority"]
    risk = as_dict(subtask.get("risk"))
    if risk.get("stakes") != "high":
        return table["low stakes"]
    return table["high stakes, irreversible"] if risk.get("reversible") is False else table["high stakes"]


def estimate(subtask: dict, scale: str | None = None) -> int | None:
    """Linear estimate points for the subtask's size on ``scale`` (a team's
    ``issueEstimationType``; default: the offline scale). None when the subtask has no
    size or the scale is not in the table ("notUsed": the team does not estimate)."""
    table = mappings()["linear"]["estimate"]
    points = table.get(scale or mappings()["linear"]["offline_scale"])
    size = subtask.get("estimate")
    return points.get(size) if points is not None and isinstance(size, str) else None


def client_id(plan: dict, key: Any) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{plan.get('id')}/{key}"))


def render(plan: dict, report: Report) -> dict[str, str]:
    delegable = delegable_indexes(report)
    parent_id = client_id(plan, PARENT)
    inputs: list[dict[str, Any]] = [
        {"id": parent_id, "title": plan_title(plan, TITLE_LIMIT), "description": plan_body(plan, {}, delegable)}
    ]
    for i in creation_order(plan):
        subtask = plan["subtasks"][i]
        item = {
            "id": client_id(plan, subtask.get("id") if isinstance(subtask.get("id"), str) else f"#{i}"),
            "title": subtask_title(subtask, TITLE_LIMIT),
            "description": subtask_body(plan, i, {}, i in delegable),
            "priority": priority(subtask),
            "parentId": parent_id,
        }
        points = estimate(subtask)
        if points is not None:
            item["estimate"] = points
        inputs.append(item)
    return {default_name(plan): json.dumps(inputs, indent=2, ensure_ascii=False) + "\n"}


EXPORTER = Exporter(
    name="linear",
    label="Linear issues",
    description="A JSON file of Linear issueCreate inputs (a parent for the plan, one child per subtask, "
    "priority and estimate mapped); --push creates them.",
    kind="file",
    default_name=default_name,
    render=render,
)
