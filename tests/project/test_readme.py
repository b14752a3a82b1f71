"""The README keeps its promises: the two commands, the rules table, the contract table."""

from __future__ import annotations

import re

from decomposer.check.rules import RULES
from decomposer.resources import plan_schema
from helpers.plans import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def shell_blocks() -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)]


def test_start_and_test_commands_are_first_and_ci_runs_the_test_command():
    start, tests = shell_blocks()[:2]
    assert start.startswith("python3 -m venv") and start.endswith("decomposer examples/db-migration.json")
    assert tests.startswith("python3 -m venv") and tests.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, ".ci/run must run the README's test command verbatim"


def test_rules_table_lists_every_rule_with_its_severity():
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning) \|", README, re.MULTILINE))
    assert rows == {rule.name: rule.severity for rule in RULES}


def test_contract_tables_name_every_field():
    schema = plan_schema()
    fields = set(schema["properties"]) - {"$schema"} | set(schema["$defs"]["subtask"]["properties"])
    for field in fields:
        assert f"`{field}`" in README, field
