"""The machine-readable figures a benchmark prints with ``--json``, read by run_all.py.

With ``--json`` a benchmark prints one line on stdout instead of its text report:

    {"benchmark": "check", "note": "...", "figures": [
        {"name": "check_file, 1,000 subtasks", "value": 0.09, "unit": "s", "aim": null}, ...]}

``value`` is a finite number; ``aim`` is the target an issue set for that figure (as
text, e.g. "<= 0.15"), or null when none was set.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    aim: str | None = None


def to_json(benchmark: str, figures: list[Figure], note: str = "") -> str:
    """One line of JSON; raises ValueError for a figure that is not a finite number."""
    for figure in figures:
        if (
            isinstance(figure.value, bool)
            or not isinstance(figure.value, (int, float))
            or not math.isfinite(figure.value)
        ):
            raise ValueError(f"figure {figure.name!r} is not a finite number: {figure.value!r}")
    return json.dumps(
        {"benchmark": benchmark, "note": note, "figures": [asdict(f) for f in figures]}, ensure_ascii=False
    )


def parse(line: str) -> dict:
    """The document ``to_json`` wrote; raises ValueError saying what is wrong with it."""
    try:
        document = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at column {exc.colno})") from None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("benchmark"), str)
        or not isinstance(document.get("note"), str)
    ):
        raise ValueError('not a figures document (needs "benchmark", "note" and "figures")')
    figures = document.get("figures")
    if not isinstance(figures, list) or not figures:
        raise ValueError('"figures" is not a non-empty list')
    for figure in figures:
        if not isinstance(figure, dict) or set(figure) != {"name", "value", "unit", "aim"}:
            raise ValueError(f"a figure needs exactly name, value, unit and aim: {str(figure)[:120]}")
        value = figure["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"figure {str(figure['name'])[:80]!r} has no finite value")
        if (
            not isinstance(figure["name"], str)
            or not isinstance(figure["unit"], str)
            or not isinstance(figure["aim"], (str, type(None)))
        ):
            raise ValueError(f"figure {str(figure['name'])[:80]!r}: name and unit are text, aim is text or null")
    return document
