"""The ``taskmaster`` importer: Taskmaster's ``tasks.json`` (claude-task-master).

Layouts: tagged, ``{"<tag>": {"tasks": [...], "metadata": {...}}}`` (the "master" tag is
imported, or the only one; the others are named in the notes), and legacy,
``{"tasks": [...], "metadata": {...}}``. A folder stands for the ``tasks.json`` in
``.taskmaster/tasks/``, ``tasks/`` or itself.

Mapping: task 7 becomes S7 and its subtask 2 becomes S7.2. ``description`` and
``details`` make the goal; ``testStrategy`` becomes a review criterion (it is prose, not
a command); ``id``, ``status`` and ``priority`` are kept as labels (``taskmaster:7``,
``status:done``, ``priority:high``). Dependencies: an integer or "7" names task 7, "7.2"
names a subtask; in a subtask a plain number names a sibling subtask when there is one
(what Taskmaster writes), else a task. Dependencies on tasks not in the file are left out and
named in the notes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from decomposer.importers import Importer
from decomposer.importers.common import (
    ImportFailed,
    ImportResult,
    PlanBuilder,
    Reader,
    contained,
    count,
    label,
    read_head,
    summarize,
)
from decomposer.plan.loading import PlanLoadError, parse_plan
from decomposer.plan.pointers import as_list

NAME = "taskmaster"
PREFERRED_TAG = "master"
FOLDER_CANDIDATES = (".taskmaster/tasks/tasks.json", "tasks/tasks.json", "tasks.json")
# {"tasks": [ ...  or  {"<tag>": {"tasks": [ ... at the start of the file.
_LEGACY_START = re.compile(r'\{\s*"tasks"\s*:\s*\[')
_TAGGED_START = re.compile(r'\{\s*"(?:[^"\\\n]|\\.){1,200}"\s*:\s*\{\s*"tasks"\s*:\s*\[')
_NUMBER = re.compile(r"^[0-9]{1,9}$")
_DOTTED = re.compile(r"^([0-9]{1,9})\.([0-9]{1,9})$")


def looks_like_tasks_json(head: str) -> bool:
    head = head.lstrip()
    return bool(_LEGACY_START.match(head) or _TAGGED_START.match(head))


def tasks_file(path: Path) -> Path | None:
    """The tasks.json that ``path`` stands for (inside it, for a folder), or None."""
    if not path.is_dir():
        return path
    return next((found for name in FOLDER_CANDIDATES if (found := contained(path, name))), None)


def detect(path: Path) -> bool:
    found = tasks_file(path)
    return found is not None and found.suffix.lower() == ".json" and looks_like_tasks_json(read_head(found))


def _number(value: Any) -> int | None:
    """A Taskmaster id as a number: 7 or "7"; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 10**9:
        return value
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return int(value)
    return None


def _subtask_number(value: Any, parent: int) -> int | None:
    """A subtask id: 2, "2", or "7.2" inside task 7."""
    number = _number(value)
    if number is None and isinstance(value, str):
        dotted = _DOTTED.match(value.strip())
        if dotted and int(dotted.group(1)) == parent:
            number = int(dotted.group(2))
    return number


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _goal(item: dict) -> str:
    parts = [_text(item.get("description")), _text(item.get("details"))]
    return "\n\n".join(dict.fromkeys(part for part in parts if part))


def _labels(ref: str, item: dict) -> list[str]:
    labels = [f"taskmaster:{ref}"]
    for kind in ("status", "priority"):
        value = _text(item.get(kind))
        if value:
            labels.append(label(kind, value))
    return labels


def _choose_tasks(data: dict, path: Path, builder: PlanBuilder) -> tuple[list, dict, str | None]:
    """(tasks, metadata, tag) of the layout; the tag is None for the legacy layout."""
    if isinstance(data.get("tasks"), list):
        metadata = data.get("metadata")
        return data["tasks"], metadata if isinstance(metadata, dict) else {}, None
    tags = {
        name: value for name, value in data.items() if isinstance(value, dict) and isinstance(value.get("tasks"), list)
    }
    if not tags:
        raise ImportFailed(path, 'no task list: expected {"tasks": [...]} or {"<tag>": {"tasks": [...]}}')
    tag = PREFERRED_TAG if PREFERRED_TAG in tags else next(iter(tags))
    others = [f"{name} ({count(value['tasks'], 'task')})" for name, value in tags.items() if name != tag]
    if others:
        builder.notes.append(
            f'imported tag "{tag}"; not imported: {summarize(others)} (import each tag into a plan of its own)'
        )
    metadata = tags[tag].get("metadata")
    return tags[tag]["tasks"], metadata if isinstance(metadata, dict) else {}, tag


