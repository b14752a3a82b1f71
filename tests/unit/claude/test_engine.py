"""The Claude engine through the real anthropic SDK and a fake Messages API (no network)."""

from __future__ import annotations

import asyncio
import copy
import json

import pytest

from decomposer.check.validate import validate_plan
from decomposer.claude import failures
from decomposer.claude.config import Settings
from decomposer.claude.engine import (
    DRAFT,
    FAILED,
    OK,
    CallEnded,
    Engine,
    RepairRound,
    Retrying,
    SubtaskReady,
    renumber,
)
from decomposer.claude.prompts import system_prompt
from decomposer.claude.stream import ArrayItemScanner
from decomposer.claude.tools import SUBMIT_PLAN, SUBMIT_REVIEW, SUBMIT_SUBTASKS
from helpers.claude_replies import KEY, TASK, broken_input, plan_input, twelve_subtasks
from helpers.fakeapi import FakeMessagesAPI, StatusError, TextReply, ToolReply, refusal
from helpers.plans import clean_plan

FAST = Settings(stream_retry_delay=0)


def run(fake: FakeMessagesAPI, operation, settings: Settings | None = None, max_retries: int = 0):
    events: list = []
    engine = Engine(fake.client(api_key=KEY, max_retries=max_retries), settings or FAST, on_event=events.append)
    outcome = asyncio.run(operation(engine))
    return engine, outcome, events


def decompose(fake, **kw):
    return run(fake, lambda engine: engine.decompose(TASK), **kw)


# --- happy path -----------------------------------------------------------------------------


def test_happy_path_streams_each_subtask_and_fills_what_the_tool_owns():
    reply = ToolReply(
        SUBMIT_PLAN,
        twelve_subtasks(),
        input_tokens=3100,
        output_tokens=2900,
        cache_read_input_tokens=4000,
        cache_creation_input_tokens=0,
    )
    engine, outcome, events = decompose(FakeMessagesAPI([reply]))
    assert outcome.status == OK and outcome.failure is None
    ready = [e for e in events if isinstance(e, SubtaskReady)]
    assert [e.index for e in ready] == list(range(12))
    assert [e.subtask["id"] for e in ready] == [f"S{n}" for n in range(1, 13)]
    plan = outcome.plan
    assert plan["version"] == 1 and plan["task"] == TASK and plan["id"] == "twelve-parts"
    assert plan["source"]["kind"] == "claude" and plan["source"]["model"] == "claude-opus-5-5"
    usage = plan["source"]["usage"]
    assert usage["input_tokens"] == 3100 and usage["output_tokens"] == 2900
    assert usage["cache_read_input_tokens"] == 4000
    # 3100*4 + 2900*20 + 4000*0.2 per million
    assert usage["cost_usd"] == pytest.approx((3100 * 4 + 2900 * 20 + 4000 * 0.2) / 1e6)
    assert validate_plan(plan).errors == []
    assert engine.draft is plan
    ended = [e for e in events if isinstance(e, CallEnded)]
    assert len(ended) == 1 and ended[0].cost_usd == pytest.approx(usage["cost_usd"])


def test_request_body_model_no_sampling_params_cache_control_and_schema():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, plan_input())])
    decompose(fake, settings=Settings(model="claude-sonnet-5-5", max_tokens=9000))
    [request] = fake.requests
    body = request.body
    assert request.url.endswith("/v1/messages")
    assert request.headers["authorization"] == f"Bearer {KEY}" or request.headers.get("x-api-key") == KEY
    assert body["model"] == "claude-sonnet-5-5" and body["max_tokens"] == 9000 and body["stream"] is True
    assert not {"temperature", "top_p", "top_k"} & set(body)
    system = body["system"]
    assert system[-1]["cache_control"] == {"type": "ephemeral"}
    assert system[0]["text"] == system_prompt()
    assert body["tool_choice"] == {"type": "tool", "name": SUBMIT_PLAN}
    tools = {t["name"]: t for t in body["tools"]}
    assert set(tools) == {SUBMIT_PLAN, SUBMIT_SUBTASKS, SUBMIT_REVIEW}
    schema = tools[SUBMIT_PLAN]["input_schema"]
    assert tools[SUBMIT_PLAN]["strict"] is True
    assert set(schema["properties"]) == {"title", "context", "subtasks"}
    subtask = schema["$defs"]["subtask"]
    assert {"input_state", "acceptance", "pause_boundaries", "autonomy", "risk"} <= set(subtask["required"])
    assert not {"review", "tracker", "evidence"} & set(subtask["properties"])
    assert TASK in body["messages"][0]["content"][0]["text"]


