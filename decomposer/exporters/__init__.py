"""Exporters: turn a plan into files (JSON, Markdown tickets; trackers next).

An ``Exporter`` is data: a name, words for a dialog, whether it writes one file or a
folder, its default file name, and a pure ``render(plan) -> {relative path: text}``.
``export`` does the rest the same way for every exporter: it refuses a plan with errors,
renders everything before writing anything, keeps every path inside the destination,
never overwrites unless asked, and writes each file atomically.

To add an exporter, write a module in this package that defines ``EXPORTER`` and add
its name to ``BUILTIN_MODULES`` (the order there is the order in the dialog).
"""

from __future__ import annotations

import errno
import importlib
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Literal

from ..files import unwritable_text_pointer, write_atomic
from ..findings import ERROR, Finding
from ..text import one_line, shorten
from ..validate import validate_plan

BUILTIN_MODULES = ("json_plan", "markdown")
PREVIEW_LIMIT = 200 * 1024  # characters of a preview
PREVIEW_CUT_NOTE = "\n\n… (preview cut at 200 KB; the exported file is complete)\n"


@dataclass(frozen=True)
class Exporter:
    name: str  # for the command line: `decomposer export --to NAME`
    label: str  # for the dialog
    description: str  # one sentence for the dialog
    kind: Literal["file", "folder"]  # one file, or a folder of files
    default_name: Callable[[dict], str]  # file or folder name to offer, from the plan
    render: Callable[[dict], dict[str, str]]  # pure: relative path -> text ("file": one entry)


class ExportError(Exception):
    """The export cannot be done; the message says why and what to do."""


class ExportBlocked(ExportError):
    """The plan has findings that block export: every error, and every warning when
    warnings are not allowed. ``findings`` lists them, sorted as validation sorts."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        errors = sum(1 for f in findings if f.severity == ERROR)
        warnings = len(findings) - errors
        counts = " and ".join(
            f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((errors, "error"), (warnings, "warning")) if n
        )
        first = findings[0] if findings else None
        detail = f"; first: {first.path or '/'}: {one_line(shorten(first.message, 120))}" if first else ""
        super().__init__(f"export blocked by {counts}{detail}")


def registry() -> dict[str, Exporter]:
    """Every exporter by name, in the order a dialog should offer them."""
    exporters = {}
    for module_name in BUILTIN_MODULES:
        exporter = importlib.import_module(f"{__name__}.{module_name}").EXPORTER
        exporters[exporter.name] = exporter
    return exporters


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; ``ValueError`` naming the known ones otherwise."""
    exporters = registry()
    if name not in exporters:
        raise ValueError(f"unknown exporter {name!r}; known: {', '.join(exporters)}")
    return exporters[name]


def blocking_findings(plan: Any, *, allow_warnings: bool = True) -> list[Finding]:
    """The findings that keep ``plan`` from being exported (empty when it may be)."""
    report = validate_plan(plan)
    return [f for f in report.findings if f.severity == ERROR or not allow_warnings]


def export(plan: dict, name: str, destination: Path, *, allow_warnings: bool = True,
           overwrite: bool = False) -> list[Path]:
    """Validate ``plan``, render it with exporter ``name`` and write it to
    ``destination`` (the file for a "file" exporter, the folder for a "folder" one,
    created when missing). Returns the files written.

    Raises ``ExportBlocked`` while an error remains (or a warning, with
    ``allow_warnings=False``), ``FileExistsError`` naming a file that exists unless
    ``overwrite``, ``ExportError`` for a path that would leave the destination or text
    that cannot be written, and the ``OSError`` of a failed write. Nothing is written
    unless everything is ready to be; a write that fails midway removes the files this
    export created."""
    exporter = get_exporter(name)
    blocking = blocking_findings(plan, allow_warnings=allow_warnings)
    if blocking:
        raise ExportBlocked(blocking)
    files = exporter.render(plan)
    return write_files(exporter.kind, files, Path(destination), overwrite=overwrite, plan=plan)


