"""Autosaved drafts of unsaved work, in the user's data directory.

A draft is ``<root>/<key>.json`` holding ``{"saved_at", "source_path", "plan"}`` and
nothing else: no settings, no environment, no keys. The root is ``drafts/`` in
``DECOMPOSER_DATA_DIR`` when that is set, else in the platform's user data directory
(``~/.local/share/decomposer/`` on Linux). Folders are created on the first save with
mode 0o700 and drafts are written 0o600: a plan may describe unreleased work.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from decomposer.plan.files import write_atomic
from decomposer.plan.loading import PlanLoadError, load_plan, parse_plan
from decomposer.plan.names import slugify

APP_NAME = "decomposer"
DATA_DIR_ENV = "DECOMPOSER_DATA_DIR"
DRAFTS_FOLDER = "drafts"
SUFFIX = ".json"
FOLDER_MODE = 0o700
FILE_MODE = 0o600
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,100}$")
_NAME_LIMIT = 40
_HASH_LENGTH = 16


class DraftError(ValueError):
    """A key that cannot name a draft (keys come from ``key_for``)."""


@dataclass(frozen=True)
class DraftInfo:
    key: str
    saved_at: str  # RFC 3339, UTC, with microseconds so drafts sort by it
    source_path: str | None  # the plan file the draft belongs to; None for a new plan
    title: str  # the plan's title ("" when it has none)
    subtask_count: int


def data_dir() -> Path:
    """``DECOMPOSER_DATA_DIR`` if set, else the platform's user data directory."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class DraftStore:
    def __init__(self, root: Path | None = None) -> None:
        """``root`` is the drafts folder itself (default: ``data_dir() / "drafts"``)."""
        self.root = Path(root) if root is not None else data_dir() / DRAFTS_FOLDER

    # --- keys -----------------------------------------------------------------------------

    @staticmethod
    def key_for(path: Path | None) -> str:
        """The draft key of a plan file: its short name and a hash of its absolute,
        resolved path, so two ``plan.json`` in different folders get different drafts
        and the same file always gets the same one (``orders-plan-1f3a…``). For a plan
        with no file yet (``None``): a new unique key on every call, ``new-<time>-<random>``;
        keep it for the life of the document."""
        if path is None:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S")
            return f"new-{stamp}-{secrets.token_hex(4)}"
        resolved = str(Path(path).expanduser().resolve())
        digest = hashlib.sha256(resolved.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LENGTH]
        name = slugify(Path(path).stem, _NAME_LIMIT) or "plan"
        return f"{name}-{digest}"

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or not _KEY.match(key):
            raise DraftError(f"not a draft key: {key!r}")
        return self.root / f"{key}{SUFFIX}"

    # --- writing --------------------------------------------------------------------------

    def _ensure_root(self) -> None:
        if self.root.is_dir():
            return
        # Each missing level gets 0o700 (mkdir's parents=True would give the default).
        missing = [folder for folder in (self.root, *self.root.parents) if not folder.exists()]
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                folder.mkdir(mode=FOLDER_MODE)

    def save(self, key: str, plan: Any, source_path: Path | None) -> Path:
        """Write the draft atomically and return its file. Cheap enough to call after
        every edit (compact JSON, one write); raises ``OSError`` when the disk does."""
        target = self._path(key)
        self._ensure_root()
        record = {
            "saved_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "source_path": str(Path(source_path).expanduser().resolve()) if source_path is not None else None,
            "plan": plan,
        }
        # ASCII escapes: a lone surrogate (valid JSON, "\ud800") must not make the draft,
        # of all files, impossible to write.
        write_atomic(target, json.dumps(record, ensure_ascii=True, separators=(",", ":")), mode=FILE_MODE)
        return target

    # --- reading --------------------------------------------------------------------------

    def _read(self, file: Path) -> dict | None:
        """The draft record in ``file``, or None when it is unreadable or not a draft."""
        try:
            record = parse_plan(file.read_bytes(), str(file)).plan
        except (OSError, PlanLoadError):
            return None
        if not (
            isinstance(record.get("plan"), dict)
            and isinstance(record.get("saved_at"), str)
            and isinstance(record.get("source_path"), (str, type(None)))
        ):
            return None
        return record

    def _info(self, key: str, record: dict) -> DraftInfo:
        plan = record["plan"]
        title = plan.get("title")
        subtasks = plan.get("subtasks")
        return DraftInfo(
            key=key,
            saved_at=record["saved_at"],
            source_path=record["source_path"],
            title=title if isinstance(title, str) else "",
            subtask_count=len(subtasks) if isinstance(subtasks, list) else 0,
        )

    def list(self) -> list[DraftInfo]:
        """Every readable draft, newest first. Corrupt or foreign files are skipped."""
        try:
            files = [file for file in self.root.iterdir() if file.suffix == SUFFIX and _KEY.match(file.stem)]
        except OSError:  # no folder yet, or unreadable
            return []
        infos = []
        for file in files:
            record = self._read(file)
            if record is not None:
                infos.append(self._info(file.stem, record))
        return sorted(infos, key=lambda info: (info.saved_at, info.key), reverse=True)

    def find_for(self, path: Path | None) -> DraftInfo | None:
        """The draft of the plan file ``path`` if it holds something the file does not.
        A draft equal to the file (the work was saved after all) is stale: it is
        discarded and None returned. For ``path=None`` there is no file to compare
        with, so this is always None; new plans' drafts are found with ``list``."""
        if path is None:
            return None
        key = self.key_for(path)
        record = self._read(self._path(key))
        if record is None:
            return None
        try:
            on_disk: Any = load_plan(str(path)).plan
        except PlanLoadError:
            on_disk = None  # no file (deleted since?) or an unusable one: the draft is all there is
        if on_disk is not None and on_disk == record["plan"]:
            self.discard(key)
            return None
        return self._info(key, record)

    def to_offer(self, path: Path | None, current_key: str) -> DraftInfo | None:
        """The draft worth offering to restore when ``path`` is opened: its own (see
        ``find_for``), or for a new plan (``path=None``) the newest draft of an unsaved
        plan, other than ``current_key``, that holds subtasks or a task."""
        if path is not None:
            return self.find_for(path)
        return next(
            (d for d in self.list() if d.source_path is None and d.key != current_key and self._has_content(d)),
            None,
        )

    def _has_content(self, info: DraftInfo) -> bool:
        """A new plan's draft worth offering: it has subtasks or a task."""
        if info.subtask_count:
            return True
        try:
            plan = self.load(info.key)
        except (OSError, ValueError):
            return False
        return isinstance(plan.get("task"), str) and bool(plan["task"].strip())

    def load(self, key: str) -> dict:
        """The plan in draft ``key``. Raises ``FileNotFoundError`` when there is no such
        draft and ``PlanLoadError`` when it cannot be read as a draft."""
        file = self._path(key)
        if not file.exists():
            raise FileNotFoundError(2, "no such draft", str(file))
        record = self._read(file)
        if record is None:
            raise PlanLoadError(str(file), "not a readable draft")
        return record["plan"]

    def discard(self, key: str) -> None:
        """Delete draft ``key``; nothing happens when there is none."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()
