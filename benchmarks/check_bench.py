"""How long `decomposer check` takes on large plans, beside the floor of parsing them.

Generates plans of 100, 1,000 and 10,000 subtasks (varied text, dependencies, a mix of
command and review criteria; clean under every rule, so all checks run to the end) and
prints, per size, the best of N runs of:

  json.loads     bare parse of the file (the floor)
  load           decomposer's loader (size cap, strict UTF-8, duplicate-key detection)
  validate       schema fast path + semantic checks + lint on the parsed plan
  check total    load + validate, as `decomposer check` does per file
  cli wall       a fresh `python -m decomposer check FILE` process, start-up included

Usage: python benchmarks/check_bench.py [--sizes 100,1000,10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from decomposer.lint import lexicon  # noqa: E402
from decomposer.loading import load_plan  # noqa: E402
from decomposer.validate import validate_plan  # noqa: E402

AREAS = ["billing", "search", "auth", "exports", "orders", "reports", "webhooks", "admin"]


def make_subtask(n: int) -> dict:
    area = AREAS[n % len(AREAS)]
    subtask = {
        "id": f"S{n}",
        "title": f"Add {area} handler number {n}",
        "goal": f"Implement step {n} of the {area} rework so that the endpoint serves version {n % 7 + 1}.",
        "input_state": {
            "summary": f"main builds; src/{area}/handler_{n}.py does not exist yet.",
            "preconditions": [f"`pytest -q tests/{area}` exits 0 on main", f"S{max(n - 1, 1)} is merged into main"],
            "artifacts": [f"src/{area}/", f"tests/{area}/test_handler_{n}.py"],
        },
        "acceptance": [
            {
                "statement": f"GET /{area}/{n} returns 200 with at most {n % 50 + 1} items",
                "verify": {"method": "command", "command": f"pytest -q tests/{area}/test_handler_{n}.py",
                           "expect_exit": 0, "expect_output": "[0-9]+ passed", "timeout_s": 300},
            },
            {
                "statement": f"The {area} owner accepts the response shape of handler {n}",
                "verify": {"method": "review", "reviewer": f"{area} owner"},
            },
        ],
        "pause_boundaries": [
            {"trigger": f"If the diff touches files outside src/{area}/ and tests/{area}/", "action": "stop"},
            {"trigger": "When about to push to a remote branch", "action": "confirm",
             "question": f"Push handler {n} now?"},
        ],
        "autonomy": "gated" if n % 3 else "autonomous",
        "risk": {"stakes": "low", "verification_cost": "cheap", "reversible": n % 5 != 0},
        "estimate": ["XS", "S", "M", "L"][n % 4],
        "labels": [area, "backend"],
    }
    if n > 1:
        subtask["depends_on"] = [f"S{n - 1}"] + ([f"S{n // 2}"] if n > 3 else [])
    return subtask


def make_plan(size: int) -> dict:
    return {
        "version": 1,
        "id": f"bench-{size}",
        "title": f"Benchmark plan with {size} subtasks",
        "task": "Rework every handler.",
        "subtasks": [make_subtask(n) for n in range(1, size + 1)],
    }


def best_of(repeat: int, action) -> float:
    best = float("inf")
    for _ in range(repeat):
        lexicon().analyse.cache_clear()  # measure cold, as a fresh `decomposer check` runs
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"python {sys.version.split()[0]}, best of {args.repeat} runs, seconds")
    header = f"{'subtasks':>9} {'file MB':>8} {'json.loads':>11} {'load':>8} {'validate':>9} {'check total':>12} {'x floor':>8} {'cli wall':>9}"
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"plan-{size}.json"
            path.write_text(json.dumps(make_plan(size), indent=2), encoding="utf-8")
            loaded = load_plan(str(path))
            report = validate_plan(loaded.plan)
            if report.findings:
                raise SystemExit(f"benchmark plan is not clean: {report.findings[:3]}")
            floor = best_of(args.repeat, lambda: json.loads(path.read_bytes()))
            load = best_of(args.repeat, lambda: load_plan(str(path)))
            validate = best_of(args.repeat, lambda: validate_plan(loaded.plan))
            total = best_of(args.repeat, lambda: validate_plan(load_plan(str(path)).plan))
            wall = best_of(max(1, args.repeat // 2), lambda: subprocess.run(
                [sys.executable, "-m", "decomposer", "check", str(path)], check=True, capture_output=True, cwd=ROOT))
            print(f"{size:>9,} {path.stat().st_size / 1e6:>8.1f} {floor:>11.3f} {load:>8.3f} "
                  f"{validate:>9.3f} {total:>12.3f} {total / floor:>8.1f} {wall:>9.3f}")


if __name__ == "__main__":
    main()
