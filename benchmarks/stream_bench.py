"""Streaming benchmark: a 12-subtask plan served through the fake Messages API.

Prints (1) when the first SubtaskReady event fired, as a fraction of the whole stream,
at a steady token rate (the tool streams eagerly, as ``eager_input_streaming`` asks the
real API to), median of 3 streams (about 10 s each at 400 tokens/s); (2) the client's
cost per streamed token: the engine's path (SDK raw events + our scanner + events)
against the SDK's raw event loop alone, with no delay, median of 7 runs. No network:
the fake sits behind httpx2.MockTransport.

    python benchmarks/stream_bench.py [--rate TOKENS_PER_S] [--repeat 3] [--quick] [--smoke] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from figures import Figure, to_json  # noqa: E402

from decomposer.claude.config import Settings  # noqa: E402
from decomposer.claude.engine import Engine, SubtaskReady  # noqa: E402
from decomposer.claude.stream import CHARS_PER_TOKEN  # noqa: E402
from decomposer.claude.tools import SUBMIT_PLAN  # noqa: E402
from helpers.claude_replies import twelve_subtasks  # noqa: E402
from helpers.fakeapi import FakeMessagesAPI, ToolReply, split_awkwardly  # noqa: E402

SUBTASKS = 12
FIRST_SUBTASK_AIM = 0.15  # fraction of the stream


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
    engine = Engine(
        fake.client(max_retries=0),
        Settings(),
        on_event=lambda e: marks.append(time.perf_counter()) if isinstance(e, SubtaskReady) else None,
    )
    start = time.perf_counter()
    outcome = await engine.decompose("Export the monthly report as CSV.")
    total = time.perf_counter() - start
    assert outcome.status == "ok" and len(marks) == SUBTASKS, outcome.failure
    return (marks[0] - start) / total, total, int(tokens)


async def raw_sdk_pass(fake: FakeMessagesAPI) -> float:
    client = fake.client(max_retries=0)
    start = time.perf_counter()
    stream = await client.messages.create(
        model="claude-opus-5-5", max_tokens=16000, stream=True, messages=[{"role": "user", "content": "x"}]
    )
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
    return statistics.median(raw), statistics.median(ours), tokens, deltas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=400.0, help="tokens per second the fake streams (default 400)")
    parser.add_argument("--repeat", type=int, default=3, help="streams timed for the first-subtask fraction")
    parser.add_argument("--quick", action="store_true", help="one timed stream, 3 overhead runs")
    parser.add_argument("--smoke", action="store_true", help="a fast stream, one run each: proves the script works")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures (for run_all.py)")
    args = parser.parse_args(argv)
    rate, repeat, runs = args.rate, args.repeat, 7
    if args.quick:
        repeat, runs = 1, 3
    if args.smoke:
        rate, repeat, runs = float("inf"), 1, 1  # no delay between deltas
    streams = [asyncio.run(first_subtask_fraction(rate)) for _ in range(repeat)]
    fraction = statistics.median(s[0] for s in streams)
    total = statistics.median(s[1] for s in streams)
    tokens = streams[0][2]
    raw, ours, tokens2, deltas = asyncio.run(overhead(runs))
    per_token_raw = raw / tokens2 * 1e6
    per_token_ours = ours / tokens2 * 1e6
    if args.json:
        print(
            to_json(
                "stream",
                [
                    Figure("first subtask, fraction of the stream", fraction, "", f"<= {FIRST_SUBTASK_AIM}"),
                    Figure("client time per token, SDK raw events", per_token_raw, "µs"),
                    Figure("client time per token, engine", per_token_ours, "µs"),
                    Figure("client overhead per token", per_token_ours - per_token_raw, "µs"),
                ],
                f"{SUBTASKS} subtasks at {rate:.0f} tokens/s, median of {repeat}; per token: no delay, median of {runs}",
            )
        )
        return 0
    print(f"python {sys.version.split()[0]}; plan of {SUBTASKS} subtasks, ~{tokens:,} output tokens, {deltas:,} deltas")
    print(
        f"first subtask event at {fraction:.3f} of the stream ({fraction * total:.2f} s of {total:.2f} s "
        f"at {rate:.0f} tokens/s, median of {repeat}; aim <= {FIRST_SUBTASK_AIM})"
    )
    print(
        f"client time per token, no delay, median of {runs}: SDK raw events {per_token_raw:.1f} µs, "
        f"engine (events + scanner + validation + prompt) {per_token_ours:.1f} µs, "
        f"overhead {per_token_ours - per_token_raw:.1f} µs/token"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
