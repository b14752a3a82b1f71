"""Read plan files safely: size cap, strict UTF-8 and JSON, clear reasons on failure.

A file that cannot be used raises ``PlanLoadError`` with a message that names the file
and says why; callers never see a traceback.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from decomposer.plan.json_types import JsonObject, PathToken
from decomposer.plan.pointers import pointer

MAX_PLAN_BYTES = 20 * 1024 * 1024


class PlanLoadError(Exception):
    """The file cannot be read, is not JSON, is not an object, or is too large."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NotAnObject(PlanLoadError):
    """The file is JSON, but its top level is not an object: whatever it is, not a plan."""


class _ObjectWithDuplicates(dict[str, Any]):
    """A JSON object in which some key appeared more than once (the last value won)."""

    duplicate_keys: list[str]


class _Parse:
    def __init__(self) -> None:
        self.saw_duplicates = False

    def object_pairs(self, pairs: list[tuple[str, Any]]) -> JsonObject:
        result = dict(pairs)
        if len(result) != len(pairs):
            self.saw_duplicates = True
            seen: set[str] = set()
            duplicates: list[str] = []
            for key, _ in pairs:
                if key in seen and key not in duplicates:
                    duplicates.append(key)
                seen.add(key)
            marked = _ObjectWithDuplicates(result)
            marked.duplicate_keys = duplicates
            return marked
        return result


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


@dataclass
class LoadedPlan:
    path: str
    plan: JsonObject
    # (pointer, key) of keys given twice in one object: JSON parsers keep only the last
    # value, so the reviewer must hear that the other one is ignored.
    duplicate_keys: list[tuple[str, str]] = field(default_factory=list)


def parse_plan(data: bytes, path: str) -> LoadedPlan:
    """Decode and parse plan bytes; raises PlanLoadError with the reason."""
    if len(data) > MAX_PLAN_BYTES:
        raise PlanLoadError(path, f"too large ({len(data):,} bytes; the limit is {MAX_PLAN_BYTES:,})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanLoadError(path, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    if not text.strip():
        raise PlanLoadError(path, "empty file, expected a JSON object")
    parse = _Parse()
    try:
        value = json.loads(
            text,
            object_pairs_hook=parse.object_pairs,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise PlanLoadError(path, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise PlanLoadError(path, "not usable: the JSON is nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, numbers beyond the integer digit limit
        raise PlanLoadError(path, f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
        raise NotAnObject(path, f"expected a JSON object (a plan) at the top level, found {kind}")
    return LoadedPlan(path, value, _duplicate_keys(value) if parse.saw_duplicates else [])


def _duplicate_keys(value: Any) -> list[tuple[str, str]]:
    """(pointer, key) for every key that appears twice in one object of ``value``."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, tuple[PathToken, ...]]] = [(value, ())]
    while stack:
        node, tokens = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _ObjectWithDuplicates):
                found += [(pointer(*tokens, key), key) for key in node.duplicate_keys]
            stack += [(child, tokens + (key,)) for key, child in node.items()]
        elif isinstance(node, list):
            stack += [(child, tokens + (i,)) for i, child in enumerate(node)]
    return sorted(found)


def os_error_reason(exc: OSError, *, folder: bool = False) -> str:
    """Why a file could not be read, or a folder listed, in the words every loader uses."""
    if isinstance(exc, FileNotFoundError):
        return "no such folder" if folder else "no such file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if folder and isinstance(exc, NotADirectoryError):
        return "is a file, expected a folder"
    return f"cannot be {'listed' if folder else 'read'} ({exc.strerror or exc})"


def read_plan_bytes(path: str, stdin: BinaryIO | None = None) -> bytes:
    """The bytes of a plan file ("-" is standard input), refusing more than the cap."""
    try:
        if path == "-":
            stream = stdin or sys.stdin.buffer
            data = stream.read(MAX_PLAN_BYTES + 1)
        else:
            file_path = Path(path)
            if file_path.is_dir():
                raise PlanLoadError(path, "is a directory, expected a plan file")
            size = file_path.stat().st_size
            if size > MAX_PLAN_BYTES:
                raise PlanLoadError(path, f"too large ({size:,} bytes; the limit is {MAX_PLAN_BYTES:,})")
            with open(file_path, "rb") as handle:
                data = handle.read(MAX_PLAN_BYTES + 1)
    except PlanLoadError:
        raise
    except OSError as exc:
        raise PlanLoadError(path, os_error_reason(exc)) from None
    if len(data) > MAX_PLAN_BYTES:
        raise PlanLoadError(path, f"too large (more than {MAX_PLAN_BYTES:,} bytes)")
    return data


def load_plan(path: str, stdin: BinaryIO | None = None) -> LoadedPlan:
    return parse_plan(read_plan_bytes(path, stdin), path)
