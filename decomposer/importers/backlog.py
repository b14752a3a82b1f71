"""The ``backlog`` importer: Backlog.md task files.

Give one task file, the ``backlog/tasks`` folder, or the ``backlog`` folder. Each file
has YAML front matter (``id``, ``title``, ``status``, ``priority``, ``labels``,
``dependencies``, ``parent_task_id``) and sections; ``## Description`` becomes the goal,
the items of ``## Acceptance Criteria`` and ``## Definition of Done`` become review
criteria. Ids keep their numbers: BACK-355 becomes S355 and its subtask BACK-355.02
becomes S355.2; the original id, status and priority are kept as labels, and so are the
task's own labels. Dependencies match by number, so "task-355.01" finds BACK-355.01
(Backlog.md matches ids that way too); those on tasks not imported are named in the notes.

When the import has one top task (one file, or a task and its subtasks), its title and
description are the plan's title and task.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decomposer.importers import Importer
from decomposer.importers.common import (
    ImportFailed,
    ImportResult,
    PlanBuilder,
    Reader,
    count,
    label,
    load_yaml,
    read_head,
    scalar_text,
    split_front_matter,
    summarize,
)

NAME = "backlog"
TASKS_FOLDER = "tasks"
CONFIG_FILE = "config.yml"
DETECT_ENTRIES, DETECT_FILES = 200, 3
_ID_NUMBER = re.compile(r"(?<![0-9.])([0-9]{1,18}(?:\.[0-9]{1,18})*)$")
_FRONT_ID = re.compile(r"^id:[ \t]*\S", re.MULTILINE)
_SECTION = re.compile(r"^##[ \t]+(.+?)[ \t]*$")
_MARKER = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")
_CHECK_ITEM = re.compile(r"^[ \t]*[-*][ \t]+\[[ xX]\][ \t]+(?:#[0-9]{1,9}[ \t]+)?(.*)$")
CRITERIA_SECTIONS = ("acceptance criteria", "definition of done")
DESCRIPTION_SECTION = "description"
# Sections kept in the task file that a plan has no place for.
SKIPPED_SECTIONS = ("implementation plan", "implementation notes", "final summary", "comments")


class NotATaskFile(ImportFailed):
    """A Markdown file in a tasks folder that is not a Backlog.md task (no front matter
    or no id): skipped in a folder, an error when it is the file given."""


@dataclass
class _Task:
    path: Path
    ref: str  # the id as written, e.g. BACK-355.02
    key: tuple[int, ...]  # its numbers, e.g. (355, 2)
    front: dict
    sections: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sid(self) -> str:
        return "S" + ".".join(map(str, self.key))

    def text(self, name: str) -> str:
        return "\n".join(self.sections.get(name, [])).strip()

    def field_text(self, name: str) -> str:
        return (scalar_text(self.front.get(name)) or "").strip()


def id_key(value: str) -> tuple[int, ...] | None:
    """The numbers of a Backlog.md id: "BACK-355.02" and "task-355.2" give (355, 2)."""
    match = _ID_NUMBER.search(value.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _tasks_folder(path: Path) -> Path:
    return path / TASKS_FOLDER if (path / TASKS_FOLDER).is_dir() else path


def _is_task_head(head: str) -> bool:
    if not head.startswith("---\n"):
        return False
    end = head.find("\n---", 3)
    return _FRONT_ID.search(head[4 : end if end != -1 else len(head)]) is not None


def detect(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".md" and _is_task_head(read_head(path))
    folder = _tasks_folder(path)
    try:
        # A few entries and Markdown files only: detection must stay cheap in a big folder.
        entries = itertools.islice(folder.iterdir(), DETECT_ENTRIES)
        candidates = [p for p in entries if p.suffix.lower() == ".md"][:DETECT_FILES]
    except OSError:
        return False
    return any(_is_task_head(read_head(candidate)) for candidate in candidates)


def parse_task(text: str, path: Path) -> _Task:
    parts = split_front_matter(text, path)
    if parts is None:
        raise NotATaskFile(path, "no front matter: a Backlog.md task file starts with a '---' line", 1)
    front_text, body = parts
    front = load_yaml(front_text, path, 2)
    if not isinstance(front, dict):
        raise NotATaskFile(path, "the front matter is not a set of fields (id: ..., title: ...)", 2)
    ref = scalar_text(front.get("id")) or ""
    key = id_key(ref) if ref else None
    if key is None:
        raise NotATaskFile(path, "the front matter has no id with a number (id: TASK-12)", 2)
    task = _Task(path, ref.strip(), key, front)
    section = None
    for line in body.split("\n"):
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1).strip().lower()
            task.sections.setdefault(section, [])
        elif section is not None and not _MARKER.match(line):
            task.sections[section].append(line)
    return task


def _strings(value: Any) -> list[str]:
    """The scalar items of a YAML list (or a lone scalar), as text."""
    items = value if isinstance(value, list) else [value]
    return [text.strip() for text in map(scalar_text, items) if text and text.strip()]


def _criteria(task: _Task) -> list[str]:
    statements = []
    for name in CRITERIA_SECTIONS:
        for line in task.sections.get(name, []):
            item = _CHECK_ITEM.match(line)
            if item and item.group(1).strip():
                statements.append(item.group(1).strip())
    return statements


def _labels(task: _Task) -> list[str]:
    labels = [f"backlog:{task.ref}"]
    for kind in ("status", "priority"):
        value = task.field_text(kind)
        if value:
            labels.append(label(kind, value))
    return labels + _strings(task.front.get("labels"))


def _project_name(reader: Reader, folder: Path) -> str | None:
    """``project_name`` from ``backlog/config.yml``, when it is there and readable."""
    config = reader.child(folder, CONFIG_FILE) or reader.child(folder.parent, CONFIG_FILE)
    if config is None:
        return None
    try:
        data = load_yaml(reader.read_text(config), config, 1)
    except ImportFailed as exc:
        reader.skipped.append(f"{config} ({exc.reason})")
        return None
    if not isinstance(data, dict):
        return None
    return (scalar_text(data.get("project_name")) or "").strip() or None


def load(path: Path) -> ImportResult:
    reader = Reader()
    builder = PlanBuilder(NAME)
    if path.is_dir():
        folder = _tasks_folder(path)
        tasks = []
        for file in reader.list_files(folder, ".md"):
            try:
                tasks.append(parse_task(reader.read_text(file), file))
            except NotATaskFile as exc:
                reader.skipped.append(f"{file.name} ({exc.reason})")
        if not tasks:
            raise ImportFailed(folder, "no Backlog.md task files found (Markdown files with id: in front matter)")
        project = _project_name(reader, folder)
    else:
        tasks, project = [parse_task(reader.read_text(path), path)], None
    tasks.sort(key=lambda task: task.key)

    imported = {task.key: task for task in tasks}
    dropped: list[str] = []
    skipped_sections: set[str] = set()
    for task in tasks:
        deps = []
        for dep in _strings(task.front.get("dependencies")):
            key = id_key(dep)
            if key in imported:
                deps.append(imported[key].sid)
            else:
                dropped.append(f"{task.sid} → {dep[:40]}")
        skipped_sections.update(name for name in SKIPPED_SECTIONS if task.text(name))
        builder.add(
            task.sid, task.field_text("title"), task.text(DESCRIPTION_SECTION), _criteria(task), _labels(task), deps
        )

    builder.notes.insert(
        0,
        f"{count(tasks, 'task file')} became subtasks S<n> (subtasks S<n>.<m>); acceptance "
        "criteria and definition-of-done items became review criteria",
    )
    if dropped:
        builder.notes.append(
            f"left out {count(dropped, 'dependency', 'dependencies')} on tasks not imported: {summarize(dropped)}"
        )
    if skipped_sections:
        names = ", ".join(name for name in SKIPPED_SECTIONS if name in skipped_sections)
        builder.notes.append(f"sections a plan has no field for were not imported: {names}")
    roots = [task for task in tasks if task.key[:-1] not in imported]
    if len(roots) == 1:
        root = roots[0]
        title = root.field_text("title") or root.ref
        plan = builder.plan(f"{root.ref} {title}", title, root.text(DESCRIPTION_SECTION), path)
    else:
        name = project or (path.resolve().parent.name if path.name == TASKS_FOLDER else path.resolve().name)
        plan = builder.plan(name, name, None, path)
    return builder.finish(plan, path, reader)


IMPORTER = Importer(
    name=NAME,
    label="Backlog.md tasks",
    description="One Backlog.md task file, or the backlog/ or backlog/tasks/ folder.",
    accepts=("file", "folder"),
    detect=detect,
    load=load,
)
