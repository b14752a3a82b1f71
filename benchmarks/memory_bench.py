"""Peak memory (RSS) of opening and checking a 10,000-subtask plan.

Writes the plan of check_bench.py (10,000 subtasks, about 17 MB of JSON) to a temporary
file, then runs each measurement in a fresh interpreter, so that nothing one step
allocated or imported inflates the next, and prints that process's peak resident set
size after:

  baseline          an interpreter that does nothing
  import validate   importing decomposer.check.validate (its own imports; validators load lazily)
  json.loads        reading and parsing the file with the standard library (the floor)
  load_plan         decomposer's loader (size cap, strict UTF-8, duplicate-key detection)
  open (document)   PlanDocument.open, how the TUI opens a file
  check_file        load + schema + semantic checks + lint, as `decomposer check` does

The peak is ``VmHWM`` from /proc/self/status on Linux, else
``resource.getrusage(RUSAGE_SELF).ru_maxrss``. Not ru_maxrss on Linux: the kernel
carries the forking parent's peak across fork + exec into the child's ru_maxrss, so
every step would read at least this script's own peak (the 10,000-subtask plan it
generated). VmHWM belongs to the process's own address space, which exec starts afresh.
Peak RSS varies by a few hundred KB between runs; each step runs N times, median printed.

Usage: python benchmarks/memory_bench.py [--size 10000] [--repeat 3] [--quick] [--smoke] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_bench import make_plan  # noqa: E402
from figures import Figure, to_json  # noqa: E402

# Run in the child as `python -c PROBE STEP FILE`; prints peak RSS in bytes.
PROBE = r"""
import sys
step, path = sys.argv[1], sys.argv[2]
if step == "import validate":
    import decomposer.check.validate
elif step == "json.loads":
    import json
    with open(path, "rb") as handle:
        plan = json.loads(handle.read())
elif step == "load_plan":
    from decomposer.plan.loading import load_plan
    plan = load_plan(path).plan
elif step == "open (document)":
    from decomposer.editing.document import PlanDocument
    document = PlanDocument.open(path)
elif step == "check_file":
    from decomposer.check.validate import check_file
    result = check_file(path)
    assert result.report is not None and not result.report.errors, result.error
elif step != "baseline":
    raise SystemExit(f"unknown step {step}")
try:
    with open("/proc/self/status") as status:
        print(next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")))
except OSError:  # not Linux: ru_maxrss (bytes on macOS, KiB elsewhere)
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak if sys.platform == "darwin" else peak * 1024)
"""

STEPS = ("baseline", "import validate", "json.loads", "load_plan", "open (document)", "check_file")


def peak_rss_mb(step: str, path: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, step, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise SystemExit(f"memory step {step!r} failed: {last}")
    return int(out.stdout.strip().splitlines()[-1]) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run per step")
    parser.add_argument("--smoke", action="store_true", help="a 50-subtask plan, one run: proves the script works")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures (for run_all.py)")
    args = parser.parse_args(argv)
    size, repeat = args.size, args.repeat
    if args.quick:
        repeat = 1
    if args.smoke:
        size, repeat = 50, 1

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plan-{size}.json"
        path.write_text(json.dumps(make_plan(size), indent=2), encoding="utf-8")
        file_mb = path.stat().st_size / 1e6
        peaks = {step: statistics.median(peak_rss_mb(step, path) for _ in range(repeat)) for step in STEPS}

    baseline = peaks["baseline"]
    if args.json:
        print(
            to_json(
                "memory",
                [Figure(f"peak RSS, {step}", mb, "MB") for step, mb in peaks.items()],
                f"{size:,}-subtask plan ({file_mb:.1f} MB file), fresh process per step, median of {repeat}",
            )
        )
        return 0
    print(
        f"python {sys.version.split()[0]}; {size:,}-subtask plan, {file_mb:.1f} MB file; "
        f"peak RSS of a fresh process per step, median of {repeat}"
    )
    width = max(len(step) for step in STEPS)
    for step, mb in peaks.items():
        extra = "" if step == "baseline" else f"  (+{mb - baseline:6.1f} MB over baseline)"
        print(f"  {step:<{width}}  {mb:7.1f} MB{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
