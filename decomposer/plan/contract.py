"""The facts of the plan contract, read from ``schemas/plan.schema.json`` and nowhere else.

Limits (lengths, counts, ranges, patterns), enum values and which fields the model does
not write are stated once, in the schema; code that needs one asks here instead of
keeping a copy that could drift. A property is named by the object that holds it and its
name: ``"plan.task"`` for a top-level field, ``"<definition>.<field>"`` for a field of a
``$defs`` object (``"subtask.title"``, ``"risk.stakes"``, ``"verify.timeout_s"``).

The schema is read on first use (``resources.plan_schema`` caches it), never at import,
so ``decomposer check`` starts no slower for importing this module; each fact is worked
out once and kept (they are immutable: tuples, numbers, strings).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from decomposer.plan.json_types import JsonObject
from decomposer.resources import plan_schema

PLAN = "plan"  # the top-level object; every other owner is a name in "$defs"

# The schema's annotation for fields the model does not write, and who fills them.
FILLED_BY = "x-filled-by"
DECOMPOSER = "decomposer"  # from the engineer's input and decomposer's own bookkeeping
EXPORT = "export"  # export --push records the tickets it created
REVIEW = "review"  # a human reviewer's verdict
VERIFY = "verify"  # the results of running the command criteria
LATER_STAGES = (EXPORT, REVIEW, VERIFY)
FILLERS = (DECOMPOSER, *LATER_STAGES)


def object_schema(owner: str) -> JsonObject:
    """The schema of the object ``owner``: "plan" or a name in ``$defs``."""
    schema = plan_schema()
    if owner == PLAN:
        return schema
    definition: JsonObject = schema["$defs"][owner]
    return definition


def property_schema(path: str) -> JsonObject:
    """The schema of the property ``path`` ("subtask.title"); a ``$ref`` to a definition
    is resolved, with the keywords beside it (its description) taking precedence.
    ``KeyError`` names a property the contract does not have."""
    owner, _, name = path.partition(".")
    if not name:
        raise KeyError(f"{path!r} is not <object>.<field>")
    prop: JsonObject = object_schema(owner)["properties"][name]
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return {**object_schema(ref.removeprefix("#/$defs/")), **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop


def _keyword(path: str, keyword: str) -> Any:
    schema = property_schema(path)
    if keyword not in schema:
        raise KeyError(f"the contract states no {keyword} for {path}")
    return schema[keyword]


@functools.cache
def field_names(owner: str) -> tuple[str, ...]:
    """The fields an object may have, in the schema's order."""
    return tuple(object_schema(owner)["properties"])


@functools.cache
def enum_values(path: str) -> tuple[str, ...]:
    """The values an enum field allows, in the schema's order. A tuple, so ``value in``
    works for any JSON value (a list from a malformed plan is simply not in it)."""
    return tuple(_keyword(path, "enum"))


@functools.cache
def max_length(path: str) -> int:
    """The most characters a string field may have: its ``maxLength``, or the longest
    string its ``pattern`` matches when only the pattern bounds it (the plan id)."""
    schema = property_schema(path)
    if "maxLength" in schema:
        value: int = schema["maxLength"]
        return value
    if "pattern" in schema:
        return pattern_max_length(schema["pattern"])
    raise KeyError(f"the contract states no maximum length for {path}")


@functools.cache
def int_range(path: str) -> tuple[int, int]:
    """(minimum, maximum) of an integer field that has both bounds."""
    low: int = _keyword(path, "minimum")
    high: int = _keyword(path, "maximum")
    return low, high


@functools.cache
def min_items(path: str) -> int:
    """The fewest items an array field may have (0 when the schema sets none)."""
    value: int = property_schema(path).get("minItems", 0)
    return value


@functools.cache
def pattern(path: str) -> str:
    value: str = _keyword(path, "pattern")
    return value


# One atom of a bounded pattern: a character class, an escaped character, "." or a plain
# character, then an optional quantifier that bounds it ({n}, {m,n} or ?).
_BOUNDED_ATOM = re.compile(r"(?:\[(?:\\.|[^\]\\])+\]|\\.|[^\\\[\](){}|*+?^$])(?:\{(\d+)(?:,(\d+))?\}|\?)?")


def pattern_max_length(schema_pattern: str) -> int:
    """The length of the longest string an anchored pattern of single-character atoms
    matches: "^[a-z0-9][a-z0-9-]{0,63}$" is 64. ``ValueError`` for a pattern that does
    not bound the length (``+``, ``*``, groups, alternatives)."""
    if not (schema_pattern.startswith("^") and schema_pattern.endswith("$")):
        raise ValueError(f"{schema_pattern!r} is not anchored at both ends")
    body = schema_pattern[1:-1]
    total, position = 0, 0
    while position < len(body):
        atom = _BOUNDED_ATOM.match(body, position)
        if atom is None:
            raise ValueError(f"{schema_pattern!r} does not bound the length at {body[position:]!r}")
        exact, upper = atom.groups()
        if exact is None:  # no quantifier, or "?": at most one character
            total += 1
        else:
            total += int(upper if upper is not None else exact)
        position = atom.end()
    return total


def path_below(owner: str, *names: str) -> str:
    """The path of a field nested in ``owner`` through fields that refer to other
    objects: ``path_below("subtask", "input_state", "preconditions")`` is
    "input_state.preconditions"."""
    for name in names[:-1]:
        owner = object_schema(owner)["properties"][name]["$ref"].removeprefix("#/$defs/")
    return f"{owner}.{names[-1]}"


def filled_by(path: str) -> str | None:
    """Who fills the property (one of ``FILLERS``), or None when the model writes it."""
    value: str | None = property_schema(path).get(FILLED_BY)
    return value


@functools.cache
def filled_fields(owner: str, by: tuple[str, ...] = FILLERS) -> tuple[str, ...]:
    """The fields of an object that ``by`` fill rather than the model, in schema order:
    ``filled_fields("plan", (DECOMPOSER,))`` are the ones decomposer fills itself."""
    return tuple(name for name in field_names(owner) if filled_by(f"{owner}.{name}") in by)


@functools.cache
def optional_field_names() -> frozenset[str]:
    """Names of the fields some ``$defs`` object (a subtask, its parts, the source...) lets
    a plan leave out: never required, not even by a condition (a command criterion's
    ``command`` is not one)."""
    optional: set[str] = set()
    for definition in plan_schema()["$defs"].values():
        required = set(definition.get("required", ())) | set(definition.get("then", {}).get("required", ()))
        optional |= set(definition.get("properties", {})) - required
    return frozenset(optional)
