"""Decompose, repair, refine and review, through Claude.

``Engine`` runs each operation as a sequence of streamed calls and reports what happens
through ``on_event`` (a plain callable: the CLI prints, the TUI posts a Message). Every
operation returns an outcome and never raises for an API or model fault; cancellation
(``asyncio.CancelledError``) propagates, and what arrived before it stays in the run's
``draft``.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from decomposer.check.findings import ERROR, WARNING, Finding
from decomposer.check.validate import Report, validate_plan
from decomposer.claude import failures, prompts, tools
from decomposer.claude.config import Settings
from decomposer.claude.failures import CallFailure
from decomposer.claude.stream import ArrayItemScanner, CallResult, OnItem, stream_call
from decomposer.claude.usage import Usage
from decomposer.clock import rfc3339, utc_now
from decomposer.plan import contract
from decomposer.plan.json_types import JsonObject
from decomposer.plan.names import safe_filename
from decomposer.plan.pointers import parse_pointer, pointer

if TYPE_CHECKING:
    import anthropic

MAX_REPAIR_ROUNDS = 2
MODEL_REVIEW_RULE = "model-review"


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallStarted:
    purpose: str  # decompose, repair, refine, review
    attempt: int
    max_tokens: int


@dataclass(frozen=True)
class Progress:
    output_tokens: int  # estimated while streaming


@dataclass(frozen=True)
class SubtaskReady:
    index: int
    subtask: JsonObject


@dataclass(frozen=True)
class CallEnded:
    purpose: str
    usage: Usage  # this call's
    total: Usage  # the operation's so far
    cost_usd: float | None
    failure: CallFailure | None


@dataclass(frozen=True)
class RepairRound:
    round: int
    findings: list[Finding]


@dataclass(frozen=True)
class Retrying:
    failure: CallFailure
    max_tokens: int


Event = CallStarted | Progress | SubtaskReady | CallEnded | RepairRound | Retrying
OnEvent = Callable[[Event], None]


# --- outcomes ---------------------------------------------------------------------------

OK = "ok"  # a plan with no errors
DRAFT = "draft"  # a plan, but errors remain after repair
FAILED = "failed"  # a call failed; ``plan`` holds what arrived (may be None)


@dataclass
class Outcome:
    status: str
    plan: JsonObject | None
    report: Report | None
    failure: CallFailure | None = None
    usage: Usage = field(default_factory=Usage)
    repair_rounds: int = 0
    # refine: the replacement subtasks; review: the model's findings
    replacement: list[JsonObject] = field(default_factory=list)
    note: str = ""
    findings: list[Finding] = field(default_factory=list)


def _now() -> str:
    return rfc3339(utc_now())


class Engine:
    def __init__(self, client: anthropic.AsyncAnthropic, settings: Settings, on_event: OnEvent | None = None):
        self.client = client
        self.settings = settings
        self.on_event = on_event or (lambda event: None)
        self.draft: JsonObject | None = None  # the best plan so far; survives cancellation
        self.usage = Usage()  # the current operation's calls

    @property
    def model(self) -> str:
        return self.settings.model

    # --- one call, with the retries that make sense -------------------------------------

    def _request(self, messages: list[JsonObject], tool: str, max_tokens: int) -> JsonObject:
        return {
            "model": self.model,
            "max_tokens": max_tokens,
            # The long static contract first, marked for caching: tools + system prompt
            # are the same on every call, so repair, refine and review read them from
            # the cache.
            "system": [{"type": "text", "text": prompts.system_prompt(), "cache_control": {"type": "ephemeral"}}],
            "tools": tools.tool_definitions(),
            "tool_choice": {"type": "tool", "name": tool},
            "messages": messages,
        }

    async def _call(
        self,
        purpose: str,
        messages: list[JsonObject],
        tool: str,
        *,
        on_item: OnItem | None = None,
        scanner: ArrayItemScanner | None = None,
    ) -> CallResult:
        """One logical call: retries once with a larger budget after max_tokens, and
        once after a transient fault mid-stream (the SDK retries faults before the
        stream starts). Returns the last attempt, or the one that got furthest.
        A ``Retrying`` event means the items start again from index 0."""
        max_tokens = self.settings.max_tokens
        best: CallResult | None = None
        transient_retries = 1
        attempt = 0
        while True:
            attempt += 1
            self.on_event(CallStarted(purpose, attempt, max_tokens))
            if scanner is not None and attempt > 1:
                scanner.reset()
            result = CallResult()
            try:
                await stream_call(
                    self.client,
                    self._request(messages, tool, max_tokens),
                    scanner=scanner,
                    on_item=on_item,
                    on_progress=lambda n: self.on_event(Progress(n)),
                    result=result,
                )
            except asyncio.CancelledError:
                # What a cancelled call spent still counts towards the operation and the plan.
                self.usage = self.usage + result.usage
                if self.draft is not None and isinstance(self.draft.get("source"), dict):
                    self.draft["source"]["usage"] = self.usage.to_source_usage(self.model)
                self.on_event(CallEnded(purpose, result.usage, self.usage, self.usage.cost_usd(self.model), None))
                raise
            except Exception as exc:  # noqa: BLE001 - the request failed before the stream began
                result = CallResult(failure=failures.from_exception(exc, self.model))
            self.usage = self.usage + result.usage
            self.on_event(CallEnded(purpose, result.usage, self.usage, self.usage.cost_usd(self.model), result.failure))
            if best is None or len(result.items) >= len(best.items):
                best = result
            failure = result.failure
            if failure is None:
                return result
            if failure.kind == failures.MAX_TOKENS and max_tokens < self.settings.retry_max_tokens:
                max_tokens = self.settings.retry_max_tokens
            elif result.started and failure.transient and transient_retries > 0:
                # The SDK retried faults before the stream; a fault midway is ours to retry.
                transient_retries -= 1
                if self.settings.stream_retry_delay:
                    await asyncio.sleep(self.settings.stream_retry_delay)
            else:
                # Report the last failure but keep the furthest progress.
                if best is not result:
                    best = copy.copy(best)
                    best.failure = failure
                return best
            self.on_event(Retrying(failure, max_tokens))

    @staticmethod
    def _answer_turns(result: CallResult, text: str) -> list[JsonObject]:
        """The model's tool call, then a tool_result that rejects it with ``text``. The
        tool_use id is the one the API gave the block (ids must be unique)."""
        tool_id = result.tool_use_id or f"toolu_decomposer_{id(result):x}"
        return [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": tool_id, "name": result.tool_name, "input": result.tool_input}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": tool_id, "is_error": True, "content": text}],
            },
        ]

    # --- decompose ----------------------------------------------------------------------

    def _plan_from(self, tool_input: JsonObject, task: str, context: str | None, created_at: str) -> JsonObject:
        """A contract plan from the model's tool input: decomposer fills what it owns."""
        plan: JsonObject = {"version": 1}
        title = tool_input.get("title") if isinstance(tool_input.get("title"), str) else ""
        plan["id"] = safe_filename(title or task[:60], 48)
        plan["title"] = title or "Untitled plan"
        plan["task"] = task
        model_context = tool_input.get("context")
        merged_context = "\n\n".join(
            c for c in (context, model_context if isinstance(model_context, str) else None) if c
        )
        if merged_context:
            plan["context"] = merged_context
        plan["created_at"] = created_at
        plan["updated_at"] = _now()
        plan["source"] = {"kind": "claude", "model": self.model, "usage": self.usage.to_source_usage(self.model)}
        subtasks = tool_input.get("subtasks")
        plan["subtasks"] = subtasks if isinstance(subtasks, list) else []
        return plan

    async def decompose(self, task: str, context: str | None = None) -> Outcome:
        """Stream a plan for ``task``; repair it up to twice. ``self.draft`` holds the
        best plan so far at every moment: the subtasks that have arrived while the first
        reply streams (a retry replaces them only once it has delivered as many), then
        the complete plan with the fewest errors."""
        created_at = _now()
        self.draft = None
        self.usage = Usage()
        scanner = ArrayItemScanner("subtasks")

        def on_item(item: Any) -> None:
            arrived = list(scanner.items)
            if self.draft is None or len(arrived) >= len(self.draft["subtasks"]):
                head = scanner.partial()  # title and context come before the subtasks
                head["subtasks"] = arrived
                self.draft = self._plan_from(head, task, context, created_at)
            self.on_event(SubtaskReady(len(arrived) - 1, item))

        messages: list[JsonObject] = [
            {"role": "user", "content": [{"type": "text", "text": prompts.decompose_message(task, context)}]}
        ]
        result = await self._call("decompose", messages, tools.SUBMIT_PLAN, on_item=on_item, scanner=scanner)
        if result.failure is not None:
            head = dict(result.partial)
            head["subtasks"] = list(result.items)
            plan = self._plan_from(head, task, context, created_at) if result.items else None
            if plan is None or (self.draft and len(self.draft["subtasks"]) > len(plan["subtasks"])):
                plan = self.draft
            self.draft = plan
            return Outcome(FAILED, plan, validate_plan(plan) if plan else None, result.failure, self.usage)
        rounds = 0
        best: tuple[JsonObject, Report] | None = None
        while True:
            plan = self._plan_from(result.answer(), task, context, created_at)
            report = validate_plan(plan)
            if best is None or len(report.errors) <= len(best[1].errors):
                best = (plan, report)
            self.draft = best[0]
            if not report.errors:
                return Outcome(OK, plan, report, None, self.usage, rounds)
            if rounds == MAX_REPAIR_ROUNDS:
                return self._final_draft(best, rounds)
            fixable = [f for f in report.errors if not _owned_by_decomposer(f.path)]
            if not fixable:  # nothing the model can change: e.g. the user's own task text
                return self._final_draft(best, rounds)
            rounds += 1
            self.on_event(RepairRound(rounds, fixable))
            messages = messages + self._answer_turns(result, prompts.repair_message([f.to_dict() for f in fixable]))
            result = await self._call("repair", messages, tools.SUBMIT_PLAN)
            if result.failure is not None:
                plan, report = self._final_plan(best)
                return Outcome(FAILED, plan, report, result.failure, self.usage, rounds)

    def _final_plan(self, best: tuple[JsonObject, Report]) -> tuple[JsonObject, Report]:
        plan, report = best
        plan["source"]["usage"] = self.usage.to_source_usage(self.model)
        self.draft = plan
        return plan, report

    def _final_draft(self, best: tuple[JsonObject, Report], rounds: int) -> Outcome:
        plan, report = self._final_plan(best)
        return Outcome(DRAFT if report.errors else OK, plan, report, None, self.usage, rounds)

    # --- refine -------------------------------------------------------------------------

    async def refine(self, plan: JsonObject, subtask_id: str, instruction: str) -> Outcome:
        """Replacement subtasks for ``subtask_id``, spliced into a copy of ``plan`` and
        checked; the parts' own errors are sent back up to twice. ``plan`` is not changed."""
        self.usage = Usage()
        position = _index_of(plan, subtask_id)
        if position is None:
            raise ValueError(f'no subtask "{subtask_id}" in the plan')
        other_ids = {s.get("id") for s in plan["subtasks"] if isinstance(s, dict)} - {subtask_id}
        messages: list[JsonObject] = [
            {
                "role": "user",
                "content": [{"type": "text", "text": prompts.refine_message(plan, subtask_id, instruction)}],
            }
        ]
        rounds = 0
        best: Outcome | None = None
        best_own = 0  # errors in the best outcome's own parts
        while True:
            result = await self._call("refine" if not rounds else "repair", messages, tools.SUBMIT_SUBTASKS)
            if result.failure is not None:
                if best is not None:
                    best.failure, best.usage = result.failure, self.usage
                    return best
                return Outcome(FAILED, None, None, result.failure, self.usage, rounds)
            answer = result.answer()
            replacement = answer.get("subtasks")
            if (
                not isinstance(replacement, list)
                or not replacement
                or not all(isinstance(s, dict) for s in replacement)
            ):
                failure = CallFailure(
                    failures.BAD_OUTPUT, "Claude returned no usable replacement subtasks", "try again"
                )
                return best or Outcome(FAILED, None, None, failure, self.usage, rounds)
            replacement = renumber(replacement, subtask_id, other_ids)
            new_plan = splice(plan, position, replacement)
            report = validate_plan(new_plan)
            note = answer["note"] if isinstance(answer.get("note"), str) else ""
            own = _findings_in(report.errors, position, len(replacement))
            outcome = Outcome(OK if not own else DRAFT, new_plan, report, None, self.usage, rounds, replacement, note)
            if best is None or len(own) <= best_own:
                best, best_own = outcome, len(own)
            if not own or rounds == MAX_REPAIR_ROUNDS:
                best.usage = self.usage
                return best
            rounds += 1
            self.on_event(RepairRound(rounds, own))
            text = prompts.refine_repair_message(_rebased(own, position, replacement))
            messages = messages + self._answer_turns(result, text)

    # --- review -------------------------------------------------------------------------

    async def review(self, plan: JsonObject) -> Outcome:
        """A checker pass in a fresh conversation: findings with rule model-review."""
        self.usage = Usage()
        messages = [{"role": "user", "content": [{"type": "text", "text": prompts.review_message(plan)}]}]
        result = await self._call("review", messages, tools.SUBMIT_REVIEW)
        if result.failure is not None:
            return Outcome(FAILED, plan, None, result.failure, self.usage)
        answer = result.answer()
        problem = tools.review_input_problem(answer)
        if problem:
            failure = CallFailure(
                failures.BAD_OUTPUT, f"the review reply does not match its schema ({problem})", "try again"
            )
            return Outcome(FAILED, plan, None, failure, self.usage)
        findings = review_findings(plan, answer["findings"])
        return Outcome(OK, plan, None, None, self.usage, findings=findings)