def preview(plan: dict, name: str) -> str:
    """The text of the first file ``name`` renders for ``plan`` (any plan, valid or not),
    cut at 200 KB for a dialog."""
    files = get_exporter(name).render(plan)
    text = next(iter(files.values()), "")
    return text if len(text) <= PREVIEW_LIMIT else text[:PREVIEW_LIMIT] + PREVIEW_CUT_NOTE


# --- writing --------------------------------------------------------------------------------

def _relative(name: str) -> PurePosixPath:
    """``name`` as a path that stays below its folder; ExportError otherwise."""
    path = PurePosixPath(name)
    unsafe = (
        not name or "\\" in name or "\x00" in name or ":" in name
        or path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/"))
    )
    if unsafe:
        raise ExportError(f"refusing to write {one_line(shorten(name, 80))!r}: not a plain relative path")
    return path


def _inside(target: Path, folder: Path) -> bool:
    """Whether ``target`` stays in ``folder`` once symbolic links are followed."""
    resolved_folder = folder.resolve()
    return target.resolve() == resolved_folder or resolved_folder in target.resolve().parents


def _targets(kind: str, files: dict[str, str], destination: Path) -> list[tuple[Path, str]]:
    if kind == "file":
        if len(files) != 1:
            raise ExportError(f"a file exporter must render one file, rendered {len(files)}")
        (name, text), = files.items()
        _relative(name)
        return [(destination, text)]
    if kind != "folder":
        raise ExportError(f"unknown exporter kind {kind!r}")
    targets = []
    seen: set[str] = set()
    for name, text in files.items():
        # Names that differ only in case are one file on macOS and Windows.
        if name.casefold() in seen:
            raise ExportError(f"two files would be called {one_line(shorten(name, 80))!r} on a case-insensitive disk")
        seen.add(name.casefold())
        target = destination.joinpath(*_relative(name).parts)
        if not _inside(target.parent, destination) or not _inside(target, destination):
            raise ExportError(f"refusing to write {one_line(shorten(name, 80))!r}: it would land outside "
                              f"{destination} (through a symbolic link)")
        targets.append((target, text))
    return targets


def write_files(kind: str, files: dict[str, str], destination: Path, *, overwrite: bool = False,
                plan: Any = None) -> list[Path]:
    """Write rendered ``files`` for an exporter of ``kind`` (see ``export``, which is this
    after validation and rendering). Every check runs before the first byte is written.
    ``plan`` only improves the message when a text cannot be written as UTF-8."""
    destination = Path(destination)
    if kind == "folder" and destination.exists() and not destination.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(destination))
    targets = _targets(kind, files, destination)
    for target, text in targets:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            where = unwritable_text_pointer(plan) if plan is not None else None
            raise ExportError(f"cannot write {target.name}: the plan holds a character that cannot be written "
                              f"as UTF-8 (a lone surrogate{f' at {where}' if where else ''})") from None
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
        if not overwrite and (target.exists() or target.is_symlink()):
            raise FileExistsError(errno.EEXIST, "already exists (export with overwrite to replace it)", str(target))

    created_folders: list[Path] = []
    written: list[Path] = []
    try:
        for target, _ in targets:
            created_folders += _make_folders(target.parent)
        for target, text in targets:
            existed = target.exists()
            write_atomic(target, text)
            if not existed:
                written.append(target)
    except BaseException:
        # Leave the disk as it was: remove what this export created (a replaced file
        # cannot be restored, but an overwrite was asked for).
        for path in written:
            _remove(path.unlink)
        for folder in reversed(created_folders):
            _remove(folder.rmdir)
        raise
    return [target for target, _ in targets]


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and any missing parents; return the ones created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    created = []
    for path in reversed(missing):
        os.mkdir(path)
        created.append(path)
    return created


def _remove(action: Callable[[], None]) -> None:
    try:
        action()
    except OSError:
        pass
