"""Streaming benchmark: a 12-subtask plan served through the fake Messages API.

Prints (1) when the first SubtaskReady event fired, as a fraction of the whole stream,
at a steady token rate (the tool streams eagerly, as ``eager_input_streaming`` asks the
real API to); (2) the client's cost per streamed token: the engine's path
(SDK raw events + our scanner + events) against the SDK's raw event loop alone, with no
delay, best of several runs. No network: the fake sits behind httpx2.MockTransport.

    python benchmarks/stream_bench.py [--rate TOKENS_PER_S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fakeapi import FakeMessagesAPI, ToolReply, split_awkwardly  # noqa: E402
from test_engine import twelve_subtasks  # noqa: E402

from decomposer.claude.config import Settings  # noqa: E402
from decomposer.claude.engine import Engine, SubtaskReady  # noqa: E402
from decomposer.claude.stream import CHARS_PER_TOKEN  # noqa: E402
from decomposer.claude.tools import SUBMIT_PLAN  # noqa: E402

SUBTASKS = 12


def twelve() -> dict:
    return twelve_subtasks()


async def first_subtask_fraction(rate: float) -> tuple[float, float, int]:
    data = twelve()
    text = json.dumps(data, indent=1)
    deltas = len(split_awkwardly(text, 7))
    tokens = len(text) / CHARS_PER_TOKEN
    delay = tokens / rate / deltas  # seconds between deltas for a steady token rate
    fake = FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data, delay=delay)])
    marks: list[float] = []
    engine = Engine(fake.client(max_retries=0), Settings(),
                    on_event=lambda e: marks.append(time.perf_counter()) if isinstance(e, SubtaskReady) else None)
    start = time.perf_counter()
    outcome = await engine.decompose("Export the monthly report as CSV.")
    total = time.perf_counter() - start
    assert outcome.status == "ok" and len(marks) == SUBTASKS, outcome.failure
    return (marks[0] - start) / total, total, int(tokens)


async def raw_sdk_pass(fake: FakeMessagesAPI) -> float:
    client = fake.client(max_retries=0)
    start = time.perf_counter()
    stream = await client.messages.create(model="claude-opus-5-5", max_tokens=16000, stream=True,
                                          messages=[{"role": "user", "content": "x"}])
    async for _ in stream:
        pass
    return time.perf_counter() - start


async def engine_pass(fake: FakeMessagesAPI) -> float:
    engine = Engine(fake.client(max_retries=0), Settings())
    start = time.perf_counter()
    outcome = await engine.decompose("Export the monthly report as CSV.")
    elapsed = time.perf_counter() - start
    assert outcome.status == "ok"
    return elapsed


async def overhead(runs: int = 7) -> tuple[float, float, int, int]:
    data = twelve()
    text = json.dumps(data, indent=1)
    tokens = int(len(text) / CHARS_PER_TOKEN)
    deltas = len(split_awkwardly(text, 7))
    raw, ours = [], []
    for _ in range(runs):
        raw.append(await raw_sdk_pass(FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data)])))
        ours.append(await engine_pass(FakeMessagesAPI([ToolReply(SUBMIT_PLAN, data)])))
    return min(raw), min(ours), tokens, deltas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=400.0, help="tokens per second the fake streams (default 400)")
    args = parser.parse_args()
    fraction, total, tokens = asyncio.run(first_subtask_fraction(args.rate))
    raw, ours, tokens2, deltas = asyncio.run(overhead())
    print(f"python {sys.version.split()[0]}; plan of {SUBTASKS} subtasks, ~{tokens:,} output tokens, {deltas:,} deltas")
    print(f"first subtask event at {fraction:.3f} of the stream ({fraction * total:.2f} s of {total:.2f} s "
          f"at {args.rate:.0f} tokens/s; aim <= 0.15)")
    per_token_raw = raw / tokens2 * 1e6
    per_token_ours = ours / tokens2 * 1e6
    print(f"client time per token, no delay, best of 7: SDK raw events {per_token_raw:.1f} µs, "
          f"engine (events + scanner + validation + prompt) {per_token_ours:.1f} µs, "
          f"overhead {per_token_ours - per_token_raw:.1f} µs/token")


if __name__ == "__main__":
    main()