# --- helpers (pure) -----------------------------------------------------------------------


def add_usage(plan: JsonObject, usage: Usage, model: str) -> None:
    """Add an operation's tokens and cost to the plan's ``source.usage`` totals."""
    source = plan.setdefault("source", {"kind": "manual"})
    if not isinstance(source, dict):
        return
    totals = source.get("usage")
    if not isinstance(totals, dict):
        totals = source["usage"] = {}
    for key, value in usage.to_source_usage(model).items():
        old = totals.get(key, 0)
        old = old if isinstance(old, (int, float)) and not isinstance(old, bool) else 0
        totals[key] = round(old + value, 6) if isinstance(value, float) else old + value


def _index_of(plan: JsonObject, subtask_id: str) -> int | None:
    for i, subtask in enumerate(plan.get("subtasks", [])):
        if isinstance(subtask, dict) and subtask.get("id") == subtask_id:
            return i
    return None


def renumber(replacement: list[JsonObject], original_id: str, other_ids: set[Any]) -> list[JsonObject]:
    """Ids for replacement subtasks: one keeps the original id; several become
    <id>.1, <id>.2, ... (skipping ids the plan already uses). Dependencies between the
    parts follow the renaming; dependencies on the original id inside the parts are
    dropped (a part cannot depend on what it replaces)."""
    replacement = copy.deepcopy(replacement)
    if len(replacement) == 1:
        new_ids = [original_id]
    else:
        new_ids, n = [], 0
        for _ in replacement:
            n += 1
            while f"{original_id}.{n}" in other_ids:
                n += 1
            new_ids.append(f"{original_id}.{n}")
    mapping = {s.get("id"): new for s, new in zip(replacement, new_ids) if isinstance(s.get("id"), str)}
    for subtask, new_id in zip(replacement, new_ids):
        subtask["id"] = new_id
        deps = subtask.get("depends_on")
        if isinstance(deps, list):
            rewired = []
            for dep in deps:
                dep = mapping.get(dep, dep)
                if dep != new_id and dep != original_id and dep not in rewired:
                    rewired.append(dep)
            if rewired:
                subtask["depends_on"] = rewired
            else:
                subtask.pop("depends_on")
    return replacement


