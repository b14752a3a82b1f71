"""A valid plan and the mutations the schema must reject or accept, shared by the schema tests."""

from __future__ import annotations

import copy

# Keys in schema order, so a dump reproduces the same JSON text.
VALID_PLAN = {
    "$schema": "https://decomposer.dev/schemas/plan.schema.json",
    "version": 1,
    "id": "orders-pagination",
    "title": "Paginate the /orders endpoint",
    "task": "GET /orders returns every order of a customer at once; page it.",
    "context": "Flask app in api/; Postgres 16; ask @dana about the mobile client.",
    "created_at": "2026-11-22T10:15:00Z",
    "updated_at": "2026-11-22T11:15:00.250+01:00",
    "source": {
        "kind": "claude",
        "model": "claude-opus-5-5",
        "usage": {
            "input_tokens": 5120,
            "output_tokens": 2048,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 4096,
            "cost_usd": 0.4213,
        },
    },
    "tracker": {"system": "github", "key": "#41", "url": "https://github.com/acme/shop/issues/41"},
    "subtasks": [
        {
            "id": "S1",
            "title": "Add a limit and cursor to the orders query",
            "goal": "Let the repository return one page of orders so the endpoint can page.",
            "input_state": {
                "summary": "api/orders.py loads all orders of a customer in one query.",
                "preconditions": ["`pytest -q tests/orders` exits 0 on main"],
                "artifacts": ["api/orders.py", "tests/orders/"],
            },
            "acceptance": [
                {
                    "statement": "list_orders(customer, limit=50) returns at most 50 orders",
                    "verify": {
                        "method": "command",
                        "command": "pytest -q tests/orders/test_paging.py",
                        "expect_exit": 0,
                        "expect_output": "[0-9]+ passed",
                        "timeout_s": 300,
                    },
                }
            ],
            "pause_boundaries": [
                {
                    "trigger": "If the diff touches files outside api/ and tests/",
                    "action": "stop",
                    "reason": "Keeps the change reviewable in one sitting.",
                }
            ],
            "autonomy": "autonomous",
            "risk": {"stakes": "low", "verification_cost": "cheap", "reversible": True},
            "estimate": "S",
            "labels": ["backend"],
            "review": {
                "status": "approved",
                "notes": "",
                "by": "dana",
                "at": "2026-11-22T12:00:00Z",
            },
            "tracker": {"system": "github", "key": "#42", "url": "https://github.com/acme/shop/issues/42"},
            "evidence": [
                {
                    "criterion": 0,
                    "at": "2026-11-23T09:00:00Z",
                    "exit_code": 0,
                    "passed": True,
                    "output_tail": "12 passed in 0.84s",
                }
            ],
        },
        {
            "id": "S2",
            "title": "Expose page and cursor on GET /orders",
            "goal": "Clients fetch orders page by page instead of all at once.",
            "input_state": {
                "summary": "S1 is merged; GET /orders still returns every order.",
                "preconditions": ["S1 is merged into main"],
            },
            "acceptance": [
                {
                    "statement": "GET /orders?customer=42 returns 200 with at most 50 items",
                    "verify": {"method": "command", "command": "pytest -q tests/api/test_orders.py"},
                },
                {
                    "statement": "The mobile team accepts the cursor format",
                    "verify": {"method": "review", "reviewer": "mobile lead"},
                },
            ],
            "pause_boundaries": [
                {
                    "trigger": "When about to deploy to production",
                    "action": "confirm",
                    "question": "May the paged endpoint go live before the mobile release?",
                }
            ],
            "autonomy": "gated",
            "risk": {"stakes": "high", "verification_cost": "cheap", "reversible": False},
            "depends_on": ["S1"],
            "estimate": "M",
        },
    ],
}


def valid_plan() -> dict:
    return copy.deepcopy(VALID_PLAN)


def at(document, path):
    for key in path:
        document = document[key]
    return document


def put(*path_and_value):
    *path, value = path_and_value

    def mutate(document):
        at(document, path[:-1])[path[-1]] = value

    return mutate


def drop(*path):
    def mutate(document):
        del at(document, path[:-1])[path[-1]]

    return mutate


