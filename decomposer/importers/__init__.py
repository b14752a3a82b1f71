"""Importers: turn another tool's task files into a plan the checks can judge.

An ``Importer`` is data: a name, words for a dialog, what the user picks (a file, a
folder, or either), a cheap ``detect(path)`` that never raises, and ``load(path)`` that
returns an ``ImportResult`` (the plan, its validation report, and notes on what was
mapped, defaulted or left out) or raises ``ImportFailed``.

Importers map what the source has and invent nothing: where the schema needs a field the
source lacks, a "TBD:" placeholder stands that the lint reports, and autonomy and risk
get cautious defaults (see ``common``). ``json`` reads our own format unchanged.

To add an importer, write a module in this package that defines ``IMPORTER`` and add its
name to ``BUILTIN_MODULES`` (the order there is the order in the dialog).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from decomposer.importers.common import ImportFailed, ImportResult

__all__ = ["Importer", "ImportFailed", "ImportResult", "importers", "get_importer", "detect", "import_path"]

BUILTIN_MODULES = ("json_plan", "taskmaster", "speckit", "backlog", "kiro")


@dataclass(frozen=True)
class Importer:
    name: str  # for the command line: `decomposer import --from NAME`
    label: str  # for the dialog
    description: str  # one sentence for the dialog: what to pick
    accepts: tuple[Literal["file", "folder"], ...]  # what a dialog should let the user pick
    detect: Callable[[Path], bool]  # cheap (reads at most a file's head) and never raises
    load: Callable[[Path], ImportResult]  # raises ImportFailed


def importers() -> dict[str, Importer]:
    """Every importer by name, in the order a dialog should offer them."""
    found = {}
    for module_name in BUILTIN_MODULES:
        importer = importlib.import_module(f"{__name__}.{module_name}").IMPORTER
        found[importer.name] = importer
    return found


def get_importer(name: str) -> Importer:
    """The importer called ``name``; ``ImportFailed`` naming the known ones otherwise."""
    known = importers()
    if name not in known:
        raise ImportFailed(None, f"unknown import format {name!r}; known: {', '.join(known)}")
    return known[name]


def _claims(importer: Importer, path: Path) -> bool:
    try:
        return bool(importer.detect(path))
    except (OSError, ValueError, RuntimeError):  # detect must not raise (a link loop, a broken file)
        return False


def detect(path: str | Path) -> Importer:
    """The one importer that recognises ``path``; ``ImportFailed`` when none or several do."""
    path = Path(path)
    _require_exists(path)
    matches = [importer for importer in importers().values() if _claims(importer, path)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ImportFailed(path, "cannot tell which tool wrote this", choices=tuple(importers()))
    both = " and ".join(importer.name for importer in matches)
    raise ImportFailed(path, f"looks like {both}", choices=tuple(importer.name for importer in matches))


def import_path(path: str | Path, importer_name: str | None = None) -> ImportResult:
    """Import ``path`` (a file or a folder) with the importer called ``importer_name``,
    or with the one that recognises it. Raises ``ImportFailed`` with a message that names
    the file, and the line where there is one."""
    path = Path(path)
    importer = get_importer(importer_name) if importer_name else detect(path)
    _require_exists(path)
    return importer.load(path)


def _require_exists(path: Path) -> None:
    try:
        exists = path.exists()
        dangling = not exists and path.is_symlink()
    except (OSError, ValueError):
        exists = dangling = False
    if dangling:
        raise ImportFailed(
            path, "a symbolic link that leads nowhere (its target is missing, or it points back to itself)"
        )
    if not exists:
        raise ImportFailed(path, "no such file or folder")
