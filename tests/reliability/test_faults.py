"""Faults on every model call, end to end: ``decomposer decompose/refine/review`` and the
TUI, against the fake Messages API on 127.0.0.1 (``faultkit``).

For each operation and each fault the user gets one clear line (what happened, what to
do), never a traceback, and the draft is intact: what arrived of a decomposition is saved
beside the output, a plan with errors whose repair failed is kept, and a plan being
refined or reviewed is not touched. The calls that succeed after a retry give the result.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import subprocess
import sys
import time

import pytest

from decomposer.claude.tools import SUBMIT_SUBTASKS
from decomposer.cli.main import main
from decomposer.plan.loading import load_plan
from helpers.claude_replies import KEY, TASK, broken_input, twelve_subtasks
from helpers.fakeapi import FakeMessagesAPI, StatusError, ToolReply
from helpers.faultkit import (
    FAULTS,
    OPERATIONS,
    READ_TIMEOUT,
    STALL_LIMIT,
    FaultServer,
    load,
    refine_parts,
    requests_for,
    script,
)
from helpers.pilot import wait_for
from helpers.plans import clean_plan

# Faults that come after part of the reply arrived (max_tokens: after all of it).
MID_STREAM = {"timeout", "drop", "truncate", "malformed", "error-event", "max_tokens"}

ARGV = {
    "decompose": ["decompose", TASK, "-o", "plan.json"],
    "repair": ["decompose", TASK, "-o", "plan.json"],
    "refine": ["refine", "plan.json", "S1", "split this subtask"],
    "review": ["review", "plan.json"],
}


def files_under(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_clear_error(err: str, words: str) -> None:
    """The failure as one ``error:`` line naming it, then one ``what to do:`` line."""
    lines = err.splitlines()
    errors = [n for n, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, err
    assert words in lines[errors[0]], err
    assert lines[errors[0] + 1].startswith("  what to do: ") and len(lines[errors[0] + 1]) > 16, err


def assert_draft_kept(operation: str, fault: str, tmp_path, before: dict[str, bytes], err: str) -> None:
    if operation in ("refine", "review"):
        assert files_under(tmp_path) == before  # nothing written, the plan untouched
        if operation == "refine":
            assert "the plan is unchanged" in err
        return
    assert not (tmp_path / "plan.json").exists()  # a failed decomposition never poses as the plan
    partial = tmp_path / "plan.partial.json"
    if operation == "repair":
        # The complete plan that came back with errors is what the user has: kept.
        assert load_plan(str(partial)).plan["subtasks"] == broken_input()["subtasks"]
    elif fault in MID_STREAM:
        kept = load_plan(str(partial)).plan
        streamed = twelve_subtasks()["subtasks"]
        assert kept["task"] == TASK and kept["title"] == "Twelve parts"
        assert 3 <= len(kept["subtasks"]) <= 12 and kept["subtasks"] == streamed[: len(kept["subtasks"])]
        assert f"saved the {len(kept['subtasks'])} subtask(s) that arrived to plan.partial.json" in err
    else:  # refused or failed before any subtask arrived: nothing to keep
        assert not partial.exists() and "saved" not in err
    assert set(files_under(tmp_path)) <= {"plan.partial.json"}


def assert_succeeded(operation: str, tmp_path, out: str) -> None:
    if operation == "review":  # the findings go to stdout
        assert "model-review" in out and "the test passes on an empty file" in out
        return
    plan = load_plan(str(tmp_path / "plan.json")).plan
    ids = [s["id"] for s in plan["subtasks"]]
    assert (
        ids
        == {"decompose": [f"S{n}" for n in range(1, 13)], "repair": ["S1", "S2"], "refine": ["S1.1", "S1.2", "S2"]}[
            operation
        ]
    )


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_cli_fault(fault_api, tmp_path, capsys, operation, fault):
    expected = load(fault_api, operation, fault)
    if operation in ("refine", "review"):
        (tmp_path / "plan.json").write_text(json.dumps(clean_plan(), indent=2))
    before = files_under(tmp_path)

    code = main(ARGV[operation])
    out, err = capsys.readouterr()

    assert "Traceback" not in out + err and KEY not in out + err
    assert len(fault_api.requests) == requests_for(operation, expected)  # the retries, and no more
    assert expected.repeat_last or fault_api.replies == []
    if expected.words is None:
        assert code == 0, err
        assert_succeeded(operation, tmp_path, out)
        return
    assert code == 3, err
    assert_one_clear_error(err, expected.words)
    assert_draft_kept(operation, fault, tmp_path, before, err)


def test_the_stall_is_a_timeout_of_the_client(fault_api, tmp_path, capsys):
    """The "timeout" case above fails by the client's read timeout, once per attempt:
    the stalled reply would hold the connection for STALL_LIMIT seconds."""
    load(fault_api, "decompose", "timeout")
    started = time.monotonic()
    assert main(ARGV["decompose"]) == 3
    elapsed = time.monotonic() - started
    assert 2 * READ_TIMEOUT <= elapsed < STALL_LIMIT / 2, elapsed
    assert "timed out" in capsys.readouterr().err


# --- the shipped settings, in a real process -------------------------------------------------

REAL_PROCESS_CASES = [
    ("decompose", [StatusError(529)], True, "the API is overloaded (529), still after retries"),
    ("refine", script("refine", "refusal"), False, "Claude declined this request"),
    ("review", [StatusError(500)], True, "the API had a server error (500), still after retries"),
]


def test_real_process_faults_are_one_clear_message(tmp_path):
    """No patching: the client's own retries and timeouts, a real interpreter; the
    message reaches stderr with no traceback and nothing is written. The processes run
    side by side (each pays the interpreter's start-up)."""
    with contextlib.ExitStack() as stack:
        runs = []
        for operation, replies, repeat_last, words in REAL_PROCESS_CASES:
            folder = tmp_path / operation
            folder.mkdir()
            (folder / "plan.json").write_text(json.dumps(clean_plan(), indent=2))
            server = stack.enter_context(FaultServer(FakeMessagesAPI(list(replies), repeat_last=repeat_last)))
            env = dict(
                os.environ,
                ANTHROPIC_API_KEY=KEY,
                ANTHROPIC_BASE_URL=server.url,
                DECOMPOSER_CONFIG_DIR=str(folder / "config"),
                DECOMPOSER_DATA_DIR=str(folder / "data"),
            )
            env.pop("DECOMPOSER_MODEL", None)
            process = subprocess.Popen(
                [sys.executable, "-m", "decomposer", *ARGV[operation]],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            runs.append((process, folder, files_under(folder), words))
        for process, folder, before, words in runs:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 3, err
            assert "Traceback" not in err and KEY not in out + err
            assert_one_clear_error(err, words)
            assert files_under(folder) == before


# --- the TUI ---------------------------------------------------------------------------------

# A compact matrix: every fault on decompose (the streaming path, where what arrived is
# kept) and on review (a tenth of a second a call); for repair, which runs in the same
# worker as decompose, and refine, a sample of each kind of fault (the CLI tests above
# take every fault on every call).
TUI_FAULTS = {
    "decompose": list(FAULTS),
    "repair": ["429-then-success", "529-persisting", "drop", "refusal"],
    "refine": ["429-then-success", "500", "timeout", "truncate", "error-event", "max_tokens"],
    "review": list(FAULTS),
}
# The operation's key presses, from the plan workspace (review: from review mode).
TUI_KEYS = {"decompose": ["f5"], "repair": ["f5"], "refine": ["ctrl+r", "enter"], "review": ["m"]}
TUI_WORKERS = {"decompose": "claude", "repair": "claude", "refine": "refine", "review": "review"}


def tui_app(operation: str):
    from decomposer.claude.config import Settings
    from decomposer.editing.document import PlanDocument
    from decomposer.tui.app import DecomposerApp

    if operation in ("decompose", "repair"):
        plan = {"version": 1, "id": "csv-export", "title": "CSV export", "task": TASK, "subtasks": []}
    else:
        plan = clean_plan()
    return DecomposerApp(PlanDocument(plan), settings=Settings(stream_retry_delay=0), restore_drafts=False)


async def run_in_tui(app, pilot, fake, operation: str, requests: int) -> str:
    """Start ``operation`` the way a user does and wait until its requests are made and
    its worker is done; returns what the user was shown (notifications, and the refine
    dialog's status line)."""
    app.clear_notifications()
    for key in TUI_KEYS[operation]:
        await pilot.press(key)
    group = TUI_WORKERS[operation]

    def done() -> bool:
        busy = app.streaming or any(not w.is_finished and w.group == group for w in app.workers)
        return len(fake.requests) >= requests and not busy

    await wait_for(pilot, done, f"the {operation} call's {requests} requests and its worker to finish")
    await pilot.pause()
    shown = [n.message for n in app._notifications]
    if operation == "refine":
        shown.append(str(app.screen.query_one("#refine-status").content))
    return " | ".join(shown)


async def check_tui_fault(app, pilot, fake, operation: str, fault: str, before: dict) -> None:
    expected = load(fake, operation, fault)
    fake.requests.clear()
    shown = await run_in_tui(app, pilot, fake, operation, requests_for(operation, expected))
    assert app.is_running and "Internal error" not in shown and KEY not in shown, shown
    assert len(fake.requests) == requests_for(operation, expected)
    plan = app.document.plan
    if expected.words is None:
        if operation == "refine":
            await pilot.press("ctrl+a")  # accept the proposal
            await pilot.pause()
            assert [s["id"] for s in app.document.plan["subtasks"]] == ["S1.1", "S1.2", "S2"]
        elif operation == "review":
            assert [f.message for f in app.model_findings] == ["the test passes on an empty file"]
        else:
            count = 12 if operation == "decompose" else 2
            assert len(plan["subtasks"]) == count and f"{count} subtasks" in shown
        return
    assert expected.words in shown, shown
    if operation in ("refine", "review"):
        assert plan == before and not app.document.dirty and app.model_findings == []
    elif operation == "repair":
        assert plan["subtasks"] == broken_input()["subtasks"]
    elif fault in MID_STREAM:
        arrived = plan["subtasks"]
        assert 3 <= len(arrived) <= 12 and arrived == twelve_subtasks()["subtasks"][: len(arrived)]
        assert f"{len(arrived)} subtasks that arrived are kept" in shown
    else:
        assert plan == before


async def back_to_the_start(app, pilot, operation: str, before: dict) -> None:
    """Undo what the call brought (an edit like any other) and close its dialog."""
    if operation == "refine":
        await pilot.press("escape")  # close the dialog (a proposal left open is rejected)
        await pilot.pause()
    if app.document.plan != before:
        await pilot.press("ctrl+z")
        await pilot.pause()
    app.model_findings = []  # review findings are not part of the plan: nothing to undo
    assert app.document.plan == before


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_tui_faults(fault_api, operation):
    """The faults on ``operation`` in one session (a Pilot session costs about a second):
    after each, the message, then the draft; then back to the start for the next."""
    app = tui_app(operation)
    before = copy.deepcopy(app.document.plan)
    misbehaved = {}
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause(0.2)
        if operation == "review":
            await pilot.press("f8")  # review mode, where the model review is asked for
            await pilot.pause()
        for fault in TUI_FAULTS[operation]:
            try:
                await check_tui_fault(app, pilot, fault_api, operation, fault, before)
            except AssertionError as exc:
                misbehaved[fault] = str(exc)[:600]
            await back_to_the_start(app, pilot, operation, before)
    assert misbehaved == {}


# --- a fault on refine's own repair call --------------------------------------------------------


def risky_parts() -> list[dict]:
    """A refinement whose first part is autonomous at high stakes: an error the engine
    sends back to the model (refine's repair call)."""
    parts = copy.deepcopy(refine_parts())
    parts[0].update(
        autonomy="autonomous", risk={"stakes": "high", "verification_cost": "expensive", "reversible": True}
    )
    return parts


def refine_repair_fails() -> list:
    return [ToolReply(SUBMIT_SUBTASKS, {"subtasks": risky_parts(), "note": "split"}), StatusError(500)]


def test_cli_refine_repair_fault_keeps_the_plan_and_says_why(fault_api, tmp_path, capsys):
    fault_api.replies[:] = refine_repair_fails()
    fault_api.repeat_last = True
    original = json.dumps(clean_plan(), indent=2)
    (tmp_path / "plan.json").write_text(original)
    assert main(ARGV["refine"]) == 3  # a model call failed, as for decompose; the draft is still kept
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert_one_clear_error(err, FAULTS["500"].words)
    assert (tmp_path / "plan.json").read_text() == original
    proposal = load_plan(str(tmp_path / "plan.refined.json")).plan
    assert [s["id"] for s in proposal["subtasks"]] == ["S1.1", "S1.2", "S2"]


async def test_tui_refine_repair_fault_is_shown(fault_api):
    fault_api.replies[:] = refine_repair_fails()
    fault_api.repeat_last = True
    app = tui_app("refine")
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause(0.2)
        shown = await run_in_tui(app, pilot, fault_api, "refine", 4)
        assert app.document.plan == clean_plan()
        assert FAULTS["500"].words in shown, shown


@pytest.mark.parametrize("operation", ["refine", "review"])
async def test_tui_an_unexpected_error_in_a_model_call_is_reported(fault_api, monkeypatch, operation):
    from decomposer.claude.engine import Engine

    async def broken(self, *args, **kwargs):
        raise RuntimeError("a bug in the engine")

    monkeypatch.setattr(Engine, operation, broken)
    app = tui_app(operation)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause(0.2)
        if operation == "review":
            await pilot.press("f8")
        shown = await run_in_tui(app, pilot, fault_api, operation, 0)
        assert app.is_running and app.document.plan == clean_plan()
        assert "Internal error" in shown, shown
