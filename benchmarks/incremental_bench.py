"""What re-validating after one edit costs, full versus incremental.

Builds a plan of 500 subtasks (the generator of check_bench.py: varied text,
dependencies, command and review criteria) in a PlanDocument, then prints the median of
N runs of:

  full validate_plan          schema + checks + lint of the whole plan, as `check` does
  incremental, one edit       IncrementalValidator.validate after one set_field on one
                              subtask (a title, alternating between two values)
  incremental, edit + finding a criterion's statement edited to hold vague words (a lint
                              warning)
  incremental, broken edit    the edit breaks the schema (an empty goal), so the
                              reference validator words the error of that subtask
  incremental, move           a subtask moved up one place (two subtasks re-pointed)
  incremental, no change      the same snapshot again

The TUI validates after every keystroke (debounced), so the incremental figures are the
ones that decide whether typing stays smooth; the target is well under 10 ms.

Usage: python benchmarks/incremental_bench.py [--size 500] [--repeat 50] [--quick] [--smoke] [--json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_bench import make_plan  # noqa: E402
from figures import Figure, to_json  # noqa: E402

from decomposer.check.incremental import IncrementalValidator  # noqa: E402
from decomposer.check.validate import validate_plan  # noqa: E402
from decomposer.editing.document import PlanDocument  # noqa: E402

INCREMENTAL_AIM = "< 10 ms"


def median_ms(repeat: int, prepare: Callable[[int], object], measure: Callable[[object], object]) -> float:
    """Median time of ``measure(prepare(i))`` over ``repeat`` runs; only measure is timed."""
    times = []
    for i in range(repeat):
        argument = prepare(i)
        start = time.perf_counter()
        measure(argument)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="15 runs per figure")
    parser.add_argument("--smoke", action="store_true", help="a 20-subtask plan, 2 runs: proves the script works")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures (for run_all.py)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = min(args.repeat, 15)
    if args.smoke:
        args.size, args.repeat = 20, 2

    document = PlanDocument(make_plan(args.size))
    validator = IncrementalValidator()
    middle = args.size // 2
    first = validator.validate(document.plan)  # warm: every subtask checked once
    assert first.findings == validate_plan(document.plan).findings

    def edit(value: Callable[[int], str], *field: str | int) -> Callable[[int], dict]:
        def prepare(i: int) -> dict:
            document.set_field(("subtasks", middle, *(field or ("title",))), value(i))
            return document.plan

        return prepare

    def move(i: int) -> dict:
        document.move_subtask(middle, -1 if i % 2 == 0 else 1)
        return document.plan

    rows = [
        ("full validate_plan", median_ms(args.repeat, lambda i: document.plan, validate_plan)),
        (
            "incremental, one edit",
            median_ms(args.repeat, edit(lambda i: f"Add the handler, take {i}"), validator.validate),
        ),
        (
            "incremental, edit + finding",
            median_ms(
                args.repeat,
                edit(lambda i: f"The handler is fast and robust, take {i}", "acceptance", 0, "statement"),
                validator.validate,
            ),
        ),
        (
            "incremental, broken edit",
            median_ms(args.repeat, edit(lambda i: "" if i % 2 == 0 else "A goal.", "goal"), validator.validate),
        ),
        ("incremental, move", median_ms(args.repeat, move, validator.validate)),
        ("incremental, no change", median_ms(args.repeat, lambda i: document.plan, validator.validate)),
    ]
    assert validator.validate(document.plan).findings == validate_plan(document.plan).findings
    if args.json:
        print(
            to_json(
                "incremental",
                [Figure(name, ms, "ms", None if name.startswith("full") else INCREMENTAL_AIM) for name, ms in rows],
                f"{args.size} subtasks, median of {args.repeat}",
            )
        )
        return 0
    print(f"plan: {args.size} subtasks, {len(first.findings)} findings; median of {args.repeat} runs")
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"  {name:<{width}}  {ms:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
