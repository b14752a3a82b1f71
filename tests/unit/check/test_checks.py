"""Semantic checks (decomposer/check/semantic.py) and delegation readiness, through validate_plan.

Every test starts from the clean fixture plan (zero findings) and changes one thing, so
a finding that appears can only come from that change.
"""

from __future__ import annotations

import copy

import pytest

from decomposer.check.findings import ERROR, WARNING
from decomposer.check.semantic import MAX_AUTONOMY
from decomposer.check.validate import validate_plan
from helpers.plans import assert_clean, clean_plan, findings_for, the_finding

AUTONOMIES = ("propose", "gated", "autonomous")
RANK = {name: rank for rank, name in enumerate(AUTONOMIES)}


# --- helpers ---------------------------------------------------------------------------


def make_subtask(sid, depends_on=None):
    """A clean, autonomous, low-risk subtask with the given id (a copy of fixture S1)."""
    subtask = copy.deepcopy(clean_plan()["subtasks"][0])
    subtask["id"] = sid
    if depends_on is not None:
        subtask["depends_on"] = list(depends_on)
    return subtask


def plan_of(*subtasks):
    plan = clean_plan()
    plan["subtasks"] = list(subtasks)
    return plan


def command_criterion(k):
    return {
        "statement": f"`pytest -q tests/test_part_{k}.py` exits 0",
        "verify": {"method": "command", "command": f"pytest -q tests/test_part_{k}.py"},
    }


REVIEW_CRITERION = {
    "statement": "The API owner accepts the response format",
    "verify": {"method": "review", "reviewer": "API owner"},
}


def test_fixture_is_clean(plan):
    report = validate_plan(plan)
    assert report.findings == []
    assert (report.readiness.delegable, report.readiness.total) == (2, 2)


# --- duplicate-id ----------------------------------------------------------------------


def test_duplicate_id_flags_both_occurrences(plan):
    plan["subtasks"][1]["id"] = "S1"
    found = findings_for(plan, "duplicate-id")
    assert [(f.severity, f.subtask, f.path) for f in found] == [
        (ERROR, "S1", "/subtasks/0/id"),
        (ERROR, "S1", "/subtasks/1/id"),
    ]
    for finding in found:
        assert finding.message == 'id "S1" is used by 2 subtasks (#1, #2)'


def test_duplicate_id_names_every_position_and_skips_the_unique_one():
    plan = plan_of(make_subtask("S1"), make_subtask("S2"), make_subtask("S1"))
    found = findings_for(plan, "duplicate-id")
    assert [f.path for f in found] == ["/subtasks/0/id", "/subtasks/2/id"]
    assert all(f.message == 'id "S1" is used by 2 subtasks (#1, #3)' for f in found)


def test_duplicate_id_three_times():
    plan = plan_of(*(make_subtask("S4") for _ in range(3)))
    found = findings_for(plan, "duplicate-id")
    assert [f.path for f in found] == ["/subtasks/0/id", "/subtasks/1/id", "/subtasks/2/id"]
    assert found[0].message == 'id "S4" is used by 3 subtasks (#1, #2, #3)'


def test_unique_ids_are_quiet():
    plan = plan_of(make_subtask("S1"), make_subtask("S2"), make_subtask("S2.1"), make_subtask("S10"))
    assert findings_for(plan, "duplicate-id") == []
    assert_clean(plan)


# --- unknown-dependency ----------------------------------------------------------------


def test_unknown_dependency_points_at_the_entry(plan):
    plan["subtasks"][1]["depends_on"] = ["S1", "S9"]
    finding = the_finding(plan, "unknown-dependency")
    assert (finding.severity, finding.subtask, finding.path) == (ERROR, "S2", "/subtasks/1/depends_on/1")
    assert finding.message == 'depends on "S9", which is not a subtask of this plan'
    assert finding.hint == "known ids: S1, S2"


def test_each_unknown_dependency_is_reported(plan):
    plan["subtasks"][0]["depends_on"] = ["S7", "S2", "S8"]
    found = findings_for(plan, "unknown-dependency")
    assert [(f.subtask, f.path) for f in found] == [
        ("S1", "/subtasks/0/depends_on/0"),
        ("S1", "/subtasks/0/depends_on/2"),
    ]
    assert '"S7"' in found[0].message and '"S8"' in found[1].message


def test_known_dependencies_are_quiet():
    plan = plan_of(make_subtask("S1"), make_subtask("S2", ["S1"]), make_subtask("S3", ["S1", "S2"]))
    assert findings_for(plan, "unknown-dependency") == []
    assert_clean(plan)


# --- dependency-cycle ------------------------------------------------------------------


