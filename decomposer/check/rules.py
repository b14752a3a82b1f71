"""The rules ``decomposer check`` applies. Names are fixed: tools and CI depend on them."""

from __future__ import annotations

from dataclasses import dataclass

from decomposer.check.findings import ERROR, WARNING


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    summary: str


RULES = (
    Rule("schema", ERROR, "the plan does not match schemas/plan.schema.json (one finding per error)"),
    Rule("duplicate-id", ERROR, "two subtasks share an id"),
    Rule("unknown-dependency", ERROR, "depends_on names an id that is not in the plan"),
    Rule("dependency-cycle", ERROR, "subtasks depend on each other in a cycle (the cycle is named)"),
    Rule(
        "autonomy-exceeds-risk",
        ERROR,
        "autonomy is higher than stakes x verification cost allows, or autonomous without a command criterion",
    ),
    Rule("irreversible-without-gate", ERROR, "reversible is false but no pause boundary confirms or stops"),
    Rule("vague-language", WARNING, "subjective, ambiguous or open-ended words in a criterion, trigger or input state"),
    Rule("loophole-trigger", WARNING, "a pause trigger such as 'if needed' that gives the agent no rule"),
    Rule("not-machine-verifiable", WARNING, "no acceptance criterion is verified by a command"),
    Rule("placeholder", WARNING, "TODO, TBD, '...', lorem ipsum left in the text"),
    Rule("oversized-subtask", WARNING, "estimate XL or more than 6 criteria: split it"),
)

ERROR_RULES = tuple(rule.name for rule in RULES if rule.severity == ERROR)
WARNING_RULES = tuple(rule.name for rule in RULES if rule.severity == WARNING)
