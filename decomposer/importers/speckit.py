"""The ``speckit`` importer: GitHub Spec Kit's ``tasks.md``, with ``spec.md`` beside it.

Give the feature folder (``specs/007-mock-auth/``) or its ``tasks.md``. Each task line
``- [ ] T012 [P] [US1] Create the model in src/models/user.py`` becomes S12: the line is
the goal (and the title, cut to the schema's limit), ``T012`` and the markers are kept as
labels (``speckit:T012``, ``parallel``, ``story:US1``), as are the phase (``phase:3``),
the story's priority (``priority:p1``) and the checkbox (``status:done``/``status:todo``).

Spec Kit states acceptance per phase, not per task: the phase's **Checkpoint** and
**Independent Test** lines, and the Given/When/Then acceptance scenarios of its user
story in ``spec.md``, become review criteria of the phase's last task, the one that
closes it. Other tasks get a TBD criterion. Spec Kit orders work by phase and describes
dependencies in prose, so ``depends_on`` stays empty. The user's description in
``spec.md`` (``**Input**: User description: "..."``) is the plan's task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from decomposer.importers import Importer
from decomposer.importers.common import ImportFailed, ImportResult, PlanBuilder, Reader, contained, label, read_head

NAME = "speckit"
TASKS_FILE = "tasks.md"
SPEC_FILE = "spec.md"

_TASK = re.compile(r"^[ \t]*[-*][ \t]+\[([ xX])\][ \t]+T([0-9]{1,9})\b[ \t]*(.*)$")
_TASK_HEAD = re.compile(r"^[ \t]*[-*][ \t]+\[[ xX]\][ \t]+T[0-9]{1,9}\b", re.MULTILINE)
_MARKER = re.compile(r"\[(P|US[0-9]{1,9})\][ \t]*")
_PHASE = re.compile(r"^##[ \t]+Phase[ \t]+([0-9]{1,9})\b(.*)$", re.IGNORECASE)
_STORY = re.compile(r"User Story[ \t]+([0-9]{1,9})\b", re.IGNORECASE)
_PRIORITY = re.compile(r"\(Priority:[ \t]*(P[0-9]{1,3})\)", re.IGNORECASE)
_FIELD = re.compile(r"^\*\*([A-Za-z ]{1,40})(?::\*\*|\*\*[ \t]*:)[ \t]*(.*)$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_H1 = re.compile(r"^#[ \t]+(.*)$")
_SPEC_STORY = re.compile(r"^###[ \t]+User Story[ \t]+([0-9]{1,9})\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^[ \t]*[0-9]{1,9}\.[ \t]+(.*)$")
_INPUT = re.compile(r"^\*\*Input\*\*[ \t]*:[ \t]*(?:User description:[ \t]*)?(.*)$", re.IGNORECASE)


def detect(path: Path) -> bool:
    found = contained(path, TASKS_FILE) if path.is_dir() else path
    return found is not None and found.suffix.lower() == ".md" and bool(_TASK_HEAD.search(read_head(found)))


@dataclass
class _Task:
    number: int
    done: bool
    text: str
    markers: list[str]
    phase: _Phase | None
    more: list[str] = field(default_factory=list)  # indented lines that continue the task


@dataclass
class _Phase:
    number: int
    heading: str
    checkpoints: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    tasks: list[_Task] = field(default_factory=list)

    @property
    def story(self) -> str | None:
        """US<n> of the phase: from its heading, or the one story all its tasks name."""
        match = _STORY.search(self.heading)
        if match:
            return f"US{int(match.group(1))}"
        stories = {m for task in self.tasks for m in task.markers if m.startswith("US")}
        return stories.pop() if len(stories) == 1 else None

    @property
    def priority(self) -> str | None:
        match = _PRIORITY.search(self.heading)
        return match.group(1).lower() if match else None


def _markdown_lines(text: str):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.split("\n"), 1):
        opening = _FENCE.match(line)
        if opening:
            if fence is None:
                fence = opening.group(1)
            elif opening.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield number, line


def parse_tasks(text: str) -> tuple[str | None, list[_Task], list[_Phase]]:
    """(title from the H1, tasks, phases) of a tasks.md."""
    title = None
    tasks: list[_Task] = []
    phases: list[_Phase] = []
    phase: _Phase | None = None
    last: _Task | None = None
    for _, line in _markdown_lines(text):
        if title is None and (h1 := _H1.match(line)):
            title = re.sub(r"^Tasks:[ \t]*", "", h1.group(1).strip(), flags=re.IGNORECASE)
            continue
        if line.startswith("## "):
            match = _PHASE.match(line)
            phase = _Phase(int(match.group(1)), line[3:].strip()) if match else None
            if phase:
                phases.append(phase)
            last = None
            continue
        task = _TASK.match(line)
        if task:
            rest, markers = task.group(3), []
            while marker := _MARKER.match(rest):
                markers.append(marker.group(1))
                rest = rest[marker.end() :]
            last = _Task(int(task.group(2)), task.group(1) != " ", rest.strip(), markers, phase)
            tasks.append(last)
            if phase:
                phase.tasks.append(last)
            continue
        if last is not None and line[:2].isspace() and line.strip():
            last.more.append(line.strip())
            continue
        last = None
        found = _FIELD.match(line.strip())
        if found and phase:
            name, value = found.group(1).strip().lower(), found.group(2).strip()
            if name == "checkpoint" and value:
                phase.checkpoints.append(value)
            elif name == "independent test" and value:
                phase.tests.append(value)
    return title, tasks, phases


def parse_spec(text: str) -> tuple[str | None, str | None, dict[str, list[str]]]:
    """(title, the user's description, acceptance scenarios by story "US<n>") of a spec.md."""
    title = description = None
    scenarios: dict[str, list[str]] = {}
    story: str | None = None
    collecting = False
    for _, line in _markdown_lines(text):
        stripped = line.strip()
        if title is None and (h1 := _H1.match(line)):
            title = re.sub(r"^Feature Specification:[ \t]*", "", h1.group(1).strip(), flags=re.IGNORECASE)
            continue
        if description is None and (given := _INPUT.match(stripped)):
            value = given.group(1).strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].strip()
            description = value or None
            continue
        if line.startswith("#"):
            heading = _SPEC_STORY.match(line)
            story = f"US{int(heading.group(1))}" if heading else None
            collecting = False
            continue
        if stripped.startswith("**"):
            found = _FIELD.match(stripped)
            collecting = found is not None and found.group(1).strip().lower() == "acceptance scenarios"
            continue
        if collecting and story and (item := _NUMBERED.match(line)):
            statement = item.group(1).replace("**", "").strip()
            if statement:
                scenarios.setdefault(story, []).append(statement)
    return title, description, scenarios


