"""No data loss: a process killed (SIGKILL) in the middle of saves and autosaves leaves
the old plan or the new one on disk, complete, never a mix, a truncated file or nothing.

``save_loop.py`` saves two large plans in turn, forever; the test kills it many times and
after each kill parses what is on disk. Half the kills come at random moments; the other
half the moment a write's temporary file appears, which is the window where a plain
``open(path, "w")`` would have left half a file. A temporary file left behind proves a kill
landed inside a write: the test requires that, so it cannot pass without testing it.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from decomposer.editing.drafts import DraftStore
from decomposer.plan.files import write_plan
from decomposer.plan.loading import load_plan
from helpers.plans import ROOT, clean_plan

KILLS = 30
SUBTASKS = 800  # about a megabyte of JSON: a write takes long enough to be interrupted
# Kill this long after the writer starts (random within it, seeded: the same moments on
# every run). It spans several writes of either plan.
LONGEST_WAIT = 0.12
SAVE_LOOP = Path(__file__).with_name("save_loop.py")


def big_plan(marker: str) -> dict:
    plan = clean_plan()
    plan["title"] = f"Plan {marker}"
    base = plan["subtasks"][0]
    plan["subtasks"] = []
    for n in range(1, SUBTASKS + 1):
        subtask = copy.deepcopy(base)
        subtask["id"] = f"S{n}"
        subtask["title"] = f"Part {n} of plan {marker}, with text é → 😀 to make the bytes vary"
        subtask["goal"] = f"{marker} " * 40
        plan["subtasks"].append(subtask)
    return plan


class SaveLoop:
    """The serving process of save_loop.py: ``start()`` forks a writer and returns its pid."""

    def __init__(self, mode: str, target: Path, plans: list[Path]):
        self.process = subprocess.Popen(
            [sys.executable, str(SAVE_LOOP), mode, str(target), *map(str, plans)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self._answer() == "ready"

    def _answer(self) -> str:
        line = self.process.stdout.readline()
        assert line, "save_loop.py ended"
        return line.strip()

    def _send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def start(self) -> int:
        self._send("go")
        return int(self._answer())

    def reap(self, pid: int) -> None:
        self._send(f"reap {pid}")
        assert self._answer() == "reaped"

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.mark.parametrize("mode", ["save", "autosave"])
def test_a_killed_save_leaves_the_old_or_the_new_plan(tmp_path, mode):
    plans = [big_plan("A"), big_plan("B")]
    files = []
    for name, plan in zip("AB", plans):
        files.append(tmp_path / f"{name}.json")
        files[-1].write_text(json.dumps(plan), encoding="utf-8")
    folder = tmp_path / "target"
    folder.mkdir()
    store = DraftStore(folder)
    if mode == "save":
        target = folder / "plan.json"
        write_plan(target, plans[0])  # the old plan, there before the first kill

        def on_disk() -> dict:
            return load_plan(str(target)).plan
    else:
        target = folder
        store.save("kill-test", plans[0], None)

        def on_disk() -> dict:
            [info] = store.list()  # the leftover temporary files are not drafts
            assert info.key == "kill-test"
            return store.load("kill-test")

    moments = random.Random(f"kills-{mode}")
    loop = SaveLoop(mode, target, files)
    seen = {"A": 0, "B": 0}
    interrupted = 0
    try:
        for kill in range(KILLS):
            leftovers = temp_files(folder)
            pid = loop.start()
            try:
                if kill % 4 == 1:
                    # State, not time: a loaded machine can be slower than every random
                    # moment, so one kill in four waits until a write of B has finished.
                    wait_for_plan_on_disk(on_disk, "B")
                elif kill % 2:
                    time.sleep(moments.uniform(0, LONGEST_WAIT))
                else:
                    wait_for_a_new_temp_file(folder, leftovers)
            finally:  # a failed wait must not leave a writer running
                os.kill(pid, signal.SIGKILL)
                loop.reap(pid)
            interrupted += bool(temp_files(folder) - leftovers)
            plan = on_disk()
            assert plan in plans, f"kill {kill}: the file on disk is neither plan"
            seen[plan["title"][-1]] += 1
    finally:
        loop.close()
    assert interrupted >= KILLS // 4, f"only {interrupted} of {KILLS} kills came in the middle of a write"
    assert seen["A"] and seen["B"], seen  # the kills came at different points of the loop


def temp_files(folder: Path) -> set[str]:
    """write_atomic's temporary files: ".<name>.<random>.tmp" beside the target."""
    return {entry.name for entry in os.scandir(folder) if entry.name.endswith(".tmp")}


def wait_for_a_new_temp_file(folder: Path, leftovers: set[str]) -> None:
    deadline = time.monotonic() + 5
    while not temp_files(folder) - leftovers:
        assert time.monotonic() < deadline, "the writer never started a write"


def wait_for_plan_on_disk(on_disk, marker: str) -> None:
    deadline = time.monotonic() + 30
    while on_disk()["title"] != f"Plan {marker}":
        assert time.monotonic() < deadline, f"the writer never finished a write of plan {marker}"


def test_a_write_syncs_its_folder_so_the_rename_survives_a_power_cut(tmp_path, monkeypatch):
    import stat

    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_plan(tmp_path / "plan.json", {"title": "x"})
    assert synced == [False, True]  # the file's data, then the folder holding the new name


def test_a_write_removes_the_old_temporary_files_of_killed_writes_only(tmp_path):
    target = tmp_path / "plan.json"
    stale, fresh, other = (
        tmp_path / ".plan.json.abcd_123.tmp",
        tmp_path / ".plan.json.zyxw9876.tmp",
        tmp_path / ".plan.json.notmine.tmp",
    )  # 7 characters: not mkstemp's
    for path in (stale, fresh, other):
        path.write_text("half a plan")
    an_hour_ago = time.time() - 3600
    for path in (stale, other):
        os.utime(path, (an_hour_ago, an_hour_ago))
    write_plan(target, {"title": "x"})
    assert not stale.exists()  # a killed write's leftover
    assert fresh.exists()  # may be another process's write in progress
    assert other.exists() and (tmp_path / "plan.json").exists()
