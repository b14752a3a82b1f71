"""Untrusted text into Markdown that renders as the text itself and cannot change the
structure around it (CommonMark with the GFM table and strikethrough extensions, plus
GitHub's ``$`` math).

* ``inline``: one line of prose (a heading, a list item, a table cell). Newlines become
  spaces; characters that would start structure (a heading, a list, a quote, an HTML
  block), open a link, emphasis or math, or split a table cell are backslash-escaped.
  Code spans the author wrote (`` `pytest -q` ``) stay code spans.
* ``block``: several lines of prose; each line as ``inline``, line breaks kept.
* ``code_span`` and ``fenced``: literal text in a code span or a fenced block whose
  fence is longer than any run of backticks inside, so nothing inside can close it.
* ``yaml_value``: a front-matter value as JSON, which is valid YAML, so no value can
  break the front matter.

Control characters and bidi overrides never reach the file raw: they are written as
visible escapes (``\\x1b``), as ``decomposer.text.terminal_safe`` does for the terminal.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from decomposer.text import one_line, terminal_safe

# Escaped wherever they appear in prose: backslash, code span, links, HTML, emphasis,
# strikethrough, math, table cells.
_ALWAYS = re.compile(r"[\\`*\[\]<|~$]")
# "&copy;" and "&#65;" would render as the character.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# "_" opens emphasis unless it sits inside a word ("given_name" needs no escape).
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# What starts a block at the beginning of a line: a heading, a quote, a list item, a
# setext underline, an ordered list item ("1." or "1)").
_BLOCK_START = re.compile(r"^(?:[#>+=-]|[0-9]+(?=[.)](?:\s|$)))")
# A closing sequence of a heading ("Title ##") would be dropped.
_CLOSING_HASHES = re.compile(r"(?<= )#+$")
_BACKTICKS = re.compile(r"`+")


def as_text(value: Any) -> str:
    """A field's value as text: strings as they are, None as "", anything else (in a
    plan that breaks the schema) as its JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


def _escape_prose(text: str) -> str:
    text = _ALWAYS.sub(r"\\\g<0>", text)
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    if "_" in text:
        text = _UNDERSCORE.sub(r"\\_", text)
    return text


def _split_code_spans(text: str) -> list[tuple[bool, str]]:
    """(is_code, piece) in order. A code span opens with a run of n backticks and closes
    at the next run of exactly n (CommonMark); a run without a partner is literal."""
    pieces: list[tuple[bool, str]] = []
    runs = list(_BACKTICKS.finditer(text))
    start = 0
    i = 0
    while i < len(runs):
        opening = runs[i]
        partner = next((j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(opening.group())), None)
        if partner is None:
            i += 1
            continue
        closing = runs[partner]
        if opening.start() > start:
            pieces.append((False, text[start : opening.start()]))
        pieces.append((True, text[opening.start() : closing.end()]))
        start = closing.end()
        i = partner + 1
    if start < len(text):
        pieces.append((False, text[start:]))
    return pieces


def inline(value: Any, *, table: bool = False) -> str:
    """One line of untrusted text as inline Markdown (see the module docstring). With
    ``table=True`` a ``|`` inside a code span is escaped too, as GFM tables need."""
    text = one_line(as_text(value)).strip()
    out = []
    for is_code, piece in _split_code_spans(text) if "`" in text else [(False, text)]:
        if is_code:
            out.append(piece.replace("|", "\\|") if table else piece)
        else:
            out.append(_escape_prose(piece))
    result = "".join(out)
    # "12." is escaped after the digits ("12\\."), a marker character before itself.
    result = _BLOCK_START.sub(lambda m: m.group() + "\\" if m.group()[0].isdigit() else "\\" + m.group(), result)
    return _CLOSING_HASHES.sub(lambda m: "\\" + m.group(), result)


def block(value: Any) -> str:
    """Several lines of untrusted prose: each line as ``inline``, line breaks kept (a
    backslash at the end of a line is a hard break), blank lines separate paragraphs."""
    paragraphs: list[list[str]] = [[]]
    for line in as_text(value).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = inline(line)
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\\\n".join(lines) for lines in paragraphs if lines)


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_span(value: Any, *, table: bool = False) -> str:
    """Literal text as a code span: the fence is one backtick longer than the longest run
    inside, and a space pads content that starts or ends with a backtick or a space
    (CommonMark strips exactly one space from each side when both have one)."""
    text = one_line(as_text(value))
    fence = "`" * (_longest_backtick_run(text) + 1)
    if text and (text[0] in "` " or text[-1] in "` "):
        text = f" {text} "
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def fenced(value: Any, info: str = "text", indent: str = "") -> str:
    """Literal text, line breaks kept, as a fenced code block (indented by ``indent``
    inside a list item). No line inside can close the fence: it is longer than any run
    of backticks in the text."""
    lines = [terminal_safe(line) for line in as_text(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    fence = "`" * max(3, _longest_backtick_run("\n".join(lines)) + 1)
    body = [fence + info, *lines, fence]
    return "\n".join(indent + line if line else line for line in body)


# Characters a YAML double-quoted scalar must not hold raw: what YAML counts as
# non-printable, and what YAML 1.1 parsers treat as a line break (NEL, LS, PS) or strip
# (BOM). JSON already escapes C0 controls, quotes and backslashes.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def yaml_value(value: Any) -> str:
    """A front-matter value as flow-style JSON (valid YAML): strings double-quoted,
    arrays as ``["a", "b"]``, true/false/null. A lone surrogate, which no UTF-8 file can
    hold, is written as the visible text ``\\ud800``."""
    if isinstance(value, str):
        text = json.dumps(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", value), ensure_ascii=False)
        return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_value(str(k))}: {yaml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and not math.isfinite(value):
        return json.dumps(str(value))  # NaN and infinities are not JSON; say them as text
    return json.dumps(value)


def front_matter(fields: dict[str, Any]) -> str:
    """YAML front matter: ``---``, one ``key: value`` line per field, ``---``."""
    return "\n".join(["---", *(f"{key}: {yaml_value(value)}" for key, value in fields.items()), "---"])
