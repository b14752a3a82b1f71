"""Small helpers for putting untrusted text into messages."""

from __future__ import annotations

import json
import re

# C0/C1 controls, DEL, and the Unicode bidi overrides/isolates that can reorder what a
# terminal shows (CVE-2021-42574 "Trojan Source"); also lone surrogates, which JSON can
# spell ("\ud800") but no UTF-8 stream can carry.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """Make text safe to write to a terminal: control characters become visible escapes."""
    return _UNSAFE.sub(_escape, text)


# What ends a line for a reader of the output: newlines, tabs, and the Unicode line and
# paragraph separators, which str.splitlines() (and many log readers) break lines at.
_LINE_BREAKS = re.compile("[\r\n\t\u2028\u2029]+")


def one_line(text: str) -> str:
    """Collapse line breaks and tabs, then escape what remains unsafe."""
    return terminal_safe(_LINE_BREAKS.sub(" ", text))


def shorten(text: str, limit: int = 60) -> str:
    """Cut text to at most ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_value(value: object, limit: int = 60) -> str:
    """A short JSON rendering of a value for a message: "abc", 42, an object, an array."""
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    if isinstance(value, list):
        return f"an array of {len(value)}" if value else "an empty array"
    try:
        rendered = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        rendered = repr(value)
    return shorten(rendered, limit)


def json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "an integer" if value.is_integer() else "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    return text.replace(secret, "***") if secret else text


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word}{'' if count == 1 else 's'}"
