"""Write files so that a crash never leaves half a file: temp file in the same folder,
fsync, then an atomic rename over the target, then fsync of the folder so the rename
itself survives a power cut."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from decomposer.plan.json_types import PathToken
from decomposer.plan.pointers import pointer


def dump_plan(plan: Any) -> str:
    """The canonical text of a plan: two-space indent, UTF-8 as is, keys in the order
    given, a final newline. Loading and dumping it again gives the same bytes."""
    return json.dumps(plan, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: str | os.PathLike[str], text: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` (UTF-8) all at once. The file keeps the mode of the
    file it replaces, else gets the default (0o666 less the umask); ``mode`` sets it
    instead (drafts use 0o600). The temp file is 0o600 until then, so nobody else can
    read a half-written file."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            if target.exists():
                mode = target.stat().st_mode & 0o777
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _sync_folder(folder)
    _remove_stale_temps(folder, target.name)


# A temporary file older than this was left by a writer that was killed: no write takes
# that long, so removing it cannot race a write in progress (another process's included).
STALE_TEMP_AGE = 600


def _sync_folder(folder: Path) -> None:
    """Make the rename durable. Best effort: some systems (Windows) cannot open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Remove the temporary files that killed writes of ``name`` left (only names of the
    exact form mkstemp gave them above, and only old ones)."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[A-Za-z0-9_]{{8}}\.tmp")
    cutoff = time.time() - STALE_TEMP_AGE
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if pattern.fullmatch(entry.name):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass  # gone already, or not ours to remove


def write_plan(path: str | os.PathLike[str], plan: Any) -> None:
    write_atomic(path, dump_plan(plan))


def unwritable_text_pointer(value: Any) -> str | None:
    """The JSON pointer of a string in ``value`` (an object key included) that cannot be
    written as UTF-8, or None when every string can. JSON can spell a lone surrogate
    ("\\ud800") that no UTF-8 file can hold; the pointer tells the user what to fix."""
    stack: list[tuple[Any, tuple[PathToken, ...]]] = [(value, ())]
    while stack:
        node, tokens = stack.pop()
        if isinstance(node, str):
            if not _encodable(node):
                return pointer(*tokens)
        elif isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and not _encodable(key):
                    return pointer(*tokens, key)
            stack += [(child, tokens + (key,)) for key, child in reversed(node.items())]
        elif isinstance(node, list):
            stack += [(child, tokens + (i,)) for i, child in reversed(list(enumerate(node)))]
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
