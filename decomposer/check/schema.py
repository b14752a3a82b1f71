"""Validate a plan against ``schemas/plan.schema.json`` and word the errors plainly.

Two validators, one verdict:

* ``jsonschema-rs`` (compiled) decides whether a plan is valid. It checks 10,000
  subtasks in milliseconds and imports in a tenth of the time ``jsonschema`` takes.
* ``jsonschema`` (pure Python) is the reference. It runs only when the fast path says
  "invalid", and its structured errors become the messages a reviewer reads.

The two must agree on every input; ``tests/unit/check/test_schema_agreement.py`` proves it on every
fixture and on generated plans. The one dialect difference, ``$`` in ``pattern``, is
settled below in favour of the ECMA-262 semantics the JSON Schema spec prescribes.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from decomposer.check.findings import ERROR, Finding
from decomposer.plan.json_types import JsonObject, PathToken
from decomposer.plan.pointers import pointer
from decomposer.resources import plan_schema
from decomposer.text import describe_value, json_type_name, shorten

if TYPE_CHECKING:
    # jsonschema ships no type information (mypy sees its names as Any): they still say
    # what each value is. jsonschema-rs ships its own stubs.
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator as ReferenceValidator
    from jsonschema_rs import Validator as FastValidator

RULE = "schema"
# Words the finding of one schema error at its place: (message, hint) -> Finding.
_MakeFinding = Callable[[str, str | None], Finding]


@functools.lru_cache(maxsize=1)
def _fast_validator() -> FastValidator:
    import jsonschema_rs

    return jsonschema_rs.validator_for(plan_schema(), validate_formats=False)


@functools.lru_cache(maxsize=256)
def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    # In ECMA-262 (and in jsonschema-rs) "$" without the multiline flag matches only
    # at the very end; in Python it also matches before a final "\n". Translate a
    # trailing unescaped "$" to "\Z" so "abc\n" fails "^[a-z]+$" in both validators.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


@functools.lru_cache(maxsize=1)
def _reference_validator() -> ReferenceValidator:
    from jsonschema import Draft202012Validator, validators

    def ecma_pattern(
        validator: ReferenceValidator, pattern: str, instance: Any, schema: JsonObject
    ) -> Iterator[ValidationError]:
        if validator.is_type(instance, "string") and not _ecma_pattern(pattern).search(instance):
            from jsonschema.exceptions import ValidationError

            yield ValidationError(f"{instance!r} does not match {pattern!r}")

    validator_class = validators.extend(Draft202012Validator, {"pattern": ecma_pattern})
    validator: ReferenceValidator = validator_class(plan_schema())
    return validator


def is_valid(plan: Any) -> bool:
    """The fast verdict."""
    try:
        return _fast_validator().is_valid(plan)
    except ValueError:
        # jsonschema-rs cannot take every value json.loads gives: a string with a lone
        # surrogate (JSON "\ud800") raises UnicodeEncodeError, and a value nested more
        # than 255 levels deep raises "Recursion limit reached". The reference decides.
        return reference_is_valid(plan)


def reference_is_valid(plan: Any) -> bool:
    """The reference verdict (slow; for tests and for wording errors)."""
    valid: bool = _reference_validator().is_valid(plan)
    return valid


def schema_findings(plan: Any) -> list[Finding]:
    """One finding per schema error, each with its pointer and a plain-words message.

    The reference validator words the errors, but walking a 10,000-subtask plan takes it
    seconds: it is given only the parts the fast validator found failing (each failing
    subtask alone, and the plan's own fields with the subtasks stood in for), unless
    the fast validator cannot say where."""
    if is_valid(plan):
        return []
    try:
        return _findings_by_part(plan)
    except NeedsWholePlan:
        return _reference_findings(plan)


class NeedsWholePlan(Exception):
    """The errors cannot be worded part by part: word them over the whole plan."""


# A subtask that passes the schema; it stands in for the real ones when the plan's own
# fields are checked, so their errors are not reported twice. Never mutated.
_STAND_IN_SUBTASK = {
    "id": "S1",
    "title": "Stand-in",
    "goal": "g",
    "input_state": {"summary": "s", "preconditions": ["p"]},
    "acceptance": [{"statement": "s", "verify": {"method": "review"}}],
    "pause_boundaries": [{"trigger": "t", "action": "stop"}],
    "autonomy": "propose",
    "risk": {"stakes": "high", "verification_cost": "expensive", "reversible": True},
}
# The fields a plan needs around one subtask to be checked alone.
_WRAPPER = {"version": 1, "id": "x", "title": "x", "task": "x"}
_AT_FIRST_SUBTASK = re.compile(r"^/subtasks/0(?=/|$)")


def _findings_by_part(plan: Any) -> list[Finding]:
    subtasks = plan.get("subtasks") if isinstance(plan, dict) else None
    if not isinstance(subtasks, list) or not subtasks:
        raise NeedsWholePlan  # no large array to skip
    try:
        paths = [error.instance_path for error in _fast_validator().iter_errors(plan)]
    except ValueError:  # what is_valid() handed to the reference: it cannot say where
        raise NeedsWholePlan from None
    failing = sorted({path[1] for path in paths if len(path) >= 2 and path[0] == "subtasks"})
    findings = plan_field_findings(plan) if any(len(path) < 2 or path[0] != "subtasks" for path in paths) else []
    for index in failing:
        if not isinstance(index, int):
            raise NeedsWholePlan
        findings += subtask_schema_findings(subtasks[index], index)
    if not findings:
        raise NeedsWholePlan  # the parts pass alone: let the reference see it all
    return findings


def subtask_schema_findings(subtask: Any, index: int) -> list[Finding]:
    """The schema findings of one subtask, as the whole plan's validation words them: the
    subtask is validated alone in a minimal plan, then re-pointed at ``index``. Schema
    messages name fields and values, never positions, so only the pointers change."""
    wrapped = {**_WRAPPER, "subtasks": [subtask]}
    found = _reference_findings(wrapped) if not is_valid(wrapped) else []
    prefix = pointer("subtasks", index)
    rebased = []
    for finding in found:
        if not _AT_FIRST_SUBTASK.match(finding.path):
            raise NeedsWholePlan
        rebased.append(replace(finding, path=prefix + finding.path[len("/subtasks/0") :]))
    return rebased


def plan_field_findings(plan: JsonObject) -> list[Finding]:
    """The schema findings of the plan's own fields. Each subtask is covered on its own,
    so the array is checked with one valid stand-in (or left as it is when it is empty
    or not an array: then the array itself is what is wrong)."""
    subtasks = plan.get("subtasks")
    if isinstance(subtasks, list) and subtasks:
        plan = {**plan, "subtasks": [_STAND_IN_SUBTASK]}
    found = _reference_findings(plan) if not is_valid(plan) else []
    # A finding at the root can only be the validators-disagree fallback (the plan is an
    # object, so every real error has a field in its pointer); so can one in the stand-in.
    if any(f.path == "" or f.subtask_index is not None for f in found):
        raise NeedsWholePlan
    return found


def _reference_findings(plan: Any) -> list[Finding]:
    """The reference validator's errors over all of ``plan``, worded."""
    findings: dict[Finding, None] = {}  # ordered set: one "required" error per missing name
    for error in _reference_validator().iter_errors(plan):  # repeats the whole list, so dedupe
        findings.update(dict.fromkeys(_findings_for(error, plan)))
    if not findings:
        # The validators disagree. Never call an invalid plan clean: report it as is.
        return [
            Finding(
                RULE,
                ERROR,
                None,
                "",
                "the plan does not match the schema",
                "run `decomposer schema` and compare; please report this as a bug",
            )
        ]
    return list(findings)


def subtask_id_at(plan: Any, tokens: list[PathToken]) -> str | None:
    """The id of the subtask a path lies in, if that subtask has a string id."""
    if len(tokens) >= 2 and tokens[0] == "subtasks" and isinstance(plan, dict):
        subtasks = plan.get("subtasks")
        index = tokens[1]
        if isinstance(subtasks, list) and isinstance(index, int) and index < len(subtasks):
            item = subtasks[index]
            sid = item.get("id") if isinstance(item, dict) else None
            if isinstance(sid, str):
                return sid
    return None


def _property_schema(schema: JsonObject, name: str) -> JsonObject:
    """The (dereferenced) subschema of property ``name`` within an object schema."""
    prop: JsonObject = schema.get("properties", {}).get(name, {})
    ref = prop.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        target = dict(plan_schema()["$defs"][ref[len("#/$defs/") :]])
        target.update({k: v for k, v in prop.items() if k != "$ref"})
        return target
    return prop


def _condition(if_schema: JsonObject) -> str:
    """Say an ``if`` clause of the form {"properties": {name: {"const": value}}} in words."""
    terms = [
        f"{name} is {describe_value(sub['const'])}"
        for name, sub in if_schema.get("properties", {}).items()
        if "const" in sub
    ]
    return " and ".join(terms) or "the condition holds"


def _did_you_mean(word: object, choices: Iterable[object]) -> str | None:
    if not isinstance(word, str):
        return None
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else None


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean"}


def _branch_type(branch: JsonObject) -> str | None:
    if "$ref" in branch:
        branch = plan_schema()["$defs"][branch["$ref"].removeprefix("#/$defs/")]
    kind: str | None = branch.get("type")
    return kind


def _union_findings(
    error: ValidationError, plan: Any, finding: _MakeFinding, description: str | None
) -> Iterator[Finding]:
    """An anyOf (the schema's only one: "$defs/trackers", a ticket or an array of them):
    the errors of the branch whose type the value has, else which types would do."""
    kind = _JSON_TYPES.get(type(error.instance))
    types = [_branch_type(branch) for branch in error.validator_value]
    if kind in types:
        branch = types.index(kind)
        for sub in error.context:
            if sub.relative_schema_path and sub.relative_schema_path[0] == branch:
                yield from _findings_for(sub, plan)
        return
    wanted = " or ".join(f"an {t}" if t[0] in "aeiou" else f"a {t}" for t in types if t)
    yield finding(f"expected {wanted}, got {json_type_name(error.instance)}", description)


def _findings_for(error: ValidationError, plan: Any) -> Iterator[Finding]:
    tokens = list(error.absolute_path)
    subtask = subtask_id_at(plan, tokens)
    kind = error.validator
    expected = error.validator_value
    instance = error.instance
    schema = error.schema
    description = schema.get("description") if isinstance(schema, dict) else None
    where = pointer(*tokens)

    def finding(message: str, hint: str | None = None, path: str = where) -> Finding:
        return Finding(RULE, ERROR, subtask, path, message, hint)

    if kind == "required":
        # A "required" under "then" reports the then-branch as its schema; the property
        # descriptions live on the object schema that holds the if/then.
        owner = next((d for d in plan_schema()["$defs"].values() if d.get("then") is schema), None)
        for name in expected:
            if isinstance(instance, dict) and name not in instance:
                prop = _property_schema(owner or schema, name)
                condition = ""
                if owner is not None:
                    condition = f" (required when {_condition(owner['if'])})"
                yield finding(
                    f'missing required field "{name}"{condition}',
                    prop.get("description"),
                    pointer(*tokens, name),
                )
        return
    if kind == "anyOf":
        yield from _union_findings(error, plan, finding, description)
        return
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        for name in instance:
            if name not in allowed:
                hint = _did_you_mean(name, allowed) or "allowed fields: " + ", ".join(allowed)
                yield finding(f'unknown field "{shorten(name, 40)}"', hint, pointer(*tokens, name))
        return
    if kind == "type":
        wanted = {
            "string": "a string",
            "integer": "an integer",
            "number": "a number",
            "boolean": "true or false",
            "array": "an array",
            "object": "an object",
        }
        yield finding(
            f"expected {wanted.get(expected, expected)}, got {json_type_name(instance)}"
            + ("" if isinstance(instance, (dict, list)) else f" ({describe_value(instance)})"),
            description,
        )
        return
    if kind == "enum":
        options = ", ".join(str(option) for option in expected)
        yield finding(
            f"{describe_value(instance)} is not one of: {options}",
            _did_you_mean(instance, expected) or description,
        )
        return
    if kind == "const":
        yield finding(f"must be {describe_value(expected)}, got {describe_value(instance)}", description)
        return
    if kind == "minLength":
        if expected == 1:
            yield finding("must not be empty", description)
        else:
            yield finding(f"is too short: {len(instance)} characters, at least {expected}", description)
        return
    if kind == "maxLength":
        yield finding(f"is too long: {len(instance):,} characters, at most {expected:,}", description)
        return
    if kind == "minItems":
        yield finding(
            f"needs at least {expected} item{'s' if expected != 1 else ''}, has "
            + (str(len(instance)) if instance else "none"),
            description,
        )
        return
    if kind == "uniqueItems":
        seen: list[Any] = []
        repeated: list[Any] = []
        for item in instance:
            (repeated if item in seen else seen).append(item)
        yield finding(f"lists {describe_value(repeated[0]) if repeated else 'an item'} more than once", description)
        return
    if kind == "pattern":
        yield finding(f"{describe_value(instance)} is not in the expected form", description)
        return
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        yield finding(f"must be {bound} {expected}, got {describe_value(instance)}", description)
        return
    yield finding(error.message, description)
