"""What every importer shares: reading source files safely, and building the plan.

Reading: each file is capped at the plan size limit (``loading.MAX_PLAN_BYTES``), the
whole import at the same total, a folder at ``MAX_FOLDER_ENTRIES`` entries; text must be
UTF-8 (a BOM is fine); a symbolic link inside a source folder is followed only while it
stays inside that folder. Every failure is an ``ImportFailed`` naming the file, and the
line where there is one.

Building: the importers map what the source has and nothing more. A required field the
source lacks gets a placeholder that is valid under the schema, starts with "TBD:" (which
the lint reports as a placeholder) and says what to write there. Autonomy and risk get
the most cautious values (``DEFAULT_AUTONOMY``, ``DEFAULT_RISK``): defaults, not content,
and every import says so in its notes.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from decomposer.check.findings import Finding
from decomposer.check.validate import Report, validate_plan
from decomposer.plan.contract import max_length
from decomposer.plan.loading import MAX_PLAN_BYTES, os_error_reason
from decomposer.plan.names import safe_filename

MAX_FILE_BYTES = MAX_PLAN_BYTES
MAX_TOTAL_BYTES = MAX_PLAN_BYTES
# A tasks folder holds hundreds of files at most; past this the path is probably wrong
# (a home folder, node_modules), and listing it would be slow for nothing.
MAX_FOLDER_ENTRIES = 2000
# Format detection reads no more than this of a file.
HEAD_BYTES = 64 * 1024
# How many examples a note names before "and N more".
NOTE_EXAMPLES = 5

# Placeholders for what a source does not have. "TBD" is in the lint's placeholder list,
# so each one is reported where it stands; the rest of the text says what belongs there.
TBD_TASK = "TBD: the broad task as the engineer gave it"
TBD_GOAL = "TBD: what this subtask achieves and why it is needed"
TBD_SUMMARY = "TBD: the state this subtask starts from"
TBD_PRECONDITION = "TBD: a fact that must hold before work starts, such as a merged subtask or a passing command"
TBD_CRITERION = "TBD: an observable outcome that shows this subtask is done, with the command that checks it"
TBD_TRIGGER = "TBD: the event at which the agent must stop and hand back to a human"
# The most cautious values the schema allows: a human approves each step, and the
# placeholder boundary stops, which also gates the step assumed irreversible.
DEFAULT_AUTONOMY = "propose"
DEFAULT_RISK = {"stakes": "high", "verification_cost": "expensive", "reversible": False}
DEFAULT_ACTION = "stop"
DEFAULTS_NOTE = (
    'every subtask gets autonomy "propose" and risk stakes high, verification expensive, not reversible: '
    "cautious defaults, not content from the source; set them per subtask"
)
PLACEHOLDERS_NOTE = (
    "input state and pause boundaries are TBD placeholders on every subtask: the source format has no such fields"
)


class ImportFailed(Exception):
    """The source cannot be imported. The message names the file, and the line where
    there is one ("tasks.md:12: ..."), and says what is wrong. ``choices`` lists the
    formats to pick from when the format could not be told from the file: each front end
    says how to pick one in its own terms (``--from`` on the command line, the list in the
    TUI)."""

    def __init__(
        self, path: str | os.PathLike | None, reason: str, line: int | None = None, *, choices: tuple[str, ...] = ()
    ):
        self.path = str(path) if path is not None else None
        self.reason = reason
        self.line = line
        self.choices = choices
        if self.path is None:
            super().__init__(reason)
        else:
            super().__init__(f"{self.path}{f':{line}' if line is not None else ''}: {reason}")


@dataclass
class ImportResult:
    plan: dict
    importer: str  # the importer's name, e.g. "taskmaster"
    source: str  # the file or folder imported
    report: Report  # validation of ``plan``: what the reviewer must fix or fill in
    notes: list[str] = field(default_factory=list)  # what was mapped, defaulted or left out

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings


def finish(
    plan: dict,
    importer: str,
    source: str | os.PathLike,
    notes: list[str],
    duplicate_keys: Sequence[tuple[str, str]] = (),
) -> ImportResult:
    """Validate ``plan`` and wrap it up."""
    try:
        report = validate_plan(plan, duplicate_keys)
    except RecursionError:
        raise ImportFailed(source, "not usable: the data is nested too deeply") from None
    return ImportResult(plan, importer, str(source), report, notes)


# --- reading ---------------------------------------------------------------------------------


def decode(data: bytes, path: str | os.PathLike) -> str:
    """UTF-8 (with or without a BOM) with line ends made "\\n"; ``ImportFailed`` naming
    the line of the first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ImportFailed(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column {column}); save the file as UTF-8", line
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_head(path: Path) -> str:
    """The first ``HEAD_BYTES`` of a file as text, for format detection: "" when it
    cannot be read. Never raises."""
    try:
        if not path.is_file():
            return ""
        with open(path, "rb") as handle:
            data = handle.read(HEAD_BYTES)
    except (OSError, ValueError):
        return ""
    return data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")


