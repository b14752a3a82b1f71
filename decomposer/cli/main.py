"""The ``decomposer`` command line.

Imports stay lazy: ``check`` and ``schema`` must start fast and never load the
Anthropic SDK or Textual (a test enforces it).
"""

from __future__ import annotations

import argparse
import os
import sys

from decomposer import __version__

# Each imports only argparse until its command runs.
from decomposer.cli import export_command, import_command, verify_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="decomposer",
        description="Decompose a broad task into subtasks an agent can be trusted with, and check plans.",
        epilog="Without a command, decomposer opens the TUI: decomposer [PLAN.json] [--task TEXT] [--model M].",
    )
    parser.add_argument("--version", action="version", version=f"decomposer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate plans against the schema, the semantic checks and the lint",
        description="Validate plan files. Exit 0: no errors; 1: errors (or warnings with --strict); "
        "2: a file could not be read or is not a JSON object.",
    )
    check.add_argument("plans", nargs="+", metavar="PLAN", help="plan files, directories (their plans), or - for stdin")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="in a directory, leave out files whose name or path below it (or a folder's) matches GLOB; repeatable",
    )

    decompose = commands.add_parser(
        "decompose",
        help="ask Claude to decompose a task into a checked plan",
        description="Decompose TASK with Claude into a plan that passes the contract (repaired up to twice). "
        "Exit 0: plan written; 1: written as a draft with errors; 2: usage or input error; "
        "3: the model call failed (subtasks that arrived are saved to OUT.partial.json).",
    )
    decompose.add_argument(
        "task", metavar="TASK", help="the task as text, @FILE to read it from a file, or - for stdin"
    )
    decompose.add_argument("--context", metavar="FILE", help="a file of constraints and repository notes for the model")
    decompose.add_argument(
        "--model", metavar="M", help="full model id (default: $DECOMPOSER_MODEL, the config file, claude-opus-5-5)"
    )
    decompose.add_argument(
        "-o", "--output", metavar="OUT.json", help="where to write the plan (default: <plan id>.json here)"
    )

    refine = commands.add_parser(
        "refine",
        help="ask Claude to rewrite one subtask (split it, make criteria executable, ...)",
        description="Replace SUBTASK_ID by Claude's refinement; other ids stay, dependencies are rewired. "
        "Writes PLAN in place (or OUT) only when the replacement has no errors; otherwise PLAN.refined.json.",
    )
    refine.add_argument("plan", metavar="PLAN")
    refine.add_argument("subtask", metavar="SUBTASK_ID")
    refine.add_argument(
        "instruction", metavar="INSTRUCTION", help='e.g. "split this subtask" or "make the criteria executable"'
    )
    refine.add_argument("--model", metavar="M")
    refine.add_argument("-o", "--output", metavar="OUT")

    review = commands.add_parser(
        "review",
        help="ask Claude, as a checker, for gaps in a plan (findings with rule model-review)",
        description="Run the checks, then a separate checker prompt; print both. The plan is not changed.",
    )
    review.add_argument("plan", metavar="PLAN")
    review.add_argument("--format", choices=("text", "json"), default="text")
    review.add_argument("--model", metavar="M")

    export_command.add_parser(commands)
    import_command.add_parser(commands)
    verify_command.add_parser(commands)

    commands.add_parser("schema", help="print the plan JSON Schema", description="Print the plan JSON Schema.")
    commands.add_parser("rules", help="list the rules check applies", description="List the rules check applies.")
    return parser


def _check(args) -> int:
    from decomposer.check.validate import FileResult, check_file, check_found_file
    from decomposer.cli.output import use_colour
    from decomposer.cli.report import TextRenderer, exit_code, render_json, skipped_line
    from decomposer.plan.discovery import NO_PLANS, NOT_A_PLAN, plan_candidates

    if args.plans.count("-") > 1:
        print("decomposer check: standard input (-) can be given only once", file=sys.stderr)
        return 2
    found = plan_candidates(args.plans, args.exclude)
    results = []
    with_plans = set()
    for candidate in found.candidates:
        result = check_file(candidate.path) if candidate.directory is None else check_found_file(candidate.path)
        if result is None:
            found.skip(NOT_A_PLAN)
            continue
        results.append(result)
        with_plans.add(candidate.directory)
    # A directory given for its plans that holds none is an error, as a missing file is.
    results += [FileResult(path, error=NO_PLANS) for path in found.directories if path not in with_plans]
    if args.format == "json":
        sys.stdout.write(render_json(results))
    else:
        sys.stdout.write(TextRenderer(colour=use_colour(sys.stdout)).render(results))
    if found.skipped:
        print(skipped_line(found.skipped), file=sys.stderr)
    return exit_code(results, args.strict)


def _schema(_args) -> int:
    from decomposer.resources import plan_schema_text

    sys.stdout.write(plan_schema_text())
    return 0


def _rules(_args) -> int:
    from decomposer.check.rules import RULES

    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        print(f"{rule.name:<{width}}  {rule.severity:<7}  {rule.summary}")
    return 0


def _claude(name: str):
    def handler(args) -> int:
        from decomposer.cli import model_commands

        return getattr(model_commands, name)(args)

    return handler


SUBCOMMANDS = ("check", "decompose", "refine", "review", "export", "import", "verify", "schema", "rules")


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="decomposer",
        description="Open the decomposer TUI: write a task, watch Claude decompose it, edit, refine, "
        "review and export. Other commands: " + ", ".join(SUBCOMMANDS) + " (decomposer COMMAND --help).",
    )
    parser.add_argument("--version", action="version", version=f"decomposer {__version__}")
    parser.add_argument("plan", nargs="?", metavar="PLAN.json", help="the plan to open (created when missing)")
    parser.add_argument("--task", metavar="TEXT", help="start decomposing this task right away")
    parser.add_argument("--model", metavar="M", help="full model id for this session")
    return parser


def _app(args) -> int:
    from pathlib import Path

    from decomposer.claude.config import ConfigError, Settings, read_config
    from decomposer.editing.document import PlanDocument
    from decomposer.plan.loading import PlanLoadError

    try:
        document = PlanDocument.open(Path(args.plan)) if args.plan else PlanDocument.new()
    except PlanLoadError as exc:
        print(f"decomposer: cannot open {exc.path}: {exc.reason}", file=sys.stderr)
        return 2
    try:
        config = read_config()  # once: the settings and the app's keymap both come from it
        settings = Settings.resolve(model_flag=args.model, config=config)
    except ConfigError as exc:
        print(f"decomposer: {exc}", file=sys.stderr)
        return 2
    from decomposer.tui.app import DecomposerApp

    DecomposerApp(document, start_task=args.task, settings=settings, config=config).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help")):
        # `decomposer`, `decomposer PLAN.json`, `decomposer --task "..."`: the TUI.
        try:
            return _app(_app_parser().parse_args(argv))
        except KeyboardInterrupt:
            return 130
    parser = _parser()
    args = parser.parse_args(argv)
    handlers = {
        "check": _check,
        "schema": _schema,
        "rules": _rules,
        "decompose": _claude("decompose_command"),
        "refine": _claude("refine_command"),
        "review": _claude("review_command"),
        "export": export_command.export_command,
        "import": import_command.import_command,
        "verify": verify_command.verify_command,
    }
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
