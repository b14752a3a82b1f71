"""The ``kiro`` importer: a Kiro spec folder, ``.kiro/specs/<name>/``.

``tasks.md`` lists the work: ``- [x] 1. Set up the API client`` becomes S1 and
``- [ ] 1.1 Create the service`` becomes S1.1. The bullet lines under a task are its
goal; the checkbox is kept as a label (``status:done``, ``status:todo``,
``status:in-progress``, ``status:queued``), as are the number (``kiro:1.1``) and the
optional mark ``- [ ]*`` (``optional``). ``_Requirements: 1.2, 4.1-4.6_`` names
acceptance criteria of ``requirements.md``: their EARS statements ("WHEN ... THEN the
system SHALL ...") become the task's review criteria. The Introduction of
``requirements.md`` is the plan's task. Kiro gives no dependencies: ``depends_on`` stays
empty and the numbering keeps the order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from decomposer.importers import Importer
from decomposer.importers.common import ImportFailed, ImportResult, PlanBuilder, Reader, contained, read_head, summarize

NAME = "kiro"
TASKS_FILE = "tasks.md"
REQUIREMENTS_FILE = "requirements.md"
DESIGN_FILE = "design.md"
STATUS = {" ": "todo", "x": "done", "X": "done", "-": "in-progress", "~": "queued"}

_TASK = re.compile(r"^[ \t]*[-*][ \t]+\[([ xX~-])\][ \t]*(\*)?[ \t]*([0-9]{1,9}(?:\.[0-9]{1,9}){0,5})\.?[ \t]+(.*)$")
_TASK_HEAD = re.compile(r"^[ \t]*[-*][ \t]+\[[ xX~-]\][ \t]*\*?[ \t]*[0-9]{1,9}(?:\.[0-9]{1,9})*\.?[ \t]", re.MULTILINE)
_REFS = re.compile(r"^(?:[-*][ \t]+)?_Requirements?:[ \t]*(.*?)_?$", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
_REQUIREMENT = re.compile(r"^Requirement[ \t]+([0-9]{1,9})\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^[ \t]*([0-9]{1,9})\.[ \t]+(.*)$")
_ONE = re.compile(r"^([0-9]{1,9})\.([0-9]{1,9})$")
_RANGE = re.compile(r"^([0-9]{1,9})\.([0-9]{1,9})[ \t]*[-–][ \t]*(?:([0-9]{1,9})\.)?([0-9]{1,9})$")
_WHOLE = re.compile(r"^(?:Requirement[ \t]+)?([0-9]{1,9})$", re.IGNORECASE)
_DOCUMENT_TITLE = re.compile(r"^(?:Design|Requirements)(?: Document)?[ \t]*:[ \t]*(.*)$", re.IGNORECASE)


def _spec_folder(path: Path) -> Path:
    return path if path.is_dir() else path.parent


def detect(path: Path) -> bool:
    """A tasks.md with numbered checkbox tasks, in a spec folder: one beside
    requirements.md or design.md, or under .kiro/."""
    folder = _spec_folder(path)
    tasks = contained(path, TASKS_FILE) if path.is_dir() else path
    if tasks is None or tasks.suffix.lower() != ".md":
        return False
    in_kiro = ".kiro" in folder.resolve().parts
    beside_spec = (folder / REQUIREMENTS_FILE).is_file() or (folder / DESIGN_FILE).is_file()
    return (in_kiro or beside_spec) and bool(_TASK_HEAD.search(read_head(tasks)))


@dataclass
class _Task:
    number: str  # "1", "1.1"
    status: str
    optional: bool
    title: str
    details: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


def parse_tasks(text: str) -> list[_Task]:
    tasks: list[_Task] = []
    current: _Task | None = None
    for line in text.split("\n"):
        task = _TASK.match(line)
        if task:
            current = _Task(task.group(3), STATUS[task.group(1)], bool(task.group(2)), task.group(4).strip())
            tasks.append(current)
        elif current is None or not line.strip():
            continue
        elif not line[:1].isspace():
            current = None  # an unindented line (a heading, a paragraph) ends the task
        elif refs := _REFS.match(line.strip()):
            current.refs += [ref.strip() for ref in re.split(r"[,;]", refs.group(1)) if ref.strip()]
        else:
            current.details.append(line.strip())
    return tasks


def _named(heading: str) -> str | None:
    """ "Warband List" from "Design Document: Warband List"; None for any other heading."""
    match = _DOCUMENT_TITLE.match(heading)
    return (match.group(1).strip() or None) if match else None


def parse_requirements(text: str) -> tuple[str | None, str | None, dict[tuple[int, int], str]]:
    """(title, introduction, EARS criteria by (requirement, number)) of a requirements.md."""
    title = None
    section = None  # the level-1 or level-2 section the line is in
    introduction: list[str] = []
    criteria: dict[tuple[int, int], str] = {}
    requirement: int | None = None
    collecting = False
    last: tuple[int, int] | None = None
    for line in text.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            level, name = len(heading.group(1)), heading.group(2)
            if level == 1 and title is None:
                title = _named(name)
            if level <= 2:
                section = name.lower()
            number = _REQUIREMENT.match(name)
            if number:
                requirement, collecting = int(number.group(1)), False
            else:
                collecting = requirement is not None and name.lower().startswith("acceptance criteria")
            last = None
            continue
        if section == "introduction":
            introduction.append(line)
        if not collecting or requirement is None:  # collecting starts only under a requirement's heading
            continue
        item = _NUMBERED.match(line)
        if item:
            last = (requirement, int(item.group(1)))
            criteria[last] = item.group(2).strip()
        elif last is not None and line[:1].isspace() and line.strip():
            criteria[last] += " " + line.strip()
        elif line.strip():
            last = None
    return title, "\n".join(introduction).strip() or None, criteria


def resolve(refs: list[str], criteria: dict[tuple[int, int], str]) -> tuple[list[str], list[str]]:
    """(EARS statements, references that name no criterion) for a task's references:
    "1.2", a range "4.1-4.6" (or "4.1-6"), or a whole requirement "4"."""
    keys: list[tuple[int, int]] = []
    unresolved: list[str] = []
    for ref in refs:
        one, span, whole = _ONE.match(ref), _RANGE.match(ref), _WHOLE.match(ref)
        if one:
            found = [(int(one.group(1)), int(one.group(2)))]
        elif span and span.group(3) in (None, span.group(1)):
            requirement, low, high = int(span.group(1)), int(span.group(2)), int(span.group(4))
            found = [key for key in criteria if key[0] == requirement and low <= key[1] <= high]
        elif whole:
            found = [key for key in criteria if key[0] == int(whole.group(1))]
        else:
            found = []
        present = [key for key in found if key in criteria]
        if not present:
            unresolved.append(ref)
        keys += present
    return [criteria[key] for key in dict.fromkeys(keys)], unresolved


def _labels(task: _Task) -> list[str]:
    labels = [f"kiro:{task.number}", f"status:{task.status}"]
    return labels + ["optional"] if task.optional else labels


def _design_title(reader: Reader, folder: Path) -> str | None:
    design = reader.child(folder, DESIGN_FILE)
    if design is None:
        return None
    first = reader.read_text(design).lstrip("\n").split("\n", 1)[0]
    heading = _HEADING.match(first)
    return _named(heading.group(2)) if heading and len(heading.group(1)) == 1 else None


def load(path: Path) -> ImportResult:
    folder = _spec_folder(path)
    reader = Reader()
    source = reader.require(path, TASKS_FILE) if path.is_dir() else path
    tasks = parse_tasks(reader.read_text(source))
    if not tasks:
        raise ImportFailed(source, "no Kiro tasks found (lines like '- [ ] 1. Set up the project')")
    builder = PlanBuilder(NAME)
    title = introduction = None
    criteria: dict[tuple[int, int], str] = {}
    requirements = reader.child(folder, REQUIREMENTS_FILE)
    if requirements is not None:
        title, introduction, criteria = parse_requirements(reader.read_text(requirements))
    else:
        builder.notes.append(f"no {REQUIREMENTS_FILE} beside {source.name}: requirement references stay unresolved")
    title = _design_title(reader, folder) or title

    unresolved: list[str] = []
    linked = 0
    for task in tasks:
        statements, missing = resolve(task.refs, criteria)
        linked += bool(statements)
        unresolved += [f"S{task.number} {ref[:40]}" for ref in missing]
        builder.add(f"S{task.number}", task.title, "\n".join(task.details), statements, _labels(task))

    builder.notes.insert(
        0,
        f"{len(tasks)} tasks became S<n> and S<n>.<m>; {linked} of them name requirements "
        "whose EARS criteria became their review criteria",
    )
    if unresolved:
        builder.notes.append(
            f"requirement references that name no acceptance criterion in {REQUIREMENTS_FILE}: {summarize(unresolved)}"
        )
    builder.notes.append("depends_on is empty: Kiro orders tasks by number and gives no dependencies")
    name = folder.resolve().name
    plan = builder.plan(name, title or name, introduction, source)
    return builder.finish(plan, source, reader)


IMPORTER = Importer(
    name=NAME,
    label="Kiro spec",
    description="A Kiro spec folder (.kiro/specs/<name>/) with tasks.md and requirements.md, or its tasks.md.",
    accepts=("folder", "file"),
    detect=detect,
    load=load,
)
