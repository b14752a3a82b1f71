"""The ``json`` importer: a decomposer plan file, read as ``check`` reads it.

The plan is taken unchanged, ``source`` included, so importing an exported plan and
writing it again gives the same bytes (``files.dump_plan``).
"""

from __future__ import annotations

import re
from pathlib import Path

from decomposer.importers import Importer
from decomposer.importers.common import ImportFailed, ImportResult, Reader, finish, read_head
from decomposer.importers.taskmaster import looks_like_tasks_json
from decomposer.plan.contract import PLAN, field_names
from decomposer.plan.loading import PlanLoadError, parse_plan

NAME = "json"
_FIRST_KEY = re.compile(r'\{\s*"((?:[^"\\\n]|\\.){1,64})"\s*:')


def detect(path: Path) -> bool:
    """A .json file whose first key is one of the plan's top-level fields."""
    if path.suffix.lower() != ".json":
        return False
    head = read_head(path).lstrip()
    match = _FIRST_KEY.match(head)
    return match is not None and match.group(1) in field_names(PLAN) and not looks_like_tasks_json(head)


def load(path: Path) -> ImportResult:
    data = Reader().read_bytes(path)
    try:
        loaded = parse_plan(data, str(path))
    except PlanLoadError as exc:
        raise ImportFailed(path, exc.reason) from None
    return finish(loaded.plan, NAME, path, ["a decomposer plan: taken unchanged"], loaded.duplicate_keys)


IMPORTER = Importer(
    name=NAME,
    label="decomposer plan (JSON)",
    description="A plan file written by decomposer, taken as it is.",
    accepts=("file",),
    detect=detect,
    load=load,
)
