"""Pydantic models of a plan, mirroring ``schemas/plan.schema.json``.

The schema is the contract; these models are a typed view of it for code that builds or
edits plans. ``tests/test_models.py`` fails when the two drift apart, so change the
schema first and then follow it here.

Loading and dumping must not change a valid document: ``Plan.from_dict(d).to_dict()``
returns ``d`` (keys in schema order). Hence date-times stay strings, absent optional
fields stay absent, and numbers keep their int or float type.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

__all__ = [
    "Criterion",
    "Evidence",
    "InputState",
    "PauseBoundary",
    "Plan",
    "Review",
    "Risk",
    "Source",
    "Subtask",
    "Tracker",
    "Usage",
    "Verify",
]

# Patterns are the schema's, with the final "$" written "\Z": the schema means ECMA-262
# "$" (end of input only), while Python's "$" also matches before a trailing newline.
# Rust's regex engine (pydantic's default) rejects "\Z", so the models use Python's re.
SUBTASK_ID_PATTERN = r"^S[0-9]+(\.[0-9]+)*\Z"
PLAN_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}\Z"
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
)

# A str, not a datetime: parsing would rewrite "t", "z" or "+00:00" on the way out.
DateTime = Annotated[str, Field(pattern=DATETIME_PATTERN)]
SubtaskId = Annotated[str, Field(pattern=SUBTASK_ID_PATTERN)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
# JSON "number" admits integers; a plain float field would turn 3 into 3.0 on dump.
NonNegativeNumber = Annotated[int, Field(ge=0)] | Annotated[float, Field(ge=0, allow_inf_nan=False)]


class UniqueItems:
    """Reject repeated list items and publish ``uniqueItems`` in the JSON schema.

    Pydantic has no list uniqueness constraint; keeping the check and its JSON-schema
    keyword in one marker means the drift test sees exactly what is enforced.
    Items must be hashable (the only use is a list of strings).
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_reject_repeats, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict:
        json_schema = handler(schema)
        json_schema["uniqueItems"] = True
        return json_schema


def _reject_repeats(items: list) -> list:
    seen = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{item!r} is listed more than once; items must be unique")
        seen.add(item)
    return items