def test_every_call_sends_the_same_cacheable_prefix():
    """tools + system are identical across decompose, repair, refine and review."""
    fake = FakeMessagesAPI(
        [
            ToolReply(SUBMIT_PLAN, broken_input()),
            ToolReply(SUBMIT_PLAN, plan_input()),
            ToolReply(SUBMIT_SUBTASKS, {"subtasks": [clean_plan()["subtasks"][0]], "note": "n"}),
            ToolReply(SUBMIT_REVIEW, {"findings": []}),
        ]
    )
    engine = Engine(fake.client(api_key=KEY, max_retries=0), Settings())

    async def all_calls():
        outcome = await engine.decompose(TASK)
        await engine.refine(outcome.plan, "S1", "tighten it")
        await engine.review(outcome.plan)

    asyncio.run(all_calls())
    assert len(fake.requests) == 4
    prefixes = {json.dumps([r.body["tools"], r.body["system"]], sort_keys=True) for r in fake.requests}
    assert len(prefixes) == 1


def test_context_is_sent_and_kept_in_the_plan():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, {**plan_input(), "context": "Assumed: Django 5."})])
    _, outcome, _ = run(fake, lambda e: e.decompose(TASK, "Repo uses Django; CI on GitHub Actions."))
    assert "<context>\nRepo uses Django" in fake.requests[0].body["messages"][0]["content"][0]["text"]
    assert outcome.plan["context"] == "Repo uses Django; CI on GitHub Actions.\n\nAssumed: Django 5."


# --- repair -----------------------------------------------------------------------------------


def test_repair_fixes_a_schema_error_and_a_cycle():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, broken_input()), ToolReply(SUBMIT_PLAN, plan_input())])
    _, outcome, events = decompose(fake)
    assert outcome.status == OK and outcome.repair_rounds == 1
    [round_event] = [e for e in events if isinstance(e, RepairRound)]
    assert {f.rule for f in round_event.findings} == {"schema", "dependency-cycle"}
    repair = fake.requests[1].body["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    tool_use = repair[1]["content"][0]
    assert tool_use["type"] == "tool_use" and tool_use["input"] == broken_input()
    result = repair[2]["content"][0]
    assert result["type"] == "tool_result" and result["tool_use_id"] == tool_use["id"] and result["is_error"] is True
    assert "/subtasks/1/acceptance/1/verify/method" in result["content"] and "dependency cycle" in result["content"]
    # usage of both calls is totalled
    assert outcome.plan["source"]["usage"]["input_tokens"] == 2 * 2400


def test_repair_gives_up_after_two_rounds_and_keeps_the_draft():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, broken_input()) for _ in range(3)])
    _, outcome, events = decompose(fake)
    assert outcome.status == DRAFT and outcome.repair_rounds == 2 and len(fake.requests) == 3
    assert len([e for e in events if isinstance(e, RepairRound)]) == 2
    assert len(outcome.plan["subtasks"]) == 2
    assert {f.rule for f in outcome.report.errors} == {"schema", "dependency-cycle"}


def test_a_failed_repair_keeps_the_last_complete_plan():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, broken_input()), StatusError(500)])
    _, outcome, _ = decompose(fake)
    assert outcome.status == FAILED and outcome.failure.kind == failures.SERVER
    assert [s["id"] for s in outcome.plan["subtasks"]] == ["S1", "S2"]


# --- every way a call can end -----------------------------------------------------------------


@pytest.mark.parametrize(
    "status, kind, words",
    [
        (401, failures.AUTH, "API key was rejected"),
        (403, failures.PERMISSION, "refused access"),
        (404, failures.NOT_FOUND, 'model "claude-opus-5-5" was not found'),
        (400, failures.BAD_REQUEST, "rejected the request"),
        (413, failures.TOO_LARGE, "too large"),
        (429, failures.RATE_LIMITED, "rate limited"),
        (529, failures.OVERLOADED, "overloaded"),
        (500, failures.SERVER, "server error"),
    ],
)
def test_status_errors_become_one_line_outcomes(status, kind, words):
    _, outcome, _ = decompose(FakeMessagesAPI([StatusError(status)]))
    assert outcome.status == FAILED and outcome.plan is None
    assert outcome.failure.kind == kind and outcome.failure.status == status
    assert words in outcome.failure.message and outcome.failure.hint
    assert "\n" not in outcome.failure.one_line()


