"""Exporters: turn a plan into files (JSON, Markdown tickets; trackers next).

An ``Exporter`` is data: a name, words for a dialog, whether it writes one file or a
folder, its default file name, and a pure ``render(plan, report) -> {relative path: text}``.
``export`` does the rest the same way for every exporter: it refuses a plan with errors,
renders everything before writing anything, keeps every path inside the destination,
never overwrites unless asked, and writes each file atomically.

A plan is checked once per export. ``report`` is that check's ``Report``: the caller that
checked the plan (the command line, the app) hands it to ``export``, ``preview`` and the
renderers, which read readiness from it instead of validating again. A caller without one
(a library call) leaves it out, and ``check_report`` computes it, the only place here that
validates.

A folder export leaves a manifest (``.decomposer-export.json``) listing the files it
wrote. When a later export replaces the folder, files the old manifest lists that the new
export no longer writes (a subtask deleted or renamed) are removed, so no stale ticket
lingers; files the manifest does not list are never touched.

To add an exporter, write a module in this package that defines ``EXPORTER`` and add
its name to ``BUILTIN_MODULES`` (the order there is the order in the dialog).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from decomposer.check.findings import ERROR, Finding
from decomposer.check.validate import Report, validate_plan
from decomposer.plan.export_manifest import MANIFEST, manifest_text, read_manifest
from decomposer.plan.files import unwritable_text_pointer, write_atomic
from decomposer.plan.names import safe_filename
from decomposer.text import one_line, shorten

BUILTIN_MODULES = ("json_plan", "markdown", "brief", "github", "jira_csv", "linear")
PREVIEW_LIMIT = 200 * 1024  # characters of a preview
PREVIEW_CUT_NOTE = "\n\n… (preview cut at 200 KB; the exported file is complete)\n"


@dataclass(frozen=True)
class Exporter:
    name: str  # for the command line: `decomposer export --to NAME`
    label: str  # for the dialog
    description: str  # one sentence for the dialog
    kind: Literal["file", "folder"]  # one file, or a folder of files
    default_name: Callable[[dict], str]  # file or folder name to offer, from the plan
    # pure: (plan, its check report) -> relative path -> text ("file": one entry)
    render: Callable[[dict, Report], dict[str, str]]


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


class WrittenFiles(list):
    """The files an export wrote (a list of paths), and what it did to the files an
    earlier export left in the same folder: ``removed`` the stale ones it deleted,
    ``kept`` the stale ones it could not delete (still listed in the manifest, so the
    next export tries again)."""

    def __init__(self, written: list[Path], removed: Sequence[Path] = (), kept: Sequence[Path] = ()):
        super().__init__(written)
        self.removed = list(removed)
        self.kept = list(kept)


def plan_stem(plan: Any) -> str:
    """A file name stem for ``plan``: its id made safe, its title when the id is unusable."""
    fields = plan if isinstance(plan, dict) else {}
    stem = fields.get("id") if isinstance(fields.get("id"), str) and fields.get("id") else fields.get("title")
    return safe_filename(stem if isinstance(stem, str) else "")


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


def check_report(plan: Any) -> Report:
    """The check report of ``plan``, for a caller that has none at hand (a library call,
    a test). A caller that has checked the plan hands over its report instead, so that one
    export validates the plan once."""
    return validate_plan(plan)


def blocking_findings(report: Report, *, allow_warnings: bool = True) -> list[Finding]:
    """The findings of ``report`` that keep its plan from being exported (empty when it
    may be): every error, and every warning unless ``allow_warnings``."""
    return [f for f in report.findings if f.severity == ERROR or not allow_warnings]


def export(
    plan: dict,
    name: str,
    destination: Path,
    *,
    report: Report | None = None,
    allow_warnings: bool = True,
    overwrite: bool = False,
) -> WrittenFiles:
    """Refuse ``plan`` if ``report`` (its check report; ``check_report`` when None) has
    blocking findings, else render it with exporter ``name`` and write it to
    ``destination`` (the file for a "file" exporter, the folder for a "folder" one,
    created when missing). Returns the files written; with ``overwrite``, files an
    earlier export wrote to the folder that this one does not are removed (see
    ``write_files``).

    Raises ``ExportBlocked`` while an error remains (or a warning, with
    ``allow_warnings=False``), ``FileExistsError`` naming a file that exists unless
    ``overwrite``, ``ExportError`` for a path that would leave the destination or text
    that cannot be written, and the ``OSError`` of a failed write. Nothing is written
    unless everything is ready to be; a write that fails midway removes the files this
    export created."""
    exporter = get_exporter(name)
    report = check_report(plan) if report is None else report
    blocking = blocking_findings(report, allow_warnings=allow_warnings)
    if blocking:
        raise ExportBlocked(blocking)
    files = exporter.render(plan, report)
    return write_files(exporter.kind, files, Path(destination), overwrite=overwrite, plan=plan)


def preview(plan: dict, name: str, *, report: Report | None = None) -> str:
    """The text of the first file ``name`` renders for ``plan`` (any plan, valid or not),
    cut at 200 KB for a dialog. ``report`` is the plan's check report (``check_report``
    when None)."""
    files = get_exporter(name).render(plan, check_report(plan) if report is None else report)
    text = next(iter(files.values()), "")
    return text if len(text) <= PREVIEW_LIMIT else text[:PREVIEW_LIMIT] + PREVIEW_CUT_NOTE


# --- writing --------------------------------------------------------------------------------


def _relative(name: str) -> PurePosixPath:
    """``name`` as a path that stays below its folder; ExportError otherwise."""
    path = PurePosixPath(name)
    unsafe = (
        not name
        or "\\" in name
        or "\x00" in name
        or ":" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
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
        ((name, text),) = files.items()
        _relative(name)
        return [(destination, text)]
    if kind != "folder":
        raise ExportError(f"unknown exporter kind {kind!r}")
    targets = []
    seen: set[str] = {MANIFEST.casefold()}
    for name, text in files.items():
        if name.casefold() == MANIFEST.casefold():
            raise ExportError(f"refusing to write {MANIFEST!r}: the name is kept for the export's list of files")
        # Names that differ only in case are one file on macOS and Windows.
        if name.casefold() in seen:
            raise ExportError(f"two files would be called {one_line(shorten(name, 80))!r} on a case-insensitive disk")
        seen.add(name.casefold())
        target = destination.joinpath(*_relative(name).parts)
        if not _inside(target.parent, destination) or not _inside(target, destination):
            raise ExportError(
                f"refusing to write {one_line(shorten(name, 80))!r}: it would land outside "
                f"{destination} (through a symbolic link)"
            )
        targets.append((target, text))
    return targets


def write_files(
    kind: str, files: dict[str, str], destination: Path, *, overwrite: bool = False, plan: Any = None
) -> WrittenFiles:
    """Write rendered ``files`` for an exporter of ``kind`` (see ``export``, which is this
    once blocking findings are refused and the plan rendered). Every check runs before
    the first byte is written. ``plan`` only improves the message when a text cannot be
    written as UTF-8.

    A "folder" export also writes ``MANIFEST``, the list of the files it wrote. With
    ``overwrite``, files that the folder's previous manifest lists and this export does
    not write are deleted once the new files are in place (regular files inside the
    folder only); any other file in the folder is left alone."""
    destination = Path(destination)
    if kind == "folder" and destination.exists() and not destination.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(destination))
    targets = _targets(kind, files, destination)
    manifest = _manifest_target(destination) if kind == "folder" else None
    # The manifest's text is known only after the writes; its place is checked like the rest.
    for target, text in targets + ([(manifest, "")] if manifest is not None else []):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            where = unwritable_text_pointer(plan) if plan is not None else None
            raise ExportError(
                f"cannot write {target.name}: the plan holds a character that cannot be written "
                f"as UTF-8 (a lone surrogate{f' at {where}' if where else ''})"
            ) from None
        folder = _nearest_existing(target.parent)
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "is a file, not a folder", str(folder))
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
        if not overwrite and (target.exists() or target.is_symlink()):
            raise FileExistsError(errno.EEXIST, "already exists (export with overwrite to replace it)", str(target))
    previous = read_manifest(manifest) if manifest is not None and overwrite else []

    created_folders: list[Path] = []
    written: list[Path] = []
    removed: list[Path] = []
    kept: dict[str, Path] = {}
    try:
        for target, _ in targets:
            created_folders += _make_folders(target.parent)
        for target, text in targets:
            existed = target.exists()
            _write(target, text)
            if not existed:
                written.append(target)
        if manifest is not None:
            removed, kept = _remove_stale(destination, previous, files)
            existed = manifest.exists()
            _write(manifest, manifest_text([*files, *kept]))
            if not existed:
                written.append(manifest)
    except BaseException:
        # Leave the disk as it was: remove what this export created (a replaced file
        # cannot be restored, but an overwrite was asked for).
        for path in written:
            _remove(path.unlink)
        for folder in reversed(created_folders):
            _remove(folder.rmdir)
        raise
    return WrittenFiles([target for target, _ in targets], removed, list(kept.values()))


def _write(target: Path, text: str) -> None:
    """``write_atomic``, with an error that names ``target`` rather than the temporary
    file the write goes through (".README.md.x1y2z3.tmp" means nothing to the user)."""
    try:
        write_atomic(target, text)
    except OSError as exc:
        if exc.errno is None or exc.filename == str(target):
            raise
        raise OSError(exc.errno, exc.strerror, str(target)) from exc


def _manifest_target(destination: Path) -> Path:
    manifest = destination / MANIFEST
    if not _inside(manifest, destination):
        raise ExportError(
            f"refusing to write {MANIFEST!r}: it would land outside {destination} (through a symbolic link)"
        )
    return manifest


def _remove_stale(destination: Path, previous: list[str], files: dict[str, str]) -> tuple[list[Path], dict[str, Path]]:
    """Delete the files of ``previous`` (an earlier export's manifest) that ``files`` no
    longer has. Only plain relative names of regular files inside ``destination`` are
    deleted; a name that cannot be deleted is returned in ``kept`` (name -> path)."""
    current = {name.casefold() for name in files}  # a case-insensitive disk sees one file
    removed: list[Path] = []
    kept: dict[str, Path] = {}
    for name in dict.fromkeys(previous):
        if name.casefold() in current or name.casefold() == MANIFEST.casefold():
            continue
        try:
            target = destination.joinpath(*_relative(name).parts)
        except ExportError:
            continue  # an edited manifest: no export writes such a name
        if target.is_symlink() or not target.is_file() or not _inside(target.parent, destination):
            continue  # gone already, or replaced by something this export never wrote
        try:
            target.unlink()
        except OSError:
            kept[name] = target
        else:
            removed.append(target)
    return removed, kept


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (the folder a write would go into)."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


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
    with contextlib.suppress(OSError):
        action()
