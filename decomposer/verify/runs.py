"""Run a plan's command criteria and record the results as evidence.

Nothing here runs at import, on open or on export: commands run only when a caller asks
``run_one`` to, after the user has seen and confirmed them (``decomposer verify``, or
the TUI's confirmation dialog).

* ``planned_runs`` / ``review_waiting``: what a run would do, for listing and confirming.
* ``run_one``: run one criterion's command and judge it (``Evidence``).
* ``record`` / ``evidence_edit``: put the result into the plan.
* ``summarize``: passed / failed / not run / waiting for review, per subtask.

Output is untrusted text. What is stored has ANSI escape sequences removed, other
control characters shown as escapes (``decomposer.text.terminal_safe``), and the values
of secret environment variables replaced by ``[NAME redacted]``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from decomposer.clock import rfc3339, utc_now
from decomposer.plan.contract import int_range
from decomposer.plan.graph import dependency_order
from decomposer.text import terminal_safe

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "Evidence",
    "PlannedRun",
    "RunCancelled",
    "StaleRun",
    "Summary",
    "SubtaskSummary",
    "UnknownSubtask",
    "WaitingReview",
    "evidence_edit",
    "planned_runs",
    "record",
    "review_waiting",
    "run_one",
    "secret_values",
    "summarize",
]

DEFAULT_TIMEOUT_S = 600
# Output kept in memory while a command runs: the last 64 KB. expect_output is searched
# in this much, so a 10 MB log costs 64 KB, not 10 MB.
KEEP_BYTES = 64 * 1024
# What evidence stores of it: the last 4 KB (UTF-8), so a plan stays reviewable.
TAIL_BYTES = 4 * 1024
_CUT_MARK = "…"
READ_CHUNK = 64 * 1024
# After SIGTERM, how long the command gets to exit before the whole group gets SIGKILL.
TERM_GRACE_S = 2.0
# After the command has exited and its group is killed, how long to wait for the last
# output. Longer means a process that left the group (setsid) still holds the pipe.
DRAIN_GRACE_S = 2.0
# expect_output comes from the plan (untrusted): a pattern like "(a+)+$" can backtrack
# for hours. The search runs in a child interpreter that is killed after this long.
MATCH_TIMEOUT_S = 5.0

# Variables whose values never go into stored output, besides any name ending in a suffix.
SECRET_NAMES = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "LINEAR_API_KEY"})
SECRET_SUFFIXES = ("_TOKEN", "_KEY", "_SECRET", "_PASSWORD")
# Shorter values are not credentials ("1", "yes"); replacing them would garble output.
MIN_SECRET_CHARS = 8
# A cut tail that begins with at least this many characters of a secret's end is masked.
MIN_FRAGMENT_CHARS = 4

_POSIX = os.name == "posix"

# CSI (colours, cursor moves), OSC (window titles, hyperlinks) and two-character escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_LINE_BREAKS = re.compile(r"\r\n?")

# The search, in a child interpreter (-I: ignore the environment and the user's site).
_SEARCH_PROGRAM = (
    "import json, re, sys\npattern, text = json.load(sys.stdin)\nsys.exit(0 if re.search(pattern, text) else 1)\n"
)


class UnknownSubtask(LookupError):
    """``subtask_id`` names no subtask; ``known`` lists the ids the plan has."""

    def __init__(self, subtask_id: str, known: list[str]):
        super().__init__(f"no subtask {subtask_id!r}")
        self.subtask_id = subtask_id
        self.known = known


class RunCancelled(Exception):
    """``run_one``'s ``stop`` event was set: the command was stopped, there is no result."""


class StaleRun(LookupError):
    """The plan no longer has the criterion a result belongs to (it was edited since the
    run was planned); the result is not recorded."""


