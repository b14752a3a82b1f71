"""Which files a directory given to ``decomposer check`` stands for: its plans.

A directory is walked for ``*.json`` files (symbolic links to folders are not followed).
A file is left out when an ``--exclude`` glob matches it, when it is a folder export's
manifest or a file that manifest lists (tickets, ``issues.json``), and, once read, when
its content is not a plan: a JSON object with ``version`` and ``subtasks``
(``looks_like_plan``; a Linear export is an array, a ``package.json`` has neither). A
file that cannot be read or parsed is kept: it may be a broken plan, and CI must hear.
Files named on the command line are always checked.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from decomposer.plan.export_manifest import MANIFEST, read_manifest

PLAN_MARKERS = ("version", "subtasks")  # the top-level fields that make a JSON object a plan
# Why a file found in a directory was left out (the keys of ``Discovery.skipped``).
EXCLUDED = "matched --exclude"
EXPORTED = f"written by an export (listed in {MANIFEST})"
NOT_A_PLAN = "with no " + " and ".join(PLAN_MARKERS) + " (not a plan)"
NO_PLANS = "is a directory without plans (no *.json file in it holds " + " and ".join(PLAN_MARKERS) + ")"


@dataclass(frozen=True)
class Candidate:
    path: str
    directory: str | None = None  # the directory it was found in (then skipped if not a plan); None: named


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    directories: list[str] = field(default_factory=list)  # the directories given
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> files

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1


def looks_like_plan(value: Any) -> bool:
    """Whether parsed JSON ``value`` is meant as a plan (valid or not)."""
    return isinstance(value, dict) and all(name in value for name in PLAN_MARKERS)


def _matches(relative: PurePosixPath, globs: list[str]) -> bool:
    """Whether a glob matches the path below the directory, or the name or path of it or
    of any folder it is in (so ``out``, ``out/*`` and ``*-linear.json`` all work)."""
    parts = relative.parts
    for end in range(1, len(parts) + 1):
        prefix = "/".join(parts[:end])
        if any(fnmatchcase(prefix, glob) or fnmatchcase(parts[end - 1], glob) for glob in globs):
            return True
    return False


def _directory(root: str, exclude: list[str], found: Discovery) -> list[str]:
    files: list[Path] = []
    exported: set[str] = set()  # the files manifests list, as casefolded paths
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        here = Path(folder)
        if MANIFEST in names:
            # A name can be below the manifest's folder ("S1/brief.md"); a case-insensitive
            # disk sees one file in names that differ only in case.
            exported |= {str(here.joinpath(*name.split("/"))).casefold() for name in read_manifest(here / MANIFEST)}
        files += [here / name for name in names if name.endswith(".json")]
    paths = []
    for path in sorted(files, key=str):
        if not path.is_file():
            continue
        if _matches(PurePosixPath(path.relative_to(root).as_posix()), exclude):
            found.skip(EXCLUDED)
        elif path.name == MANIFEST or str(path).casefold() in exported:
            found.skip(EXPORTED)
        else:
            paths.append(str(path))
    return paths


def plan_candidates(paths: list[str], exclude: list[str] | None = None) -> Discovery:
    """The files ``paths`` stand for: a file or ``-`` as given, a directory its ``*.json``
    files in name order, less those excluded or written by an export (counted in
    ``skipped``)."""
    found = Discovery()
    for path in paths:
        if path != "-" and os.path.isdir(path):
            found.directories.append(path)
            found.candidates += [Candidate(p, path) for p in _directory(path, list(exclude or ()), found)]
        else:
            found.candidates.append(Candidate(path))
    return found