def test_two_cycle_flags_both_members(plan):
    plan["subtasks"][0]["depends_on"] = ["S2"]  # S2 already depends on S1
    found = findings_for(plan, "dependency-cycle")
    assert [(f.severity, f.subtask, f.path) for f in found] == [
        (ERROR, "S1", "/subtasks/0/depends_on"),
        (ERROR, "S2", "/subtasks/1/depends_on"),
    ]
    assert all(f.message == "dependency cycle: S1 → S2 → S1" for f in found)


def test_three_cycle_is_named_in_dependency_order():
    # S1 needs S3, S3 needs S2, S2 needs S1: the name follows the edges, not the ids.
    plan = plan_of(make_subtask("S1", ["S3"]), make_subtask("S2", ["S1"]), make_subtask("S3", ["S2"]))
    found = findings_for(plan, "dependency-cycle")
    assert [f.subtask for f in found] == ["S1", "S2", "S3"]
    assert [f.path for f in found] == [f"/subtasks/{i}/depends_on" for i in range(3)]
    assert all(f.message == "dependency cycle: S1 → S3 → S2 → S1" for f in found)


def test_self_dependency_is_a_cycle(plan):
    plan["subtasks"][0]["depends_on"] = ["S1"]
    finding = the_finding(plan, "dependency-cycle")
    assert (finding.subtask, finding.path) == ("S1", "/subtasks/0/depends_on")
    assert finding.message == "dependency cycle: S1 → S1"


def test_two_separate_cycles_are_named_separately():
    plan = plan_of(
        make_subtask("S1", ["S2"]),
        make_subtask("S2", ["S1"]),
        make_subtask("S3", ["S4"]),
        make_subtask("S4", ["S3"]),
    )
    found = findings_for(plan, "dependency-cycle")
    assert [(f.subtask, f.message) for f in found] == [
        ("S1", "dependency cycle: S1 → S2 → S1"),
        ("S2", "dependency cycle: S1 → S2 → S1"),
        ("S3", "dependency cycle: S3 → S4 → S3"),
        ("S4", "dependency cycle: S3 → S4 → S3"),
    ]


def test_subtask_that_only_depends_on_a_cycle_is_not_in_it():
    plan = plan_of(make_subtask("S1", ["S2"]), make_subtask("S2", ["S1"]), make_subtask("S3", ["S1"]))
    assert [f.subtask for f in findings_for(plan, "dependency-cycle")] == ["S1", "S2"]


def test_diamond_without_cycle_is_quiet():
    plan = plan_of(
        make_subtask("S1"),
        make_subtask("S2", ["S1"]),
        make_subtask("S3", ["S1"]),
        make_subtask("S4", ["S2", "S3"]),
    )
    assert_clean(plan)


CHAIN = 5000


def chain_plan(n, closed):
    """S1 depends on S2, ..., S(n-1) on Sn; when ``closed``, Sn depends on S1."""
    base = make_subtask("S0")  # shared, unmodified nested values keep the build cheap
    subtasks = [dict(base, id=f"S{k}", depends_on=[f"S{k + 1}"]) for k in range(1, n)]
    subtasks.append(dict(base, id=f"S{n}", depends_on=["S1"]) if closed else dict(base, id=f"S{n}"))
    return plan_of(*subtasks)


def test_long_chain_without_cycle_is_quiet():
    # Far deeper than the default recursion limit (1000): a recursive search would fail.
    report = validate_plan(chain_plan(CHAIN, closed=False))
    assert report.findings == []
    assert (report.readiness.delegable, report.readiness.total) == (CHAIN, CHAIN)


@pytest.fixture(scope="module")
def closed_chain_cycles():
    return findings_for(chain_plan(CHAIN, closed=True), "dependency-cycle")


def test_long_chain_closed_into_a_cycle_flags_every_member(closed_chain_cycles):
    found = closed_chain_cycles
    assert len(found) == CHAIN
    assert [f.subtask for f in found] == [f"S{k}" for k in range(1, CHAIN + 1)]
    assert found[-1].path == f"/subtasks/{CHAIN - 1}/depends_on"
    message = found[0].message
    assert message.startswith("dependency cycle: S1 → S2 → S3 → ")
    assert message.endswith(f"S{CHAIN - 1} → S{CHAIN} → S1 ({CHAIN} subtasks)")
    assert len(message) < 300


def test_cycle_message_is_bounded():
    found = findings_for(chain_plan(300, closed=True), "dependency-cycle")
    assert len(found) == 300
    assert len(found[0].message) <= 300
    assert "S1 → S2" in found[0].message and "300" in found[0].message


# --- autonomy-exceeds-risk -------------------------------------------------------------


