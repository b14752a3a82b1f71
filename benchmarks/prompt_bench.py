"""Prompt size: what each request to Claude carries, and how much of it is cacheable.

Captures the exact request bodies the engine sends, through the real anthropic SDK and
the fake Messages API of tests/helpers/fakeapi.py behind httpx2.MockTransport (no network), for:

  decompose   the first call, for the task and context of examples/db-migration.json
  repair      the second call of that conversation, after a reply with one schema error
  refine      splitting subtask S3 of examples/db-migration.json (5 subtasks)
  review      the checker pass over the same plan

and prints per request the body's exact size in bytes, the characters of what the model
reads, part by part (tools: name, description and input_schema as compact JSON; the
system prompt; messages: text, tool_use input as compact JSON, tool_result text), and
an ESTIMATE of tokens.

Tokens are estimated, not counted: no tokenizer for current Claude models is available
offline. The exact figure comes from the Messages API's count_tokens endpoint
(``client.messages.count_tokens(model=..., system=..., tools=..., messages=...)``), which
needs the network and a key, so this script does not call it. The estimate divides
characters by 3.5, the rule of thumb for Claude on English text and the ratio the
engine itself uses for its streaming progress (decomposer.claude.stream.CHARS_PER_TOKEN);
JSON and schemas tokenize denser than prose, so the text report also gives the range
for 4 to 3 characters per token.

Cacheable share: the engine puts ``cache_control`` on the system block, and the cache
prefix runs tools, then system, then messages, so tools + system prompt are the static
prefix every call shares. The share is prefix characters / request characters, a ratio
that does not depend on the characters-per-token estimate. Not counted: the tool-use
system prompt the API adds itself (a few hundred tokens, model-dependent, the same on
every call), and message framing.

Usage: python benchmarks/prompt_bench.py [--smoke] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import Figure, to_json  # noqa: E402

from decomposer.claude.config import Settings  # noqa: E402
from decomposer.claude.engine import OK, Engine  # noqa: E402
from decomposer.claude.prompts import plan_json  # noqa: E402
from decomposer.claude.stream import CHARS_PER_TOKEN  # noqa: E402
from decomposer.claude.tools import SUBMIT_PLAN, SUBMIT_REVIEW, SUBMIT_SUBTASKS  # noqa: E402
from helpers.fakeapi import FakeMessagesAPI, ToolReply  # noqa: E402

EXAMPLE = ROOT / "examples" / "db-migration.json"
REFINED = "S3"
INSTRUCTION = "Split the backfill into the batch job and the verification that every row was filled."
# Bounds of the estimate: dense JSON (3 characters per token) to plain prose (4).
DENSE, SPARSE = 3.0, 4.0


@dataclass
class SizedFake(FakeMessagesAPI):
    """The fake API, also recording each request body's size on the wire."""

    body_bytes: list[int] = field(default_factory=list)

    def handler(self, request):
        self.body_bytes.append(len(request.content))
        return super().handler(request)


@dataclass(frozen=True)
class Request:
    name: str
    body_bytes: int
    tools_chars: int
    system_chars: int
    messages_chars: int

    @property
    def prefix_chars(self) -> int:
        return self.tools_chars + self.system_chars

    @property
    def chars(self) -> int:
        return self.prefix_chars + self.messages_chars

    @property
    def cacheable(self) -> float:
        return self.prefix_chars / self.chars


def compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def block_chars(block: dict) -> int:
    kind = block.get("type")
    if kind == "text":
        return len(block["text"])
    if kind == "tool_use":
        return len(compact(block["input"]))
    if kind == "tool_result":
        content = block.get("content", "")
        return len(content) if isinstance(content, str) else sum(block_chars(b) for b in content)
    raise ValueError(f"a {kind} block in a request: this benchmark does not know how to size it")


def measure(name: str, body: dict, body_bytes: int) -> Request:
    tools = [{key: tool[key] for key in ("name", "description", "input_schema")} for tool in body["tools"]]
    system = body["system"]
    if not any("cache_control" in block for block in system):
        raise SystemExit("the system prompt is no longer marked for caching: the prefix figures would be wrong")
    messages = sum(
        len(m["content"]) if isinstance(m["content"], str) else sum(block_chars(b) for b in m["content"])
        for m in body["messages"]
    )
    return Request(name, body_bytes, len(compact(tools)), sum(len(b["text"]) for b in system), messages)


def tokens(chars: int, per_token: float = CHARS_PER_TOKEN) -> int:
    return round(chars / per_token)


