"""TUI benchmark: first paint, opening a 500-subtask plan, keypress-to-update.

    python benchmarks/tui_bench.py

First paint is measured from process start (the parent's clock before spawning) to the
first frame that shows the app's own screen (the task screen, or the plan for a plan
file; not the blank screen under it), in a headless run, beside a minimal Textual app
measured the same way. Both start from bytecode, as installed copies do.
Keypress-to-update is measured with Textual's Pilot on the 500-subtask plan as the CPU
time the process spends from a key press until the screen has processed it and
refreshed (moving through the list; typing in the title field). CPU time, because Pilot's
press-and-wait itself idles for about 85 ms of wall time even on a trivial app. Pilot also
spends CPU of its own, growing with the number of widgets (after each key it waits on
every one), which a real terminal does not: the same press of a key bound to nothing, on
the same screen and focus, measures that, and the app's own cost is the difference. The
trivial app's figures (an OptionList and an Input) are printed for comparison.
Garbage collection is left on: its pauses are part of what a user feels.
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

RUNS = 11
SUBTASKS = 500
UNBOUND_KEY = "f11"  # no binding anywhere in the app: the press does nothing

FIRST_PAINT = r"""
import sys, time
from textual.app import App
MODE = sys.argv[1]

class FirstFrame:
    # Textual hands every frame to App._display, headless or not: the first one that
    # shows the app's own screen is the first paint.
    painted = False

    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is not None and not self._batch_count and not self.painted and self.shows_app(screen):
            self.painted = True
            print(time.time())
            self.exit()

if MODE == "minimal":
    from textual.widgets import Static
    class Minimal(FirstFrame, App):
        def compose(self):
            yield Static("hello")
        def shows_app(self, screen):
            return True
    Minimal().run(headless=True)
else:
    from decomposer.editing.document import PlanDocument
    from decomposer.tui.app import DecomposerApp
    class Timed(FirstFrame, DecomposerApp):
        def shows_app(self, screen):  # not the blank default screen under it
            return type(screen).__name__ in ("TaskScreen", "PlanScreen")
    document = PlanDocument.open(sys.argv[2]) if len(sys.argv) > 2 else PlanDocument.new()
    Timed(document, restore_drafts=False).run(headless=True)