def test_autonomy_map_is_the_documented_one():
    assert MAX_AUTONOMY == {
        ("low", "cheap"): "autonomous",
        ("low", "expensive"): "gated",
        ("high", "cheap"): "gated",
        ("high", "expensive"): "propose",
    }


MAP_CASES = [
    (stakes, cost, autonomy) for stakes in ("low", "high") for cost in ("cheap", "expensive") for autonomy in AUTONOMIES
]
ALLOWED = {
    ("low", "cheap"): "autonomous",
    ("low", "expensive"): "gated",
    ("high", "cheap"): "gated",
    ("high", "expensive"): "propose",
}


@pytest.mark.parametrize("stakes, cost, autonomy", MAP_CASES)
def test_autonomy_against_stakes_and_verification_cost(plan, stakes, cost, autonomy):
    subtask = plan["subtasks"][0]  # has a command criterion and is reversible
    subtask["risk"].update(stakes=stakes, verification_cost=cost)
    subtask["autonomy"] = autonomy
    allowed = ALLOWED[(stakes, cost)]
    if RANK[autonomy] > RANK[allowed]:
        finding = the_finding(plan, "autonomy-exceeds-risk")
        assert (finding.severity, finding.subtask, finding.path) == (ERROR, "S1", "/subtasks/0/autonomy")
        assert finding.message == (
            f'autonomy "{autonomy}" is more than stakes {stakes} with {cost} verification allows (at most "{allowed}")'
        )
        assert f'"{allowed}"' in finding.hint
    else:
        assert_clean(plan)


def test_autonomous_without_command_criterion_fires_even_at_low_cheap(plan):
    subtask = plan["subtasks"][0]
    assert (subtask["risk"]["stakes"], subtask["risk"]["verification_cost"]) == ("low", "cheap")
    subtask["acceptance"] = [copy.deepcopy(REVIEW_CRITERION)]
    finding = the_finding(plan, "autonomy-exceeds-risk")
    assert (finding.severity, finding.subtask, finding.path) == (ERROR, "S1", "/subtasks/0/autonomy")
    assert finding.message == 'autonomy "autonomous" needs at least one criterion verified by a command'


def test_autonomous_above_the_map_without_command_is_one_finding(plan):
    subtask = plan["subtasks"][0]
    subtask["risk"]["stakes"] = "high"
    subtask["acceptance"] = [copy.deepcopy(REVIEW_CRITERION)]
    finding = the_finding(plan, "autonomy-exceeds-risk")
    assert 'at most "gated"' in finding.message


def test_gated_without_command_criterion_is_not_an_autonomy_error(plan):
    subtask = plan["subtasks"][0]
    subtask["autonomy"] = "gated"
    subtask["acceptance"] = [copy.deepcopy(REVIEW_CRITERION)]
    assert findings_for(plan, "autonomy-exceeds-risk") == []


# --- irreversible-without-gate ---------------------------------------------------------

ASK = {
    "trigger": "When the CSV header names are not in the spec",
    "action": "ask",
    "question": "Which header names should the CSV use?",
}


def test_irreversible_with_only_ask_boundaries_fires(plan):
    subtask = plan["subtasks"][1]  # reversible: false
    subtask["pause_boundaries"] = [dict(ASK), dict(ASK, trigger="When the endpoint returns 500 in a test")]
    finding = the_finding(plan, "irreversible-without-gate")
    assert (finding.severity, finding.subtask, finding.path) == (ERROR, "S2", "/subtasks/1/pause_boundaries")
    assert "cannot be undone" in finding.message
    assert "confirms or stops" in finding.message


@pytest.mark.parametrize("action", ["confirm", "stop"])
def test_irreversible_with_a_gate_is_quiet(plan, action):
    subtask = plan["subtasks"][1]
    subtask["pause_boundaries"] = [dict(ASK), {"trigger": "When about to deploy to production", "action": action}]
    assert_clean(plan)


def test_reversible_with_only_ask_is_quiet(plan):
    subtask = plan["subtasks"][0]
    assert subtask["risk"]["reversible"] is True
    subtask["pause_boundaries"] = [dict(ASK)]
    assert_clean(plan)


def test_irreversible_flag_only_on_the_irreversible_subtask(plan):
    for subtask in plan["subtasks"]:
        subtask["pause_boundaries"] = [dict(ASK)]
    assert [f.subtask for f in findings_for(plan, "irreversible-without-gate")] == ["S2"]


# --- not-machine-verifiable ------------------------------------------------------------