def capture(replies: list, operation) -> tuple[SizedFake, object]:
    fake = SizedFake(replies)
    engine = Engine(fake.client(max_retries=0), Settings(stream_retry_delay=0))
    outcome = asyncio.run(operation(engine))
    return fake, outcome


def requests_of(plan: dict) -> list[Request]:
    reply = {"title": plan["title"], "subtasks": copy.deepcopy(plan["subtasks"])}
    broken = copy.deepcopy(reply)
    del broken["subtasks"][1]["goal"]  # one schema error, which the engine sends back for repair

    def decompose(engine):
        return engine.decompose(plan["task"], plan.get("context"))

    fake, outcome = capture([ToolReply(SUBMIT_PLAN, broken), ToolReply(SUBMIT_PLAN, reply)], decompose)
    assert outcome.status == OK and outcome.repair_rounds == 1, outcome.failure
    found = [
        measure("decompose", fake.requests[0].body, fake.body_bytes[0]),
        measure("repair", fake.requests[1].body, fake.body_bytes[1]),
    ]

    part = next(s for s in plan["subtasks"] if s["id"] == REFINED)
    fake, outcome = capture(
        [ToolReply(SUBMIT_SUBTASKS, {"subtasks": [part], "note": "unchanged"})],
        lambda engine: engine.refine(plan, REFINED, INSTRUCTION),
    )
    assert outcome.status == OK, outcome.failure
    found.append(measure("refine", fake.requests[0].body, fake.body_bytes[0]))

    fake, outcome = capture([ToolReply(SUBMIT_REVIEW, {"findings": []})], lambda engine: engine.review(plan))
    assert outcome.status == OK, outcome.failure
    found.append(measure("review", fake.requests[0].body, fake.body_bytes[0]))

    prefixes = {(r.tools_chars, r.system_chars) for r in found}
    if len(prefixes) != 1:
        raise SystemExit(f"the requests do not share one static prefix: {sorted(prefixes)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted for run_all.py; sizes are exact, no repeats")
    parser.add_argument("--smoke", action="store_true", help="accepted for run_all.py; the same as a full run")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures (for run_all.py)")
    args = parser.parse_args(argv)

    plan = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    found = requests_of(plan)
    prefix = found[0]
    per_subtask = sum(len(plan_json(s)) for s in plan["subtasks"]) / len(plan["subtasks"])
    estimate = f"tokens estimated at {CHARS_PER_TOKEN} characters per token; no offline Claude tokenizer"

    if args.json:
        figures = [
            Figure("static prefix (tools + system)", tokens(prefix.prefix_chars), "tokens (est.)"),
            Figure("static prefix, tools part", tokens(prefix.tools_chars), "tokens (est.)"),
        ]
        for request in found:
            figures += [
                Figure(f"{request.name} request", tokens(request.chars), "tokens (est.)"),
                Figure(f"{request.name} request, cacheable share", request.cacheable * 100, "%"),
            ]
        figures += [
            Figure("decompose request body", found[0].body_bytes, "bytes"),
            Figure("plan JSON per subtask in refine/review", tokens(per_subtask), "tokens (est.)"),
        ]
        print(to_json("prompt", figures, f"{EXAMPLE.name} ({len(plan['subtasks'])} subtasks); {estimate}"))
        return 0

    print(
        f"requests as the engine sends them for {EXAMPLE.name} ({len(plan['subtasks'])} subtasks); "
        f"{estimate} (range at {SPARSE:.0f} to {DENSE:.0f})"
    )
    print(
        f"static prefix, the same on every call: tools {prefix.tools_chars:,} + system {prefix.system_chars:,} "
        f"= {prefix.prefix_chars:,} characters, ~{tokens(prefix.prefix_chars):,} tokens "
        f"({tokens(prefix.prefix_chars, SPARSE):,}-{tokens(prefix.prefix_chars, DENSE):,})"
    )
    print(
        f"{'request':<10} {'body bytes':>11} {'characters':>11} {'~tokens':>8} {'range':>13} "
        f"{'messages':>9} {'cacheable':>10}"
    )
    for r in found:
        spread = f"{tokens(r.chars, SPARSE):,}-{tokens(r.chars, DENSE):,}"
        print(
            f"{r.name:<10} {r.body_bytes:>11,} {r.chars:>11,} {tokens(r.chars):>8,} {spread:>13} "
            f"{r.messages_chars:>9,} {r.cacheable:>10.0%}"
        )
    print(
        f"each subtask of a plan adds ~{tokens(per_subtask):,} tokens to refine and review requests "
        f"({per_subtask:,.0f} characters of JSON)"
    )
    print(
        "cacheable = tools + system / whole request; the breakpoint sits on the system prompt, so "
        "the repair call's earlier turns are sent uncached"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
