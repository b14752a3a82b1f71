"""The ``github`` exporter: the plan as GitHub issues, written to a folder.

Why a folder: GitHub takes an issue's body as Markdown (``gh issue create --body-file``)
and everything else (title, labels, parent, dependencies) as fields, so each body is a
file a reviewer can read as GitHub will show it, and one manifest carries the fields:

* ``issues.json``: the issues in creation order (the plan's parent issue first, then the
  subtasks, prerequisites first). Each has its ``key`` ("plan" or the subtask id),
  ``title``, ``labels``, ``body_file``, ``parent`` (the key of its parent issue) and
  ``blocked_by`` (subtask ids), which is what a script needs to create them with gh.
* ``plan.md``: the parent issue's body: the task, the context, the subtasks in order.
* ``S1-<title>.md``: one body per subtask (names as the ``markdown`` exporter gives
  them): the Markdown exporter's sections under ``###`` headings, as GitHub issue forms
  render them, and a "Blocked by" line per dependency.

Issue numbers exist only once issues are created, so offline the "Blocked by" lines name
subtask ids; ``decomposer export PLAN --to github --push --repo OWNER/NAME`` renders the
same bodies with "#12" references (see ``decomposer.trackers.github``). Labels are
``autonomy: <level>``, ``estimate: <size>`` and the subtask's own labels.
"""

from __future__ import annotations

import json
from typing import Any

from decomposer.check.validate import Report
from decomposer.exporters import Exporter, plan_stem
from decomposer.exporters.markdown import file_names
from decomposer.exporters.tickets import (
    PARENT,
    creation_order,
    delegable_indexes,
    mappings,
    plan_body,
    plan_title,
    subtask_body,
    subtask_labels,
    subtask_title,
)

MANIFEST_FILE = "issues.json"
PARENT_BODY_FILE = "plan.md"


def default_name(plan: dict) -> str:
    """The folder: ``<plan id>-github``."""
    return f"{plan_stem(plan)}-github"


def render(plan: dict, report: Report) -> dict[str, str]:
    limits = mappings()["github"]["limits"]
    delegable = delegable_indexes(report)
    names = file_names(plan)
    order = creation_order(plan)
    files = {MANIFEST_FILE: "", PARENT_BODY_FILE: plan_body(plan, {}, delegable)}
    issues: list[dict[str, Any]] = [
        {
            "key": PARENT,
            "title": plan_title(plan, limits["title_length"]),
            "labels": [],
            "body_file": PARENT_BODY_FILE,
            "parent": None,
            "blocked_by": [],
        }
    ]
    for i in order:
        subtask = plan["subtasks"][i]
        files[names[i]] = subtask_body(plan, i, {}, i in delegable)
        deps = subtask.get("depends_on")
        issues.append(
            {
                "key": subtask.get("id"),
                "title": subtask_title(subtask, limits["title_length"]),
                "labels": subtask_labels(subtask),
                "body_file": names[i],
                "parent": PARENT,
                "blocked_by": [dep for dep in deps if isinstance(dep, str)] if isinstance(deps, list) else [],
            }
        )
    files[MANIFEST_FILE] = (
        json.dumps(
            {
                "about": "GitHub issues for this plan in creation order: the parent first, then each subtask after "
                "the ones it is blocked by. Bodies are Markdown files beside this one; 'decomposer export "
                "PLAN --to github --push --repo OWNER/NAME' creates them and fills in the issue numbers.",
                "plan": plan.get("id"),
                "issues": issues,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    return files


EXPORTER = Exporter(
    name="github",
    label="GitHub issues",
    description="A folder of GitHub issue bodies (a parent for the plan, one per subtask) and an issues.json "
    "of titles, labels and dependencies; --push creates them.",
    kind="folder",
    default_name=default_name,
    render=render,
)