class Reader:
    """Reads the files of one import within the caps, and remembers what it skipped."""

    def __init__(self):
        self.total = 0
        self.skipped: list[str] = []

    def read_bytes(self, path: Path) -> bytes:
        try:
            status = path.stat()
            if stat.S_ISDIR(status.st_mode):
                raise ImportFailed(path, "is a folder, expected a file")
            if not stat.S_ISREG(status.st_mode):  # a pipe or a device could block or never end
                raise ImportFailed(path, "not a regular file")
            size = status.st_size
            if size > MAX_FILE_BYTES:
                raise ImportFailed(path, f"too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})")
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ImportFailed(path, os_error_reason(exc)) from None
        if len(data) > MAX_FILE_BYTES:  # it grew while being read
            raise ImportFailed(path, f"too large (more than {MAX_FILE_BYTES:,} bytes)")
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise ImportFailed(
                path, f"the files read so far add up to more than {MAX_TOTAL_BYTES:,} bytes, the most one import reads"
            )
        return data

    def read_text(self, path: Path) -> str:
        return decode(self.read_bytes(path), path)

    def child(self, folder: Path, name: str) -> Path | None:
        """``folder/name`` when it is a file that stays inside ``folder``; None when it is
        missing. One that leads outside (through a symbolic link) is skipped and noted."""
        found = contained(folder, name)
        if found is None and _is_file(folder / name):
            self.skipped.append(f"{folder / name} (a symbolic link that leads outside {folder})")
        return found

    def require(self, folder: Path, name: str) -> Path:
        """``child``, or ``ImportFailed`` saying why there is none."""
        found = self.child(folder, name)
        if found is None:
            outside = _is_file(folder / name)
            raise ImportFailed(
                folder / name,
                "a symbolic link that leads outside the folder; give the file itself" if outside else "no such file",
            )
        return found

    def list_files(self, folder: Path, suffix: str) -> list[Path]:
        """The files in ``folder`` (not below it) whose names end with ``suffix``, in name
        order. ``ImportFailed`` past ``MAX_FOLDER_ENTRIES`` entries; symbolic links that
        lead outside ``folder`` are skipped and noted."""
        found: list[Path] = []
        try:
            with os.scandir(folder) as entries:
                for seen, entry in enumerate(entries, 1):
                    if seen > MAX_FOLDER_ENTRIES:
                        raise ImportFailed(
                            folder,
                            f"has more than {MAX_FOLDER_ENTRIES:,} entries; give the folder that holds the task files",
                        )
                    if not entry.name.lower().endswith(suffix):
                        continue
                    path = Path(entry.path)
                    if entry.is_symlink() and not inside(path, folder):
                        self.skipped.append(f"{path} (a symbolic link that leads outside {folder})")
                    elif entry.is_file():
                        found.append(path)
        except OSError as exc:
            raise ImportFailed(folder, os_error_reason(exc, folder=True)) from None
        return sorted(found, key=lambda p: p.name)

    def notes(self) -> list[str]:
        return [f"skipped {summarize(self.skipped)}"] if self.skipped else []


