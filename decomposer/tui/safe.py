"""Untrusted text (task text, model output, imported files) becomes ``Content`` that is
never parsed as markup and never carries control characters to the terminal."""

from __future__ import annotations

from textual.content import Content

from decomposer.text import one_line, terminal_safe

# A label in a list or a header never needs more; the full text stays in the editor.
MAX_LABEL = 200
# Long text shown read-only (previews, diffs) is capped so a 50,000-character line
# cannot make rendering slow.
MAX_BLOCK = 20_000


def label(text: object, limit: int = MAX_LABEL) -> str:
    """One line of plain text, control characters escaped, cut at ``limit``."""
    value = one_line(str(text))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def literal(text: object, limit: int = MAX_BLOCK) -> Content:
    """Text as Content: literal (no markup), control characters escaped, capped."""
    value = terminal_safe(str(text))
    if len(value) > limit:
        value = value[:limit] + f"\n… ({len(value) - limit:,} more characters)"
    return Content(value)


def styled(text: object, style: str, limit: int = MAX_LABEL) -> Content:
    return Content.styled(label(text, limit), style)


def field_text(value: str, multiline: bool = False) -> str:
    """What an editable field shows for ``value``: control characters (and, on one line,
    newlines and tabs) as visible escapes, so a plan cannot drive the terminal through an
    input box. Editing such a field keeps the escapes as typed text."""
    text = terminal_safe(value)
    return text if multiline else text.replace("\n", "\\n").replace("\t", "\\t")


def shows_as(value: object, text: str, multiline: bool = False) -> bool:
    """Whether a field showing ``text`` is just showing ``value`` (no edit made)."""
    return isinstance(value, str) and field_text(value, multiline) == text