def test_429_then_success_is_retried_by_the_sdk():
    fake = FakeMessagesAPI([StatusError(429), ToolReply(SUBMIT_PLAN, plan_input())])
    _, outcome, _ = decompose(fake, max_retries=2)
    assert outcome.status == OK and len(fake.requests) == 2


def test_529_persisting_fails_after_the_sdk_retries():
    fake = FakeMessagesAPI([StatusError(529)], repeat_last=True)
    _, outcome, _ = decompose(fake, max_retries=2)
    assert outcome.failure.kind == failures.OVERLOADED and len(fake.requests) == 3
    assert "still after retries" in outcome.failure.message


@pytest.mark.parametrize(
    "fault, kind",
    [
        ("drop", failures.CONNECTION),
        ("truncate", failures.TRUNCATED),
        ("malformed", failures.MALFORMED),
        ("bad-shape", failures.MALFORMED),
        ("error-event", failures.STREAM_ERROR),
    ],
)
def test_mid_stream_faults_are_retried_once_then_keep_the_subtasks_that_arrived(fault, kind):
    data = twelve_subtasks()
    # fault after about half the text: several subtasks are complete by then
    after = len(ToolReply(SUBMIT_PLAN, data).events("m")) // 2
    replies = [ToolReply(SUBMIT_PLAN, data, fault=fault, fault_after=after) for _ in range(2)]
    engine, outcome, events = decompose(FakeMessagesAPI(replies))
    assert outcome.status == FAILED and outcome.failure.kind == kind
    assert [e for e in events if isinstance(e, Retrying)]
    arrived = outcome.plan["subtasks"]
    assert 3 <= len(arrived) < 12
    assert arrived == data["subtasks"][: len(arrived)]
    assert outcome.plan["title"] == "Twelve parts" and engine.draft is outcome.plan
    # output tokens of the cut streams are estimated, not counted as 1
    assert outcome.usage.output_tokens > 100


def test_a_mid_stream_fault_then_success():
    data = twelve_subtasks()
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data, fault="drop", fault_after=40), ToolReply(SUBMIT_PLAN, data)])
    _, outcome, events = decompose(fake)
    assert outcome.status == OK and len(outcome.plan["subtasks"]) == 12
    ready = [e.index for e in events if isinstance(e, SubtaskReady)]
    assert ready[-12:] == list(range(12))  # the retry streams from index 0 again


def test_refusal_shows_category_and_explanation_and_is_not_retried():
    fake = FakeMessagesAPI([refusal("cyber", "The request could enable malware development.")])
    _, outcome, _ = decompose(fake)
    assert outcome.failure.kind == failures.REFUSAL and len(fake.requests) == 1
    assert "category cyber" in outcome.failure.message
    assert "malware development" in outcome.failure.message


def test_refusal_without_category():
    _, outcome, _ = decompose(FakeMessagesAPI([refusal(None, "")]))
    assert "category unspecified" in outcome.failure.message


def test_max_tokens_retries_once_with_a_larger_budget():
    data = twelve_subtasks()
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data, stop_reason="max_tokens"), ToolReply(SUBMIT_PLAN, data)])
    _, outcome, events = decompose(fake, settings=Settings(max_tokens=1000, retry_max_tokens=5000))
    assert outcome.status == OK
    assert [r.body["max_tokens"] for r in fake.requests] == [1000, 5000]
    assert [e.max_tokens for e in events if isinstance(e, Retrying)] == [5000]


def test_max_tokens_twice_is_reported_with_the_draft():
    data = twelve_subtasks()
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data, stop_reason="max_tokens") for _ in range(2)])
    _, outcome, _ = decompose(fake, settings=Settings(max_tokens=1000, retry_max_tokens=5000))
    assert outcome.failure.kind == failures.MAX_TOKENS and "5,000" in outcome.failure.message
    assert len(fake.requests) == 2 and len(outcome.plan["subtasks"]) == 12