# Set by Plan.from_dict: the input is a JSON document, so only schema names are allowed.
_DOCUMENT = "decomposer.document"


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        # JSON Schema does not coerce: "1" is not an integer and "no" is not a boolean.
        strict=True,
        regex_engine="python-re",
        populate_by_name=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _as_the_schema_allows(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        # Optional fields are typed "X | None" so they can be absent, but the schema
        # allows null nowhere: an explicit null must fail as it does in jsonschema.
        for key, value in data.items():
            if value is None:
                raise ValueError(f'"{key}" must not be null; leave the field out instead')
        # populate_by_name is for Python callers; a document may use only the
        # schema's names ("$schema", never "schema_uri").
        if info.context and info.context.get(_DOCUMENT):
            for name, field in cls.model_fields.items():
                if field.alias is not None and field.alias != name and name in data:
                    raise ValueError(
                        f'unknown field "{name}" (the schema calls it "{field.alias}")'
                    )
        return data


class Usage(_Model):
    """Tokens and cost spent producing and refining the plan, summed over every model call."""

    input_tokens: int | None = Field(None, ge=0)
    output_tokens: int | None = Field(None, ge=0)
    cache_read_input_tokens: int | None = Field(None, ge=0)
    cache_creation_input_tokens: int | None = Field(None, ge=0)
    cost_usd: NonNegativeNumber | None = None


class Source(_Model):
    """Where the plan came from and what producing it cost."""

    kind: Literal["claude", "import", "manual"]
    model: str | None = Field(None, min_length=1)
    importer: str | None = Field(None, min_length=1)
    usage: Usage | None = None


class InputState(_Model):
    """The state the subtask starts from: what already exists and holds before work begins."""

    summary: str = Field(min_length=1)
    preconditions: list[NonEmptyStr] = Field(min_length=1)
    artifacts: list[NonEmptyStr] | None = None


class Verify(_Model):
    """How to verify the statement: a command with an expected result (preferred), or a
    review by a named role.
    """

    method: Literal["command", "review"]
    command: str | None = Field(None, min_length=1)
    # The schema documents a default of 0; it stays None here so that dumping a
    # criterion never adds a key the author did not write.
    expect_exit: int | None = Field(None, ge=0, le=255)
    # Not compiled: the schema's "format": "regex" is an annotation no validator checks.
    expect_output: str | None = None
    timeout_s: int | None = Field(None, ge=1, le=86400)
    reviewer: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _command_when_method_is_command(self) -> Verify:
        # The schema's if/then.
        if self.method == "command" and self.command is None:
            raise ValueError('"command" is required when method is "command"')
        return self


class Criterion(_Model):
    """One acceptance criterion: a single observable outcome and how to verify it."""

    statement: str = Field(min_length=1)
    verify: Verify


class PauseBoundary(_Model):
    """A condition under which the agent must stop and involve a human."""

    trigger: str = Field(min_length=1)
    action: Literal["ask", "confirm", "stop"]
    question: str | None = Field(None, min_length=1)
    reason: str | None = Field(None, min_length=1)


class Risk(_Model):
    """What is at stake and how cheaply the result can be verified; decides the autonomy
    the subtask may have.
    """

    stakes: Literal["low", "high"]
    verification_cost: Literal["cheap", "expensive"]
    reversible: bool


class Review(_Model):
    """A human reviewer's verdict on this subtask."""

    status: Literal["pending", "approved", "changes_requested"]
    notes: str | None = None
    by: str | None = Field(None, min_length=1)
    at: DateTime | None = None


class Tracker(_Model):
    """One ticket in an issue tracker."""

    system: str = Field(min_length=1)
    key: str = Field(min_length=1)
    url: str | None = Field(None, min_length=1)


# The schema's "$defs/trackers": one ticket (as plans written before multi-tracker push
# have it), or an array of them.
Trackers = Tracker | Annotated[list[Tracker], Field(min_length=1)]


class Evidence(_Model):
    """The result of running one command criterion."""

    criterion: int = Field(ge=0)
    at: DateTime
    exit_code: int | None = None
    passed: bool
    output_tail: str | None = None


class Subtask(_Model):
    """One piece of the task that an agent can take on its own: where it starts, what done
    means, when to stop and ask, and how much autonomy it gets.
    """

    id: SubtaskId
    title: str = Field(min_length=3, max_length=120)
    goal: str = Field(min_length=1, max_length=4000)
    input_state: InputState
    acceptance: list[Criterion] = Field(min_length=1)
    pause_boundaries: list[PauseBoundary] = Field(min_length=1)
    autonomy: Literal["propose", "gated", "autonomous"]
    risk: Risk
    depends_on: Annotated[list[SubtaskId], UniqueItems()] | None = None
    estimate: Literal["XS", "S", "M", "L", "XL"] | None = None
    labels: list[NonEmptyStr] | None = None
    review: Review | None = None
    tracker: Trackers | None = None
    evidence: list[Evidence] | None = None


class Plan(_Model):
    """A broad engineering task decomposed into subtasks that can each be handed to an
    agent. Every subtask states where it starts (input state), how done is checked
    (acceptance criteria), when the agent must stop and ask a human (pause boundaries),
    and how much autonomy it gets given its stakes and how cheaply it can be verified.
    """

    schema_uri: str | None = Field(None, alias="$schema")
    version: Literal[1]
    id: str = Field(pattern=PLAN_ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    task: str = Field(min_length=1, max_length=50000)
    context: str | None = Field(None, max_length=200000)
    created_at: DateTime | None = None
    updated_at: DateTime | None = None
    source: Source | None = None
    tracker: Trackers | None = None
    subtasks: list[Subtask] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_an_integer(cls, value: Any) -> Any:
        # A Literal compares by equality even in strict mode, so True and 1.0 would pass.
        if type(value) is not int:
            raise ValueError(f"version must be the integer 1, got {value!r}")
        return value

    @classmethod
    def from_dict(cls, data: Any) -> Plan:
        """Validate a plan document (a dict parsed from JSON)."""
        return cls.model_validate(data, context={_DOCUMENT: True})

    def to_dict(self) -> dict:
        """The plan as a JSON-ready dict holding exactly the keys that were set."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