def contained(folder: Path, name: str) -> Path | None:
    """``folder/name`` when it is a file that stays inside ``folder`` once symbolic links
    are followed; None otherwise. Never raises."""
    path = folder / name
    return path if _is_file(path) and inside(path, folder) else None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` stays in ``folder`` once symbolic links are followed."""
    try:
        target, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):  # a link loop
        return False
    return root == target or root in target.parents


# --- YAML front matter ----------------------------------------------------------------------


def split_front_matter(text: str, path: str | os.PathLike) -> tuple[str, str] | None:
    """(front matter, body) when ``text`` opens with a "---" line (the front matter
    starts on line 2); None when it has none. ``ImportFailed`` when it is never closed."""
    if not (text.startswith("---\n") or text.rstrip() == "---"):
        return None
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        raise ImportFailed(path, "the front matter that opens on line 1 is never closed with a '---' line", 1)
    return text[4 : 4 + end.start()], text[4 + end.end() + 1 :]


def load_yaml(text: str, path: str | os.PathLike, first_line: int) -> Any:
    """``yaml.safe_load`` of ``text``, which starts at line ``first_line`` of ``path``;
    ``ImportFailed`` with the line of a syntax error."""
    import yaml  # noqa: PLC0415 - only the importers that read YAML pay for it

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ImportFailed(path, f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(path, f"invalid YAML: {exc}", first_line) from None
    except RecursionError:
        raise ImportFailed(path, "invalid YAML: nested too deeply", first_line) from None


def scalar_text(value: Any) -> str | None:
    """A YAML or JSON scalar as text (numbers and dates too); None for anything else, so
    a list or a mapping never turns into its repr."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if hasattr(value, "isoformat"):  # a date YAML read without quotes
        return value.isoformat()
    return None


# --- building the plan ---------------------------------------------------------------------


def one_line_text(text: str) -> str:
    """Runs of whitespace (newlines too) as single spaces."""
    return " ".join(text.split())


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, without an
    ellipsis (the lint would take "…" for a placeholder)."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else text[:limit]
    return cut.rstrip(" ,;:.-–—([{")


def label(kind: str, value: str) -> str:
    """A label that keeps a source value: ``label("status", "In Progress")`` is
    "status:in-progress"."""
    return f"{kind}:{'-'.join(value.lower().split())}"


def plan_id(name: str) -> str:
    """A plan id (the schema's slug) from any text."""
    return safe_filename(name, max_length("plan.id"))


def plan_title(name: str) -> str:
    return cut_at_word(one_line_text(name), max_length("plan.title")) or "Imported plan"


def criterion(statement: str) -> dict:
    """A criterion a person checks: what the sources state as tests, scenarios or EARS
    clauses is prose, not a command anyone can run."""
    return {"statement": statement.strip(), "verify": {"method": "review"}}


class PlanBuilder:
    """Collects subtasks with placeholders where the source is silent, and the notes."""

    def __init__(self, importer: str):
        self.importer = importer
        self.subtasks: list[dict] = []
        self.notes: list[str] = []
        self.shortened: list[str] = []
        self.without_goal: list[str] = []
        self.without_criteria: list[str] = []
        self.without_title: list[str] = []

    def add(
        self,
        sid: str,
        title: str | None,
        goal: str | None,
        criteria: Iterable[str],
        labels: Iterable[str] = (),
        depends_on: Iterable[str] = (),
    ) -> dict:
        """Add subtask ``sid``. ``title``, ``goal`` and ``criteria`` are source text
        (None or empty when the source has none)."""
        full_title = one_line_text(title or "")
        goal = (goal or "").strip()
        if not full_title:
            short = f"TBD: title of {sid}"
            self.without_title.append(sid)
        else:
            short = cut_at_word(full_title, max_length("subtask.title"))
            if short != full_title:
                self.shortened.append(sid)
                if full_title not in one_line_text(goal):
                    goal = f"{full_title}\n\n{goal}" if goal else full_title
        if not goal:
            goal = TBD_GOAL
            self.without_goal.append(sid)
        statements = list(dict.fromkeys(s.strip() for s in criteria if s and s.strip()))
        if not statements:
            statements = [TBD_CRITERION]
            self.without_criteria.append(sid)
        subtask: dict[str, Any] = {
            "id": sid,
            "title": short,
            "goal": goal,
            "input_state": {"summary": TBD_SUMMARY, "preconditions": [TBD_PRECONDITION]},
            "acceptance": [criterion(s) for s in statements],
            "pause_boundaries": [{"trigger": TBD_TRIGGER, "action": DEFAULT_ACTION}],
            "autonomy": DEFAULT_AUTONOMY,
            "risk": dict(DEFAULT_RISK),
        }
        depends_on = list(dict.fromkeys(depends_on))
        if depends_on:
            subtask["depends_on"] = depends_on
        labels = list(dict.fromkeys(labels))
        if labels:
            subtask["labels"] = labels
        self.subtasks.append(subtask)
        return subtask

    def plan(
        self, name: str, title: str, task: str | None, source: str | os.PathLike, context: str | None = None
    ) -> dict:
        """The plan (``ImportFailed`` when no subtask was found). ``name`` becomes the id."""
        if not self.subtasks:
            raise ImportFailed(source, "no tasks found to import")
        plan: dict[str, Any] = {
            "version": 1,
            "id": plan_id(name),
            "title": plan_title(title),
            "task": task.strip() if task and task.strip() else TBD_TASK,
        }
        if context and context.strip():
            plan["context"] = context.strip()
        plan["source"] = {"kind": "import", "importer": self.importer}
        plan["subtasks"] = self.subtasks
        return plan

    def standard_notes(self, plan: dict) -> list[str]:
        """Notes every import of a foreign format carries, after its own."""
        notes = []
        if plan["task"] == TBD_TASK:
            notes.append("the source has no statement of the broad task: plan.task is a TBD placeholder")
        if self.without_title:
            notes.append(f"{count(self.without_title, 'subtask')} without a title: {summarize(self.without_title)}")
        if self.shortened:
            notes.append(
                f"{count(self.shortened, 'title')} cut to {max_length('subtask.title')} characters at a word "
                f"(the full text opens the goal): {summarize(self.shortened)}"
            )
        if self.without_goal:
            notes.append(
                f"{count(self.without_goal, 'subtask')} without a description: TBD goal on "
                f"{summarize(self.without_goal)}"
            )
        if self.without_criteria:
            notes.append(
                f"{count(self.without_criteria, 'subtask')} without acceptance criteria in the source: "
                f"TBD criterion on {summarize(self.without_criteria)}"
            )
        notes.append(PLACEHOLDERS_NOTE)
        notes.append(DEFAULTS_NOTE)
        return notes

    def finish(self, plan: dict, source: str | os.PathLike, reader: Reader | None = None) -> ImportResult:
        notes = self.notes + (reader.notes() if reader else []) + self.standard_notes(plan)
        return finish(plan, self.importer, source, notes)


def count(items: list, word: str, plural: str | None = None) -> str:
    """ "1 task", "3 tasks"."""
    return f"{len(items)} {word if len(items) == 1 else plural or word + 's'}"


def summarize(items: Iterable[str], limit: int = NOTE_EXAMPLES) -> str:
    """ "a, b, c" or "a, b, c, d, e and 7 more"."""
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"
