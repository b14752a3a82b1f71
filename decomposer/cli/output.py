"""How every command writes to the terminal."""

from __future__ import annotations

import os
import sys
from typing import TextIO


def use_colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def err(text: str = "") -> None:
    print(text, file=sys.stderr, flush=True)


def out(text: str = "") -> None:
    print(text, flush=True)