@dataclass(frozen=True)
class PlannedRun:
    """One command criterion to run. ``timeout_s`` is the criterion's own, or None."""

    subtask_index: int
    subtask_id: str
    subtask_title: str
    criterion: int
    statement: str
    command: str
    expect_exit: int = 0
    expect_output: str | None = None
    timeout_s: int | None = None

    def effective_timeout(self, default: float) -> float:
        """The criterion's own timeout, else ``default`` (``--timeout``)."""
        return self.timeout_s if self.timeout_s is not None else default


@dataclass(frozen=True)
class WaitingReview:
    """A review criterion: a human judges it, verify does not."""

    subtask_index: int
    subtask_id: str
    subtask_title: str
    criterion: int
    statement: str
    reviewer: str | None


@dataclass(frozen=True)
class Evidence:
    """The result of one run. ``to_dict`` is the entry stored in the plan; the rest is
    for the caller's display (``detail`` is one line of plain text, e.g. "exit 3,
    expected 0")."""

    run: PlannedRun
    at: str
    passed: bool
    exit_code: int | None
    output_tail: str
    duration_s: float
    detail: str
    output_bytes: int = 0  # everything the command wrote, although only the tail is kept

    def to_dict(self) -> dict:
        entry: dict[str, Any] = {"criterion": self.run.criterion, "at": self.at}
        if self.exit_code is not None:
            entry["exit_code"] = self.exit_code
        entry["passed"] = self.passed
        entry["output_tail"] = self.output_tail
        return entry


# --- planning -----------------------------------------------------------------------------


def _selected(plan: Any, subtask_id: str | None) -> list[tuple[int, dict, str]]:
    """(position, subtask, id) in dependency order (prerequisites first), or only the
    subtasks with ``subtask_id``. Subtasks without a string id are left out: their
    results could not be told apart."""
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    subtasks = subtasks if isinstance(subtasks, list) else []
    chosen = []
    for i in dependency_order(plan):
        subtask = subtasks[i]
        sid = subtask.get("id") if isinstance(subtask, dict) else None
        if isinstance(sid, str) and (subtask_id is None or sid == subtask_id):
            chosen.append((i, subtask, sid))
    if subtask_id is not None and not chosen:
        known = [s["id"] for s in subtasks if isinstance(s, dict) and isinstance(s.get("id"), str)]
        raise UnknownSubtask(subtask_id, known)
    return chosen


def _criteria(subtask: dict) -> list[tuple[int, dict, dict]]:
    criteria = subtask.get("acceptance")
    return [
        (j, criterion, criterion["verify"])
        for j, criterion in enumerate(criteria if isinstance(criteria, list) else [])
        if isinstance(criterion, dict) and isinstance(criterion.get("verify"), dict)
    ]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _optional_int(verify: dict, key: str, low: int, high: int) -> tuple[bool, int | None]:
    """(usable, value) of an optional integer field; a present but invalid one (a plan
    being edited) makes the criterion unusable rather than silently defaulted."""
    if key not in verify:
        return True, None
    value = verify[key]
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return ok, value if ok else None


def planned_runs(plan: Any, subtask_id: str | None = None) -> list[PlannedRun]:
    """Every command criterion of the plan (or of subtask ``subtask_id``), subtasks in
    dependency order, criteria in plan order. Raises ``UnknownSubtask``. A criterion
    whose fields are malformed (an empty command, a string timeout) is left out; a
    plan that passes ``decomposer check`` has none."""
    runs = []
    for i, subtask, sid in _selected(plan, subtask_id):
        for j, criterion, verify in _criteria(subtask):
            command = verify.get("command")
            if verify.get("method") != "command" or not isinstance(command, str) or not command.strip():
                continue
            exit_ok, expect_exit = _optional_int(verify, "expect_exit", *int_range("verify.expect_exit"))
            timeout_ok, timeout_s = _optional_int(verify, "timeout_s", *int_range("verify.timeout_s"))
            expect_output = verify.get("expect_output")
            if not (exit_ok and timeout_ok) or not isinstance(expect_output, (str, type(None))):
                continue
            runs.append(
                PlannedRun(
                    i,
                    sid,
                    _text(subtask.get("title")),
                    j,
                    _text(criterion.get("statement")),
                    command,
                    0 if expect_exit is None else expect_exit,
                    expect_output,
                    timeout_s,
                )
            )
    return runs


