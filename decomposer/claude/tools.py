"""The tools the model answers through, with input schemas derived from the contract.

Why a forced tool rather than ``output_config`` JSON output: the tool's input streams as
``input_json_delta`` events we can scan for finished subtasks, one conversation can ask
for a plan, a corrected plan (as a ``tool_result`` with the findings) or replacement
subtasks, and every call sends the same tool list, so the tools and the system prompt
form one cached prefix (``tool_choice`` changes do not invalidate it).

Every schema here is built from ``schemas/plan.schema.json`` (and
``schemas/model-review.schema.json``) at run time, never copied: the fields the schema
marks ``x-filled-by`` are removed (decomposer fills version, id, task, source and the
timestamps itself; review, tracker and evidence belong to later stages), which also keeps
the annotation from reaching the API; then ``anthropic.transform_schema`` reduces the rest
to what structured output supports. What that drops (patterns, lengths, if/then) is
checked locally by the full contract after the reply, and repaired.
"""

from __future__ import annotations

import copy
import functools
import json

from decomposer.plan import contract
from decomposer.plan.json_types import JsonObject
from decomposer.resources import plan_schema, schemas_dir

SUBMIT_PLAN = "submit_plan"
SUBMIT_SUBTASKS = "submit_subtasks"
SUBMIT_REVIEW = "submit_review"

REVIEW_SCHEMA_FILE = "model-review.schema.json"


def _model_defs() -> JsonObject:
    defs = copy.deepcopy(plan_schema()["$defs"])
    subtask = defs["subtask"]
    for name in contract.filled_fields("subtask"):
        subtask["properties"].pop(name)
    # if/then ("command is required when method is command") is not supported by
    # structured output; the property description says it and the local check enforces it.
    defs["verify"].pop("if", None)
    defs["verify"].pop("then", None)
    used = {"subtask", "input_state", "criterion", "verify", "pause_boundary", "risk"}
    return {name: schema for name, schema in defs.items() if name in used}


def _transform(schema: JsonObject) -> JsonObject:
    from anthropic import transform_schema

    return transform_schema(schema)


@functools.lru_cache(maxsize=1)
def plan_tool_schema() -> JsonObject:
    source = plan_schema()
    filled = contract.filled_fields(contract.PLAN)
    properties = {k: copy.deepcopy(v) for k, v in source["properties"].items() if k not in filled}
    schema = {
        "type": "object",
        "description": source["description"],
        "properties": properties,
        "required": [name for name in source["required"] if name in properties],
        "additionalProperties": False,
        "$defs": _model_defs(),
    }
    return _transform(schema)


@functools.lru_cache(maxsize=1)
def subtasks_tool_schema() -> JsonObject:
    subtasks = copy.deepcopy(plan_schema()["properties"]["subtasks"])
    subtasks["description"] = (
        "The subtasks that replace the one being refined, in order. One subtask keeps the "
        "original id; several are numbered <original id>.1, <original id>.2, and so on."
    )
    schema = {
        "type": "object",
        "properties": {
            "subtasks": subtasks,
            "note": {"type": "string", "description": "One or two sentences: what changed and why."},
        },
        "required": ["subtasks", "note"],
        "additionalProperties": False,
        "$defs": _model_defs(),
    }
    return _transform(schema)


@functools.lru_cache(maxsize=1)
def review_schema() -> JsonObject:
    schema: JsonObject = json.loads((schemas_dir() / REVIEW_SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


@functools.cache
def review_subtask_fields() -> frozenset[str]:
    """The subtask fields a review finding may name: its ``field`` enum but "plan", which
    names the plan as a whole."""
    field = review_schema()["properties"]["findings"]["items"]["properties"]["field"]
    return frozenset(field["enum"]) - {"plan"}


@functools.lru_cache(maxsize=1)
def review_tool_schema() -> JsonObject:
    schema = copy.deepcopy(review_schema())
    for key in ("$schema", "$id", "title"):
        schema.pop(key, None)
    return _transform(schema)


def tool_definitions() -> list[JsonObject]:
    """The same list on every call, so that tools + system prompt are one cached prefix.

    ``submit_plan`` and ``submit_review`` are strict. ``submit_subtasks`` is not: strict
    schemas share a per-request budget of optional parameters (the subtask schema has 12
    of the 24), and its result goes through the full contract and repair anyway.
    ``eager_input_streaming`` makes the API stream a parameter's value as it is
    generated instead of buffering the whole ``subtasks`` array, so subtasks appear one
    by one; the price is that a cut-off reply can end in invalid JSON, which the stream
    reader reports as such."""
    return [
        {
            "name": SUBMIT_PLAN,
            "description": "Submit the whole decomposition: the plan title, optional context notes and every subtask.",
            "input_schema": plan_tool_schema(),
            "strict": True,
            "eager_input_streaming": True,
        },
        {
            "name": SUBMIT_SUBTASKS,
            "description": "Submit the subtasks that replace the one being refined.",
            "input_schema": subtasks_tool_schema(),
            "eager_input_streaming": True,
        },
        {
            "name": SUBMIT_REVIEW,
            "description": "Submit review findings on a plan: gaps that would let an agent do the wrong thing.",
            "input_schema": review_tool_schema(),
            "strict": True,
        },
    ]


def review_input_problem(tool_input: object) -> str | None:
    """Why a review tool input does not match ``model-review.schema.json``, or None."""
    from jsonschema import Draft202012Validator

    error = next(iter(Draft202012Validator(review_schema()).iter_errors(tool_input)), None)
    if error is None:
        return None
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"{where}: {error.message[:200]}"
