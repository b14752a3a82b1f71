"""Prompts are files with known placeholders; tool schemas are derived from the contract."""

from __future__ import annotations

import json
import re
from string import Template

import pytest

from decomposer.check.lint import lexicon
from decomposer.check.semantic import MAX_AUTONOMY
from decomposer.claude import prompts, tools
from decomposer.resources import plan_schema, prompts_dir

FILLED = {
    "system": {"autonomy_map", "vague_words", "field_reference"},
    "decompose": {"task", "context_block"},
    "repair": {"findings"},
    "refine_repair": {"findings"},
    "refine": {"plan", "subtask_id", "instruction"},
    "review": {"task", "plan"},
}


@pytest.mark.parametrize("name", sorted(FILLED))
def test_every_placeholder_is_one_the_engine_fills(name):
    text = (prompts_dir() / f"{name}.md").read_text(encoding="utf-8")
    used = {
        m.group("named") or m.group("braced")
        for m in Template.pattern.finditer(text)
        if m.group("named") or m.group("braced")
    }
    assert used == FILLED[name]


def test_system_prompt_teaches_what_the_checks_enforce():
    text = prompts.system_prompt()
    assert re.findall(r"\$\{?[a-z_]+", text.replace("`$schema`", "")) == []  # everything substituted
    for (stakes, cost), level in MAX_AUTONOMY.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {stakes} |"))
        assert f"`{level}`" in row.split("|")[2 if cost == "cheap" else 3]
    for category in lexicon().categories.values():
        assert category["label"] in text
    for name, prop in plan_schema()["$defs"]["subtask"]["properties"].items():
        assert prop["description"] in text, name


def test_user_text_stays_inside_its_tags():
    message = prompts.decompose_message("Drop $table and ${x}", "ctx $y")
    assert "<task>\nDrop $table and ${x}\n</task>" in message and "<context>\nctx $y\n</context>" in message


def test_plan_tool_schema_follows_the_contract():
    schema = tools.plan_tool_schema()
    contract = plan_schema()["$defs"]["subtask"]["properties"]
    model_side = schema["$defs"]["subtask"]["properties"]
    assert set(model_side) == set(contract) - {"review", "tracker", "evidence"}
    for name, prop in model_side.items():
        if "$ref" in prop:  # a $ref stands alone in strict schemas; the definition carries the words
            prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]]
        assert prop.get("description", "").startswith(contract[name]["description"][:40]), name
    assert "if" not in schema["$defs"]["verify"] and schema["additionalProperties"] is False
    # constraints structured output cannot enforce travel in the description
    assert "pattern: ^S[0-9]+" in model_side["id"]["description"]


def test_strict_schemas_use_no_allof_and_stream_eagerly():
    definitions = {t["name"]: t for t in tools.tool_definitions()}
    assert "allOf" not in json.dumps(definitions)
    assert definitions["submit_plan"]["strict"] and definitions["submit_plan"]["eager_input_streaming"]
    assert definitions["submit_review"]["strict"]


def test_review_tool_schema_comes_from_its_schema_file():
    assert tools.review_tool_schema()["properties"]["findings"]["items"]["required"] == [
        "subtask",
        "field",
        "message",
        "hint",
    ]
