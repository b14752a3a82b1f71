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
import sys

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2
PUSH_FORMATS = ("github", "linear")
# (argparse attribute, flag): the options that only mean something with --push.
PUSH_ONLY_OPTIONS = (("repo", "--repo"), ("team", "--team"), ("api_url", "--api-url"), ("yes", "--yes"))
WARNINGS_SHOWN = 3  # non-blocking warnings listed in the summary; `check` lists them all


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to ``commands`` (the CLI's subparsers)."""
    parser = commands.add_parser(
        "export",
        help="write a plan as JSON, Markdown tickets, agent briefs or a Jira CSV (or push it to a tracker)",
        description="Check PLAN, then write it in FORMAT. Errors always block; warnings block with --strict. "
        "Exit 0: written; 1: blocked by findings (listed); 2: usage or input error.",
    )
    parser.add_argument("plan", metavar="PLAN", help="the plan file, or - for standard input")
    parser.add_argument("--to", required=True, metavar="FORMAT",
                        help="the exporter: json, markdown, brief, jira-csv, ... (an unknown name lists them all)")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="the file or folder to write (default: the format's name for the plan, here); "
                        "an existing folder for a one-file format receives that file")
    warnings = parser.add_mutually_exclusive_group()
    warnings.add_argument("--allow-warnings", action="store_true", help="warnings do not block (the default)")
    warnings.add_argument("--strict", action="store_true", help="warnings block the export too")
    parser.add_argument("--force", action="store_true",
                        help="replace existing output; in a folder, also remove the files an earlier export "
                        "wrote there that this one no longer writes (other files are never touched)")
    push = parser.add_argument_group("pushing to a tracker (--to github or --to linear)")
    push.add_argument("--push", action="store_true", help="create the tickets in the tracker instead of writing files")
    push.add_argument("--yes", action="store_true", help="create them without asking first")
    push.add_argument("--repo", metavar="OWNER/NAME", help="the GitHub repository")
    push.add_argument("--team", metavar="TEAM", help="the Linear team")
    push.add_argument("--api-url", metavar="URL", help="the tracker's API base URL (e.g. GitHub Enterprise)")
    return parser


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _usage(message: str) -> int:
    from .text import one_line

    _err(f"decomposer export: {one_line(message)}")
    return EXIT_USAGE


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def export_command(args: argparse.Namespace) -> int:
    if args.push:
        if args.to not in PUSH_FORMATS:
            return _usage(f"--push creates tickets with --to {' or --to '.join(PUSH_FORMATS)}, not {args.to!r}; "
                          "without --push, export writes files")
        from .trackers import push_command

        return push_command(args)
    stray = [flag for attribute, flag in PUSH_ONLY_OPTIONS if getattr(args, attribute)]
    if stray:
        return _usage(f"{', '.join(stray)} only {'applies' if len(stray) == 1 else 'apply'} with --push")
    return _write(args)


def _write(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .exporters import ExportBlocked, ExportError, export, get_exporter
    from .text import one_line

    try:
        exporter = get_exporter(args.to)
    except ValueError as exc:
        return _usage(str(exc))
    shown_name = "<stdin>" if args.plan == "-" else args.plan
    checked, refused = check_for_export(args.plan, strict=args.strict)
    if refused is not None:
        return refused
    if checked.report.warnings:
        _print_warnings(shown_name, checked.report.warnings)

    destination = Path(args.output) if args.output else Path(exporter.default_name(checked.plan))
    if exporter.kind == "file" and destination.is_dir():
        destination = destination / exporter.default_name(checked.plan)
    try:
        written = export(checked.plan, exporter.name, destination, allow_warnings=not args.strict,
                         overwrite=args.force)
    except ExportBlocked as blocked:  # export() checks again; it finds no more than check_file did
        _print_blocked(checked, blocked.findings)
        return EXIT_BLOCKED
    except FileExistsError as exc:
        return _usage(f"{exc.filename} already exists; add --force to replace it")
    except ExportError as exc:
        return _usage(str(exc))
    except OSError as exc:
        return _usage(f"cannot write {exc.filename or destination}: {exc.strerror or exc}")

    for path in written:
        print(one_line(str(path)))
    if exporter.kind == "folder":
        _err(f"decomposer export: wrote {_plural(len(written), 'file')} in {one_line(str(destination))} "
             f"({exporter.name})")
    else:
        _err(f"decomposer export: wrote {one_line(str(destination))} ({exporter.name})")
    if written.removed:
        _err(f"removed {_plural(len(written.removed), 'file')} an earlier export wrote and this one no longer does: "
             + ", ".join(one_line(path.name) for path in written.removed))
    if written.kept:
        _err(f"could not remove {_plural(len(written.kept), 'stale file')} of an earlier export (the next export "
             "tries again): " + ", ".join(one_line(str(path)) for path in written.kept))
    return EXIT_OK


def check_for_export(plan_path: str, *, strict: bool):
    """Check the plan file before anything is written or sent: ``(checked file, None)``
    when it may be exported, else ``(checked file, exit code)`` after saying why on
    stderr (an unreadable file: usage error; errors, or warnings with ``strict``: the
    blocking findings as ``check`` lays them out)."""
    from .findings import ERROR
    from .validate import check_file

    checked = check_file(plan_path)
    if checked.error is not None:
        shown_name = "<stdin>" if plan_path == "-" else plan_path
        return checked, _usage(f"{shown_name}: {checked.error}")
    blocking = [f for f in checked.report.findings if f.severity == ERROR or strict]
    if blocking:
        _print_blocked(checked, blocking)
        return checked, EXIT_BLOCKED
    return checked, None


def _print_blocked(checked, blocking) -> None:
    """The blocking findings, laid out as ``decomposer check`` lays them out."""
    from .cli import _use_colour
    from .report import TextRenderer
    from .validate import FileResult, Report

    not_shown = len(checked.report.findings) - len(blocking)

    class BlockedRenderer(TextRenderer):
        def _summary(self, report: Report) -> str:
            counts = " and ".join(_plural(len(group), word) for group, word in
                                  ((report.errors, "error"), (report.warnings, "warning")) if group)
            verb = "blocks" if len(report.findings) == 1 else "block"
            text = f"export refused: the {counts} above {verb} it"
            if not_shown:
                text += f" ({_plural(not_shown, 'warning')} not shown: they block only with --strict)"
            return self._paint("error", text)

    blocked = FileResult(checked.path, Report(blocking, checked.report.readiness), checked.plan)
    sys.stderr.write(BlockedRenderer(colour=_use_colour(sys.stderr)).render([blocked]))


def _print_warnings(shown_name: str, warnings) -> None:
    from .text import one_line, shorten

    _err(f"{one_line(shown_name)}: {_plural(len(warnings), 'warning')} (not blocking; --strict makes them block)")
    for finding in warnings[:WARNINGS_SHOWN]:
        where = one_line(shorten(finding.subtask or "plan", 24))
        _err(f"  {where} {finding.rule}: {one_line(shorten(finding.message, 100))}")
    if len(warnings) > WARNINGS_SHOWN:
        _err(f"  … and {len(warnings) - WARNINGS_SHOWN} more: decomposer check {one_line(shown_name)}")
