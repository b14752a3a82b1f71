"""The contract itself, and schema errors worded for people."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from decomposer.check.schema import schema_findings
from decomposer.resources import plan_schema
from helpers.plans import clean_plan

SCHEMA = plan_schema()


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def object_schemas():
    yield "#", SCHEMA
    for name, definition in SCHEMA["$defs"].items():
        if definition.get("type") == "object":
            yield name, definition


@pytest.mark.parametrize("name, definition", list(object_schemas()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_object_is_closed_and_every_property_described(name, definition):
    assert definition["additionalProperties"] is False
    for prop, subschema in definition["properties"].items():
        assert subschema.get("description"), f"{name}.{prop} has no description"


def test_fixed_field_names():
    subtask = SCHEMA["$defs"]["subtask"]
    assert set(SCHEMA["required"]) == {"version", "id", "title", "task", "subtasks"}
    assert set(subtask["required"]) == {
        "id",
        "title",
        "goal",
        "input_state",
        "acceptance",
        "pause_boundaries",
        "autonomy",
        "risk",
    }
    assert set(subtask["properties"]) == set(subtask["required"]) | {
        "depends_on",
        "estimate",
        "labels",
        "review",
        "tracker",
        "evidence",
    }
    assert SCHEMA["$defs"]["verify"]["then"] == {"required": ["command"]}


def only(plan) -> tuple[str, str, str | None, str | None]:
    [finding] = schema_findings(plan)
    assert finding.rule == "schema" and finding.severity == "error"
    return finding.path, finding.message, finding.hint, finding.subtask


def test_clean_plan_has_no_schema_findings():
    assert schema_findings(clean_plan()) == []


def test_missing_field_points_at_it_and_explains_it():
    plan = clean_plan()
    del plan["subtasks"][1]["input_state"]["preconditions"]
    path, message, hint, subtask = only(plan)
    assert path == "/subtasks/1/input_state/preconditions"
    assert message == 'missing required field "preconditions"'
    assert hint.startswith("Facts that must hold before work starts")
    assert subtask == "S2"


def test_command_required_only_for_command_method():
    plan = clean_plan()
    del plan["subtasks"][0]["acceptance"][0]["verify"]["command"]
    path, message, _, _ = only(plan)
    assert path == "/subtasks/0/acceptance/0/verify/command"
    assert message == 'missing required field "command" (required when method is "command")'


def test_unknown_field_suggests_the_close_name():
    plan = clean_plan()
    plan["subtasks"][0]["pause_boundary"] = []
    path, message, hint, _ = only(plan)
    assert (path, message, hint) == (
        "/subtasks/0/pause_boundary",
        'unknown field "pause_boundary"',
        'did you mean "pause_boundaries"?',
    )


def test_unknown_field_without_close_name_lists_the_allowed_ones():
    plan = clean_plan()
    plan["source"] = {"kind": "manual", "zzz": 1}
    _, message, hint, _ = only(plan)
    assert message == 'unknown field "zzz"'
    assert hint == "allowed fields: kind, model, importer, usage"


def test_enum_suggests_the_close_value():
    plan = clean_plan()
    plan["subtasks"][0]["autonomy"] = "autonomus"
    path, message, hint, _ = only(plan)
    assert path == "/subtasks/0/autonomy"
    assert message == '"autonomus" is not one of: propose, gated, autonomous'
    assert hint == 'did you mean "autonomous"?'


@pytest.mark.parametrize(
    "mutate, path, message",
    [
        (lambda p: p.update(version=2), "/version", "must be 1, got 2"),
        (lambda p: p.update(title=""), "/title", "must not be empty"),
        (lambda p: p.update(title="x" * 201), "/title", "is too long: 201 characters, at most 200"),
        (lambda p: p["subtasks"][0].update(title="Do"), "/subtasks/0/title", "is too short: 2 characters, at least 3"),
        (lambda p: p.update(subtasks=[]), "/subtasks", "needs at least 1 item, has none"),
        (lambda p: p["subtasks"][0].update(id="s1"), "/subtasks/0/id", '"s1" is not in the expected form'),
        (
            lambda p: p["subtasks"][0]["risk"].update(reversible="no"),
            "/subtasks/0/risk/reversible",
            'expected true or false, got a string ("no")',
        ),
        (
            lambda p: p["subtasks"][0].update(acceptance={}),
            "/subtasks/0/acceptance",
            "expected an array, got an object",
        ),
        (
            lambda p: p["subtasks"][1].update(depends_on=["S1", "S1"]),
            "/subtasks/1/depends_on",
            'lists "S1" more than once',
        ),
        (
            lambda p: p["subtasks"][0]["acceptance"][0]["verify"].update(expect_exit=256),
            "/subtasks/0/acceptance/0/verify/expect_exit",
            "must be at most 255, got 256",
        ),
        (
            lambda p: p["subtasks"][0]["acceptance"][0]["verify"].update(timeout_s=0),
            "/subtasks/0/acceptance/0/verify/timeout_s",
            "must be at least 1, got 0",
        ),
        (
            lambda p: p.update(created_at="2026-11-22 10:00"),
            "/created_at",
            '"2026-11-22 10:00" is not in the expected form',
        ),
        (lambda p: p.update(id="a" * 65), "/id", '"' + "a" * 58 + "… is not in the expected form"),
    ],
    ids=[
        "const",
        "empty",
        "too-long",
        "too-short",
        "min-items",
        "pattern",
        "boolean",
        "array",
        "unique",
        "maximum",
        "minimum",
        "datetime",
        "long-value-shortened",
    ],
)
def test_plain_words_per_error_kind(mutate, path, message):
    plan = clean_plan()
    mutate(plan)
    assert only(plan)[:2] == (path, message)


def test_huge_value_is_not_echoed():
    plan = clean_plan()
    plan["task"] = "x" * 60_000
    _, message, _, _ = only(plan)
    assert message == "is too long: 60,000 characters, at most 50,000"


def test_trailing_newline_in_id_is_rejected_like_ecma_regex():
    plan = clean_plan()
    plan["subtasks"][0]["id"] = "S1\n"
    plan["subtasks"][1]["depends_on"] = ["S1\n"]
    paths = {f.path for f in schema_findings(plan)}
    assert paths == {"/subtasks/0/id", "/subtasks/1/depends_on/0"}


def test_one_finding_per_missing_field_even_when_many_are_missing():
    findings = schema_findings({})
    assert [f.path for f in findings] == ["/version", "/id", "/title", "/task", "/subtasks"]
