"""The editing rules: what an edit of a field, a list item or the plan's text does to the
document, and what it refuses."""

from __future__ import annotations

import pytest

from decomposer.editing.document import UNTITLED, PlanDocument
from decomposer.editing.rules import (
    EDITABLE_LISTS,
    Change,
    DependencyCycle,
    ItemEdit,
    RequiredItem,
    edit_list_item,
    edit_plan_text,
    edit_subtask_field,
    list_position,
    with_own_title,
)
from helpers.plans import clean_plan


@pytest.fixture
def doc() -> PlanDocument:
    return PlanDocument(clean_plan())


def subtask(doc: PlanDocument, index: int) -> dict:
    return doc.plan["subtasks"][index]


# --- fields ---------------------------------------------------------------------------------


def test_a_field_edit_changes_values(doc):
    assert edit_subtask_field(doc, 0, ("title",), "Write the CSV writer") is Change.VALUES
    assert subtask(doc, 0)["title"] == "Write the CSV writer"
    assert doc.can_undo


def test_the_same_value_changes_nothing(doc):
    revision = doc.revision
    assert edit_subtask_field(doc, 0, ("title",), subtask(doc, 0)["title"]) is Change.NONE
    assert doc.revision == revision


def test_a_criterion_method_changes_the_structure(doc):
    tokens = ("acceptance", 0, "verify", "method")
    assert edit_subtask_field(doc, 0, tokens, "review") is Change.STRUCTURE
    assert subtask(doc, 0)["acceptance"][0]["verify"]["method"] == "review"


def test_deleting_an_optional_field_removes_it(doc):
    assert edit_subtask_field(doc, 0, ("estimate",), None, delete=True) is Change.VALUES
    assert "estimate" not in subtask(doc, 0)
    assert edit_subtask_field(doc, 0, ("estimate",), None, delete=True) is Change.NONE


def test_a_path_through_a_string_is_refused_quietly(doc):
    before = doc.plan
    assert edit_subtask_field(doc, 0, ("title", "x"), "y") is Change.NONE
    assert doc.plan is before


def test_a_dependency_cycle_is_refused(doc):
    before = doc.plan
    with pytest.raises(DependencyCycle) as refused:
        edit_subtask_field(doc, 0, ("depends_on",), ["S2"])
    assert refused.value.cycle == ["S1", "S2", "S1"]
    assert doc.plan is before


def test_dependencies_without_a_cycle_apply(doc):
    subtasks = doc.plan["subtasks"]
    doc.set_field(("subtasks",), [*subtasks, {**subtasks[0], "id": "S3"}])
    assert edit_subtask_field(doc, 1, ("depends_on",), ["S1", "S3"]) is Change.VALUES
    assert subtask(doc, 1)["depends_on"] == ["S1", "S3"]


def test_a_review_field_without_a_review_creates_a_pending_one(doc):
    assert edit_subtask_field(doc, 0, ("review", "notes"), "check the encoding") is Change.VALUES
    assert subtask(doc, 0)["review"] == {"status": "pending", "notes": "check the encoding"}


def test_a_review_status_without_a_review_creates_it(doc):
    assert edit_subtask_field(doc, 0, ("review", "status"), "approved") is Change.VALUES
    assert subtask(doc, 0)["review"] == {"status": "approved"}


def test_clearing_a_missing_review_changes_nothing(doc):
    assert edit_subtask_field(doc, 0, ("review", "notes"), None, delete=True) is Change.NONE
    assert edit_subtask_field(doc, 0, ("review", "status"), None, delete=True) is Change.NONE
    assert "review" not in subtask(doc, 0)


def test_clearing_the_review_status_removes_the_whole_review(doc):
    doc.set_field(("subtasks", 0, "review"), {"status": "approved", "by": "ana", "notes": "fine"})
    assert edit_subtask_field(doc, 0, ("review", "status"), None, delete=True) is Change.VALUES
    assert "review" not in subtask(doc, 0)


def test_a_field_of_an_existing_review_is_set_in_place(doc):
    doc.set_field(("subtasks", 0, "review"), {"status": "approved", "by": "ana"})
    assert edit_subtask_field(doc, 0, ("review", "notes"), "fine") is Change.VALUES
    assert subtask(doc, 0)["review"] == {"status": "approved", "by": "ana", "notes": "fine"}


# --- the plan's text ------------------------------------------------------------------------


def test_plan_text_is_set(doc):
    edit_plan_text(doc, "task", "Export the report as CSV and XLSX.")
    assert doc.plan["task"] == "Export the report as CSV and XLSX."


def test_an_emptied_context_is_removed(doc):
    edit_plan_text(doc, "context", "Django 5")
    assert doc.plan["context"] == "Django 5"
    edit_plan_text(doc, "context", "")
    assert "context" not in doc.plan
    revision = doc.revision
    edit_plan_text(doc, "context", "")  # no context: nothing to remove
    assert doc.revision == revision


