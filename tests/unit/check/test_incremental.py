"""IncrementalValidator returns exactly what validate_plan returns, re-checking only the
subtasks whose object changed.

The proof is a Hypothesis test: random sequences of PlanDocument edits (valid values and
broken ones: wrong types, bad and duplicate ids, cycles, unknown fields, junk subtasks,
undo/redo) on every example plan and on the clean fixture plan, comparing the two
validators after every edit. Hypothesis runs derandomized without a database, so CI sees
the same sequences on every run.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decomposer.check import schema
from decomposer.check.incremental import IncrementalValidator
from decomposer.check.validate import validate_plan
from decomposer.editing.document import EditError, PlanDocument, new_subtask
from helpers.plans import EXAMPLES, clean_plan, load_json

START_PLANS = [clean_plan()] + [load_json(path) for path in sorted(EXAMPLES.glob("*.json"))]

EDITS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_same(validator: IncrementalValidator, plan, duplicate_keys=()) -> None:
    expected = validate_plan(plan, duplicate_keys)
    actual = validator.validate(plan, duplicate_keys)
    assert actual.findings == expected.findings
    assert actual.readiness == expected.readiness
    assert actual.readiness.delegable_indexes == expected.readiness.delegable_indexes


# --- values an editor (or a broken file) can put in a plan ------------------------------------

TEXTS = st.sampled_from(
    [
        "Write the CSV serializer",
        "",
        "ok",
        "x" * 130,
        "TODO: decide",
        "The page is fast and user friendly",
        "If needed",
        "When about to deploy to production",
        "`grep -c TODO src` prints 0",
        "Lorem ipsum ...",
        "line one\nline two",
        "\x1b[31mred\x1b[0m",
        "S1 is merged",
        "???",
    ]
)
IDS = st.sampled_from(["S1", "S2", "S3", "S1.1", "S99", "s1", "bad id", "", "S2.x"])
BROKEN = st.sampled_from([None, 5, -1, 1.5, True, [], {}, ["S1"], {"a": 1}, "(", "[unclosed"])
ENUMS = st.sampled_from(
    [
        "propose",
        "gated",
        "autonomous",
        "low",
        "high",
        "cheap",
        "expensive",
        "ask",
        "confirm",
        "stop",
        "command",
        "review",
        "comand",
        "XS",
        "M",
        "XL",
        "pending",
        "approved",
    ]
)
VALUES = st.one_of(
    TEXTS, IDS, BROKEN, ENUMS, st.booleans(), st.integers(-2, 300), st.lists(st.one_of(IDS, TEXTS), max_size=3)
)

SUBTASK_FIELDS = [
    ("id",),
    ("title",),
    ("goal",),
    ("autonomy",),
    ("estimate",),
    ("labels",),
    ("depends_on",),
    ("bogus",),
    ("risk", "stakes"),
    ("risk", "verification_cost"),
    ("risk", "reversible"),
    ("risk",),
    ("input_state", "summary"),
    ("input_state", "preconditions", 0),
    ("input_state", "artifacts"),
    ("acceptance", 0, "statement"),
    ("acceptance", 0, "verify", "method"),
    ("acceptance", 0, "verify", "command"),
    ("acceptance", 0, "verify", "expect_output"),
    ("acceptance", 0, "verify", "expect_exit"),
    ("acceptance", 0, "verify", "reviewer"),
    ("acceptance", 1),
    ("pause_boundaries", 0, "trigger"),
    ("pause_boundaries", 0, "action"),
    ("pause_boundaries", 0, "question"),
    ("review", "status"),
    ("tracker",),
    ("evidence",),
]
OPTIONAL_FIELDS = [
    ("estimate",),
    ("labels",),
    ("depends_on",),
    ("goal",),
    ("risk",),
    ("review",),
    ("id",),
    ("input_state", "artifacts"),
    ("acceptance", 0, "verify", "command"),
]
PLAN_FIELDS = [
    ("title",),
    ("task",),
    ("id",),
    ("version",),
    ("context",),
    ("created_at",),
    ("source",),
    ("bogus",),
    ("subtasks",),
]
LISTS = [("acceptance",), ("pause_boundaries",), ("input_state", "preconditions"), ("depends_on",), ("labels",)]


def _ids(plan) -> list[str]:
    return [s["id"] for s in plan["subtasks"] if isinstance(s, dict) and isinstance(s.get("id"), str)]


def random_edit(data, doc: PlanDocument) -> str:
    """Apply one random edit to ``doc``; return its name (for the failure report)."""
    subtasks = doc.plan.get("subtasks")
    count = len(subtasks) if isinstance(subtasks, list) else 0
    ops = ["field", "field", "field", "delete", "depends_on", "plan_field", "add", "undo", "redo", "list"]
    if count:
        ops += ["delete_subtask", "duplicate", "move", "replace", "junk"]
    op = data.draw(st.sampled_from(ops), label="op")
    index = data.draw(st.integers(0, count - 1), label="index") if count else 0
    try:
        if op == "field":
            field = data.draw(st.sampled_from(SUBTASK_FIELDS), label="field")
            doc.set_field(("subtasks", index, *field), data.draw(VALUES, label="value"))
        elif op == "delete":
            field = data.draw(st.sampled_from(OPTIONAL_FIELDS), label="field")
            doc.set_field(("subtasks", index, *field), None, delete=True)
        elif op == "depends_on":  # real ids, so cycles and self-dependencies happen often
            ids = _ids(doc.plan) + ["S404"]
            doc.set_field(
                ("subtasks", index, "depends_on"), data.draw(st.lists(st.sampled_from(ids), max_size=3), label="deps")
            )
        elif op == "plan_field":
            field = data.draw(st.sampled_from(PLAN_FIELDS), label="field")
            if data.draw(st.booleans(), label="delete plan field"):
                doc.set_field(field, None, delete=True)
            else:
                doc.set_field(field, data.draw(VALUES, label="value"))
        elif op == "add":
            doc.add_subtask(after=data.draw(st.none() | st.integers(-1, count), label="after"))
        elif op == "undo":
            doc.undo()
        elif op == "redo":
            doc.redo()
        elif op == "list":
            tokens = ("subtasks", index, *data.draw(st.sampled_from(LISTS), label="list"))
            action = data.draw(st.sampled_from(["insert", "remove", "move"]), label="action")
            if action == "insert":
                doc.list_insert(tokens, 0, data.draw(VALUES, label="item"))
            elif action == "remove":
                doc.list_remove(tokens, 0)
            else:
                doc.list_move(tokens, 0, data.draw(st.integers(-2, 2), label="delta"))
        elif op == "delete_subtask":
            doc.delete_subtask(index)
        elif op == "duplicate":
            doc.duplicate_subtask(index)
        elif op == "move":
            doc.move_subtask(index, data.draw(st.integers(-3, 3), label="delta"))
        elif op == "replace":
            parts = data.draw(st.integers(0, 2), label="parts")
            doc.replace_subtasks(
                index, 1, [dict(new_subtask(f"S{index + 1}.{n + 1}"), title=f"Part {n}") for n in range(parts)]
            )
        elif op == "junk":
            doc.set_field(("subtasks", index), data.draw(BROKEN, label="junk"))
    except EditError:
        return f"{op} (refused)"
    return op


@EDITS
@given(st.data())
def test_incremental_matches_full_validation_after_every_edit(data):
    start = data.draw(st.sampled_from(range(len(START_PLANS))), label="start plan")
    doc = PlanDocument(START_PLANS[start])
    validator = IncrementalValidator()
    assert_same(validator, doc.plan)
    for _ in range(data.draw(st.integers(1, 25), label="edits")):
        random_edit(data, doc)
        assert_same(validator, doc.plan)


# --- what is re-checked ---------------------------------------------------------------------


def big_plan(count: int = 30) -> dict:
    plan = clean_plan()
    template = plan["subtasks"][0]
    plan["subtasks"] = [dict(copy.deepcopy(template), id=f"S{n}") for n in range(1, count + 1)]
    return plan


def test_only_changed_subtasks_are_rechecked():
    doc = PlanDocument(big_plan())
    validator = IncrementalValidator()
    validator.validate(doc.plan)
    assert validator.rechecked == 30
    validator.validate(doc.plan)
    assert validator.rechecked == 0
    doc.set_field(("subtasks", 7, "title"), "TODO later")
    report = validator.validate(doc.plan)
    assert validator.rechecked == 1
    assert [f.path for f in report.findings] == ["/subtasks/7/title"]
    doc.set_field(("title",), "Another title")  # plan-level edit: no subtask re-checked
    validator.validate(doc.plan)
    assert validator.rechecked == 0


def test_moved_subtask_findings_follow_it():
    doc = PlanDocument(big_plan())
    doc.set_field(("subtasks", 3, "goal"), "")
    doc.set_field(("subtasks", 3, "acceptance", 0, "statement"), "The page is fast")
    validator = IncrementalValidator()
    assert_same(validator, doc.plan)
    doc.move_subtask(3, -3)
    report = validator.validate(doc.plan)
    assert validator.rechecked == 0
    assert {f.subtask_index for f in report.findings} == {0}
    assert report.findings == validate_plan(doc.plan).findings
    doc.undo()
    assert_same(validator, doc.plan)


def test_deleted_subtasks_leave_the_cache():
    doc = PlanDocument(big_plan())
    validator = IncrementalValidator()
    validator.validate(doc.plan)
    for _ in range(10):
        doc.delete_subtask(0)
    validator.validate(doc.plan)
    assert len(validator._cache) == 20


def test_same_object_at_two_positions():
    plan = big_plan(3)
    plan["subtasks"][0]["goal"] = ""
    plan["subtasks"][2] = plan["subtasks"][0]  # the same dict twice (and the same id)
    validator = IncrementalValidator()
    assert_same(validator, plan)
    assert_same(validator, {**plan, "subtasks": plan["subtasks"][::-1]})


@pytest.mark.parametrize("plan", [None, [], "plan", 3, [{"id": "S1"}]])
def test_non_object_plans_fall_back_to_full_validation(plan):
    assert_same(IncrementalValidator(), plan)


def test_duplicate_keys_are_reported_the_same_way():
    keys = [("/subtasks/1/title", "title"), ("/version", "version")]
    assert_same(IncrementalValidator(), clean_plan(), keys)


def test_same_findings_for_broken_subtasks_at_any_position():
    # Schema messages are worded per subtask alone; the pointers carry the position.
    plan = clean_plan()
    plan["subtasks"][1] = {
        "id": "S2",
        "title": "x",
        "acceptance": [{"verify": {"method": "command"}}],
        "risk": {"stakes": "medium"},
        "depends_on": ["S2", "S2"],
        "extra": 1,
    }
    plan["subtasks"].append("not a subtask")
    validator = IncrementalValidator()
    assert_same(validator, plan)
    assert_same(validator, {**plan, "subtasks": plan["subtasks"][::-1]})


def test_validators_disagreeing_falls_back_to_full_validation(monkeypatch):
    # If the fast validator ever says "invalid" where the reference finds nothing, the
    # whole-plan fallback finding must come out exactly as validate_plan words it.
    monkeypatch.setattr(schema, "is_valid", lambda plan: False)
    validator = IncrementalValidator()
    assert_same(validator, clean_plan())
    assert any(f.message == "the plan does not match the schema" for f in validator.validate(clean_plan()).findings)


def test_findings_are_reused_for_an_equal_dependency_graph():
    doc = PlanDocument(big_plan(5))
    doc.set_field(("subtasks", 1, "depends_on"), ["S9"])
    validator = IncrementalValidator()
    first = validator.validate(doc.plan)
    doc.set_field(("subtasks", 4, "title"), "Retitled subtask")
    second = validator.validate(doc.plan)
    unknown = [f for f in second.findings if f.rule == "unknown-dependency"]
    assert unknown == [f for f in first.findings if f.rule == "unknown-dependency"] and len(unknown) == 1
    doc.set_field(("subtasks", 1, "depends_on"), ["S1"])
    assert not validator.validate(doc.plan).findings
