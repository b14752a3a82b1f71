"""Write files so that a crash never leaves half a file: temp file in the same folder,
fsync, then an atomic rename over the target."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def dump_plan(plan: Any) -> str:
    """The canonical text of a plan: two-space indent, UTF-8 as is, keys in the order
    given, a final newline. Loading and dumping it again gives the same bytes."""
    return json.dumps(plan, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: str | os.PathLike, text: str) -> None:
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


def write_plan(path: str | os.PathLike, plan: Any) -> None:
    write_atomic(path, dump_plan(plan))