def test_an_emptied_title_stays_as_an_empty_string(doc):
    edit_plan_text(doc, "title", "")
    assert doc.plan["title"] == ""


# --- list items -----------------------------------------------------------------------------


def test_add_after_an_item_and_append(doc):
    tokens = ("input_state", "preconditions")
    assert edit_list_item(doc, 0, tokens, 0, "add") == ItemEdit(True, 1)
    assert edit_list_item(doc, 0, tokens, -1, "add") == ItemEdit(True, 2)
    assert subtask(doc, 0)["input_state"]["preconditions"][1:] == ["", ""]


def test_a_new_item_is_a_copy_of_the_template(doc):
    edit_list_item(doc, 0, ("acceptance",), -1, "add")
    added = subtask(doc, 0)["acceptance"][-1]
    assert added == EDITABLE_LISTS[("acceptance",)]
    assert added is not EDITABLE_LISTS[("acceptance",)]
    assert added["verify"] is not EDITABLE_LISTS[("acceptance",)]["verify"]


def test_add_to_a_missing_list_creates_it(doc):
    assert "artifacts" not in subtask(doc, 1)["input_state"]
    assert edit_list_item(doc, 1, ("input_state", "artifacts"), -1, "add") == ItemEdit(True, 0)
    assert subtask(doc, 1)["input_state"]["artifacts"] == [""]


def test_remove_focuses_the_item_before(doc):
    tokens = ("acceptance",)
    assert edit_list_item(doc, 1, tokens, 1, "remove") == ItemEdit(True, 0)
    assert len(subtask(doc, 1)["acceptance"]) == 1


def test_the_last_required_item_cannot_be_removed(doc):
    before = doc.plan
    for tokens in (("input_state", "preconditions"), ("acceptance",), ("pause_boundaries",)):
        with pytest.raises(RequiredItem):
            edit_list_item(doc, 0, tokens, 0, "remove")
    assert doc.plan is before


def test_the_last_artifact_can_be_removed(doc):
    assert edit_list_item(doc, 0, ("input_state", "artifacts"), 0, "remove") == ItemEdit(True, 0)
    assert subtask(doc, 0)["input_state"]["artifacts"] == []


def test_an_item_out_of_range_changes_nothing(doc):
    before = doc.plan
    assert edit_list_item(doc, 0, ("acceptance",), 5, "remove") == ItemEdit(False, None)
    assert edit_list_item(doc, 0, ("input_state", "artifacts"), -1, "up") == ItemEdit(False, None)
    assert edit_list_item(doc, 1, ("input_state", "artifacts"), 0, "down") == ItemEdit(False, None)
    assert doc.plan is before


def test_move_up_and_down(doc):
    statements = [c["statement"] for c in subtask(doc, 1)["acceptance"]]
    assert edit_list_item(doc, 1, ("acceptance",), 1, "up") == ItemEdit(True, 0)
    assert [c["statement"] for c in subtask(doc, 1)["acceptance"]] == statements[::-1]
    assert edit_list_item(doc, 1, ("acceptance",), 0, "down") == ItemEdit(True, 1)
    assert [c["statement"] for c in subtask(doc, 1)["acceptance"]] == statements


def test_a_move_past_the_end_keeps_the_focus_and_the_plan(doc):
    before = doc.plan
    assert edit_list_item(doc, 1, ("acceptance",), 0, "up") == ItemEdit(False, 0)
    assert edit_list_item(doc, 1, ("acceptance",), 1, "down") == ItemEdit(False, 1)
    assert doc.plan is before


def test_list_position():
    assert list_position(("acceptance", 2, "verify", "command")) == (("acceptance",), 2)
    assert list_position(("input_state", "preconditions", 0)) == (("input_state", "preconditions"), 0)
    assert list_position(("input_state", "summary")) is None
    assert list_position(("acceptance",)) is None
    assert list_position(("title",)) is None


# --- titles ---------------------------------------------------------------------------------


def test_the_engineers_title_wins_over_the_models():
    current = {"id": "csv-export", "title": "CSV export"}
    proposed = {"id": "model-id", "title": "Model title", "subtasks": []}
    assert with_own_title(current, proposed) == {"id": "csv-export", "title": "CSV export", "subtasks": []}


@pytest.mark.parametrize("title", [None, "", "   ", UNTITLED, 7])
def test_without_a_title_of_its_own_the_models_stays(title):
    proposed = {"id": "model-id", "title": "Model title"}
    assert with_own_title({"id": "x", "title": title}, proposed) is proposed


def test_a_title_without_an_id_keeps_the_models_id():
    proposed = {"id": "model-id", "title": "Model title"}
    assert with_own_title({"title": "CSV export"}, proposed) == {"id": "model-id", "title": "CSV export"}
