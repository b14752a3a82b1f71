"""`decomposer verify`: real subprocesses with tiny commands (this Python, `exit`, `echo`).

Nothing here touches the network; every command runs in a temporary folder.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from decomposer.check.validate import validate_plan
from decomposer.cli.main import _parser, main
from decomposer.cli.verify_command import verify_command
from decomposer.text import secret_variables
from decomposer.verify import runner
from decomposer.verify.evidence import TAIL_BYTES, StaleRun, evidence_edit, record, stored_tail, summarize
from decomposer.verify.runner import RunCancelled, run_one
from decomposer.verify.runs import PlannedRun, UnknownSubtask, planned_runs, review_waiting
from helpers.plans import clean_plan

PY = shlex.quote(sys.executable)
FAKE_KEY = "sk-ant-test-Zq8WvX3kLm9Rt2Yp7Hn4Jd6Fs1Gb5Vc0"


def python(code: str) -> str:
    """A shell command line running ``code`` with this interpreter."""
    return f"{PY} -c {shlex.quote(code)}"


def run(command: str, **fields) -> PlannedRun:
    return PlannedRun(0, "S1", "Write the CSV serializer", 0, "it works", command, **fields)


def gone(pid: int) -> bool:
    """True when the process has ended (a zombie waiting for init to reap it counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def plan_with(*commands: dict) -> dict:
    """The clean plan with S1's criterion and S2's first criterion replaced by ``commands``
    (S2 keeps its review criterion)."""
    plan = clean_plan()
    for subtask, verify_fields in zip(plan["subtasks"], commands):
        subtask["acceptance"][0]["verify"] = {"method": "command", **verify_fields}
    return plan


def write(tmp_path: Path, plan: dict) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    return path


def saved(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- planning ------------------------------------------------------------------------------


def test_planned_runs_and_reviews_of_the_clean_plan():
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"][0]["verify"]["timeout_s"] = 30
    runs = planned_runs(plan)
    assert [(r.subtask_id, r.criterion, r.command, r.expect_exit, r.timeout_s) for r in runs] == [
        ("S1", 0, "pytest -q tests/reports/test_csv.py", 0, 30),
        ("S2", 0, "pytest -q tests/reports/test_download.py", 0, None),
    ]
    assert runs[0].effective_timeout(600) == 30 and runs[1].effective_timeout(600) == 600
    waiting = review_waiting(plan)
    assert [(w.subtask_id, w.criterion, w.reviewer) for w in waiting] == [("S2", 1, "product owner")]


def test_runs_follow_dependencies_and_subtask_selects():
    plan = clean_plan()
    plan["subtasks"].reverse()  # S2 (depends on S1) now comes first in the file
    assert [r.subtask_id for r in planned_runs(plan)] == ["S1", "S2"]
    assert [r.subtask_id for r in planned_runs(plan, "S2")] == ["S2"]
    assert review_waiting(plan, "S1") == []
    with pytest.raises(UnknownSubtask) as caught:
        planned_runs(plan, "S9")
    assert caught.value.known == ["S2", "S1"]


def test_malformed_criteria_are_left_out():
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"][0]["verify"]["command"] = "   "
    plan["subtasks"][1]["acceptance"][0]["verify"]["timeout_s"] = "10"
    assert planned_runs(plan) == []


# --- running -------------------------------------------------------------------------------


def test_exit_code_decides(tmp_path):
    assert run_one(run("exit 0"), tmp_path, 10).passed
    failed = run_one(run("exit 3"), tmp_path, 10)
    assert (failed.passed, failed.exit_code, failed.detail) == (False, 3, "exit 3, expected 0")
    assert run_one(run("exit 3", expect_exit=3), tmp_path, 10).passed
    missing = run_one(run("no-such-command-decomposer-test"), tmp_path, 10)
    assert (missing.passed, missing.exit_code) == (False, 127)
    killed = run_one(run("kill -9 $$"), tmp_path, 10)
    assert (killed.passed, killed.exit_code) == (False, 137)  # 128 + SIGKILL, as in $?


@pytest.mark.parametrize(
    "output, pattern, passed",
    [
        ("5 passed in 0.1s\n", "[0-9]+ passed", True),  # searched, not matched whole
        ("0\n", "^0$", True),  # a final newline is allowed
        ("10\n0\n", "^0$", False),  # no MULTILINE: ^ and $ are the whole output
        ("10\n0\n", "(?m)^0$", True),
        ("\x1b[32m5 passed\x1b[0m\n", "^5 passed$", True),  # colour codes are not output
        ("nothing\n", "passed", False),
    ],
)
def test_expect_output_is_searched_in_the_output(tmp_path, output, pattern, passed):
    evidence = run_one(run(python(f"import sys; sys.stdout.write({output!r})"), expect_output=pattern), tmp_path, 10)
    assert evidence.exit_code == 0
    assert evidence.passed is passed, evidence.detail
    if not passed:
        assert evidence.detail == "exit 0, output does not match expect_output"


def test_stderr_is_part_of_the_output(tmp_path):
    evidence = run_one(run("echo out; echo err >&2", expect_output="out\nerr"), tmp_path, 10)
    assert evidence.passed and evidence.output_tail == "out\nerr\n"


def test_invalid_regex_fails_clearly_without_running(tmp_path):
    evidence = run_one(run(python("open('ran', 'w')"), expect_output="(["), tmp_path, 10)
    assert not evidence.passed and evidence.exit_code is None
    assert "expect_output is not a valid regular expression" in evidence.detail
    assert evidence.output_tail.startswith("[decomposer: expect_output is not a valid regular expression")
    assert not (tmp_path / "ran").exists()


def test_catastrophic_pattern_cannot_hang_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MATCH_TIMEOUT_S", 0.5)
    started = time.monotonic()
    evidence = run_one(run(python("print('a' * 40 + '!')"), expect_output="^(a+)+$"), tmp_path, 10)
    assert time.monotonic() - started < 5
    assert not evidence.passed and evidence.exit_code == 0
    assert "took over 0.5 s" in evidence.detail and "took over 0.5 s" in evidence.output_tail


def test_timeout_stops_the_command_and_its_grandchild(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    grandchild = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    child = (
        f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {grandchild!r}]); "
        "print('started', flush=True); time.sleep(60)"
    )
    started = time.monotonic()
    evidence = run_one(run(python(child)), tmp_path, 1.5)
    assert time.monotonic() - started < 10
    assert not evidence.passed and evidence.exit_code is None
    assert evidence.detail == "timed out after 1.5 s"
    assert evidence.output_tail.startswith("started\n[decomposer: timed out after 1.5 s")
    assert "exit_code" not in evidence.to_dict()
    assert pid_file.exists(), "the grandchild never started; the test proves nothing"
    pid = int(pid_file.read_text())
    assert wait_for(lambda: gone(pid), 3), "the grandchild outlived the timeout"


def test_commands_run_and_time_out_without_waitid(tmp_path, monkeypatch):
    """macOS before Python 3.13 has no os.waitid: every run raised AttributeError."""
    monkeypatch.delattr(os, "waitid", raising=False)
    assert run_one(run("exit 0"), tmp_path, 10).passed
    assert run_one(run("exit 3"), tmp_path, 10).exit_code == 3
    slow = run_one(run(python("import time; time.sleep(60)")), tmp_path, 1)
    assert not slow.passed and slow.detail == "timed out after 1 s"


def test_stop_event_cancels_a_run_from_another_thread(tmp_path):
    pid_file = tmp_path / "sleeper.pid"
    command = python(f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)")
    stop = threading.Event()
    outcome = []

    def worker():
        try:
            outcome.append(run_one(run(command), tmp_path, 60, stop=stop))
        except RunCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    assert wait_for(lambda: pid_file.exists() and pid_file.read_text() != "")
    stop.set()
    thread.join(10)
    assert not thread.is_alive() and len(outcome) == 1 and isinstance(outcome[0], RunCancelled)
    pid = int(pid_file.read_text())
    assert wait_for(lambda: gone(pid), 3)


def test_background_leftovers_are_stopped_after_a_normal_exit(tmp_path):
    pid_file = tmp_path / "leftover.pid"
    leftover = python(f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)")
    command = f"{leftover} & while [ ! -s {shlex.quote(str(pid_file))} ]; do sleep 0.01; done; echo done"
    started = time.monotonic()
    evidence = run_one(run(command, expect_output="^done$"), tmp_path, 30)
    assert time.monotonic() - started < 5  # did not wait for the leftover to close the pipe
    assert evidence.passed, evidence.detail
    pid = int(pid_file.read_text())
    assert wait_for(lambda: gone(pid), 3)


def test_ten_megabytes_of_output_keep_only_a_tail(tmp_path):
    command = python("import sys; sys.stdout.write('x' * 10_000_000); print('END')")
    evidence = run_one(run(command, expect_output="END$"), tmp_path, 30)
    assert evidence.passed, evidence.detail
    assert evidence.output_bytes == 10_000_004
    assert len(evidence.output_tail.encode("utf-8")) <= TAIL_BYTES
    assert evidence.output_tail.startswith("…x") and evidence.output_tail.endswith("xEND\n")


def test_tail_is_cut_on_a_character_boundary(tmp_path):
    evidence = run_one(run(python("print('é' * 50_000)")), tmp_path, 30)
    tail = evidence.output_tail
    assert len(tail.encode("utf-8")) <= TAIL_BYTES and tail.startswith("…é") and "\ufffd" not in tail


def test_escape_sequences_and_control_characters_never_reach_the_tail(tmp_path):
    text = "\x1b[31mred\x1b[0m \x1b]0;window title\x07 bell\x07 \u202eevil\n10%\r100%\r\n"
    evidence = run_one(run(python(f"import sys; sys.stdout.write({text!r})")), tmp_path, 10)
    tail = evidence.output_tail
    assert tail == "red  bell\\x07 \\u202eevil\n10%\n100%\n"


def test_secrets_in_the_environment_are_redacted(tmp_path):
    env = {**os.environ, "ANTHROPIC_API_KEY": FAKE_KEY, "MY_SERVICE_TOKEN": "tok-7e1f0c2d9a", "PLAIN_KEY": "short"}
    command = 'echo "key=$ANTHROPIC_API_KEY"; echo "svc=$MY_SERVICE_TOKEN" >&2; echo "plain=$PLAIN_KEY"; exit 1'
    evidence = run_one(run(command), tmp_path, 10, env=env)
    assert evidence.output_tail == "key=[ANTHROPIC_API_KEY redacted]\nsvc=[MY_SERVICE_TOKEN redacted]\nplain=short\n"
    assert FAKE_KEY not in json.dumps(evidence.to_dict())


def test_a_tail_cut_inside_a_secret_hides_the_fragment():
    secrets = secret_variables({"ANTHROPIC_API_KEY": FAKE_KEY})
    for padding in range(3980, 4120):
        tail = stored_tail(FAKE_KEY + "y" * padding, secrets)
        assert len(tail.encode("utf-8")) <= TAIL_BYTES
        leaked = [FAKE_KEY[i : i + 6] for i in range(len(FAKE_KEY) - 5) if FAKE_KEY[i : i + 6] in tail]
        assert leaked == [], (padding, tail[:60])


def test_secret_names():
    env = {
        "ANTHROPIC_API_KEY": "a" * 20,
        "GH_TOKEN": "b" * 20,
        "LINEAR_API_KEY": "c" * 20,
        "db_password": "d" * 20,
        "AWS_SECRET": "e" * 30,
        "HOME": "/home/someone/x",
        "X_KEY": "1",
    }
    assert {name for name, _ in secret_variables(env)} == {
        "ANTHROPIC_API_KEY",
        "GH_TOKEN",
        "LINEAR_API_KEY",
        "db_password",
        "AWS_SECRET",
    }
    assert secret_variables(env)[0][0] == "AWS_SECRET"  # longest first


# --- recording and summary -----------------------------------------------------------------


def test_record_keeps_the_latest_result_per_criterion_newest_last(tmp_path):
    plan = plan_with({"command": "exit 0"}, {"command": "exit 1"})
    first, second = planned_runs(plan)
    before = json.dumps(plan)
    plan_1 = record(plan, run_one(first, tmp_path, 10))
    assert json.dumps(plan) == before  # the input is not changed
    plan_2 = record(plan_1, run_one(second, tmp_path, 10))
    plan_3 = record(plan_2, run_one(first, tmp_path, 10))
    assert plan_3["subtasks"][1] is plan_2["subtasks"][1]  # untouched subtasks are shared
    entries = plan_3["subtasks"][0]["evidence"]
    assert [(e["criterion"], e["passed"], e["exit_code"]) for e in entries] == [(0, True, 0)]
    assert list(entries[0]) == ["criterion", "at", "exit_code", "passed", "output_tail"]
    assert plan_3["subtasks"][1]["evidence"][0]["passed"] is False
    assert [f for f in validate_plan(plan_3).findings if f.severity == "error"] == []


def test_evidence_edit_fits_a_plan_document_and_refuses_a_stale_run(tmp_path):
    plan = plan_with({"command": "exit 0"})
    evidence = run_one(planned_runs(plan)[0], tmp_path, 10)
    tokens, entries = evidence_edit(plan, evidence)
    assert tokens == ("subtasks", 0, "evidence") and entries == [evidence.to_dict()]
    moved = {**plan, "subtasks": plan["subtasks"][::-1]}
    assert evidence_edit(moved, evidence)[0] == ("subtasks", 1, "evidence")
    plan["subtasks"][0]["acceptance"][0]["verify"]["command"] = "exit 5"  # edited since
    with pytest.raises(StaleRun):
        record(plan, evidence)


def test_summary_counts_per_subtask(tmp_path):
    plan = plan_with({"command": "exit 0"}, {"command": "exit 1"})
    runs = planned_runs(plan)
    results = [run_one(runs[0], tmp_path, 10)]
    summary = summarize(runs, results, review_waiting(plan), interrupted=True)
    assert [(s.subtask_id, s.passed, s.failed, s.not_run, s.waiting_review) for s in summary.subtasks] == [
        ("S1", 1, 0, 0, 0),
        ("S2", 0, 0, 1, 1),
    ]
    assert (summary.not_run, summary.all_passed, summary.interrupted) == (1, False, True)


# --- the command line ----------------------------------------------------------------------


def test_yes_runs_everything_saves_evidence_and_exits_0(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(Path(__file__).parent)  # the default folder is the plan's, not this one
    path = write(
        tmp_path,
        plan_with(
            {"command": python("open('here', 'w'); print('5 passed')"), "expect_output": "[0-9]+ passed"},
            {"command": "echo fine"},
        ),
    )
    assert main(["verify", str(path), "--yes"]) == 0
    out, err = capsys.readouterr()
    assert (tmp_path / "here").exists()
    assert f"2 commands to run in {tmp_path.resolve()}" in err
    assert "waiting for review by product owner" in err
    assert "✓ S1 #1" in out and "✓ S2 #1" in out
    assert "2 commands: 2 passed, 0 failed, 0 not run · 1 review criterion waiting for a human" in out
    plan = saved(path)
    assert [len(s["evidence"]) for s in plan["subtasks"]] == [1, 1]
    assert "updated_at" in plan
    assert validate_plan(plan).errors == []


def test_a_failure_exits_1_and_shows_the_output(tmp_path, capsys):
    path = write(tmp_path, plan_with({"command": "echo first; echo 'it broke'; exit 2"}))
    assert main(["verify", str(path), "--yes", "--subtask", "S1"]) == 1
    out, _ = capsys.readouterr()
    assert "✗ S1 #1" in out and "exit 2, expected 0" in out and "│ it broke" in out
    assert "S2" not in out
    assert saved(path)["subtasks"][0]["evidence"][0]["passed"] is False


def test_cwd_option(tmp_path, capsys):
    elsewhere = tmp_path / "repo"
    elsewhere.mkdir()
    path = write(tmp_path, plan_with({"command": python("open('here', 'w')")}))
    assert main(["verify", str(path), "--yes", "--subtask", "S1", "--cwd", str(elsewhere)]) == 0
    assert (elsewhere / "here").exists() and not (tmp_path / "here").exists()
    assert main(["verify", str(path), "--yes", "--cwd", str(tmp_path / "missing")]) == 2
    assert f"--cwd {tmp_path / 'missing'} does not exist" in capsys.readouterr().err


def test_timeout_option_applies_to_criteria_without_their_own(tmp_path, capsys):
    path = write(tmp_path, plan_with({"command": python("import time; time.sleep(30)")}))
    assert main(["verify", str(path), "--yes", "--subtask", "S1", "--timeout", "1"]) == 1
    out, err = capsys.readouterr()
    assert "timeout 1 s" in err and "timed out after 1 s" in out


@pytest.mark.parametrize("answer, code, ran", [("n\n", 1, False), ("", 1, False), ("yes\n", 0, True)])
def test_confirmation_on_the_terminal(tmp_path, capsys, monkeypatch, answer, code, ran):
    path = write(tmp_path, plan_with({"command": python("open('ran', 'w')")}))
    monkeypatch.setattr(sys, "stdin", FakeTerminal(answer))
    assert main(["verify", str(path), "--subtask", "S1"]) == code
    err = capsys.readouterr().err
    assert f"Run this command in {tmp_path.resolve()}? [y/N]" in err
    assert (tmp_path / "ran").exists() is ran
    assert ("evidence" in saved(path)["subtasks"][0]) is ran


def test_no_terminal_and_no_yes_exits_2_without_running(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, plan_with({"command": python("open('ran', 'w')")}))
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert main(["verify", str(path)]) == 2
    err = capsys.readouterr().err
    assert "no terminal to confirm on" in err and "--yes" in err
    assert not (tmp_path / "ran").exists()


def test_usage_errors_exit_2(tmp_path, capsys):
    path = write(tmp_path, clean_plan())
    assert main(["verify", str(path), "--subtask", "S7", "--yes"]) == 2
    assert f'no subtask "S7" in {path} (ids: S1, S2)' in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{not json")
    assert main(["verify", str(tmp_path / "broken.json"), "--yes"]) == 2
    assert "broken.json: not valid JSON" in capsys.readouterr().err
    invalid = clean_plan()
    invalid["subtasks"][0]["acceptance"][0]["verify"]["expect_exit"] = "zero"
    write(tmp_path, invalid)
    assert main(["verify", str(path), "--yes"]) == 2
    assert "does not match the schema" in capsys.readouterr().err
    assert main(["verify", "-", "--yes"]) == 2
    for bad, said in (("0", "from 1 to 86400"), ("86401", "from 1 to 86400"), ("0.5", "'0.5' is not a whole number")):
        with pytest.raises(SystemExit) as caught:
            main(["verify", str(path), "--timeout", bad])
        assert caught.value.code == 2 and said in capsys.readouterr().err


def test_only_review_criteria_is_nothing_to_run(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"][0]["verify"] = {"method": "review", "reviewer": "tech lead"}
    path = write(tmp_path, plan)
    assert main(["verify", str(path), "--subtask", "S1"]) == 0
    err = capsys.readouterr().err
    assert "subtask S1 has no command criteria to run" in err and "waiting for review by tech lead" in err


def test_listing_shows_the_whole_command_with_escapes(tmp_path, capsys, monkeypatch):
    command = "echo one\necho \x1b[2Jtwo " + "x" * 300
    path = write(tmp_path, plan_with({"command": command}))
    monkeypatch.setattr(sys, "stdin", FakeTerminal("n\n"))
    main(["verify", str(path), "--subtask", "S1"])
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "$ echo one\n" in err and "echo \\x1b[2Jtwo " + "x" * 300 in err


def test_secrets_stay_out_of_the_file_and_the_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "Q" * 36)
    path = write(tmp_path, plan_with({"command": 'echo "$ANTHROPIC_API_KEY"; echo "$GITHUB_TOKEN" >&2; exit 1'}))
    assert main(["verify", str(path), "--yes", "--subtask", "S1"]) == 1
    out, err = capsys.readouterr()
    text = out + err + path.read_text(encoding="utf-8")
    assert FAKE_KEY not in text and "Q" * 36 not in text
    assert "[ANTHROPIC_API_KEY redacted]" in out


def test_interrupt_keeps_the_evidence_gathered_so_far(tmp_path, capsys):
    path = write(tmp_path, plan_with({"command": "echo one"}, {"command": python("open('second', 'w')")}))
    calls = []

    def interrupt_second(planned, cwd, default_timeout):
        calls.append(planned.subtask_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return run_one(planned, cwd, default_timeout)

    args = _parser().parse_args(["verify", str(path), "--yes"])
    assert verify_command(args, runner=interrupt_second) == 130
    out, _ = capsys.readouterr()
    assert "Summary (interrupted):" in out and "2 commands: 1 passed, 0 failed, 1 not run" in out
    plan = saved(path)
    assert plan["subtasks"][0]["evidence"][0]["passed"] is True
    assert "evidence" not in plan["subtasks"][1]
    assert not (tmp_path / "second").exists()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_the_running_command_and_saves(tmp_path):
    pid_file = tmp_path / "sleeper.pid"
    sleeper = python(f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)")
    path = write(tmp_path, plan_with({"command": "echo one"}, {"command": sleeper}))
    cli = subprocess.Popen(
        [sys.executable, "-m", "decomposer", "verify", str(path), "--yes"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell without job control starts background jobs with SIGINT ignored, and the
        # child inherits that (pytest run with `&`, some CI runners): Ctrl-C then never
        # reaches it. A terminal's Ctrl-C finds SIGINT at its default; so does this test.
        preexec_fn=_default_sigint,
    )
    try:
        assert wait_for(pid_file.exists), "the second command never started"
        assert wait_for(lambda: pid_file.read_text() != "")
        # Saved after each result: the first is on disk while the second still runs.
        assert saved(path)["subtasks"][0]["evidence"][0]["passed"] is True
        cli.send_signal(signal.SIGINT)
        out, err = cli.communicate(timeout=15)
    finally:
        cli.kill()
    assert cli.returncode == 130, err
    assert "Traceback" not in err
    assert "Summary (interrupted):" in out and "1 not run" in out
    plan = saved(path)
    assert plan["subtasks"][0]["evidence"][0]["passed"] is True and "evidence" not in plan["subtasks"][1]
    pid = int(pid_file.read_text())
    assert wait_for(lambda: gone(pid), 3), "the interrupted command kept running"
