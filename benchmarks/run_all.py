"""Run every benchmark and print one table: benchmark, figure, value, aim.

Each benchmark runs as its own process (``python benchmarks/X.py --json``), so that
imports and caches of one do not change the figures of the next; each prints one JSON
line (see figures.py), which is read here rather than its text. Aims are the targets an
issue set, where one did. The full run takes about three minutes on two cores
(check_bench's plain-jsonschema runs on 10,000 subtasks and the TUI benchmark take most
of it); ``--quick`` runs fewer repetitions, ``--smoke`` tiny sizes (proves the scripts
work; the figures mean nothing, and the TUI benchmark, which has no small mode, is
skipped).

Usage: python benchmarks/run_all.py [--quick | --smoke] [--only NAMES] [--skip NAMES] [--markdown]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import parse  # noqa: E402

# name: script. All but tui_bench.py take --quick and --smoke.
BENCHMARKS = {
    "check": "check_bench.py",
    "stream": "stream_bench.py",
    "incremental": "incremental_bench.py",
    "tui": "tui_bench.py",
    "prompt": "prompt_bench.py",
    "memory": "memory_bench.py",
}
WITHOUT_MODES = {"tui"}
TIMEOUT_S = 600


@dataclass
class Outcome:
    name: str
    seconds: float
    document: dict | None = None
    error: str | None = None


def run_one(name: str, script: Path, mode: str | None, timeout: float = TIMEOUT_S) -> Outcome:
    """Run one benchmark script with ``--json`` (and ``--quick``/``--smoke``); never raises
    for a failing script: the outcome carries a one-line reason instead."""
    command = [sys.executable, str(script), "--json"] + ([f"--{mode}"] if mode else [])
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        return Outcome(name, time.perf_counter() - start, error=f"timed out after {timeout:.0f} s")
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no error output)"])[-1]
        return Outcome(name, seconds, error=f"exit {done.returncode}: {last[:200]}")
    lines = done.stdout.strip().splitlines()
    try:
        document = parse(lines[-1] if lines else "")
    except ValueError as exc:
        return Outcome(name, seconds, error=f"bad --json output: {exc}")
    return Outcome(name, seconds, document)


def format_number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


Row = tuple[str, str, str, str, str]  # benchmark, figure, number, unit, aim


def rows(outcomes: list[Outcome]) -> list[Row]:
    table = []
    for outcome in outcomes:
        if outcome.document is None:
            table.append((outcome.name, "FAILED: " + (outcome.error or ""), "", "", ""))
            continue
        for figure in outcome.document["figures"]:
            table.append(
                (outcome.name, figure["name"], format_number(figure["value"]), figure["unit"], figure["aim"] or "")
            )
    return table


def render(table: list[Row], markdown: bool) -> str:
    """Columns benchmark, figure, value (number and unit), aim."""
    if markdown:
        lines = ["| benchmark | figure | value | aim |", "|---|---|---|---|"]
        for name, figure, number, unit, aim in table:
            value = f"{number}{unit}" if unit in ("x", "%") else f"{number} {unit}".strip()
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in (name, figure, value, aim)) + " |")
        return "\n".join(lines)
    header: Row = ("benchmark", "figure", "value", "", "aim")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(5)]
    lines = []
    for name, figure, number, unit, aim in [header, *table]:
        lines.append(
            f"{name:<{widths[0]}}  {figure:<{widths[1]}}  {number:>{widths[2]}} {unit:<{widths[3]}}  {aim}".rstrip()
        )
    return "\n".join(lines)


def names(text: str) -> list[str]:
    chosen = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in BENCHMARKS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown benchmark {unknown[0]!r} (known: {', '.join(BENCHMARKS)})")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true", help="fewer repetitions")
    modes.add_argument("--smoke", action="store_true", help="tiny sizes, one run; skips the TUI benchmark")
    parser.add_argument("--only", type=names, default=list(BENCHMARKS), help="comma-separated benchmark names")
    parser.add_argument("--skip", type=names, default=[], help="comma-separated benchmark names")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "smoke" if args.smoke else None

    outcomes = []
    for name in args.only:
        if name in args.skip:
            continue
        if mode == "smoke" and name in WITHOUT_MODES:
            print(f"{name}: skipped (no --smoke mode)", file=sys.stderr)
            continue
        print(f"{name}: running {BENCHMARKS[name]} ...", file=sys.stderr, flush=True)
        outcome = run_one(name, HERE / BENCHMARKS[name], None if name in WITHOUT_MODES else mode)
        print(f"{name}: {'failed' if outcome.error else 'done'} in {outcome.seconds:.1f} s", file=sys.stderr)
        outcomes.append(outcome)

    command = " ".join(["python benchmarks/run_all.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"python {sys.version.split()[0]}; `{command}`")
    print(render(rows(outcomes), args.markdown))
    notes = [f"{o.name}: {o.document['note']}" for o in outcomes if o.document and o.document["note"]]
    if notes:
        print("\n" + "\n".join(("- " if args.markdown else "") + note for note in notes))
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
