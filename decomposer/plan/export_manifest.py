"""The list of files a folder export wrote, ``.decomposer-export.json`` in that folder.

The exporters write it (and a later export removes the listed files it no longer
writes); ``decomposer check DIR`` reads it to skip the files an export wrote, which
are tickets, not plans. One place for its name and its format, so both agree.
"""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = ".decomposer-export.json"  # in every exported folder: the files the export wrote
MANIFEST_ABOUT = (
    "Files written by `decomposer export`. An export that replaces this folder removes the "
    "listed files it no longer writes; files not listed here are never touched."
)
MAX_MANIFEST_BYTES = 1024 * 1024


def manifest_text(names: list[str]) -> str:
    """The manifest listing ``names`` (paths relative to its folder, with ``/``)."""
    return json.dumps({"about": MANIFEST_ABOUT, "files": names}, indent=2, ensure_ascii=False) + "\n"


def read_manifest(manifest: Path) -> list[str]:
    """The names ``manifest`` lists; none when there is no manifest, it is too large, a
    symbolic link, or not one decomposer wrote (then nothing can be taken for its files)."""
    try:
        if manifest.is_symlink() or not manifest.is_file() or manifest.stat().st_size > MAX_MANIFEST_BYTES:
            return []
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    names = data.get("files") if isinstance(data, dict) else None
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []
