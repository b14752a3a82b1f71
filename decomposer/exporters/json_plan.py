"""The ``json`` exporter: the plan itself, in its canonical form.

The output is ``decomposer.plan.files.dump_plan`` of the plan, so loading it and dumping it
again gives the same bytes: the file can be checked in and diffed.
"""

from __future__ import annotations

from decomposer.check.validate import Report
from decomposer.exporters import Exporter, plan_stem
from decomposer.plan.files import dump_plan


def default_name(plan: dict) -> str:
    """``<plan id>.json`` (made safe; the title when the id is unusable)."""
    return f"{plan_stem(plan)}.json"


def render(plan: dict, report: Report) -> dict[str, str]:
    """The plan's canonical JSON; ``report`` goes unused (the file is the plan itself)."""
    return {default_name(plan): dump_plan(plan)}


EXPORTER = Exporter(
    name="json",
    label="JSON plan",
    description="The plan as one canonical JSON file, as decomposer reads it back.",
    kind="file",
    default_name=default_name,
    render=render,
)