def splice(plan: JsonObject, position: int, replacement: list[JsonObject]) -> JsonObject:
    """A copy of ``plan`` with the subtask at ``position`` replaced. Subtasks that
    depended on the replaced one now depend on every part of it."""
    original_id = plan["subtasks"][position]["id"]
    new_ids = [s["id"] for s in replacement]
    new_plan = copy.deepcopy(plan)
    subtasks = new_plan["subtasks"]
    subtasks[position : position + 1] = replacement
    if new_ids != [original_id]:
        for subtask in subtasks:
            deps = subtask.get("depends_on") if isinstance(subtask, dict) else None
            if isinstance(deps, list) and original_id in deps and subtask not in replacement:
                at = deps.index(original_id)
                deps[at : at + 1] = [i for i in new_ids if i not in deps]
    new_plan["updated_at"] = _now()
    return new_plan


def _findings_in(findings: list[Finding], start: int, count: int) -> list[Finding]:
    return [f for f in findings if f.subtask_index is not None and start <= f.subtask_index < start + count]


def _rebased(findings: list[Finding], start: int, replacement: list[JsonObject]) -> list[JsonObject]:
    """Findings about the replacement parts, with pointers into the model's own
    submission (``/subtasks/<k>``) and the part's id, so the model can find them."""
    rebased = []
    for finding in findings:
        if finding.subtask_index is None:
            continue  # never: the callers pass ``_findings_in``'s findings, all inside the parts
        k = finding.subtask_index - start
        item = finding.to_dict()
        item["path"] = pointer("subtasks", k, *parse_pointer(finding.path)[2:])
        item["subtask"] = replacement[k].get("id")
        rebased.append(item)
    return rebased