def review_waiting(plan: Any, subtask_id: str | None = None) -> list[WaitingReview]:
    """Every review criterion (in the same order as ``planned_runs``): these wait for a
    human. Raises ``UnknownSubtask``."""
    return [
        WaitingReview(
            i,
            sid,
            _text(subtask.get("title")),
            j,
            _text(criterion.get("statement")),
            verify["reviewer"] if isinstance(verify.get("reviewer"), str) else None,
        )
        for i, subtask, sid in _selected(plan, subtask_id)
        for j, criterion, verify in _criteria(subtask)
        if verify.get("method") == "review"
    ]


# --- running ------------------------------------------------------------------------------


def secret_values(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, value) of the variables whose values must never be stored: the API key,
    tracker tokens, and any name ending in _TOKEN, _KEY, _SECRET or _PASSWORD. Longest
    value first, so a secret that contains another is replaced whole."""
    found = [
        (name, value)
        for name, value in env.items()
        if (name.upper() in SECRET_NAMES or name.upper().endswith(SECRET_SUFFIXES)) and len(value) >= MIN_SECRET_CHARS
    ]
    return sorted(found, key=lambda item: -len(item[1]))


def _label(name: str) -> str:
    return f"[{name} redacted]"


def _redact(text: str, secrets: list[tuple[str, str]]) -> str:
    for name, value in secrets:
        if value in text:
            text = text.replace(value, _label(name))
    return text


def _redact_cut_start(text: str, secrets: list[tuple[str, str]]) -> str:
    """A tail cut in the middle of a secret starts with its last characters: mask them."""
    for name, value in secrets:
        for length in range(min(len(value) - 1, len(text)), MIN_FRAGMENT_CHARS - 1, -1):
            if text.startswith(value[-length:]):
                return _label(name) + text[length:]
    return text


def visible_text(raw: str) -> str:
    """Output as a reader sees it: ANSI escape sequences removed, line endings "\\n"
    (a lone "\\r", as progress bars use, ends a line too)."""
    return _LINE_BREAKS.sub("\n", _ANSI.sub("", raw))


def _cap_start(text: str, limit: int) -> tuple[str, bool]:
    """The end of ``text`` that fits in ``limit`` UTF-8 bytes, cut on a character
    boundary, and whether anything was cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text, False
    data = data[len(data) - limit :]
    start = 0
    while start < len(data) and 0x80 <= data[start] < 0xC0:  # continuation bytes
        start += 1
    return data[start:].decode("utf-8"), True


def stored_tail(visible: str, secrets: list[tuple[str, str]], note: str = "", limit: int = TAIL_BYTES) -> str:
    """What evidence keeps of the output: secrets redacted, control characters escaped,
    at most ``limit`` UTF-8 bytes including ``note`` (decomposer's own remark, which is
    never cut)."""
    note_text = f"\n{note}" if note and visible and not visible.endswith("\n") else note
    # Room for the cut mark and for a leading fragment replaced by a (longer) label.
    reserve = len(_CUT_MARK.encode("utf-8")) + max((len(_label(name)) for name, _ in secrets), default=0)
    budget = max(limit - len(note_text.encode("utf-8")) - reserve, 0)
    text, cut = _cap_start(terminal_safe(_redact(visible, secrets)), budget)
    if cut:
        text = _CUT_MARK + _redact_cut_start(text, secrets)
    return text + note_text


class _TailBuffer:
    """The last ``limit`` bytes written to it, and a count of all of them."""

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def add(self, chunk: bytes) -> None:
        with self.lock:
            self.total += len(chunk)
            self.data += chunk
            if len(self.data) > self.limit:
                del self.data[: len(self.data) - self.limit]

    def text(self) -> str:
        with self.lock:
            data, cut = bytes(self.data), self.total > len(self.data)
        start = 0
        while cut and start < min(len(data), 3) and 0x80 <= data[start] < 0xC0:
            start += 1  # a character split by the cap
        return data[start:].decode("utf-8", errors="replace")


