"""How long `decomposer check` takes on large plans, beside plain jsonschema on the same files.

Generates plans of 100, 1,000 and 10,000 subtasks (varied text, dependencies, a mix of
command and review criteria; clean under every rule, so all checks run to the end) and
prints, per size, the median of N runs of:

  json.loads     bare parse of the file (the floor)
  jsonschema     the plain way: json.loads + the `jsonschema` package's Draft 2020-12
                 validator, list(iter_errors(...)), schema only (validator built once)
  load           decomposer's loader (size cap, strict UTF-8, duplicate-key detection)
  validate       schema fast path (jsonschema-rs) + semantic checks + lint on the parsed plan
  check_file     load + validate, what `decomposer check` does per file (in process)
  one error      check_file of the same plan with one schema error in its middle subtask,
                 and that time / check_file's (the reference validator words it alone)
  x jsonschema   check_file / jsonschema: our cost relative to the plain validation,
                 although ours also runs the semantic checks and the lint
  cli wall       a fresh `python -m decomposer check FILE` process, start-up included

Usage: python benchmarks/check_bench.py [--sizes 100,1000,10000] [--repeat 5] [--quick] [--smoke] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import Figure, to_json  # noqa: E402

from decomposer.check.lint import lexicon  # noqa: E402
from decomposer.check.validate import check_file, validate_plan  # noqa: E402
from decomposer.plan.loading import load_plan  # noqa: E402
from decomposer.resources import plan_schema  # noqa: E402

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
                "verify": {
                    "method": "command",
                    "command": f"pytest -q tests/{area}/test_handler_{n}.py",
                    "expect_exit": 0,
                    "expect_output": "[0-9]+ passed",
                    "timeout_s": 300,
                },
            },
            {
                "statement": f"The {area} owner accepts the response shape of handler {n}",
                "verify": {"method": "review", "reviewer": f"{area} owner"},
            },
        ],
        "pause_boundaries": [
            {"trigger": f"If the diff touches files outside src/{area}/ and tests/{area}/", "action": "stop"},
            {
                "trigger": "When about to push to a remote branch",
                "action": "confirm",
                "question": f"Push handler {n} now?",
            },
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


def median_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        lexicon().analyse.cache_clear()  # measure cold, as a fresh `decomposer check` runs
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_jsonschema():
    """The plain way to validate a file: parse it, then Draft 2020-12 ``iter_errors``."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(plan_schema())

    def validate(path: Path) -> list:
        return list(validator.iter_errors(json.loads(path.read_bytes())))

    return validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 runs per figure")
    parser.add_argument("--smoke", action="store_true", help="tiny plans, one run: proves the script works")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures (for run_all.py)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    repeat = args.repeat
    if args.quick:
        repeat = min(repeat, 3)
    if args.smoke:
        sizes, repeat = [10, 20], 1

    jsonschema_validate = plain_jsonschema()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = Path(tmp) / f"plan-{size}.json"
            path.write_text(json.dumps(make_plan(size), indent=2), encoding="utf-8")
            result = check_file(str(path))
            if result.report is None or result.report.findings or jsonschema_validate(path):
                raise SystemExit(f"benchmark plan {path.name} is not clean")
            # Hold no parsed plan while timing whole files: a live 10,000-subtask plan
            # makes every garbage collection slower, which a fresh `check` does not pay.
            del result
            floor = median_of(repeat, lambda path=path: json.loads(path.read_bytes()))
            plain = median_of(repeat, lambda path=path: jsonschema_validate(path))
            load = median_of(repeat, lambda path=path: load_plan(str(path)))
            total = median_of(repeat, lambda path=path: check_file(str(path)))
            broken_path = Path(tmp) / f"plan-{size}-one-error.json"
            broken = make_plan(size)
            broken["subtasks"][size // 2]["goal"] = 7
            broken_path.write_text(json.dumps(broken, indent=2), encoding="utf-8")
            del broken
            found = check_file(str(broken_path))
            if found.report is None or len(found.report.errors) != 1:
                raise SystemExit(f"benchmark plan {broken_path.name} does not hold exactly one error")
            del found
            one_error = median_of(repeat, lambda path=broken_path: check_file(str(path)))
            plan = load_plan(str(path)).plan
            validate = median_of(repeat, lambda plan=plan: validate_plan(plan))
            del plan
            wall = median_of(
                repeat,
                lambda path=path: subprocess.run(
                    [sys.executable, "-m", "decomposer", "check", str(path)], check=True, capture_output=True, cwd=ROOT
                ),
            )
            rows.append((size, path.stat().st_size / 1e6, floor, plain, load, validate, total, one_error, wall))

    note = f"median of {repeat}; check_file also runs the semantic checks and the lint, jsonschema only the schema"
    if args.json:
        figures = []
        for size, _mb, _floor, plain, _load, _validate, total, one_error, wall in rows:
            figures += [
                Figure(f"check_file, {size:,} subtasks", total, "s"),
                Figure(
                    f"check_file with one schema error / without, {size:,} subtasks", one_error / total, "x", "<= 1.2x"
                ),
                Figure(f"plain jsonschema, {size:,} subtasks", plain, "s"),
                Figure(f"check_file / jsonschema, {size:,} subtasks", total / plain, "x"),
                Figure(f"cli wall, {size:,} subtasks", wall, "s"),
            ]
        print(to_json("check", figures, note))
        return 0
    print(f"python {sys.version.split()[0]}, median of {repeat} runs, seconds")
    print(
        f"{'subtasks':>9} {'file MB':>8} {'json.loads':>11} {'jsonschema':>11} {'load':>8} {'validate':>9} "
        f"{'check_file':>11} {'one error':>10} {'x clean':>8} {'x jsonschema':>13} {'x floor':>8} {'cli wall':>9}"
    )
    for size, megabytes, floor, plain, load, validate, total, one_error, wall in rows:
        print(
            f"{size:>9,} {megabytes:>8.1f} {floor:>11.3f} {plain:>11.3f} {load:>8.3f} {validate:>9.3f} "
            f"{total:>11.3f} {one_error:>10.3f} {one_error / total:>8.2f} {total / plain:>13.2f} "
            f"{total / floor:>8.1f} {wall:>9.3f}"
        )
    print(
        "check_file = load + schema (jsonschema-rs) + semantic checks + lint; "
        "jsonschema = json.loads + Draft 2020-12 iter_errors, schema only"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
