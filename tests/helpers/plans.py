"""Plans and paths the tests share. Tests read only files inside the repository, never ../shared."""

from __future__ import annotations

import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CLEAN_EXAMPLES = sorted(p for p in EXAMPLES.glob("*.json") if p.name != "flawed.json")

# A small plan that passes every check and lint rule; tests mutate copies of it.
_CLEAN_PLAN = {
    "version": 1,
    "id": "fixture-plan",
    "title": "Add CSV export to the reports page",
    "task": "Let users download the monthly report as CSV.",
    "subtasks": [
        {
            "id": "S1",
            "title": "Write the CSV serializer",
            "goal": "Turn a Report into CSV rows so the endpoint can stream them.",
            "input_state": {
                "summary": "reports/model.py defines Report; no CSV code exists.",
                "preconditions": ["`pytest -q tests/reports` exits 0 on main"],
                "artifacts": ["reports/model.py"],
            },
            "acceptance": [
                {
                    "statement": "serialize_csv returns one header row and one row per line item",
                    "verify": {"method": "command", "command": "pytest -q tests/reports/test_csv.py", "expect_exit": 0},
                }
            ],
            "pause_boundaries": [{"trigger": "If the diff touches files outside reports/", "action": "stop"}],
            "autonomy": "autonomous",
            "risk": {"stakes": "low", "verification_cost": "cheap", "reversible": True},
            "estimate": "S",
        },
        {
            "id": "S2",
            "title": "Add the download button",
            "goal": "Expose the CSV on the reports page for users.",
            "input_state": {
                "summary": "S1 is merged; the reports page renders without a download button.",
                "preconditions": ["S1 is merged into main"],
            },
            "acceptance": [
                {
                    "statement": "GET /reports/2026-10.csv returns 200 with content-type text/csv",
                    "verify": {"method": "command", "command": "pytest -q tests/reports/test_download.py"},
                },
                {
                    "statement": "The product owner accepts the button's placement on the page",
                    "verify": {"method": "review", "reviewer": "product owner"},
                },
            ],
            "pause_boundaries": [{"trigger": "When about to deploy to production", "action": "confirm"}],
            "autonomy": "gated",
            "risk": {"stakes": "high", "verification_cost": "cheap", "reversible": False},
            "depends_on": ["S1"],
        },
    ],
}


def clean_plan() -> dict:
    return copy.deepcopy(_CLEAN_PLAN)


def findings_for(plan, rule):
    from decomposer.check.validate import validate_plan

    return [f for f in validate_plan(plan).findings if f.rule == rule]


def the_finding(plan, rule):
    found = findings_for(plan, rule)
    assert len(found) == 1, found
    return found[0]


def assert_clean(plan):
    from decomposer.check.validate import validate_plan

    report = validate_plan(plan)
    assert report.findings == [], report.findings


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))