def _labels(task: _Task) -> list[str]:
    labels = [f"speckit:T{task.number:03d}"]
    labels += ["parallel" if m == "P" else f"story:{m}" for m in task.markers]
    if task.phase:
        labels.append(f"phase:{task.phase.number}")
        if task.phase.priority:
            labels.append(label("priority", task.phase.priority))
    labels.append("status:done" if task.done else "status:todo")
    return labels


def load(path: Path) -> ImportResult:
    reader = Reader()
    source = reader.require(path, TASKS_FILE) if path.is_dir() else path
    title, tasks, phases = parse_tasks(reader.read_text(source))
    if not tasks:
        raise ImportFailed(source, "no Spec Kit tasks found (lines like '- [ ] T001 Create the project')")
    spec_title = description = None
    scenarios: dict[str, list[str]] = {}
    spec = reader.child(source.parent, SPEC_FILE)
    builder = PlanBuilder(NAME)
    if spec is not None:
        spec_title, description, scenarios = parse_spec(reader.read_text(spec))
    else:
        builder.notes.append(f"no {SPEC_FILE} beside {source.name}: no acceptance scenarios imported")

    closing: dict[int, list[str]] = {}  # id(task) -> the phase's criteria
    closed: list[str] = []
    used_stories: set[str] = set()
    for phase in phases:
        if not phase.tasks:
            continue
        story = phase.story
        criteria = [f"Checkpoint: {c}" for c in phase.checkpoints] + [f"Independent test: {t}" for t in phase.tests]
        if story:
            criteria += scenarios.get(story, [])
            used_stories.add(story)
        if criteria:
            closing[id(phase.tasks[-1])] = criteria
            closed.append(f"S{phase.tasks[-1].number}")

    for task in tasks:
        goal = "\n".join([task.text, *task.more])
        builder.add(f"S{task.number}", task.text, goal, closing.get(id(task), []), _labels(task))

    builder.notes.insert(
        0,
        f"{len(tasks)} tasks T<n> became S<n>; the phase checkpoints, independent tests and "
        f"the spec's acceptance scenarios became review criteria of the task that closes each "
        f"phase ({', '.join(closed) or 'none'})",
    )
    unused = sorted(set(scenarios) - used_stories)
    if unused:
        builder.notes.append(f"acceptance scenarios of {', '.join(unused)} in {SPEC_FILE} match no phase: not imported")
    builder.notes.append("depends_on is empty: Spec Kit orders work by phase and describes dependencies in prose")
    name = source.resolve().parent.name
    plan_title = title or spec_title or name
    plan = builder.plan(name if re.match(r"^[0-9]{3}-", name) else plan_title, plan_title, description, source)
    return builder.finish(plan, source, reader)


IMPORTER = Importer(
    name=NAME,
    label="Spec Kit tasks.md",
    description="A Spec Kit feature folder (specs/<feature>/) or its tasks.md; spec.md beside it adds scenarios.",
    accepts=("file", "folder"),
    detect=detect,
    load=load,
)
