"""The check before anything is exported or pushed: one check of the plan file, whose
report the export then uses, and the blocking findings laid out as ``check`` does."""

from __future__ import annotations

import sys

from decomposer.cli.exit_codes import EXIT_FINDINGS, EXIT_USAGE
from decomposer.cli.output import err
from decomposer.text import one_line, plural


def check_for_export(plan_path: str, *, strict: bool):
    """Check the plan file before anything is written or sent: ``(checked file, None)``
    when it may be exported, else ``(checked file, exit code)`` after saying why on
    stderr (an unreadable file: usage error; errors, or warnings with ``strict``: the
    blocking findings as ``check`` lays them out)."""
    from decomposer.check.findings import ERROR
    from decomposer.check.validate import check_file

    checked = check_file(plan_path)
    if checked.error is not None:
        shown_name = "<stdin>" if plan_path == "-" else plan_path
        err(f"decomposer export: {one_line(f'{shown_name}: {checked.error}')}")
        return checked, EXIT_USAGE
    blocking = [f for f in checked.report.findings if f.severity == ERROR or strict]
    if blocking:
        print_blocked(checked, blocking)
        return checked, EXIT_FINDINGS
    return checked, None


def print_blocked(checked, blocking) -> None:
    """The blocking findings, laid out as ``decomposer check`` lays them out."""
    from decomposer.check.validate import FileResult, Report
    from decomposer.cli.output import use_colour
    from decomposer.cli.report import TextRenderer

    not_shown = len(checked.report.findings) - len(blocking)

    class BlockedRenderer(TextRenderer):
        def _summary(self, report: Report) -> str:
            counts = " and ".join(
                plural(len(group), word)
                for group, word in ((report.errors, "error"), (report.warnings, "warning"))
                if group
            )
            verb = "blocks" if len(report.findings) == 1 else "block"
            text = f"export refused: the {counts} above {verb} it"
            if not_shown:
                text += f" ({plural(not_shown, 'warning')} not shown: they block only with --strict)"
            return self._paint("error", text)

    blocked = FileResult(checked.path, Report(blocking, checked.report.readiness), checked.plan)
    sys.stderr.write(BlockedRenderer(colour=use_colour(sys.stderr)).render([blocked]))