def _pump(stream, buffer: _TailBuffer) -> None:
    """Read the command's output until every process holding the pipe has closed it."""
    try:
        fd = stream.fileno()
        while chunk := os.read(fd, READ_CHUNK):
            buffer.add(chunk)
    except (OSError, ValueError):
        pass  # the pipe went away; what was read is kept
    finally:
        stream.close()


def _start(command: str, cwd: str | os.PathLike, env: Mapping[str, str]) -> subprocess.Popen:
    # shell=True on purpose: a criterion's command is a shell command line written for a
    # human to paste ("pytest -q && grep -c x f | wc -l"), with pipes, globs and &&.
    # The user has seen and confirmed this exact text before it gets here.
    # A new session (POSIX) or process group (Windows) makes the command and everything
    # it starts one unit that a timeout or Ctrl-C stops together; it also keeps the
    # terminal's Ctrl-C away from it, so stopping it is decomposer's job.
    options: dict[str, Any] = (
        {"start_new_session": True} if _POSIX else {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    )
    return subprocess.Popen(
        command,
        shell=True,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **options,
    )


def _has_exited(process: subprocess.Popen) -> bool:
    if not _POSIX:
        return process.poll() is not None
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): it has exited
        return True


def _wait_exited(process: subprocess.Popen, timeout: float, stop: threading.Event | None = None) -> bool:
    """Wait until the command's shell exits, at most ``timeout`` seconds or until
    ``stop`` is set. On POSIX it is not reaped (WNOWAIT): while it is a zombie its pid,
    which is the process group id, cannot be reused, so signalling the group afterwards
    cannot hit a stranger."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        if _has_exited(process):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (stop is not None and stop.is_set()):
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.05)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    # Nobody left, or only a member that changed user (a setuid program).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _stop_tree(process: subprocess.Popen, running: bool) -> None:
    """Stop the command and every process it started. A running command gets SIGTERM
    (a chance to clean up), then the whole group SIGKILL. After a normal exit this
    kills what it left running in the background, which would otherwise hold the
    output open and outlive the check."""
    if not _POSIX:
        # Best effort: taskkill /T ends the tree while the shell is alive; leftovers of a
        # shell that has exited cannot be found on Windows.
        if process.poll() is None:
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True)
        return
    if running:
        _signal_group(process, signal.SIGTERM)
        _wait_exited(process, TERM_GRACE_S)
    _signal_group(process, signal.SIGKILL)


def _search(pattern: str, text: str) -> bool | None:
    """re.search(pattern, text) in a child interpreter; None when it took longer than
    MATCH_TIMEOUT_S (or the child failed), since the pattern is untrusted."""
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _SEARCH_PROGRAM],
            input=json.dumps([pattern, text]).encode("ascii"),
            capture_output=True,
            timeout=MATCH_TIMEOUT_S,
        )
    except (subprocess.TimeoutExpired, OSError):
        return None
    return {0: True, 1: False}.get(result.returncode)


def _exit_code(returncode: int) -> int:
    # A command killed by a signal shows as 128 + the signal number, as in the shell's $?.
    return 128 - returncode if returncode < 0 else returncode


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _not_run(run: PlannedRun, at: str, secrets: list[tuple[str, str]], detail: str) -> Evidence:
    return Evidence(run, at, False, None, stored_tail("", secrets, f"[decomposer: {detail}]"), 0.0, detail)


def run_one(
    planned: PlannedRun,
    cwd: str | os.PathLike,
    default_timeout: float,
    env: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
) -> Evidence:
    """Run one command criterion and judge it.

    The command runs through the shell in ``cwd`` with ``env`` (default: this process's
    environment), no standard input, and stdout and stderr combined in one pipe (the
    order a reader would see). It passes when the exit code is ``expect_exit`` (default
    0) and, when ``expect_output`` is set, ``re.search(expect_output, output)`` finds a
    match: a Python regular expression searched anywhere in the output, without flags
    (so "^0$" means the whole output is "0" with an optional final newline; write
    "(?m)^0$" to mean any line). The output searched is the last 64 KB with ANSI
    escape sequences removed.

    After its own ``timeout_s`` (else ``default_timeout``) seconds the command and every
    process it started are stopped and it fails without an exit code. A command the shell
    cannot find exits 127: an ordinary failure. An invalid expect_output is a failure
    and the command is not run. A KeyboardInterrupt (Ctrl-C) stops the command's
    processes the same way and propagates; so does setting ``stop`` (for a caller in
    another thread, such as the TUI), which raises ``RunCancelled``. Either way there is
    no result."""
    environment = dict(os.environ if env is None else env)
    secrets = secret_values(environment)
    at = rfc3339(utc_now())
    timeout = planned.effective_timeout(default_timeout)
    if planned.expect_output is not None:
        try:
            re.compile(planned.expect_output)
        except (re.error, RecursionError, OverflowError) as exc:
            return _not_run(
                planned,
                at,
                secrets,
                f"expect_output is not a valid regular expression ({exc}); the command was not run",
            )
    started = time.monotonic()
    try:
        process = _start(planned.command, cwd, environment)
    except OSError as exc:
        return _not_run(planned, at, secrets, f"could not start the command: {exc.strerror or exc}")
    buffer = _TailBuffer(KEEP_BYTES)
    reader = threading.Thread(target=_pump, args=(process.stdout, buffer), daemon=True, name="verify-output")
    reader.start()
    exited = False
    try:
        exited = _wait_exited(process, timeout, stop)
    finally:
        # Also on Ctrl-C (KeyboardInterrupt): nothing the command started outlives it.
        _stop_tree(process, running=not exited)
        returncode = process.wait()
        reader.join(DRAIN_GRACE_S)
    if not exited and stop is not None and stop.is_set():
        raise RunCancelled(f"{planned.subtask_id} criterion {planned.criterion + 1} was stopped")
    duration = time.monotonic() - started
    output = visible_text(buffer.text())
    notes = []
    if reader.is_alive():
        # A process that left the group (setsid) still holds the pipe; the reader thread
        # ends when it closes it.
        notes.append("[decomposer: a background process still holds the output open; stopped reading]")

    exit_code = _exit_code(returncode) if exited else None
    if not exited:
        passed = False
        detail = f"timed out after {_seconds(timeout)}"
        notes.append(f"[decomposer: {detail}; the command and every process it started were stopped]")
    elif exit_code != planned.expect_exit:
        passed = False
        detail = f"exit {exit_code}, expected {planned.expect_exit}"
    elif planned.expect_output is None:
        passed, detail = True, f"exit {exit_code}"
    else:
        found = _search(planned.expect_output, output)
        passed = found is True
        if found is None:
            detail = f"exit {exit_code}; searching the output for expect_output took over {_seconds(MATCH_TIMEOUT_S)}"
            notes.append(f"[decomposer: {detail}]")
        else:
            detail = f"exit {exit_code}" + ("" if found else ", output does not match expect_output")
    tail = stored_tail(output, secrets, "\n".join(notes))
    return Evidence(planned, at, passed, exit_code, tail, duration, detail, buffer.total)


# --- recording ----------------------------------------------------------------------------


def _runs_here(subtask: Any, run: PlannedRun) -> bool:
    if not isinstance(subtask, dict) or subtask.get("id") != run.subtask_id:
        return False
    criteria = subtask.get("acceptance")
    if not isinstance(criteria, list) or run.criterion >= len(criteria):
        return False
    criterion = criteria[run.criterion]
    verify = criterion.get("verify") if isinstance(criterion, dict) else None
    return isinstance(verify, dict) and verify.get("command") == run.command


def _position(plan: Any, run: PlannedRun) -> int:
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    subtasks = subtasks if isinstance(subtasks, list) else []
    if run.subtask_index < len(subtasks) and _runs_here(subtasks[run.subtask_index], run):
        return run.subtask_index
    for i, subtask in enumerate(subtasks):  # subtasks were moved since the run was planned
        if _runs_here(subtask, run):
            return i
    raise StaleRun(f"{run.subtask_id} criterion {run.criterion + 1} no longer has the command that ran")


def evidence_edit(plan: Any, evidence: Evidence) -> tuple[tuple, list]:
    """Where ``evidence`` goes and the subtask's new evidence list:
    ``(("subtasks", i, "evidence"), entries)``, ready for
    ``PlanDocument.set_field(*edit)``. See ``record`` for what the list holds. Raises
    ``StaleRun`` when the plan no longer has that subtask and command."""
    i = _position(plan, evidence.run)
    previous = plan["subtasks"][i].get("evidence")
    kept = [
        entry
        for entry in (previous if isinstance(previous, list) else [])
        if not (isinstance(entry, dict) and entry.get("criterion") == evidence.run.criterion)
    ]
    return ("subtasks", i, "evidence"), [*kept, evidence.to_dict()]


def record(plan: dict, evidence: Evidence) -> dict:
    """A copy of ``plan`` with ``evidence`` in its subtask; ``plan`` is not changed (only
    the containers on the path are copied, as ``PlanDocument`` requires).

    Each criterion keeps only its latest result: a new run replaces the previous entry
    for the same criterion and goes last, so the list stays one entry per command
    criterion, newest last (the schema's order), and the current state is what a reader
    sees. History is what version control of the plan file is for. Raises ``StaleRun``."""
    (_, i, key), entries = evidence_edit(plan, evidence)
    subtasks = list(plan["subtasks"])
    subtasks[i] = {**subtasks[i], key: entries}
    return {**plan, "subtasks": subtasks}


# --- summary ------------------------------------------------------------------------------


@dataclass
class SubtaskSummary:
    subtask_index: int
    subtask_id: str
    subtask_title: str
    passed: int = 0
    failed: int = 0
    not_run: int = 0
    waiting_review: int = 0


@dataclass
class Summary:
    """Counts per subtask (in plan order) for one verify run."""

    subtasks: list[SubtaskSummary] = field(default_factory=list)
    interrupted: bool = False

    def _total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.subtasks)

    @property
    def passed(self) -> int:
        return self._total("passed")

    @property
    def failed(self) -> int:
        return self._total("failed")

    @property
    def not_run(self) -> int:
        return self._total("not_run")

    @property
    def waiting_review(self) -> int:
        return self._total("waiting_review")

    @property
    def all_passed(self) -> bool:
        """Every planned command ran and passed (review criteria do not count)."""
        return self.failed == 0 and self.not_run == 0


def summarize(
    planned: Iterable[PlannedRun],
    results: Iterable[Evidence],
    waiting: Iterable[WaitingReview] = (),
    interrupted: bool = False,
) -> Summary:
    """Count each planned run as passed or failed by its result, or not run when it has
    none (the run was interrupted before it), plus the review criteria waiting."""
    by_run = {(e.run.subtask_index, e.run.criterion): e for e in results}
    rows: dict[int, SubtaskSummary] = {}

    def row(item: PlannedRun | WaitingReview) -> SubtaskSummary:
        return rows.setdefault(
            item.subtask_index, SubtaskSummary(item.subtask_index, item.subtask_id, item.subtask_title)
        )

    for run in planned:
        result = by_run.get((run.subtask_index, run.criterion))
        if result is None:
            row(run).not_run += 1
        elif result.passed:
            row(run).passed += 1
        else:
            row(run).failed += 1
    for review in waiting:
        row(review).waiting_review += 1
    return Summary(sorted(rows.values(), key=lambda s: s.subtask_index), interrupted)