REJECTED = {
    "version-2": put("version", 2),
    "version-true": put("version", True),
    "slug-uppercase": put("id", "Orders_Pagination"),
    "slug-too-long": put("id", "a" * 65),
    "slug-trailing-newline": put("id", "orders\n"),
    "title-empty": put("title", ""),
    "title-too-long": put("title", "x" * 201),
    "context-null": put("context", None),
    "schema-uri-by-field-name": put("schema_uri", "x"),
    "created-at-yesterday": put("created_at", "yesterday"),
    "created-at-no-zone": put("created_at", "2026-11-22T10:15:00"),
    "created-at-trailing-newline": put("created_at", "2026-11-22T10:15:00Z\n"),
    "no-subtasks": put("subtasks", []),
    "extra-top-level-field": put("owner", "dana"),
    "usage-input-tokens-negative": put("source", "usage", "input_tokens", -1),
    "usage-cost-negative": put("source", "usage", "cost_usd", -0.5),
    "source-kind-unknown": put("source", "kind", "gpt"),
    "subtask-id-lowercase": put("subtasks", 0, "id", "s1"),
    "subtask-id-trailing-newline": put("subtasks", 0, "id", "S1\n"),
    "subtask-title-too-short": put("subtasks", 0, "title", "Do"),
    "extra-subtask-field": put("subtasks", 0, "priority", 1),
    "preconditions-empty": put("subtasks", 0, "input_state", "preconditions", []),
    "pause-boundaries-missing": drop("subtasks", 0, "pause_boundaries"),
    "pause-action-maybe": put("subtasks", 0, "pause_boundaries", 0, "action", "maybe"),
    "autonomy-full": put("subtasks", 0, "autonomy", "full"),
    "stakes-medium": put("subtasks", 0, "risk", "stakes", "medium"),
    "reversible-string": put("subtasks", 0, "risk", "reversible", "no"),
    "command-method-without-command": drop("subtasks", 0, "acceptance", 0, "verify", "command"),
    "expect-exit-256": put("subtasks", 0, "acceptance", 0, "verify", "expect_exit", 256),
    "expect-exit-string": put("subtasks", 0, "acceptance", 0, "verify", "expect_exit", "0"),
    "timeout-0": put("subtasks", 0, "acceptance", 0, "verify", "timeout_s", 0),
    "timeout-over-a-day": put("subtasks", 0, "acceptance", 0, "verify", "timeout_s", 86401),
    "depends-on-duplicate": put("subtasks", 1, "depends_on", ["S1", "S1"]),
    "depends-on-bad-id": put("subtasks", 1, "depends_on", ["S1\n"]),
    "estimate-XXL": put("subtasks", 0, "estimate", "XXL"),
    "label-empty": put("subtasks", 0, "labels", [""]),
    "review-status-done": put("subtasks", 0, "review", "status", "done"),
    "tracker-without-key": drop("subtasks", 0, "tracker", "key"),
    "tracker-empty-array": put("subtasks", 0, "tracker", []),
    "tracker-array-item-without-key": put("subtasks", 0, "tracker", [{"system": "github"}]),
    "tracker-string": put("subtasks", 0, "tracker", "#42"),
    "plan-tracker-without-system": drop("tracker", "system"),
    "evidence-without-passed": drop("subtasks", 0, "evidence", 0, "passed"),
    "evidence-criterion-negative": put("subtasks", 0, "evidence", 0, "criterion", -1),
}


def drop_optional_subtask_fields(document):
    for subtask in document["subtasks"]:
        for key in ("depends_on", "estimate", "labels", "review", "tracker", "evidence"):
            subtask.pop(key, None)


ACCEPTED = {
    "no-optional-top-level-fields": lambda d: [
        d.pop(k) for k in ("$schema", "context", "created_at", "updated_at", "source", "tracker")
    ],
    "no-optional-subtask-fields": drop_optional_subtask_fields,
    "source-without-usage": drop("source", "usage"),
    "usage-empty": put("source", "usage", {}),
    "cost-integer": put("source", "usage", "cost_usd", 0),
    "review-without-reviewer": drop("subtasks", 1, "acceptance", 1, "verify", "reviewer"),
    "command-with-defaults": lambda d: [
        at(d, ("subtasks", 0, "acceptance", 0, "verify")).pop(k) for k in ("expect_exit", "expect_output", "timeout_s")
    ],
    "expect-exit-255": put("subtasks", 0, "acceptance", 0, "verify", "expect_exit", 255),
    # format "regex" is an annotation: neither side compiles it.
    "expect-output-not-a-regex": put("subtasks", 0, "acceptance", 0, "verify", "expect_output", "("),
    "timeout-a-day": put("subtasks", 0, "acceptance", 0, "verify", "timeout_s", 86400),
    "nested-subtask-id": put("subtasks", 1, "id", "S2.1.3"),
    "datetime-lowercase-with-offset": put("created_at", "2026-11-22t10:15:00.5-05:30"),
    "context-empty": put("context", ""),
    "exit-code-negative": put("subtasks", 0, "evidence", 0, "exit_code", -9),
    "labels-empty": put("subtasks", 0, "labels", []),
    "slug-64-chars": put("id", "a" * 64),
    # One ticket per place the plan was pushed to (a GitHub repository, a Linear team).
    "tracker-array": put(
        "subtasks",
        0,
        "tracker",
        [
            {"system": "github", "key": "#42", "url": "https://github.com/acme/shop/issues/42"},
            {"system": "linear", "key": "ENG-7"},
        ],
    ),
    "plan-tracker-array": put("tracker", [{"system": "linear", "key": "ENG-6"}]),
}
