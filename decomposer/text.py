"""Small helpers for putting untrusted text into messages and stored output: escaping,
shortening, and the one scheme that keeps secrets out of both."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

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


# CSI (colours, cursor moves), OSC (window titles, hyperlinks) and two-character escapes.
_ANSI_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)
_CARRIAGE_RETURNS = re.compile(r"\r\n?")


def visible_text(raw: str) -> str:
    """Output as a reader sees it: ANSI escape sequences removed, line endings "\\n"
    (a lone "\\r", as progress bars use, ends a line too)."""
    return _CARRIAGE_RETURNS.sub("\n", _ANSI_ESCAPES.sub("", raw))


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


def plural(count: int, word: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- secrets ----------------------------------------------------------------------------------
# One scheme for every caller: a secret's value is replaced whole wherever it appears, by a
# mask that says something was there but not what. A credential the caller holds (the token a
# push sends, the key a failed request carried) becomes MASK; the value of a secret environment
# variable in a command's output becomes "[NAME redacted]", so a reader learns which variable
# it was. Several secrets are replaced longest first, so one that contains another goes whole.

MASK = "***"
# Variables whose values never go into stored output, besides any name ending in a suffix.
SECRET_NAMES = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "LINEAR_API_KEY"})
SECRET_SUFFIXES = ("_TOKEN", "_KEY", "_SECRET", "_PASSWORD")
# Shorter values are not credentials ("1", "yes"); replacing them would garble output.
MIN_SECRET_CHARS = 8
# A cut text that begins with at least this many characters of a secret's end is masked.
MIN_FRAGMENT_CHARS = 4


def redact(text: str, secret: str | None, mask: str = MASK) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``mask``."""
    return text.replace(secret, mask) if secret else text


def secret_variables(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, value) of the variables whose values must never be stored: the API key,
    tracker tokens, and any name ending in _TOKEN, _KEY, _SECRET or _PASSWORD. Longest
    value first, so a secret that contains another is replaced whole."""
    found = [
        (name, value)
        for name, value in env.items()
        if (name.upper() in SECRET_NAMES or name.upper().endswith(SECRET_SUFFIXES)) and len(value) >= MIN_SECRET_CHARS
    ]
    return sorted(found, key=lambda item: -len(item[1]))


def variable_mask(name: str) -> str:
    """What replaces the value of the secret variable ``name``."""
    return f"[{name} redacted]"


def redact_variables(text: str, secrets: Sequence[tuple[str, str]]) -> str:
    """``text`` with the value of each of ``secrets`` (``secret_variables``) replaced by
    its ``variable_mask``."""
    for name, value in secrets:
        text = redact(text, value, variable_mask(name))
    return text


def redact_cut_start(text: str, secrets: Sequence[tuple[str, str]]) -> str:
    """A text cut in the middle of a secret starts with its last characters: mask them."""
    for name, value in secrets:
        for length in range(min(len(value) - 1, len(text)), MIN_FRAGMENT_CHARS - 1, -1):
            if text.startswith(value[-length:]):
                return variable_mask(name) + text[length:]
    return text
