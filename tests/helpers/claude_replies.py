"""What the fake Messages API answers in engine, CLI, TUI and fault tests: the key, a task, plans as tool input."""

from __future__ import annotations

import copy

from helpers.plans import clean_plan

KEY = "sk-ant-api03-SECRET-do-not-leak-0123456789"


TASK = "Let users download the monthly report as CSV."


def plan_input(plan: dict | None = None) -> dict:
    plan = plan or clean_plan()
    return {"title": plan["title"], "subtasks": copy.deepcopy(plan["subtasks"])}


def twelve_subtasks() -> dict:
    base = clean_plan()["subtasks"][0]
    subtasks = []
    for n in range(1, 13):
        s = copy.deepcopy(base)
        s["id"], s["title"] = f"S{n}", f"Write part {n} of the serializer"
        if n > 1:
            s["depends_on"] = [f"S{n - 1}"]
        subtasks.append(s)
    return {"title": "Twelve parts", "subtasks": subtasks}


def broken_input() -> dict:
    """A schema error (method misspelt) and a dependency cycle S1 <-> S2."""
    data = plan_input()
    data["subtasks"][1]["acceptance"][1]["verify"]["method"] = "reveiw"
    data["subtasks"][0]["depends_on"] = ["S2"]
    return data


def refined_parts():
    base = clean_plan()["subtasks"][0]
    return [
        dict(copy.deepcopy(base), id="S1.1", title="Write the header row"),
        dict(copy.deepcopy(base), id="S1.2", title="Write the line rows"),
    ]