def test_context_window_exceeded():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, plan_input(), stop_reason="model_context_window_exceeded")])
    _, outcome, _ = decompose(fake)
    assert outcome.failure.kind == failures.CONTEXT_WINDOW and "context window" in outcome.failure.message


def test_text_instead_of_a_tool_call():
    _, outcome, _ = decompose(FakeMessagesAPI([TextReply(), TextReply()]))
    assert outcome.failure.kind == failures.NO_TOOL_CALL


def test_cancellation_keeps_the_subtasks_that_arrived():
    data = twelve_subtasks()
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data, delay=0.002)])
    engine = Engine(fake.client(api_key=KEY, max_retries=0), Settings())
    seen: list = []

    async def cancel_after_three():
        task = asyncio.ensure_future(engine.decompose(TASK))
        engine.on_event = lambda e: (
            seen.append(e),
            len([x for x in seen if isinstance(x, SubtaskReady)]) == 3 and task.cancel(),
        )
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_three())
    assert engine.draft is not None
    assert [s["id"] for s in engine.draft["subtasks"]] == ["S1", "S2", "S3"]
    assert engine.draft["title"] == "Twelve parts"
    # The cancelled call's tokens are billed: they count in the operation and the draft.
    ended = [e for e in seen if isinstance(e, CallEnded)]
    assert len(ended) == 1 and ended[0].usage.input_tokens > 0 and ended[0].usage.output_tokens > 0
    assert engine.usage.input_tokens == ended[0].usage.input_tokens
    assert engine.draft["source"]["usage"]["input_tokens"] == engine.usage.input_tokens
    assert engine.draft["source"]["usage"]["output_tokens"] == engine.usage.output_tokens > 0


# --- the scanner ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64])
def test_scanner_finds_items_whatever_the_chunking(size):
    tricky = {
        "title": 'a "quoted" {title} [x]',
        "subtasks": [
            {"id": "S1", "goal": 'braces } { and ] [ and "escaped \\" quote" and backslash \\\\'},
            {"id": "S2", "nested": {"list": [{"a": 1}, {"b": [2, 3]}]}, "goal": "\\u00e9 done"},
            {"id": "S3", "goal": "ends with backslash \\\\"},
        ],
    }
    text = json.dumps(tricky, indent=1)
    scanner = ArrayItemScanner("subtasks")
    found = []
    for i in range(0, len(text), size):
        found += scanner.feed(text[i : i + size])
        if i == len(text) // 2 // size * size:  # reading the text midway must not disturb the scan
            assert scanner.text == text[: i + size]
    assert found == tricky["subtasks"]
    assert scanner.text == text
    assert scanner.partial() == {"title": tricky["title"]}


def test_scanner_ignores_arrays_under_other_keys():
    scanner = ArrayItemScanner("subtasks")
    text = json.dumps({"labels": [{"x": 1}], "subtasks": [{"id": "S1"}], "other": [{"y": 2}]})
    assert scanner.feed(text) == [{"id": "S1"}]


# --- refine -------------------------------------------------------------------------------------


def _split_parts():
    base = clean_plan()["subtasks"][0]
    first, second = copy.deepcopy(base), copy.deepcopy(base)
    first["id"], first["title"] = "S1.1", "Write the CSV header row"
    second["id"], second["title"], second["depends_on"] = "S1.2", "Write the CSV line rows", ["S1.1"]
    return [first, second]


def test_refine_splits_keeps_other_ids_and_rewires_dependencies():
    plan = clean_plan()
    fake = FakeMessagesAPI([ToolReply(SUBMIT_SUBTASKS, {"subtasks": _split_parts(), "note": "split header from rows"})])
    _, outcome, _ = run(fake, lambda e: e.refine(plan, "S1", "split this subtask"))
    assert outcome.status == OK and outcome.note == "split header from rows"
    ids = [s["id"] for s in outcome.plan["subtasks"]]
    assert ids == ["S1.1", "S1.2", "S2"]
    assert outcome.plan["subtasks"][1]["depends_on"] == ["S1.1"]
    assert outcome.plan["subtasks"][2]["depends_on"] == ["S1.1", "S1.2"]
    assert plan["subtasks"][0]["id"] == "S1"  # the input plan is not changed
    body = fake.requests[0].body
    assert body["tool_choice"] == {"type": "tool", "name": SUBMIT_SUBTASKS}
    assert "split this subtask" in body["messages"][0]["content"][0]["text"]