def _project_name(path: Path, metadata: dict, tag: str | None) -> str:
    name = _text(metadata.get("projectName"))
    if not name:
        # <project>/.taskmaster/tasks/tasks.json, <project>/tasks/tasks.json, <project>/tasks.json
        folder = path.resolve().parent
        if folder.name == "tasks":
            folder = folder.parent
        if folder.name == ".taskmaster":
            folder = folder.parent
        name = folder.name if path.name == "tasks.json" else path.stem
    return name if tag in (None, PREFERRED_TAG) else f"{name} ({tag})"


class _Tasks:
    """Task and subtask numbers as imported, to resolve dependencies."""

    def __init__(self):
        self.tasks: set[int] = set()
        self.subtasks: set[tuple[int, int]] = set()
        self.dropped: list[str] = []

    def resolve(self, dep: Any, owner: str, parent: int | None = None) -> str | None:
        number = _number(dep)
        if number is not None:
            if parent is not None and (parent, number) in self.subtasks:
                return f"S{parent}.{number}"
            if number in self.tasks:
                return f"S{number}"
        elif isinstance(dep, str) and (dotted := _DOTTED.match(dep.strip())):
            key = (int(dotted.group(1)), int(dotted.group(2)))
            if key in self.subtasks:
                return f"S{key[0]}.{key[1]}"
        shown = dep if isinstance(dep, (str, int)) and not isinstance(dep, bool) else type(dep).__name__
        self.dropped.append(f"{owner} → {str(shown)[:40]}")
        return None


def load(path: Path) -> ImportResult:
    source = tasks_file(path)
    if source is None:
        raise ImportFailed(path, f"no tasks.json inside this folder (looked for {', '.join(FOLDER_CANDIDATES)})")
    reader = Reader()
    try:
        data = parse_plan(reader.read_bytes(source), str(source)).plan
    except PlanLoadError as exc:
        raise ImportFailed(source, exc.reason) from None
    builder = PlanBuilder(NAME)
    tasks, metadata, tag = _choose_tasks(data, source, builder)

    # First pass: which numbers exist, so dependencies resolve in any order.
    known = _Tasks()
    skipped: list[str] = []
    entries: list[tuple[int, dict, list[tuple[int, dict]]]] = []
    for position, task in enumerate(tasks, 1):
        number = _number(task.get("id")) if isinstance(task, dict) else None
        if number is None:
            skipped.append(f"task #{position}")
            continue
        known.tasks.add(number)
        children = []
        raw_children = task.get("subtasks")
        for child_position, child in enumerate(raw_children if isinstance(raw_children, list) else [], 1):
            child_number = _subtask_number(child.get("id"), number) if isinstance(child, dict) else None
            if child_number is None:
                skipped.append(f"subtask #{child_position} of task {number}")
                continue
            known.subtasks.add((number, child_number))
            children.append((child_number, child))
        entries.append((number, task, children))
    if skipped:
        builder.notes.append(f"skipped {summarize(skipped)}: not an object with a numeric id")

    for number, task, children in entries:
        sid = f"S{number}"
        deps = [known.resolve(dep, sid) for dep in as_list(task.get("dependencies"))]
        builder.add(
            sid,
            _text(task.get("title")),
            _goal(task),
            [_text(task.get("testStrategy"))],
            _labels(str(number), task),
            [dep for dep in deps if dep],
        )
        for child_number, child in children:
            child_id = f"S{number}.{child_number}"
            deps = [known.resolve(dep, child_id, parent=number) for dep in as_list(child.get("dependencies"))]
            builder.add(
                child_id,
                _text(child.get("title")),
                _goal(child),
                [_text(child.get("testStrategy"))],
                _labels(f"{number}.{child_number}", child),
                [dep for dep in deps if dep],
            )

    subtask_count = sum(len(children) for _, _, children in entries)
    builder.notes.insert(
        0,
        f"{len(entries)} tasks and {subtask_count} subtasks became S<n> and S<n>.<m>; "
        "testStrategy became a review criterion, description and details the goal",
    )
    if known.dropped:
        builder.notes.append(
            f"left out {count(known.dropped, 'dependency', 'dependencies')} on tasks not in the file: "
            f"{summarize(known.dropped)}"
        )
    source_file = _text(metadata.get("sourceFile"))
    if source_file:
        builder.notes.append(f"Taskmaster made these tasks from {source_file}: the broad task is there")
    name = _project_name(source, metadata, tag)
    plan = builder.plan(name, name, None, source)
    return builder.finish(plan, source, reader)


IMPORTER = Importer(
    name=NAME,
    label="Taskmaster tasks.json",
    description="Taskmaster's tasks.json (tagged or legacy layout), or the project folder that holds .taskmaster/.",
    accepts=("file", "folder"),
    detect=detect,
    load=load,
)
