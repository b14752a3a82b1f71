"""``decomposer.plan.contract`` states what ``schemas/plan.schema.json`` says, and no
module keeps its own copy of a limit, an enum or the list of fields the model does not write."""

from __future__ import annotations

import ast
import itertools
import json
import re

import pytest

from decomposer.plan import contract
from helpers.plans import ROOT

SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]
PACKAGE = ROOT / "decomposer"


def schema_objects():
    """(owner, object schema) for the plan and every object definition."""
    yield contract.PLAN, SCHEMA
    yield from ((name, d) for name, d in DEFS.items() if "properties" in d)


def properties():
    """(path, property schema as written) for every property of every object."""
    for owner, schema in schema_objects():
        for name, prop in schema["properties"].items():
            yield f"{owner}.{name}", prop


ENUM_PATHS = [path for path, prop in properties() if "enum" in prop]


def test_limits_are_the_schema_s():
    assert contract.max_length("plan.task") == SCHEMA["properties"]["task"]["maxLength"] == 50_000
    assert contract.max_length("plan.context") == SCHEMA["properties"]["context"]["maxLength"] == 200_000
    assert contract.max_length("plan.title") == SCHEMA["properties"]["title"]["maxLength"]
    assert contract.max_length("subtask.title") == DEFS["subtask"]["properties"]["title"]["maxLength"]
    assert contract.max_length("subtask.goal") == DEFS["subtask"]["properties"]["goal"]["maxLength"]
    assert contract.int_range("verify.timeout_s") == (1, 86400)
    assert contract.int_range("verify.expect_exit") == (0, 255)
    assert contract.min_items("subtask.acceptance") == 1
    assert contract.min_items("input_state.artifacts") == 0  # the schema sets none
    assert contract.pattern("subtask.id") == DEFS["subtask"]["properties"]["id"]["pattern"]


def test_the_plan_id_limit_is_the_longest_id_its_pattern_accepts():
    slug = SCHEMA["properties"]["id"]["pattern"]
    limit = contract.max_length("plan.id")
    assert limit == 64
    assert re.fullmatch(slug, "a" * limit) and not re.fullmatch(slug, "a" * (limit + 1))


@pytest.mark.parametrize(
    ("pattern", "longest"),
    [("^[a-z0-9][a-z0-9-]{0,63}$", 64), ("^ab?$", 2), ("^[\\]x]{3}\\.$", 4), ("^.{2,5}$", 5)],
)
def test_a_bounded_pattern_gives_its_longest_match(pattern, longest):
    assert contract.pattern_max_length(pattern) == longest


@pytest.mark.parametrize("pattern", ["^S[0-9]+$", "^(ab)$", "^a|b$", "^a{2,}$", "^a*$", "[a-z]{3}"])
def test_an_unbounded_pattern_has_no_maximum(pattern):
    with pytest.raises(ValueError):
        contract.pattern_max_length(pattern)


def test_a_field_without_a_limit_says_so():
    with pytest.raises(KeyError):
        contract.max_length("subtask.autonomy")
    with pytest.raises(KeyError):
        contract.max_length("subtask.nonexistent")


def test_a_ref_resolves_with_the_description_beside_it():
    prop = contract.property_schema("plan.created_at")
    assert prop["pattern"] == DEFS["datetime"]["pattern"]
    assert prop["description"] == SCHEMA["properties"]["created_at"]["description"]


@pytest.mark.parametrize("path", ENUM_PATHS)
def test_enum_values_are_the_schema_s_in_its_order(path):
    owner, name = path.split(".")
    schema = SCHEMA if owner == contract.PLAN else DEFS[owner]
    assert contract.enum_values(path) == tuple(schema["properties"][name]["enum"])


def test_field_names_and_optional_fields():
    assert contract.field_names(contract.PLAN) == tuple(SCHEMA["properties"])
    assert contract.field_names("subtask") == tuple(DEFS["subtask"]["properties"])
    optional = contract.optional_field_names()
    assert {"artifacts", "expect_output", "timeout_s", "depends_on", "labels"} <= optional
    assert not {"command", "statement", "trigger", "title", "goal", "summary"} & optional


def test_path_below_follows_references():
    assert contract.path_below("subtask", "acceptance") == "subtask.acceptance"
    assert contract.path_below("subtask", "input_state", "preconditions") == "input_state.preconditions"


# --- who fills what ---------------------------------------------------------------------------


def test_every_filled_by_annotation_names_a_known_filler():
    marked = {path: prop[contract.FILLED_BY] for path, prop in properties() if contract.FILLED_BY in prop}
    assert marked and set(marked.values()) <= set(contract.FILLERS)
    for path, filler in marked.items():
        assert contract.filled_by(path) == filler


def test_filled_fields_are_the_annotated_ones():
    assert contract.filled_fields(contract.PLAN, (contract.DECOMPOSER,)) == (
        "$schema",
        "version",
        "id",
        "task",
        "created_at",
        "updated_at",
        "source",
    )
    assert contract.filled_fields(contract.PLAN) == (
        *contract.filled_fields(contract.PLAN, (contract.DECOMPOSER,)),
        "tracker",
    )
    assert contract.filled_fields("subtask", contract.LATER_STAGES) == ("review", "tracker", "evidence")
    assert contract.filled_fields("subtask", (contract.DECOMPOSER,)) == ()


