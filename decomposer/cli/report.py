"""Render check results for people (text) and for machines (JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from decomposer.check.findings import ERROR, Finding
from decomposer.check.validate import FileResult, Report
from decomposer.text import one_line, plural, shorten

_STYLE = {"error": "\x1b[31m", "warning": "\x1b[33m", "dim": "\x1b[2m", "bold": "\x1b[1m", "ok": "\x1b[32m"}
_RESET = "\x1b[0m"


class TextRenderer:
    def __init__(self, colour: bool = False):
        self.colour = colour

    def _paint(self, style: str, text: str) -> str:
        return f"{_STYLE[style]}{text}{_RESET}" if self.colour else text

    def render(self, results: list[FileResult]) -> str:
        blocks = [self._file(result) for result in results]
        if len(results) > 1:
            blocks.append(self._overall(results))
        return "\n\n".join(blocks) + "\n"

    def _file(self, result: FileResult) -> str:
        lines = [self._paint("bold", "<stdin>" if result.path == "-" else one_line(result.path))]
        if result.error is not None:
            lines.append("  " + self._paint("error", "cannot check: ") + one_line(result.error))
            return "\n".join(lines)
        report = cast(Report, result.report)  # check_file gives a report whenever it gives no error
        groups: dict[int | None, list[Finding]] = {}
        for finding in report.findings:
            groups.setdefault(finding.subtask_index, []).append(finding)
        for index, findings in groups.items():
            lines.append("  " + self._heading(result.plan, index, findings[0]))
            for finding in findings:
                severity = self._paint(finding.severity, f"{finding.severity:<7}")
                lines.append(f"    {severity}  {finding.rule}  {self._paint('dim', one_line(finding.path) or '/')}")
                lines.append(" " * 13 + one_line(finding.message))
                if finding.hint:
                    lines.append(" " * 13 + self._paint("dim", "hint: " + one_line(finding.hint)))
        lines.append("  " + self._summary(report))
        return "\n".join(lines)

    @staticmethod
    def _heading(plan: Any, index: int | None, first: Finding) -> str:
        if index is None:
            return "plan"
        subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
        item = subtasks[index] if isinstance(subtasks, list) and index < len(subtasks) else None
        title = item.get("title") if isinstance(item, dict) else None
        label = first.subtask or f"subtask #{index + 1}"
        if isinstance(title, str) and title:
            return f"{one_line(shorten(label, 24))} {one_line(shorten(title, 70))}"
        return one_line(shorten(label, 24))

    def _summary(self, report: Report) -> str:
        errors, warnings = len(report.errors), len(report.warnings)
        readiness = report.readiness
        counts = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
        if errors:
            counts = self._paint("error", counts)
        elif warnings:
            counts = self._paint("warning", counts)
        else:
            counts = self._paint("ok", counts)
        return f"{counts} · delegable {readiness.delegable}/{readiness.total} subtasks"

    def _overall(self, results: list[FileResult]) -> str:
        reports = [r.report for r in results if r.report is not None]
        unreadable = sum(1 for r in results if r.error is not None)
        errors = sum(len(r.errors) for r in reports)
        warnings = sum(len(r.warnings) for r in reports)
        delegable = sum(r.readiness.delegable for r in reports)
        total = sum(r.readiness.total for r in reports)
        text = (
            f"{plural(len(results), 'file')}: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
            f", delegable {delegable}/{total} subtasks"
        )
        if unreadable:
            text += f", {unreadable} could not be checked"
        return self._paint("bold", text)


def render_json(results: list[FileResult]) -> str:
    files = []
    for result in results:
        entry: dict[str, Any] = {"path": result.path}
        if result.report is None:  # the file could not be checked; error says why
            entry["error"] = result.error
            entry["findings"] = []
            entry["readiness"] = None
        else:
            entry["findings"] = [f.to_dict() for f in result.report.findings]
            entry["readiness"] = result.report.readiness.to_dict()
        files.append(entry)
    return json.dumps({"files": files}, indent=2) + "\n"


def exit_code(results: list[FileResult], strict: bool) -> int:
    """0 clean, 1 errors (or warnings under --strict), 2 a file could not be checked."""
    if any(r.error is not None for r in results):
        return 2
    for report in (r.report for r in results if r.report is not None):  # all of them, past the line above
        if any(f.severity == ERROR for f in report.findings):
            return 1
        if strict and report.findings:
            return 1
    return 0


def skipped_line(skipped: Mapping[str, int]) -> str:
    """One line: how many files found in directories were left out, and why."""
    total = sum(skipped.values())
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(skipped.items(), key=lambda item: -item[1]))
    return f"skipped {plural(total, 'file')}: {reasons}"
