"""Findings: what validation reports about a plan.

A finding is ``{rule, severity, subtask, path, message, hint}``. ``path`` is an RFC 6901
JSON pointer into the plan; ``subtask`` is the id of the subtask the finding is about
(``None`` for the plan itself, or when that subtask has no usable id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"
SEVERITY_RANK = {ERROR: 0, WARNING: 1}

_SUBTASK_INDEX = re.compile(r"^/subtasks/([0-9]+)(?:/|$)")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    subtask: str | None
    path: str
    message: str
    hint: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @property
    def subtask_index(self) -> int | None:
        """Index of the subtask the pointer lies in. Ids may be missing or duplicated,
        so attribution goes by position, not by id."""
        match = _SUBTASK_INDEX.match(self.path)
        return int(match.group(1)) if match else None


def _path_sort_key(path: str) -> tuple[tuple[int, int, str], ...]:
    # Numeric tokens sort as numbers so /acceptance/10 comes after /acceptance/2.
    return tuple((0, int(token), "") if token.isdigit() else (1, 0, token) for token in path.split("/")[1:])


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Plan-level findings first, then by subtask position, errors before warnings."""

    def key(finding: Finding) -> tuple[int, int, tuple[tuple[int, int, str], ...], str]:
        index = finding.subtask_index
        return (
            -1 if index is None else index,
            SEVERITY_RANK.get(finding.severity, 9),
            _path_sort_key(finding.path),
            finding.rule,
        )

    return sorted(findings, key=key)