"""


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
    env = dict(os.environ, DECOMPOSER_DATA_DIR=tempfile.mkdtemp(), DECOMPOSER_CONFIG_DIR=tempfile.mkdtemp())
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("ANTHROPIC_BASE_URL", None)
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, mode, *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1]) - start


def compile_bytecode() -> None:
    """Start both apps as installed copies start: from bytecode. pip compiles a package
    when it installs it (Textual's is compiled), but this source tree may have none, and
    with PYTHONDONTWRITEBYTECODE set every start would compile ours again (~25 ms)."""
    import compileall

    compileall.compile_dir(ROOT / "decomposer", quiet=1)


def first_paints(big_plan_path: str) -> tuple[float, float, float, float]:
    """Medians for the minimal app, a new plan and the big plan, and of the ratio new
    plan / minimal. The three are measured in turn within each round and the ratio is
    taken per round, so a machine busy for a while slows both sides of it alike."""
    compile_bytecode()
    rounds = [(first_paint("minimal"), first_paint("app"), first_paint("app", big_plan_path)) for _ in range(RUNS)]
    minimal, ours, ours_big = (statistics.median(column) for column in zip(*rounds))
    return minimal, ours, ours_big, statistics.median(app / base for base, app, _ in rounds)


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


async def _timed(pilot, keys, delay: float | None) -> float:
    """Median CPU time of pressing each key and waiting ``delay`` (None: until idle)."""
    times = []
    for key in keys:
        t0 = time.process_time()
        await pilot.press(key)
        await pilot.pause(delay)
        times.append(time.process_time() - t0)
    return statistics.median(times)


async def keypresses(path: Path) -> dict[str, float]:
    """Pilot's own cost grows with the number of widgets (it waits on every one after a
    key), so beside each figure the same measure is taken with a key nothing is bound
    to, on the same screen and focus: the difference is what the app itself spends."""
    from decomposer.editing.document import PlanDocument
    from decomposer.tui.app import DecomposerApp

    app = DecomposerApp(PlanDocument.open(path), restore_drafts=False)
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while app.report is None or app.report.readiness.total != SUBTASKS:
            await pilot.pause(0.01)
        figures = {"opened": time.perf_counter() - start}
        await _timed(pilot, ["down"] * 3, 0.08)  # warm up: every item pool at its size
        # One step, until the editor and the findings show the new subtask.
        figures["move"] = await _timed(pilot, ["down"] * 30, 0.08)
        figures["move_floor"] = await _timed(pilot, [UNBOUND_KEY] * 30, 0.08)
        editor = app.screen.query_one("#editor")
        editor._fields_by_tokens[("title",)].focus()
        await pilot.pause()
        figures["type"] = await _timed(pilot, "abcdefghijklmnopqrstuvwxyz" * 2, None)
        figures["type_floor"] = await _timed(pilot, [UNBOUND_KEY] * 30, None)
        await pilot.pause(0.5)
    return figures


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / "big.json"
    path.write_text(json.dumps(big_plan(), indent=2))
    os.environ["DECOMPOSER_DATA_DIR"] = str(folder / "data")
    os.environ["DECOMPOSER_CONFIG_DIR"] = str(folder / "config")
    minimal, ours, ours_big, ratio = first_paints(str(path))
    keys = asyncio.run(keypresses(path))
    move_net = keys["move"] - keys["move_floor"]
    type_net = keys["type"] - keys["type_floor"]
    floor_move, floor_type = asyncio.run(trivial_keypresses())
    if "--json" in sys.argv[1:]:  # the same figures as one line, for run_all.py
        from figures import Figure, to_json

        print(
            to_json(
                "tui",
                [
                    Figure("first paint, minimal Textual app", minimal, "s"),
                    Figure("first paint, decomposer (new plan)", ours, "s"),
                    Figure("first paint, decomposer / minimal (per run)", ratio, "x", "<= 1.5x"),
                    Figure(f"first paint, decomposer ({SUBTASKS} subtasks)", ours_big, "s"),
                    Figure(f"open {SUBTASKS}-subtask plan to validated", keys["opened"], "s"),
                    Figure("keypress: move one row, app's own CPU", move_net * 1000, "ms", "< 50 ms"),
                    Figure("keypress: type in a field, app's own CPU", type_net * 1000, "ms", "< 50 ms"),
                    Figure("keypress: move one row, CPU incl. Pilot", keys["move"] * 1000, "ms"),
                    Figure("keypress: type in a field, CPU incl. Pilot", keys["type"] * 1000, "ms"),
                    Figure("Pilot's own cost on the same screen: move / type", keys["move_floor"] * 1000, "ms"),
                    Figure("keypress floor, trivial app: move (CPU)", floor_move * 1000, "ms"),
                    Figure("keypress floor, trivial app: type (CPU)", floor_type * 1000, "ms"),
                ],
                f"median of {RUNS} runs (first paint), {SUBTASKS}-subtask plan",
            )
        )
        return
    print(f"python {sys.version.split()[0]}, median of {RUNS} runs (first paint), {SUBTASKS}-subtask plan")
    print(f"first paint, minimal Textual app:  {minimal:.3f} s")
    print(f"first paint, decomposer (new plan): {ours:.3f} s  ({ratio:.2f}x minimal, median per run; aim <= 1.5x)")
    print(f"first paint, decomposer ({SUBTASKS} subtasks): {ours_big:.3f} s")
    print(f"open {SUBTASKS}-subtask plan to validated (Pilot): {keys['opened']:.3f} s")
    print("keypress to update, CPU, median (aim < 50 ms): the app's own = with Pilot - Pilot alone")
    print(
        f"  move one row, until the editor and findings show it: {move_net * 1000:.1f} ms "
        f"({keys['move'] * 1000:.1f} - {keys['move_floor'] * 1000:.1f})"
    )
    print(
        f"  type in a field (incl. debounced re-check, autosave):  {type_net * 1000:.1f} ms "
        f"({keys['type'] * 1000:.1f} - {keys['type_floor'] * 1000:.1f})"
    )
    print(
        f"  trivial Textual app (OptionList, Input), with Pilot:  {floor_move * 1000:.1f} / {floor_type * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
