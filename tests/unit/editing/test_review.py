"""Badges from a check report, the order review mode steps through, the review record."""

from __future__ import annotations

import getpass
import re

from decomposer.check.validate import validate_plan
from decomposer.editing import review
from decomposer.editing.review import review_order, review_record, subtask_badges
from helpers.plans import clean_plan

RFC3339_UTC = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$")


def test_badges_of_a_clean_plan():
    plan = clean_plan()
    plan["subtasks"][1]["autonomy"] = "propose"  # no finding, but a person approves each step
    assert subtask_badges(validate_plan(plan)) == {0: "delegable", 1: "held"}


def test_the_worst_finding_decides_the_badge():
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"] = []  # an error
    del plan["subtasks"][1]["input_state"]["preconditions"]  # an error too
    report = validate_plan(plan)
    badges = subtask_badges(report)
    assert badges == {0: "error", 1: "error"}
    assert {f.severity for f in report.findings if f.subtask_index == 0} >= {"error"}


def test_a_warning_without_an_error():
    plan = clean_plan()
    plan["subtasks"][0]["acceptance"][0]["statement"] = "works"  # vague: a warning
    report = validate_plan(plan)
    severities = {f.severity for f in report.findings if f.subtask_index == 0}
    assert severities == {"warning"}
    assert subtask_badges(report)[0] == "warning"


def test_review_order_incomplete_first_approved_last():
    subtasks = [{"id": f"S{n}"} for n in range(1, 6)]
    subtasks[0]["review"] = {"status": "approved"}
    badges = {0: "error", 1: "delegable", 2: "warning", 3: "held"}  # 4: unchecked
    assert review_order(subtasks, badges) == [2, 3, 4, 1, 0]


def test_review_order_keeps_plan_order_among_equals():
    subtasks = [{"id": "S1"}, {"id": "S2", "review": {"status": "changes_requested"}}, {"id": "S3"}]
    assert review_order(subtasks, {}) == [0, 1, 2]


def test_review_record(monkeypatch):
    monkeypatch.setattr(review, "reviewer_name", lambda: "ana")
    approved = review_record("approved")
    assert approved["status"] == "approved" and approved["by"] == "ana"
    assert RFC3339_UTC.match(approved["at"]) and "notes" not in approved
    assert review_record("changes_requested", "split it")["notes"] == "split it"
    assert "notes" not in review_record("changes_requested", "")


def test_reviewer_name_without_a_login(monkeypatch):
    def no_login() -> str:
        raise KeyError("no such user")

    monkeypatch.setattr(getpass, "getuser", no_login)
    assert review.reviewer_name() == "reviewer"
