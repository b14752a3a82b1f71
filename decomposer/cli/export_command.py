"""``decomposer export``: write a plan as files (canonical JSON, Markdown tickets, agent
briefs, a Jira CSV, ...) or, with ``--push``, create tickets in a tracker.

Every export runs the contract checks first. Errors always block: exit 1, with the
blocking findings listed as ``decomposer check`` lists them. Warnings are summed up and
block only with ``--strict``. What was written goes to stdout, one path per line (for
scripts); messages go to stderr. Exit codes: 0 written, 1 blocked, 2 usage or input
error (unreadable plan, unknown format, a destination that exists or cannot be written).

Only ``argparse`` is imported at the top: the parser is built on every command, so the
exporters, the validator and the trackers are imported inside ``export_command``.
"""

from __future__ import annotations

import argparse

from decomposer.cli.exit_codes import EXIT_OK, EXIT_USAGE
from decomposer.cli.output import err
from decomposer.text import plural

PUSH_FORMATS = ("github", "linear")
# (argparse attribute, flag): the options that only mean something with --push.
PUSH_ONLY_OPTIONS = (("repo", "--repo"), ("team", "--team"), ("api_url", "--api-url"), ("yes", "--yes"))
WARNINGS_SHOWN = 3  # non-blocking warnings listed in the summary; `check` lists them all


FORMATS_HELP = "the exporter, one of: {formats}"  # filled in from the registry when help is shown


class _ExportHelpFormatter(argparse.HelpFormatter):
    """Names the formats of ``--to`` from the exporters' registry, the one list of them.
    The registry imports every exporter, so it is read only when help is printed: the
    parser is built on every command."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.help is FORMATS_HELP:
            from decomposer.exporters import registry

            return FORMATS_HELP.format(formats=", ".join(registry())).replace("%", "%%")
        return action.help

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        # "jira-csv" is one name: never wrap it at its hyphen.
        return textwrap.wrap(self._whitespace_matcher.sub(" ", text).strip(), width, break_on_hyphens=False)


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to ``commands`` (the CLI's subparsers)."""
    parser = commands.add_parser(
        "export",
        help="write a plan as files in an export format (export --help lists them), or push it to a tracker",
        description="Check PLAN, then write it in FORMAT. Errors always block; warnings block with --strict. "
        "Exit 0: written; 1: blocked by findings (listed); 2: usage or input error.",
        formatter_class=_ExportHelpFormatter,
    )
    parser.add_argument("plan", metavar="PLAN", help="the plan file, or - for standard input")
    parser.add_argument(
        "--to",
        required=True,
        metavar="FORMAT",
        help=FORMATS_HELP,
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="the file or folder to write (default: the format's name for the plan, here); "
        "an existing folder for a one-file format receives that file",
    )
    warnings = parser.add_mutually_exclusive_group()
    warnings.add_argument("--allow-warnings", action="store_true", help="warnings do not block (the default)")
    warnings.add_argument("--strict", action="store_true", help="warnings block the export too")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace existing output; in a folder, also remove the files an earlier export "
        "wrote there that this one no longer writes (other files are never touched)",
    )
    push = parser.add_argument_group("pushing to a tracker (--to github or --to linear)")
    push.add_argument("--push", action="store_true", help="create the tickets in the tracker instead of writing files")
    push.add_argument("--yes", action="store_true", help="create them without asking first")
    push.add_argument("--repo", metavar="OWNER/NAME", help="the GitHub repository")
    push.add_argument("--team", metavar="TEAM", help="the Linear team")
    push.add_argument("--api-url", metavar="URL", help="the tracker's API base URL (e.g. GitHub Enterprise)")
    return parser


def _usage(message: str) -> int:
    from decomposer.text import one_line

    err(f"decomposer export: {one_line(message)}")
    return EXIT_USAGE


def export_command(args: argparse.Namespace) -> int:
    if args.push:
        if args.to not in PUSH_FORMATS:
            return _usage(
                f"--push creates tickets with --to {' or --to '.join(PUSH_FORMATS)}, not {args.to!r}; "
                "without --push, export writes files"
            )
        from decomposer.cli.push_command import push_command

        return push_command(args)
    stray = [flag for attribute, flag in PUSH_ONLY_OPTIONS if getattr(args, attribute)]
    if stray:
        return _usage(f"{', '.join(stray)} only {'applies' if len(stray) == 1 else 'apply'} with --push")
    return _write(args)


def _write(args: argparse.Namespace) -> int:
    from pathlib import Path

    from decomposer.cli.export_check import check_for_export
    from decomposer.exporters import ExportError, export, get_exporter
    from decomposer.text import one_line

    try:
        exporter = get_exporter(args.to)
    except ValueError as exc:
        return _usage(str(exc))
    shown_name = "<stdin>" if args.plan == "-" else args.plan
    checked = check_for_export(args.plan, strict=args.strict)
    if isinstance(checked, int):
        return checked  # refused, and check_for_export said why
    if checked.report.warnings:
        _print_warnings(shown_name, checked.report.warnings)

    destination = Path(args.output) if args.output else Path(exporter.default_name(checked.plan))
    if exporter.kind == "file" and destination.is_dir():
        destination = destination / exporter.default_name(checked.plan)
    try:
        # With the report of check_for_export, which applied the same blocking rule to it,
        # export() checks nothing again and cannot refuse.
        written = export(
            checked.plan,
            exporter.name,
            destination,
            report=checked.report,
            allow_warnings=not args.strict,
            overwrite=args.force,
        )
    except FileExistsError as exc:
        return _usage(f"{exc.filename} already exists; add --force to replace it")
    except ExportError as exc:
        return _usage(str(exc))
    except OSError as exc:
        return _usage(f"cannot write {exc.filename or destination}: {exc.strerror or exc}")

    for path in written:
        print(one_line(str(path)))
    if exporter.kind == "folder":
        err(
            f"decomposer export: wrote {plural(len(written), 'file')} in {one_line(str(destination))} ({exporter.name})"
        )
    else:
        err(f"decomposer export: wrote {one_line(str(destination))} ({exporter.name})")
    if written.removed:
        err(
            f"removed {plural(len(written.removed), 'file')} an earlier export wrote and this one no longer does: "
            + ", ".join(one_line(path.name) for path in written.removed)
        )
    if written.kept:
        err(
            f"could not remove {plural(len(written.kept), 'stale file')} of an earlier export (the next export "
            "tries again): " + ", ".join(one_line(str(path)) for path in written.kept)
        )
    return EXIT_OK


def _print_warnings(shown_name: str, warnings) -> None:
    from decomposer.text import one_line, shorten

    err(f"{one_line(shown_name)}: {plural(len(warnings), 'warning')} (not blocking; --strict makes them block)")
    for finding in warnings[:WARNINGS_SHOWN]:
        where = one_line(shorten(finding.subtask or "plan", 24))
        err(f"  {where} {finding.rule}: {one_line(shorten(finding.message, 100))}")
    if len(warnings) > WARNINGS_SHOWN:
        err(f"  … and {len(warnings) - WARNINGS_SHOWN} more: decomposer check {one_line(shown_name)}")
