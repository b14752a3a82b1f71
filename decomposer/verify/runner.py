"""Running one command criterion and judging it (``run_one``): the command and everything
it starts run as one process group, stopped together on a timeout, Ctrl-C or ``stop``;
only the tail of its output is kept in memory; ``expect_output`` is searched in a child
interpreter, since a plan's pattern is untrusted.

Commands run only when a caller asks ``run_one`` to, after the user has seen and
confirmed them (``decomposer verify``, or the TUI's confirmation dialog).
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
from collections.abc import Mapping
from typing import IO

from decomposer.clock import rfc3339, utc_now
from decomposer.text import secret_variables, visible_text
from decomposer.verify.evidence import Evidence, stored_tail
from decomposer.verify.runs import PlannedRun

__all__ = ["DEFAULT_TIMEOUT_S", "RunCancelled", "run_one"]

DEFAULT_TIMEOUT_S = 600
# Output kept in memory while a command runs: the last 64 KB. expect_output is searched
# in this much, so a 10 MB log costs 64 KB, not 10 MB.
KEEP_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
# After SIGTERM, how long the command gets to exit before the whole group gets SIGKILL.
TERM_GRACE_S = 2.0
# After the command has exited and its group is killed, how long to wait for the last
# output. Longer means a process that left the group (setsid) still holds the pipe.
DRAIN_GRACE_S = 2.0
# expect_output comes from the plan (untrusted): a pattern like "(a+)+$" can backtrack
# for hours. The search runs in a child interpreter that is killed after this long.
MATCH_TIMEOUT_S = 5.0

# The search, in a child interpreter (-I: ignore the environment and the user's site).
_SEARCH_PROGRAM = (
    "import json, re, sys\npattern, text = json.load(sys.stdin)\nsys.exit(0 if re.search(pattern, text) else 1)\n"
)


class RunCancelled(Exception):
    """``run_one``'s ``stop`` event was set: the command was stopped, there is no result."""


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


def _pump(stream: IO[bytes], buffer: _TailBuffer) -> None:
    """Read the command's output until every process holding the pipe has closed it."""
    try:
        fd = stream.fileno()
        while chunk := os.read(fd, READ_CHUNK):
            buffer.add(chunk)
    except (OSError, ValueError):
        pass  # the pipe went away; what was read is kept
    finally:
        stream.close()


def _start(command: str, cwd: str | os.PathLike[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    # shell=True on purpose: a criterion's command is a shell command line written for a
    # human to paste ("pytest -q && grep -c x f | wc -l"), with pipes, globs and &&.
    # The user has seen and confirmed this exact text before it gets here.
    # A new session (POSIX) or process group (Windows) makes the command and everything
    # it starts one unit that a timeout or Ctrl-C stops together; it also keeps the
    # terminal's Ctrl-C away from it, so stopping it is decomposer's job. (Each platform
    # passes the other's default: 0 flags on POSIX, no new session on Windows.)
    if sys.platform == "win32":
        creationflags, new_session = subprocess.CREATE_NEW_PROCESS_GROUP, False
    else:
        creationflags, new_session = 0, True
    return subprocess.Popen(
        command,
        shell=True,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=new_session,
        creationflags=creationflags,
    )


def _has_exited(process: subprocess.Popen[bytes]) -> bool:
    if sys.platform == "win32" or not hasattr(os, "waitid"):
        # Windows, and macOS before Python 3.13, have no waitid: reaping is the only way
        # to ask. The group is still signalled by its id afterwards; a process group id
        # is not reused while any member of the group lives.
        return process.poll() is not None
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): it has exited
        return True


def _wait_exited(process: subprocess.Popen[bytes], timeout: float, stop: threading.Event | None = None) -> bool:
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


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    # Nobody left, or only a member that changed user (a setuid program).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def _stop_tree(process: subprocess.Popen[bytes], running: bool) -> None:
    """Stop the command and every process it started. A running command gets SIGTERM
    (a chance to clean up), then the whole group SIGKILL. After a normal exit this
    kills what it left running in the background, which would otherwise hold the
    output open and outlive the check."""
    if sys.platform == "win32":
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
    cwd: str | os.PathLike[str],
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
    secrets = secret_variables(environment)
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
    notes: list[str] = []
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