def test_the_tool_schemas_omit_exactly_the_filled_fields_and_never_carry_the_annotation():
    from decomposer.claude import tools

    plan_tool = tools.plan_tool_schema()
    assert set(plan_tool["properties"]) == set(SCHEMA["properties"]) - set(contract.filled_fields(contract.PLAN))
    for schema in (plan_tool, tools.subtasks_tool_schema()):
        subtask = schema["$defs"]["subtask"]["properties"]
        assert set(subtask) == set(DEFS["subtask"]["properties"]) - set(contract.filled_fields("subtask"))
    assert contract.FILLED_BY not in json.dumps(tools.tool_definitions())


def test_the_model_is_not_asked_to_repair_what_decomposer_fills_or_the_engineer_gave():
    from decomposer.claude.engine import _owned_by_decomposer

    for name in contract.filled_fields(contract.PLAN, (contract.DECOMPOSER,)):
        assert _owned_by_decomposer(f"/{name}") and _owned_by_decomposer(f"/{name}/x")
    # the engineer's context, to which the model's notes are only appended
    assert _owned_by_decomposer("/context")
    assert not any(_owned_by_decomposer(p) for p in ("/title", "/subtasks/0/title", "/contexts", "/tracker"))


def test_a_duplicated_subtask_leaves_out_what_later_stages_filled():
    from decomposer.editing.document import PlanDocument

    document = PlanDocument.new("a task")
    document.add_subtask()
    original = dict(document.plan["subtasks"][0])
    for name in contract.filled_fields("subtask", contract.LATER_STAGES):
        original[name] = {"status": "pending"} if name == "review" else []
    document.set_field(("subtasks", 0), original)
    position = document.duplicate_subtask(0)
    copy = document.plan["subtasks"][position]
    assert not set(contract.filled_fields("subtask", contract.LATER_STAGES)) & set(copy)


def test_a_review_finding_names_a_subtask_field_of_its_schema():
    from decomposer.claude import tools

    review = json.loads((ROOT / "schemas" / "model-review.schema.json").read_text(encoding="utf-8"))
    field = review["properties"]["findings"]["items"]["properties"]["field"]
    assert tools.review_subtask_fields() == set(field["enum"]) - {"plan"}
    assert tools.review_subtask_fields() <= set(contract.field_names("subtask"))


# --- maps keyed by enum values may stay, with the schema's keys -------------------------------


def test_maps_keyed_by_enum_values_have_the_schema_s_keys():
    from decomposer.check.semantic import AUTONOMY_RANK, GATE_ACTIONS, MAX_AUTONOMY
    from decomposer.check.validate import DELEGABLE_AUTONOMY
    from decomposer.exporters.brief import fragments
    from decomposer.exporters.tickets import mappings
    from decomposer.importers.common import DEFAULT_ACTION, DEFAULT_AUTONOMY, DEFAULT_RISK

    autonomy = contract.enum_values("subtask.autonomy")
    actions = contract.enum_values("pause_boundary.action")
    # the schema lists the levels from the least autonomy to the most
    assert tuple(sorted(AUTONOMY_RANK, key=AUTONOMY_RANK.__getitem__)) == autonomy
    assert set(MAX_AUTONOMY) == set(
        itertools.product(contract.enum_values("risk.stakes"), contract.enum_values("risk.verification_cost"))
    )
    assert set(MAX_AUTONOMY.values()) <= set(autonomy)
    assert set(GATE_ACTIONS) <= set(actions) and set(DELEGABLE_AUTONOMY) <= set(autonomy)
    assert {f"action-{a}" for a in actions} | {f"autonomy-{a}" for a in autonomy} <= set(fragments())
    for scale, points in mappings()["linear"]["estimate"].items():
        if scale != "about":
            assert tuple(points) == contract.enum_values("subtask.estimate"), scale
    assert DEFAULT_AUTONOMY in autonomy and DEFAULT_ACTION in actions
    assert DEFAULT_RISK["stakes"] in contract.enum_values("risk.stakes")
    assert DEFAULT_RISK["verification_cost"] in contract.enum_values("risk.verification_cost")


def test_the_tui_short_labels_have_the_schema_s_keys():
    from decomposer.tui.widgets.subtask_list import AUTONOMY_SHORT

    assert tuple(AUTONOMY_SHORT) == contract.enum_values("subtask.autonomy")


# --- no copies ----------------------------------------------------------------------------------

# Limits distinctive enough that a literal of that value is a copy (200, 120 and 64 are
# also label widths and buffer sizes, so they are not listed).
DISTINCTIVE_LIMITS = {
    SCHEMA["properties"]["task"]["maxLength"],
    SCHEMA["properties"]["context"]["maxLength"],
    DEFS["subtask"]["properties"]["goal"]["maxLength"],
    DEFS["verify"]["properties"]["timeout_s"]["maximum"],
}
ENUM_SETS = {frozenset(SCHEMA_ENUM) for SCHEMA_ENUM in (contract.enum_values(p) for p in ENUM_PATHS)}
FILLED_SETS = {
    frozenset(contract.filled_fields(contract.PLAN)),
    frozenset(contract.filled_fields(contract.PLAN, (contract.DECOMPOSER,))),
    frozenset(contract.filled_fields("subtask")),
}


def package_modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "contract.py")


@pytest.mark.parametrize("path", package_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_copies_a_contract_fact(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            assert node.value not in DISTINCTIVE_LIMITS, f"line {node.lineno}: {node.value} is a schema limit"
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) > 1:
            strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(strings) == len(node.elts):
                values = frozenset(strings)
                assert values not in ENUM_SETS, f"line {node.lineno}: a copy of an enum's values {sorted(values)}"
                names = frozenset(s.removeprefix("/") for s in strings)  # field names or their pointers
                assert not any(names >= filled for filled in FILLED_SETS), f"line {node.lineno}: filled-by fields"