def test_refine_repairs_a_replacement_with_errors():
    bad = _split_parts()
    bad[0]["autonomy"] = "autonomous"
    bad[0]["risk"] = {"stakes": "high", "verification_cost": "expensive", "reversible": True}
    fake = FakeMessagesAPI(
        [
            ToolReply(SUBMIT_SUBTASKS, {"subtasks": bad, "note": "n"}),
            ToolReply(SUBMIT_SUBTASKS, {"subtasks": _split_parts(), "note": "n"}),
        ]
    )
    _, outcome, events = run(fake, lambda e: e.refine(clean_plan(), "S1", "split"))
    assert outcome.status == OK and outcome.repair_rounds == 1
    assert [f.rule for e in events if isinstance(e, RepairRound) for f in e.findings] == ["autonomy-exceeds-risk"]
    assert "submit_subtasks" in fake.requests[1].body["messages"][2]["content"][0]["content"]


def test_renumber_and_splice_are_pure():
    parts = renumber([{"id": "A", "depends_on": ["B", "S9"]}, {"id": "B", "depends_on": ["S3"]}], "S3", {"S3.1"})
    assert [p["id"] for p in parts] == ["S3.2", "S3.3"]
    assert parts[0]["depends_on"] == ["S3.3", "S9"] and "depends_on" not in parts[1]


# --- review -------------------------------------------------------------------------------------


def test_review_findings_are_model_review_warnings_pointing_at_fields():
    findings = {
        "findings": [
            {
                "subtask": "S2",
                "field": "pause_boundaries",
                "message": "no gate before the deploy",
                "hint": "add a confirm boundary",
            },
            {"subtask": "S9", "field": "goal", "message": "refers to a subtask that does not exist", "hint": "h"},
            {"subtask": "", "field": "plan", "message": "nothing covers the docs", "hint": "add a docs subtask"},
        ]
    }
    fake = FakeMessagesAPI([ToolReply(SUBMIT_REVIEW, findings)])
    _, outcome, _ = run(fake, lambda e: e.review(clean_plan()))
    assert outcome.status == OK
    got = [(f.rule, f.severity, f.subtask, f.path) for f in outcome.findings]
    assert got == [
        ("model-review", "warning", "S2", "/subtasks/1/pause_boundaries"),
        ("model-review", "warning", None, ""),
        ("model-review", "warning", None, ""),
    ]
    assert "S9" in outcome.findings[1].message
    review_prompt = fake.requests[0].body["messages"][0]["content"][0]["text"]
    assert "You are now the checker" in review_prompt and '"S2"' in review_prompt


def test_unknown_model_shows_tokens_only():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, plan_input())])
    _, outcome, _ = decompose(fake, settings=Settings(model="local-llama-70b"))
    assert "cost_usd" not in outcome.plan["source"]["usage"]
    assert "cost unknown" in outcome.usage.describe("local-llama-70b")


# --- regressions from review ---------------------------------------------------------------


def test_each_repair_round_answers_the_tool_use_id_the_api_gave():
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, broken_input()) for _ in range(3)])
    _, outcome, _ = decompose(fake)
    assert outcome.status == DRAFT  # the fake would answer 400 to a duplicated id
    last = fake.requests[2].body["messages"]
    uses = [b["id"] for m in last for b in m["content"] if b.get("type") == "tool_use"]
    results = [b["tool_use_id"] for m in last for b in m["content"] if b.get("type") == "tool_result"]
    assert len(set(uses)) == 2 and results == uses and all(u.startswith("toolu_fake") for u in uses)


def test_the_fake_rejects_what_the_real_api_rejects():
    assert "unique" in FakeMessagesAPI.request_problem(
        {
            "messages": [
                {"role": "assistant", "content": [{"type": "tool_use", "id": "a"}]},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "a"}]},
            ]
        }
    )
    assert "temperature" in FakeMessagesAPI.request_problem({"temperature": 0.2, "messages": []})


def test_the_draft_is_the_plan_with_the_fewest_errors():
    worse = broken_input()
    worse["subtasks"][0]["autonomy"] = "autonomous"
    worse["subtasks"][0]["risk"]["stakes"] = "high"
    fake = FakeMessagesAPI(
        [ToolReply(SUBMIT_PLAN, broken_input()), ToolReply(SUBMIT_PLAN, worse), ToolReply(SUBMIT_PLAN, worse)]
    )
    _, outcome, _ = decompose(fake)
    assert outcome.status == DRAFT
    assert {f.rule for f in outcome.report.errors} == {"schema", "dependency-cycle"}


