"""JSON pointers (RFC 6901) into a plan, and safe access to a plan that may be malformed.

Pointers say where a finding is, where an edit goes and where a value came from; plans
are read before they are known to be valid, so every accessor tolerates a wrong type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from decomposer.plan.json_types import JsonArray, JsonObject, PathToken


def escape_pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: object) -> str:
    """Build a JSON pointer from path tokens: ``pointer("subtasks", 0, "id")``."""
    return "".join("/" + escape_pointer_token(token) for token in tokens)


def parse_pointer(path: str) -> tuple[PathToken, ...]:
    """The tokens of a JSON pointer: "/subtasks/0/a~1b" -> ("subtasks", 0, "a/b")."""
    return tuple(int(t) if t.isdigit() else t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:])


def as_dict(value: Any) -> JsonObject:
    """``value`` when it is an object, else an empty one (plans may be malformed)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> JsonArray:
    """``value`` when it is an array, else an empty one (plans may be malformed)."""
    return value if isinstance(value, list) else []


def as_str(value: Any, default: str = "") -> str:
    """``value`` when it is a string, else ``default`` (plans may be malformed)."""
    return value if isinstance(value, str) else default


def value_at(data: object, tokens: Iterable[object]) -> object:
    """The value at ``tokens`` (keys and list indexes) inside ``data``, or None when the
    path does not exist or runs through a value of the wrong type."""
    for token in tokens:
        if isinstance(data, dict) and isinstance(token, str):
            data = data.get(token)
        elif (
            isinstance(data, list) and isinstance(token, int) and not isinstance(token, bool) and 0 <= token < len(data)
        ):
            data = data[token]
        else:
            return None
    return data
