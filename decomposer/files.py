"""Write files so that a crash never leaves half a file: temp file in the same folder,
fsync, then an atomic rename over the target."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .findings import pointer


def dump_plan(plan: Any) -> str:
    """The canonical text of a plan: two-space indent, UTF-8 as is, keys in the order
    given, a final newline. Loading and dumping it again gives the same bytes."""
    return json.dumps(plan, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: str | os.PathLike, text: str, mode: int | None = None) -> None:
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
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def write_plan(path: str | os.PathLike, plan: Any) -> None:
    write_atomic(path, dump_plan(plan))


def unwritable_text_pointer(value: Any) -> str | None:
    """The JSON pointer of a string in ``value`` (an object key included) that cannot be
    written as UTF-8, or None when every string can. JSON can spell a lone surrogate
    ("\\ud800") that no UTF-8 file can hold; the pointer tells the user what to fix."""
    stack: list[tuple[Any, tuple]] = [(value, ())]
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
