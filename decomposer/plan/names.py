"""File names from untrusted text: titles, ids, plan names."""

from __future__ import annotations

import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Names Windows reserves for devices in any folder and with any extension.
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{n}" for n in range(10)] + [f"lpt{n}" for n in range(10)]
)
FALLBACK_NAME = "untitled"
MIN_LIMIT = 10  # room for the fallback and for a reserved name with its suffix


def slugify(text: str, limit: int = 60) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens, at most ``limit``
    characters; accents are dropped ("Café" -> "cafe"), anything else becomes a hyphen.
    May be empty (a title of only punctuation or of non-Latin script)."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def safe_filename(text: str, limit: int = 60) -> str:
    """A file name (without extension) from any text, safe on every platform: a slug of
    at most ``limit`` characters, never empty, never "." or "..", never a name Windows
    reserves for a device ("con", "nul", "com1")."""
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}, got {limit}")
    slug = slugify(text, limit) or FALLBACK_NAME
    if slug in WINDOWS_RESERVED:
        slug += "-file"
    return slug
