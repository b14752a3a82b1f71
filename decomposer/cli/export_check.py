"""The check before anything is exported or pushed: the one check of the plan file, whose
report the export then hands to the exporter or the tracker, and the blocking findings
laid out as ``check`` does. On the command line this is where an export is refused."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from decomposer.cli.exit_codes import EXIT_FINDINGS, EXIT_USAGE
from decomposer.cli.output import err
from decomposer.text import one_line, plural

if TYPE_CHECKING:
    from decomposer.check.findings import Finding
    from decomposer.check.validate import FileResult, Report


@dataclass(frozen=True)
class ExportablePlan:
    """A plan file the check let through: the plan as loaded and the report of its check."""

    plan: dict
    report: Report


def check_for_export(plan_path: str, *, strict: bool) -> ExportablePlan | int:
    """Check the plan file before anything is written or sent: the plan and its report
    when it may be exported, else the exit code after saying why on stderr (an unreadable
    file: usage error; errors, or warnings with ``strict``: the blocking findings as
    ``check`` lays them out)."""
    from decomposer.check.validate import check_file
    from decomposer.exporters import blocking_findings

    checked = check_file(plan_path)
    report = checked.report
    if report is None:  # check_file gives a report exactly when it could read the plan
        shown_name = "<stdin>" if plan_path == "-" else plan_path
        err(f"decomposer export: {one_line(f'{shown_name}: {checked.error}')}")
        return EXIT_USAGE
    blocking = blocking_findings(report, allow_warnings=not strict)
    if blocking:
        _print_blocked(checked, report, blocking)
        return EXIT_FINDINGS
    return ExportablePlan(checked.plan, report)


def _print_blocked(checked: FileResult, report: Report, blocking: list[Finding]) -> None:
    """The ``blocking`` findings of ``report`` (the check of ``checked``), laid out as
    ``decomposer check`` lays them out."""
    from decomposer.check.validate import FileResult, Report
    from decomposer.cli.output import use_colour
    from decomposer.cli.report import TextRenderer

    not_shown = len(report.findings) - len(blocking)

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

    blocked = FileResult(checked.path, Report(blocking, report.readiness), checked.plan)
    sys.stderr.write(BlockedRenderer(colour=use_colour(sys.stderr)).render([blocked]))