def test_only_review_criteria_is_not_machine_verifiable(plan):
    plan["subtasks"][1]["acceptance"] = [copy.deepcopy(REVIEW_CRITERION), copy.deepcopy(REVIEW_CRITERION)]
    finding = the_finding(plan, "not-machine-verifiable")
    assert (finding.severity, finding.subtask, finding.path) == (WARNING, "S2", "/subtasks/1/acceptance")
    assert "no acceptance criterion is verified by a command" in finding.message


def test_one_command_criterion_among_reviews_is_quiet(plan):
    plan["subtasks"][1]["acceptance"] = [
        copy.deepcopy(REVIEW_CRITERION),
        command_criterion(1),
        copy.deepcopy(REVIEW_CRITERION),
    ]
    assert_clean(plan)


# --- oversized-subtask -----------------------------------------------------------------


def test_estimate_xl_is_oversized(plan):
    plan["subtasks"][0]["estimate"] = "XL"
    finding = the_finding(plan, "oversized-subtask")
    assert (finding.severity, finding.subtask, finding.path) == (WARNING, "S1", "/subtasks/0/estimate")
    assert finding.message == "estimated XL: too big for one agent session"


def test_seven_criteria_is_oversized(plan):
    plan["subtasks"][0]["acceptance"] = [command_criterion(k) for k in range(7)]
    finding = the_finding(plan, "oversized-subtask")
    assert (finding.severity, finding.subtask, finding.path) == (WARNING, "S1", "/subtasks/0/acceptance")
    assert finding.message.startswith("7 acceptance criteria (more than 6)")


def test_xl_with_seven_criteria_gives_two_findings(plan):
    plan["subtasks"][1]["estimate"] = "XL"
    plan["subtasks"][1]["acceptance"] = [command_criterion(k) for k in range(7)]
    assert [f.path for f in findings_for(plan, "oversized-subtask")] == [
        "/subtasks/1/acceptance",
        "/subtasks/1/estimate",
    ]


def test_six_criteria_and_estimate_l_are_quiet(plan):
    plan["subtasks"][0]["acceptance"] = [command_criterion(k) for k in range(6)]
    plan["subtasks"][0]["estimate"] = "L"
    assert_clean(plan)


# --- expect_output must be a regular expression ----------------------------------------


@pytest.mark.parametrize("i", [0, 1])
def test_invalid_expect_output_is_a_schema_error(plan, i):
    plan["subtasks"][i]["acceptance"][0]["verify"]["expect_output"] = "(["
    report = validate_plan(plan)
    assert len(report.findings) == 1, report.findings
    finding = report.findings[0]
    assert (finding.rule, finding.severity) == ("schema", ERROR)
    assert finding.subtask == f"S{i + 1}"
    assert finding.path == f"/subtasks/{i}/acceptance/0/verify/expect_output"
    assert finding.message.startswith('"([" is not a valid regular expression')


@pytest.mark.parametrize("pattern", ["^0$", "[0-9]+ passed", r"\bok\b"])
def test_valid_expect_output_is_quiet(plan, pattern):
    plan["subtasks"][0]["acceptance"][0]["verify"]["expect_output"] = pattern
    assert_clean(plan)


# --- readiness -------------------------------------------------------------------------


def readiness(plan):
    r = validate_plan(plan).readiness
    return r.delegable, r.total, r.delegable_indexes


def test_clean_plan_is_fully_delegable(plan):
    assert readiness(plan) == (2, 2, [0, 1])
    assert validate_plan(plan).readiness.to_dict() == {"delegable": 2, "total": 2}


def test_a_warning_makes_a_subtask_not_delegable(plan):
    plan["subtasks"][0]["estimate"] = "XL"
    assert [f.severity for f in validate_plan(plan).findings] == [WARNING]
    assert readiness(plan) == (1, 2, [1])


def test_an_error_makes_a_subtask_not_delegable(plan):
    plan["subtasks"][1]["depends_on"] = ["S1", "S9"]
    assert readiness(plan) == (1, 2, [0])


def test_autonomy_propose_is_not_delegable(plan):
    plan["subtasks"][0]["autonomy"] = "propose"
    assert validate_plan(plan).findings == []  # allowed, just not delegable
    assert readiness(plan) == (1, 2, [1])


def test_no_command_criterion_is_not_delegable(plan):
    plan["subtasks"][1]["acceptance"] = [copy.deepcopy(REVIEW_CRITERION)]
    assert readiness(plan) == (1, 2, [0])


def test_plan_level_warning_does_not_block_delegation(plan):
    plan["title"] = "Add CSV export TODO"
    report = validate_plan(plan)
    assert [(f.rule, f.path) for f in report.findings] == [("placeholder", "/title")]
    assert readiness(plan) == (2, 2, [0, 1])
