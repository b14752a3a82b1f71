"""``decomposer import``: another tool's task files in, a checked plan out.

Exit codes: 0 the plan is written and clean; 1 it is written with findings (the
placeholders for what the source lacks, and whatever else the checks report); 2 usage or
input error (unreadable, malformed, undetectable, or the output exists without --force),
with one line on stderr that names the file, and the line where there is one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from decomposer.cli.exit_codes import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

# For --help only; an unknown name is answered with the registry's list.
FORMATS_HELP = "json, taskmaster, speckit, backlog or kiro"


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``import`` subcommand to ``commands`` (the CLI's subparsers)."""
    parser = commands.add_parser(
        "import",
        help="turn Taskmaster, Spec Kit, Backlog.md or Kiro task files into a checked plan",
        description="Import FILE_OR_DIR into a plan: what it has is mapped, what it lacks becomes a TBD "
        "placeholder the checks report. Exit 0: written and clean; 1: written with findings; "
        "2: usage or input error.",
    )
    parser.add_argument("source", metavar="FILE_OR_DIR", help="the task file or folder to import")
    parser.add_argument(
        "--from", dest="importer", metavar="FORMAT", help=f"the source format: {FORMATS_HELP} (default: detected)"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PLAN.json",
        help="where to write the plan (default: <plan id>.json here; a folder receives that file)",
    )
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="how to print the notes and findings (default: text)"
    )
    return parser


def _fail(message: str) -> int:
    from decomposer.text import one_line

    print(f"decomposer import: {one_line(message)}", file=sys.stderr, flush=True)
    return EXIT_USAGE


def import_command(args) -> int:
    from decomposer.exporters.json_plan import default_name
    from decomposer.importers import ImportFailed, import_path
    from decomposer.plan.files import unwritable_text_pointer, write_plan

    try:
        result = import_path(args.source, args.importer)
    except ImportFailed as exc:
        if exc.choices:
            return _fail(f"{exc}; name the format with --from ({', '.join(exc.choices)})")
        return _fail(str(exc))
    output = Path(args.output) if args.output else Path(default_name(result.plan))
    if output.is_dir():
        output = output / default_name(result.plan)
    if output.is_dir():
        return _fail(f"{output}: is a folder")
    if (output.exists() or output.is_symlink()) and not args.force:
        return _fail(f"{output}: already exists; use --force to replace it")
    where = unwritable_text_pointer(result.plan)
    if where is not None:
        return _fail(
            f"{result.source}: the plan would hold a character that cannot be written as UTF-8 "
            f"(a lone surrogate at {where})"
        )
    try:
        write_plan(output, result.plan)
    except OSError as exc:
        return _fail(f"{output}: cannot be written ({exc.strerror or exc})")
    if args.format == "json":
        sys.stdout.write(_json(result, output))
    else:
        sys.stdout.write(_text(result, output))
    return EXIT_FINDINGS if result.findings else EXIT_OK


def _text(result, output: Path) -> str:
    from decomposer.check.validate import FileResult
    from decomposer.cli.output import use_colour
    from decomposer.cli.report import TextRenderer
    from decomposer.text import one_line

    lines = [f"imported {one_line(result.source)} ({result.importer}) into {one_line(str(output))}"]
    lines += [f"  note: {one_line(note)}" for note in result.notes]
    rendered = TextRenderer(colour=use_colour(sys.stdout)).render([FileResult(str(output), result.report, result.plan)])
    return "\n".join(lines) + "\n\n" + rendered


def _json(result, output: Path) -> str:
    import json

    return (
        json.dumps(
            {
                "source": result.source,
                "importer": result.importer,
                "output": str(output),
                "notes": result.notes,
                "findings": [finding.to_dict() for finding in result.findings],
                "readiness": result.report.readiness.to_dict(),
            },
            indent=2,
        )
        + "\n"
    )
