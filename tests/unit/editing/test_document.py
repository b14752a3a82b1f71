"""PlanDocument: copy-on-write edits, undo/redo with typing coalesced, cycles, save."""

from __future__ import annotations

import copy
import json
import os
import re
import time
from datetime import datetime, timezone

import pytest

from decomposer.check.validate import validate_plan
from decomposer.editing.document import (
    COALESCE_SECONDS,
    UNDO_LIMIT,
    EditError,
    PlanDocument,
    PlanSaveError,
    new_subtask,
    next_subtask_id,
)
from decomposer.plan.files import dump_plan
from decomposer.plan.graph import dependency_order
from decomposer.plan.loading import PlanLoadError
from helpers.plans import EXAMPLES, clean_plan, load_json

RFC3339_UTC = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


class Clock:
    """A hand-driven monotonic clock for typing coalescing."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def doc(clock) -> PlanDocument:
    return PlanDocument(clean_plan(), time_source=clock)


def chain_plan(count: int) -> dict:
    """``count`` subtasks, each depending on the one before."""
    plan = clean_plan()
    template = plan["subtasks"][0]
    plan["subtasks"] = []
    for n in range(1, count + 1):
        subtask = copy.deepcopy(template)
        subtask["id"] = f"S{n}"
        if n > 1:
            subtask["depends_on"] = [f"S{n - 1}"]
        plan["subtasks"].append(subtask)
    return plan


# --- construction ---------------------------------------------------------------------------


def test_new_document_skeleton():
    doc = PlanDocument.new(task="Ship CSV export", title="Reports: CSV export!")
    assert doc.plan == {
        "version": 1,
        "id": "reports-csv-export",
        "title": "Reports: CSV export!",
        "task": "Ship CSV export",
        "subtasks": [],
    }
    assert (doc.path, doc.dirty, doc.revision, doc.can_undo, doc.can_redo) == (None, False, 0, False, False)
    # Not valid yet, and validation says why rather than failing.
    rules = {(f.path, f.message) for f in validate_plan(PlanDocument.new().plan).findings}
    assert ("/task", "must not be empty") in rules
    assert ("/subtasks", "needs at least 1 item, has none") in rules


@pytest.mark.parametrize("title", ["", "!!!", "Über große Pläne", "con", "x" * 300])
def test_new_document_id_is_always_a_valid_slug(title):
    plan_id = PlanDocument.new(title=title).plan["id"]
    assert re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", plan_id), plan_id


def test_constructor_copies_the_plan():
    plan = clean_plan()
    doc = PlanDocument(plan)
    plan["subtasks"][0]["title"] = "changed outside"
    assert doc.plan["subtasks"][0]["title"] == "Write the CSV serializer"


def test_constructor_rejects_non_objects():
    with pytest.raises(TypeError):
        PlanDocument(["not", "a", "plan"])


def test_open_existing_file():
    doc = PlanDocument.open(EXAMPLES / "db-migration.json")
    assert doc.plan == load_json(EXAMPLES / "db-migration.json")
    assert doc.path == EXAMPLES / "db-migration.json"
    assert not doc.dirty and doc.revision == 0 and doc.duplicate_keys == []


def test_open_missing_file_gives_a_new_document_bound_to_it(tmp_path):
    path = tmp_path / "Orders Export.json"
    doc = PlanDocument.open(path)
    assert doc.path == path and not doc.dirty
    assert doc.plan["subtasks"] == [] and doc.plan["id"] == "orders-export"
    assert not path.exists()
    doc.set_field(("task",), "Export orders")
    assert doc.dirty


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b"", "empty file"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_open_bad_file_raises_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    with pytest.raises(PlanLoadError) as raised:
        PlanDocument.open(path)
    assert reason in raised.value.reason


def test_open_a_folder_raises_with_the_reason(tmp_path):
    with pytest.raises(PlanLoadError, match="is a directory"):
        PlanDocument.open(str(tmp_path))


def test_open_keeps_duplicate_keys_for_validation(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(dump_plan(clean_plan()).replace('"version": 1,', '"version": 1, "version": 1,'))
    assert PlanDocument.open(path).duplicate_keys == [("/version", "version")]


# --- structural sharing ---------------------------------------------------------------------


def test_edit_copies_only_the_path_it_changes(doc):
    before = doc.plan
    s0, s1 = before["subtasks"]
    doc.set_field(("subtasks", 1, "risk", "stakes"), "low")
    after = doc.plan
    assert after is not before and after["subtasks"] is not before["subtasks"]
    assert after["subtasks"][0] is s0  # untouched subtask keeps its identity
    assert after["subtasks"][1] is not s1
    assert after["subtasks"][1]["risk"] is not s1["risk"]
    assert after["subtasks"][1]["acceptance"] is s1["acceptance"]  # untouched nested container shared
    # The previous revision is untouched.
    assert s1["risk"]["stakes"] == "high" and after["subtasks"][1]["risk"]["stakes"] == "low"
    assert before == clean_plan()


def test_plan_level_edit_shares_every_subtask(doc):
    subtasks = doc.plan["subtasks"]
    doc.set_field(("title",), "New title")
    assert doc.plan["subtasks"] is subtasks


def test_no_edit_mutates_an_earlier_snapshot(doc):
    snapshots = [copy.deepcopy(doc.plan)]
    originals = [doc.plan]
    edits = [
        lambda: doc.set_field(("subtasks", 0, "title"), "Changed title"),
        lambda: doc.set_field(("subtasks", 0, "labels"), ["a"]),
        lambda: doc.list_insert(("subtasks", 0, "labels"), 1, "b"),
        lambda: doc.list_move(("subtasks", 0, "labels"), 0, 1),
        lambda: doc.list_remove(("subtasks", 0, "labels"), 0),
        lambda: doc.set_field(("subtasks", 0, "estimate"), None, delete=True),
        lambda: doc.add_subtask(),
        lambda: doc.duplicate_subtask(0),
        lambda: doc.move_subtask(0, 2),
        lambda: doc.delete_subtask(0),
        lambda: doc.replace_subtasks(0, 1, [new_subtask("S9")]),
        lambda: doc.set_field(("subtasks", 0, "review", "status"), "approved"),
    ]
    for edit in edits:
        edit()
        snapshots.append(copy.deepcopy(doc.plan))
        originals.append(doc.plan)
    for snapshot, original in zip(snapshots, originals):
        assert original == snapshot


def test_values_are_copied_in(doc):
    labels = ["backend"]
    doc.set_field(("subtasks", 0, "labels"), labels)
    labels.append("sneaky")
    assert doc.plan["subtasks"][0]["labels"] == ["backend"]


# --- set_field ------------------------------------------------------------------------------


def test_set_field_creates_missing_objects(doc):
    doc.set_field(("subtasks", 0, "review", "status"), "approved")
    assert doc.plan["subtasks"][0]["review"] == {"status": "approved"}


def test_set_field_delete_removes_an_optional_key(doc):
    assert doc.set_field(("subtasks", 0, "estimate"), None, delete=True)
    assert "estimate" not in doc.plan["subtasks"][0]
    assert not doc.set_field(("subtasks", 0, "estimate"), None, delete=True)  # already gone: no step
    assert doc.undo() and doc.plan["subtasks"][0]["estimate"] == "S"


def test_set_field_same_value_is_not_a_change(doc):
    revision = doc.revision
    assert not doc.set_field(("subtasks", 0, "title"), "Write the CSV serializer")
    assert doc.revision == revision and not doc.dirty and not doc.can_undo
    # A value of another type is a change, even where Python calls them equal.
    assert doc.set_field(("version",), True)


def test_set_field_list_item(doc):
    doc.set_field(("subtasks", 0, "input_state", "preconditions", 0), "S0 is merged")
    assert doc.plan["subtasks"][0]["input_state"]["preconditions"] == ["S0 is merged"]


@pytest.mark.parametrize(
    "tokens",
    [
        ("subtasks", 5, "title"),
        ("subtasks", "0", "title"),
        ("title", "x"),
        ("subtasks", 0, "labels", 0),
        ("subtasks", -1, "title"),
        ("subtasks", True, "title"),
    ],
)
def test_set_field_bad_path_raises_and_changes_nothing(doc, tokens):
    before = doc.plan
    with pytest.raises(EditError):
        doc.set_field(tokens, "x")
    assert doc.plan is before and doc.revision == 0


def test_set_field_without_tokens_is_an_error(doc):
    with pytest.raises(EditError):
        doc.set_field((), {})


def test_delete_of_a_list_item_is_refused(doc):
    with pytest.raises(EditError, match="list_remove"):
        doc.set_field(("subtasks", 0), None, delete=True)


def test_edits_work_on_broken_plans():
    doc = PlanDocument({"version": "one", "subtasks": [{"id": 3, "risk": "oops"}, "not a subtask"]})
    doc.set_field(("subtasks", 0, "title"), "Fix it")
    assert doc.plan["subtasks"][0]["title"] == "Fix it"
    with pytest.raises(EditError, match="is a str"):
        doc.set_field(("subtasks", 0, "risk", "stakes"), "low")
    assert doc.add_subtask() == 2 and doc.plan["subtasks"][2]["id"] == "S1"
    doc.delete_subtask(1)
    assert doc.duplicate_subtask(0) == 1


# --- lists ----------------------------------------------------------------------------------


def test_list_insert_remove_move(doc):
    base = ("subtasks", 0, "input_state", "preconditions")
    doc.list_insert(base, 1, "second")
    doc.list_insert(base, 0, "first")
    assert doc.plan["subtasks"][0]["input_state"]["preconditions"] == [
        "first",
        "`pytest -q tests/reports` exits 0 on main",
        "second",
    ]
    assert doc.list_move(base, 0, 1) == 1
    assert doc.list_move(base, 2, 5) == 2  # clamped: already last, no step
    assert doc.list_move(base, 1, -9) == 0
    assert doc.list_remove(base, 2) == "second"
    assert doc.plan["subtasks"][0]["input_state"]["preconditions"] == [
        "first",
        "`pytest -q tests/reports` exits 0 on main",
    ]


def test_list_insert_creates_a_missing_list(doc):
    doc.list_insert(("subtasks", 1, "labels"), 0, "frontend")
    assert doc.plan["subtasks"][1]["labels"] == ["frontend"]


@pytest.mark.parametrize("index", [-1, 1, "0", None, True])
def test_list_remove_index_out_of_range(doc, index):
    with pytest.raises(EditError, match="out of range"):
        doc.list_remove(("subtasks", 0, "input_state", "preconditions"), index)
    assert doc.revision == 0


@pytest.mark.parametrize("index", [-1, 2, "0", None])
def test_list_insert_index_out_of_range(doc, index):
    with pytest.raises(EditError, match="out of range"):
        doc.list_insert(("subtasks", 0, "input_state", "preconditions"), index, "x")
    assert doc.revision == 0


def test_list_ops_on_something_that_is_not_a_list(doc):
    with pytest.raises(EditError, match="not an array"):
        doc.list_insert(("subtasks", 0, "title"), 0, "x")
    with pytest.raises(EditError, match="missing"):
        doc.list_remove(("subtasks", 0, "labels"), 0)


# --- subtasks -------------------------------------------------------------------------------


def test_add_subtask_fills_required_fields(doc):
    assert doc.add_subtask() == 2
    added = doc.plan["subtasks"][2]
    assert added == new_subtask("S3")
    assert added["title"] == "New subtask" and added["autonomy"] == "propose"
    assert added["input_state"] == {"summary": "", "preconditions": [""]}
    assert added["acceptance"] == [{"statement": "", "verify": {"method": "command", "command": ""}}]
    assert added["pause_boundaries"] == [{"trigger": "", "action": "ask"}]
    assert added["risk"] == {"stakes": "high", "verification_cost": "expensive", "reversible": True}
    assert doc.add_subtask(after=0) == 1 and doc.plan["subtasks"][1]["id"] == "S4"
    assert doc.add_subtask(after=-1) == 0


def test_add_subtask_to_an_empty_plan():
    doc = PlanDocument.new()
    assert doc.add_subtask() == 0 and doc.plan["subtasks"][0]["id"] == "S1"


def test_next_subtask_id():
    assert next_subtask_id([]) == "S1"
    assert next_subtask_id([{"id": "S2"}, {"id": "S7.3"}, {"id": "bad"}, "x", {"id": 9}]) == "S8"
    assert next_subtask_id("not a list") == "S1"


def test_delete_subtask_removes_its_id_from_dependencies():
    doc = PlanDocument(chain_plan(3))
    s3 = doc.plan["subtasks"][2]
    doc.delete_subtask(1)
    assert [s["id"] for s in doc.plan["subtasks"]] == ["S1", "S3"]
    assert doc.plan["subtasks"][1]["depends_on"] == []
    assert not validate_plan(doc.plan).errors
    assert doc.undo()  # one step restores both
    assert doc.plan["subtasks"][2] is s3 and doc.plan == chain_plan(3)


def test_delete_subtask_keeps_references_to_an_id_still_in_use():
    plan = chain_plan(3)
    plan["subtasks"][2]["id"] = "S1"  # a duplicate id
    doc = PlanDocument(plan)
    doc.delete_subtask(0)
    assert doc.plan["subtasks"][0]["depends_on"] == ["S1"]


def test_delete_subtask_leaves_unrelated_subtasks_shared():
    doc = PlanDocument(chain_plan(4))
    first = doc.plan["subtasks"][0]
    doc.delete_subtask(3)
    assert doc.plan["subtasks"][0] is first


def test_duplicate_subtask(doc):
    doc.set_field(("subtasks", 0, "tracker"), {"system": "github", "key": "#4"})
    assert doc.duplicate_subtask(0) == 1
    original, duplicate = doc.plan["subtasks"][0], doc.plan["subtasks"][1]
    assert duplicate["id"] == "S3" and "tracker" not in duplicate
    assert {k: v for k, v in duplicate.items() if k != "id"} == {
        k: v for k, v in original.items() if k not in ("id", "tracker")
    }
    assert duplicate["acceptance"] is not original["acceptance"]


def test_move_subtask(doc):
    first = doc.plan["subtasks"][0]
    assert doc.move_subtask(0, 1) == 1
    assert doc.plan["subtasks"][1] is first
    assert doc.move_subtask(1, 1) == 1  # already last
    revision = doc.revision
    assert doc.move_subtask(1, 10) == 1 and doc.revision == revision


def test_replace_subtasks(doc):
    parts = [dict(new_subtask("S1.1"), title="Part one"), dict(new_subtask("S1.2"), title="Part two")]
    second = doc.plan["subtasks"][1]
    doc.replace_subtasks(0, 1, parts)
    assert [s["id"] for s in doc.plan["subtasks"]] == ["S1.1", "S1.2", "S2"]
    assert doc.plan["subtasks"][2] is second
    parts[0]["title"] = "changed outside"
    assert doc.plan["subtasks"][0]["title"] == "Part one"
    with pytest.raises(EditError):
        doc.replace_subtasks(2, 5, [])
    doc.undo()
    assert doc.plan == clean_plan()


def test_set_plan_is_one_undo_step(doc):
    doc.set_plan(load_json(EXAMPLES / "api-endpoint.json"))
    assert doc.plan["id"] != "fixture-plan" and doc.dirty
    doc.undo()
    assert doc.plan == clean_plan()
    with pytest.raises(TypeError):
        doc.set_plan("nope")


# --- undo, redo, coalescing -----------------------------------------------------------------


def test_undo_redo_and_revision(doc):
    doc.set_field(("title",), "A")
    doc.set_field(("task",), "B")
    assert doc.revision == 2 and doc.can_undo and not doc.can_redo
    assert doc.undo() and doc.plan["task"] == clean_plan()["task"] and doc.revision == 3
    assert doc.can_redo
    assert doc.redo() and doc.plan["task"] == "B" and doc.revision == 4
    assert not doc.redo()
    assert doc.undo() and doc.undo() and not doc.undo()
    assert doc.plan == clean_plan() and not doc.dirty  # back where it started


def test_new_edit_clears_redo(doc):
    doc.set_field(("title",), "A")
    doc.undo()
    doc.set_field(("task",), "B")
    assert not doc.can_redo and not doc.redo()


def test_typing_coalesces_into_one_step(doc, clock):
    for text in ("W", "Wr", "Wri", "Writ", "Write"):
        doc.set_field(("subtasks", 0, "goal"), text)
        clock.advance(0.3)
    assert doc.revision == 5
    doc.undo()
    assert doc.plan["subtasks"][0]["goal"] == clean_plan()["subtasks"][0]["goal"]
    assert not doc.can_undo


def test_typing_pause_starts_a_new_step(doc, clock):
    doc.set_field(("title",), "Hello")
    clock.advance(COALESCE_SECONDS + 0.01)
    doc.set_field(("title",), "Hello world")
    doc.undo()
    assert doc.plan["title"] == "Hello"


def test_typing_in_another_field_starts_a_new_step(doc, clock):
    doc.set_field(("title",), "T")
    doc.set_field(("task",), "K")
    doc.set_field(("title",), "TT")
    assert doc.undo() and doc.plan["title"] == "T"
    assert doc.undo() and doc.plan["task"] == clean_plan()["task"]


def test_non_string_values_do_not_coalesce(doc):
    doc.set_field(("subtasks", 0, "risk", "reversible"), False)
    doc.set_field(("subtasks", 0, "risk", "reversible"), True)
    doc.undo()
    assert doc.plan["subtasks"][0]["risk"]["reversible"] is False


def test_undo_and_save_break_a_run_of_typing(doc, clock, tmp_path):
    doc.set_field(("title",), "A")
    doc.set_field(("title",), "AB")
    doc.undo()
    doc.redo()
    doc.set_field(("title",), "ABC")
    doc.undo()
    assert doc.plan["title"] == "AB"
    doc.save(tmp_path / "p.json")
    doc.set_field(("title",), "ABCD")
    doc.undo()
    assert doc.plan["title"] == "AB" and not doc.dirty


def test_undo_history_is_capped(doc, clock):
    for n in range(UNDO_LIMIT + 20):
        doc.set_field(("subtasks", 0, "risk", "reversible"), n % 2 == 0)
    steps = 0
    while doc.undo():
        steps += 1
    assert steps == UNDO_LIMIT


def test_dirty_tracks_the_saved_snapshot(doc, tmp_path):
    assert not doc.dirty
    doc.set_field(("title",), "A")
    assert doc.dirty
    doc.undo()
    assert not doc.dirty
    doc.redo()
    doc.dirty = False
    assert not doc.dirty
    doc.dirty = True
    assert doc.dirty


# --- cycles ---------------------------------------------------------------------------------


def test_would_create_cycle():
    doc = PlanDocument(chain_plan(4))  # S2 -> S1, S3 -> S2, S4 -> S3
    assert doc.would_create_cycle(0, ["S4"]) == ["S1", "S4", "S3", "S2", "S1"]
    assert doc.would_create_cycle(0, ["S1"]) == ["S1", "S1"]
    assert doc.would_create_cycle(1, ["S1", "S3"]) == ["S2", "S3", "S2"]
    assert doc.would_create_cycle(3, ["S1", "S2"]) is None
    assert doc.would_create_cycle(0, ["S9", 5, None]) is None  # unknown ids and junk: no cycle
    assert doc.would_create_cycle(9, ["S1"]) is None
    assert doc.plan == chain_plan(4)  # only a question


def test_would_create_cycle_names_a_shortest_cycle():
    doc = PlanDocument(chain_plan(6))
    # S1 would depend on S6 (long way round) and on S2 (short way round).
    assert doc.would_create_cycle(0, ["S6", "S2"]) == ["S1", "S2", "S1"]


def test_would_create_cycle_without_an_id_or_with_a_repeated_one():
    plan = chain_plan(3)
    del plan["subtasks"][0]["id"]
    assert PlanDocument(plan).would_create_cycle(0, ["S3"]) is None
    plan = chain_plan(3)
    plan["subtasks"][2]["id"] = "S1"  # the second S1: references resolve to the first
    assert PlanDocument(plan).would_create_cycle(2, ["S2"]) is None


def test_would_create_cycle_agrees_with_the_checks():
    doc = PlanDocument(chain_plan(5))
    for index in range(5):
        for target in ("S1", "S3", "S5"):
            cycle = doc.would_create_cycle(index, [target])
            trial = PlanDocument(doc.plan)
            trial.set_field(("subtasks", index, "depends_on"), [target])
            in_cycles = {f.subtask for f in validate_plan(trial.plan).findings if f.rule == "dependency-cycle"}
            assert (cycle is not None) == bool(in_cycles), (index, target)
            if cycle:
                assert cycle[0] == cycle[-1] == f"S{index + 1}" and set(cycle) <= in_cycles


def test_would_create_cycle_is_fast_on_500_subtasks():
    doc = PlanDocument(chain_plan(500))
    start = time.perf_counter()
    cycle = doc.would_create_cycle(0, ["S500"])
    none = doc.would_create_cycle(499, ["S1"])
    elapsed = time.perf_counter() - start
    assert cycle is not None and len(cycle) == 501 and cycle[0] == cycle[-1] == "S1"
    assert none is None
    assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms"


def test_dependency_order_is_stable_and_survives_cycles():
    plan = chain_plan(4)
    plan["subtasks"].reverse()  # S4, S3, S2, S1 by position
    assert dependency_order(plan) == [3, 2, 1, 0]
    plan["subtasks"][3]["depends_on"] = ["S4"]  # S1 -> S4 closes a cycle
    assert dependency_order(plan) == [0, 1, 2, 3]  # nothing is ready: plan order
    assert dependency_order({"subtasks": ["x", {"id": "S1", "depends_on": ["S1"]}, {"id": "S2"}]}) == [0, 2, 1]
    assert dependency_order({"subtasks": "nope"}) == [] and dependency_order(None) == []


# --- save -----------------------------------------------------------------------------------


def fixed_clock() -> datetime:
    return datetime(2026, 11, 23, 18, 0, 0, 123456, tzinfo=timezone.utc)


def test_save_writes_canonical_json_and_stamps_updated_at(tmp_path):
    doc = PlanDocument(clean_plan(), wall_clock=fixed_clock)
    doc.set_field(("title",), "Saved plan")
    revision = doc.revision
    target = tmp_path / "plan.json"
    doc.save(target)
    assert doc.path == target and not doc.dirty and doc.revision == revision + 1
    assert doc.plan["updated_at"] == "2026-11-23T18:00:00Z"
    assert target.read_text(encoding="utf-8") == dump_plan(doc.plan)
    assert list(doc.plan)[:5] == ["version", "id", "title", "task", "updated_at"]  # before subtasks
    assert not validate_plan(doc.plan).errors
    # The stamp is not an undo step: undo goes back to before the title edit.
    doc.undo()
    assert doc.plan["title"] == clean_plan()["title"] and doc.dirty


def test_save_stamp_follows_created_at_and_is_utc(tmp_path):
    doc = PlanDocument.open(EXAMPLES / "db-migration.json")
    doc.save(tmp_path / "copy.json")
    keys = list(doc.plan)
    assert keys.index("updated_at") == keys.index("created_at") + 1
    assert RFC3339_UTC.match(doc.plan["updated_at"])
    plan = clean_plan()
    plan["created_at"] = "2026-01-01T00:00:00Z"
    doc = PlanDocument(plan)
    doc.save(tmp_path / "other.json")
    keys = list(doc.plan)
    assert keys.index("updated_at") == keys.index("created_at") + 1


def test_save_defaults_to_its_path(tmp_path):
    target = tmp_path / "plan.json"
    doc = PlanDocument(clean_plan(), target)
    doc.save()
    assert json.loads(target.read_text())["id"] == "fixture-plan"
    with pytest.raises(ValueError, match="no file"):
        PlanDocument.new().save()


def test_failed_save_changes_nothing(tmp_path):
    doc = PlanDocument(clean_plan())
    doc.set_field(("title",), "Unsaved")
    plan, revision = doc.plan, doc.revision
    with pytest.raises(OSError):
        doc.save(tmp_path / "missing-folder" / "plan.json")
    assert doc.plan is plan and doc.revision == revision and doc.dirty and doc.path is None


def test_save_replaces_atomically_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "plan.json"
    doc = PlanDocument(clean_plan())
    doc.save(target)
    saved = target.read_bytes()
    doc.set_field(("title",), "Second version")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space"):
        doc.save()
    assert target.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no temp file left
    assert doc.dirty


def test_save_with_a_lone_surrogate_raises_plan_save_error(tmp_path):
    doc = PlanDocument(clean_plan())
    doc.set_field(("subtasks", 1, "goal"), "bad \ud800 text")
    with pytest.raises(PlanSaveError) as raised:
        doc.save(tmp_path / "plan.json")
    assert isinstance(raised.value, OSError)
    assert raised.value.pointer == "/subtasks/1/goal"
    assert "/subtasks/1/goal" in raised.value.strerror
    assert list(tmp_path.iterdir()) == [] and doc.dirty


def test_save_then_open_round_trips(tmp_path):
    doc = PlanDocument.open(EXAMPLES / "api-endpoint.json")
    doc.set_field(("subtasks", 0, "labels"), ["ünïcode", "emoji 🚀"])
    doc.save(tmp_path / "plan.json")
    reopened = PlanDocument.open(tmp_path / "plan.json")
    assert reopened.plan == doc.plan and not reopened.dirty
