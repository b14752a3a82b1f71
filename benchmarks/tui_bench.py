"""TUI benchmark: first paint, opening a 500-subtask plan, keypress-to-update.

    python benchmarks/tui_bench.py

First paint is measured from process start (the parent's clock before spawning) to the
first frame of a headless run, beside a minimal Textual app measured the same way.
Keypress-to-update is measured with Textual's Pilot on the 500-subtask plan as the CPU
time the process spends from a key press until the screen has processed it and
refreshed (moving through the list; typing in the title field). CPU time, because Pilot's
press-and-wait itself idles for about 85 ms of wall time even on a trivial app; the same
measure on a trivial app (an OptionList and an Input) is printed beside it as the floor.
No network: no model call is made.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

RUNS = 7
SUBTASKS = 500

FIRST_PAINT = r'''
import sys, time
from textual.app import App
MODE = sys.argv[1]
if MODE == "minimal":
    from textual.widgets import Static
    class Minimal(App):
        def compose(self):
            yield Static("hello")
        def on_mount(self):
            self.call_after_refresh(self.done)
        def done(self):
            print(time.time()); self.exit()
    Minimal().run(headless=True)
else:
    from decomposer.document import PlanDocument
    from decomposer.tui.app import DecomposerApp
    class Timed(DecomposerApp):
        def on_mount(self):  # Textual also runs DecomposerApp.on_mount (handlers run per class)
            self.call_after_refresh(self.done)
        def done(self):
            print(time.time()); self.exit()
    document = PlanDocument.open(sys.argv[2]) if len(sys.argv) > 2 else PlanDocument.new()
    Timed(document, restore_drafts=False).run(headless=True)
'''


def big_plan() -> dict:
    from conftest import clean_plan

    base = clean_plan()
    subtasks = []
    for n in range(1, SUBTASKS + 1):
        s = copy.deepcopy(base["subtasks"][n % 2])
        s["id"], s["title"] = f"S{n}", f"Implement part {n} of the export"
        s["depends_on"] = [f"S{n - 1}"] if n > 1 else []
        if not s["depends_on"]:
            del s["depends_on"]
        subtasks.append(s)
    return {**base, "subtasks": subtasks}


def first_paint(mode: str, *extra: str) -> float:
    times = []
    env = dict(os.environ, DECOMPOSER_DATA_DIR=tempfile.mkdtemp(), DECOMPOSER_CONFIG_DIR=tempfile.mkdtemp())
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("ANTHROPIC_BASE_URL", None)
    for _ in range(RUNS):
        start = time.time()
        out = subprocess.run([sys.executable, "-c", FIRST_PAINT, mode, *extra], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=120)
        times.append(float(out.stdout.strip().splitlines()[-1]) - start)
    return statistics.median(times)


async def trivial_keypresses() -> tuple[float, float]:
    from textual.app import App
    from textual.widgets import Input, OptionList

    class Trivial(App):
        def compose(self):
            yield OptionList(*[f"option {i}" for i in range(50)])
            yield Input()

    app = Trivial()
    moves, typing = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        app.query_one(OptionList).focus()
        await pilot.pause()
        for _ in range(30):
            t0 = time.process_time()
            await pilot.press("down")
            await pilot.pause()
            moves.append(time.process_time() - t0)
        app.query_one(Input).focus()
        for char in "abcdefghijklmnopqrstuvwxyz":
            t0 = time.process_time()
            await pilot.press(char)
            await pilot.pause()
            typing.append(time.process_time() - t0)
    return statistics.median(moves), statistics.median(typing)


async def keypresses(path: Path) -> tuple[float, float, float]:
    from decomposer.document import PlanDocument
    from decomposer.tui.app import DecomposerApp

    app = DecomposerApp(PlanDocument.open(path), restore_drafts=False)
    steps, typing = [], []
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.report is None or app.report.readiness.total != SUBTASKS:
            await pilot.pause(0.01)
        opened = time.perf_counter() - start
        # One step, until the editor and the findings show the new subtask.
        for _ in range(30):
            t0 = time.process_time()
            await pilot.press("down")
            await pilot.pause(0.08)
            steps.append(time.process_time() - t0)
        editor = app.screen.query_one("#editor")
        editor._fields_by_tokens[("title",)].focus()
        await pilot.pause()
        for char in "abcdefghijklmnopqrstuvwxyz" * 2:
            t0 = time.process_time()
            await pilot.press(char)
            await pilot.pause()
            typing.append(time.process_time() - t0)
        await pilot.pause(0.5)
    return opened, statistics.median(steps), statistics.median(typing)


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / "big.json"
    path.write_text(json.dumps(big_plan(), indent=2))
    os.environ["DECOMPOSER_DATA_DIR"] = str(folder / "data")
    os.environ["DECOMPOSER_CONFIG_DIR"] = str(folder / "config")
    minimal = first_paint("minimal")
    ours = first_paint("app")
    ours_big = first_paint("app", str(path))
    opened, step, type_ = asyncio.run(keypresses(path))
    floor_move, floor_type = asyncio.run(trivial_keypresses())
    print(f"python {sys.version.split()[0]}, median of {RUNS} runs (first paint), {SUBTASKS}-subtask plan")
    print(f"first paint, minimal Textual app:  {minimal:.3f} s")
    print(f"first paint, decomposer (new plan): {ours:.3f} s  ({ours / minimal:.2f}x minimal; aim <= 1.5x)")
    print(f"first paint, decomposer ({SUBTASKS} subtasks): {ours_big:.3f} s")
    print(f"open {SUBTASKS}-subtask plan to validated (Pilot): {opened:.3f} s")
    print(f"keypress to update (CPU, median; aim < 50 ms):")
    print(f"  move one row, until the editor and findings show it: {step * 1000:.1f} ms")
    print(f"  type in a field (incl. debounced re-check, autosave):  {type_ * 1000:.1f} ms")
    print(f"  trivial Textual app (OptionList, Input), same measure: {floor_move * 1000:.1f} / "
          f"{floor_type * 1000:.1f} ms")


if __name__ == "__main__":
    main()
