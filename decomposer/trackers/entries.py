"""Tracker entries in a plan: where a push records the tickets it created.

The plan and each subtask may have a ``tracker``: one ticket ``{system, key, url}``, or an
array of them when the plan went to several places (a GitHub repository and a Linear
team, say); see ``$defs/trackers`` in the schema. A push finds its own entry with a
``matches`` test (same system and same repository or team), replaces it or adds one,
and leaves every other entry as it was. One entry is written as an object, as plans
had it before arrays were allowed; a second turns the field into an array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decomposer.plan.contract import PLAN, field_names

FIELD = "tracker"
Matches = Callable[[dict], bool]


def entries(value: Any) -> list[dict]:
    """The ticket objects in a ``tracker`` value (an object, an array, or absent)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def find(container: dict, matches: Matches) -> dict | None:
    """The first entry of ``container["tracker"]`` that ``matches``."""
    return next((entry for entry in entries(container.get(FIELD)) if matches(entry)), None)


def others(container: dict, matches: Matches) -> list[dict]:
    """The entries that do not match: tickets elsewhere, left alone."""
    return [entry for entry in entries(container.get(FIELD)) if not matches(entry)]


def record(container: dict, entry: dict, matches: Matches, *, plan_level: bool) -> None:
    """Put ``entry`` into ``container``'s tracker in place of the first entry that
    ``matches`` (or after the others), keeping the keys of ``container`` in schema order."""
    current = container.get(FIELD)
    items = list(current) if isinstance(current, list) else ([current] if current is not None else [])
    for position, item in enumerate(items):
        if isinstance(item, dict) and matches(item):
            items[position] = entry
            break
    else:
        items.append(entry)
    _put_in_schema_order(container, FIELD, items[0] if len(items) == 1 else items, plan_level)


def _put_in_schema_order(container: dict, key: str, value: Any, plan_level: bool) -> None:
    """Set ``container[key]``; a new key goes where the schema lists it, so the file reads
    as the models would write it. Changes ``container`` in place (the plan being pushed)."""
    if key in container:
        container[key] = value
        return
    order = list(field_names(PLAN if plan_level else "subtask"))
    later = set(order[order.index(key) + 1 :])
    items = list(container.items())
    position = next((n for n, (name, _) in enumerate(items) if name in later), len(items))
    items.insert(position, (key, value))
    container.clear()
    container.update(items)