def test_errors_in_fields_decomposer_owns_are_not_sent_for_repair():
    task = "x" * 50_001  # over the schema's limit: only the user can fix it
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, plan_input())])
    _, outcome, events = run(fake, lambda e: e.decompose(task))
    assert outcome.status == DRAFT and len(fake.requests) == 1
    assert not [e for e in events if isinstance(e, RepairRound)]


def test_cancelling_during_a_retry_keeps_the_longer_draft():
    data = twelve_subtasks()
    fake = FakeMessagesAPI(
        [ToolReply(SUBMIT_PLAN, data, fault="drop", fault_after=900), ToolReply(SUBMIT_PLAN, data, delay=0.002)]
    )
    engine = Engine(fake.client(api_key=KEY, max_retries=0), FAST)
    seen: list = []

    async def cancel_early_in_the_retry():
        task = asyncio.ensure_future(engine.decompose(TASK))

        def on_event(event):
            seen.append(event)
            retried = any(isinstance(e, Retrying) for e in seen)
            if retried and isinstance(event, SubtaskReady) and event.index == 1:
                task.cancel()

        engine.on_event = on_event
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_early_in_the_retry())
    first_attempt = (
        max(
            e.index
            for e in seen[: next(i for i, e in enumerate(seen) if isinstance(e, Retrying))]
            if isinstance(e, SubtaskReady)
        )
        + 1
    )
    assert first_attempt > 2 and len(engine.draft["subtasks"]) == first_attempt


def test_review_reply_that_breaks_its_schema_is_a_failure_not_a_clean_review():
    _, outcome, _ = run(
        FakeMessagesAPI(
            [
                ToolReply(SUBMIT_REVIEW, {"findings": "none"}),
            ]
        ),
        lambda e: e.review(clean_plan()),
    )
    assert outcome.status == FAILED and outcome.failure.kind == failures.BAD_OUTPUT


def test_refine_repair_points_into_the_submission_by_part_id():
    plan = clean_plan()
    base = plan["subtasks"][1]
    risky = copy.deepcopy(base)
    risky.update(id="S2.1", title="Ship the button", autonomy="autonomous")
    safe = copy.deepcopy(base)
    safe.update(id="S2.2", title="Document the button")
    fake = FakeMessagesAPI(
        [
            ToolReply(SUBMIT_SUBTASKS, {"subtasks": [risky, safe], "note": "n"}),
            ToolReply(SUBMIT_SUBTASKS, {"subtasks": [dict(risky, autonomy="gated"), safe], "note": "n"}),
        ]
    )
    _, outcome, _ = run(fake, lambda e: e.refine(plan, "S2", "split"))
    assert outcome.status == OK
    answer = fake.requests[1].body["messages"][2]["content"][0]["content"]
    assert "S2.1 /subtasks/0/autonomy" in answer and "submit_subtasks" in answer and "submit_plan" not in answer


def test_review_field_of_the_wrong_type_is_kept_at_subtask_level():
    from decomposer.claude.engine import review_findings

    [finding] = review_findings(clean_plan(), [{"subtask": "S1", "field": ["x"], "message": "m", "hint": "h"}])
    assert finding.path == "/subtasks/0"


def test_prompt_too_long_is_a_context_window_failure():
    fake = FakeMessagesAPI([StatusError(400, "prompt is too long: 210000 tokens > 200000 maximum")])
    _, outcome, _ = decompose(fake)
    assert outcome.failure.kind == failures.CONTEXT_WINDOW


def test_operations_report_their_own_usage():
    fake = FakeMessagesAPI(
        [
            ToolReply(SUBMIT_PLAN, plan_input(), input_tokens=1000),
            ToolReply(SUBMIT_PLAN, plan_input(), input_tokens=1000),
        ]
    )
    engine = Engine(fake.client(api_key=KEY, max_retries=0), FAST)

    async def twice():
        await engine.decompose(TASK)
        return await engine.decompose(TASK)

    outcome = asyncio.run(twice())
    assert outcome.plan["source"]["usage"]["input_tokens"] == 1000