def _owned_by_decomposer(path: str) -> bool:
    """Whether a finding at ``path`` is about a field the model cannot fix: one decomposer
    fills itself, or ``context``, which the engineer gives and the model's notes are only
    appended to (``_plan_from``), so it is never sent back for repair either."""
    owned = [pointer(name) for name in contract.filled_fields(contract.PLAN, (contract.DECOMPOSER,))]
    return any(path == top or path.startswith(top + "/") for top in [*owned, pointer("context")])


def review_findings(plan: JsonObject, raw: Any) -> list[Finding]:
    """The checker model's findings as warnings with rule ``model-review``. A finding
    that names an unknown subtask is kept at plan level, with the name in the message."""
    found: list[Finding] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("message"), str) or not item["message"].strip():
            continue
        sid = item.get("subtask") if isinstance(item.get("subtask"), str) and item.get("subtask") else None
        index = _index_of(plan, sid) if sid else None
        message = " ".join(item["message"].split())
        if sid and index is None:
            message = f"(about {sid}, which is not in the plan) {message}"
            sid = None
        field_name = item.get("field")
        path = ""
        if index is not None:
            known = isinstance(field_name, str) and field_name in tools.review_subtask_fields()
            path = pointer("subtasks", index, field_name) if known else pointer("subtasks", index)
        hint = item.get("hint") if isinstance(item.get("hint"), str) else None
        found.append(Finding(MODEL_REVIEW_RULE, WARNING, sid, path, message, hint))
    return found


__all__ = ["Engine", "Outcome", "OK", "DRAFT", "FAILED", "ERROR"]
