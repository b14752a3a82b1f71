"""The ``decomposer`` command line.

Imports stay lazy: ``check`` and ``schema`` must start fast and never load the
Anthropic SDK or Textual (a test enforces it).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="decomposer",
        description="Decompose a broad task into subtasks an agent can be trusted with, and check plans.",
    )
    parser.add_argument("--version", action="version", version=f"decomposer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate plans against the schema, the semantic checks and the lint",
        description="Validate plan files. Exit 0: no errors; 1: errors (or warnings with --strict); "
        "2: a file could not be read or is not a JSON object.",
    )
    check.add_argument("plans", nargs="+", metavar="PLAN", help="plan files, directories of *.json, or - for stdin")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")

    commands.add_parser("schema", help="print the plan JSON Schema", description="Print the plan JSON Schema.")
    commands.add_parser("rules", help="list the rules check applies", description="List the rules check applies.")
    return parser


def _use_colour(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _check(args) -> int:
    from .loading import expand_paths
    from .report import TextRenderer, exit_code, render_json
    from .validate import check_file

    if args.plans.count("-") > 1:
        print("decomposer check: standard input (-) can be given only once", file=sys.stderr)
        return 2
    results = [check_file(path) for path in expand_paths(args.plans)]
    if args.format == "json":
        sys.stdout.write(render_json(results))
    else:
        sys.stdout.write(TextRenderer(colour=_use_colour(sys.stdout)).render(results))
    return exit_code(results, args.strict)


def _schema(_args) -> int:
    from .resources import plan_schema_text

    sys.stdout.write(plan_schema_text())
    return 0


def _rules(_args) -> int:
    from .rules import RULES

    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        print(f"{rule.name:<{width}}  {rule.severity:<7}  {rule.summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {"check": _check, "schema": _schema, "rules": _rules}
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return handlers[args.command](args)
    except BrokenPipeError:
        # `decomposer check … | head` closed the pipe early: not worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
