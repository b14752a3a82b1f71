"""One streamed model call: raw SSE events in, the tool's input and each finished
subtask out, as soon as it is complete.

We read the SDK's raw event stream (``messages.create(stream=True)``) rather than the
accumulating helper, which re-parses the whole tool input on every delta. Here each
delta is scanned once for the few characters that matter (quotes, backslashes,
brackets), so the cost per token is constant, and a subtask is parsed exactly once,
when its closing brace arrives."""

from __future__ import annotations

import asyncio
import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from decomposer.claude.failures import BAD_OUTPUT, NO_TOOL_CALL, CallFailure, from_exception, from_stop_reason
from decomposer.claude.usage import Usage
from decomposer.plan.json_types import JsonObject

if TYPE_CHECKING:
    import anthropic

_STRUCTURAL = re.compile(r'[\\"{}\[\]]')
_KEY_BEFORE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*$')
# Rough output-token estimate while streaming (the exact count arrives at the end).
CHARS_PER_TOKEN = 3.5


class ArrayItemScanner:
    """Feeds on a growing JSON object text; reports each complete object in the
    top-level array named ``key`` (``"subtasks"``) as soon as its closing brace arrives."""

    def __init__(self, key: str = "subtasks"):
        self.key = key
        self.reset()

    def reset(self) -> None:
        """Start over, for a retried call."""
        # The text is kept as its chunks: appending to one string copies it each time,
        # which is quadratic over a long reply. Items are cut from the chunks they span.
        self._chunks: list[str] = []
        self._starts: list[int] = []  # offset of each chunk in the text
        self._length = 0
        self._joined: str | None = ""
        self._depth = 0
        self._in_string = False
        self._escaped = False  # the previous character was a backslash inside a string
        self._in_array = False
        self._item_start: int | None = None
        self._array_start: int | None = None  # where the array began: what precedes it is complete
        self._head: JsonObject | None = None
        self.items: list[Any] = []

    @property
    def text(self) -> str:
        """Everything fed so far."""
        if self._joined is None:
            self._joined = "".join(self._chunks)
            self._chunks, self._starts = [self._joined], [0]
        return self._joined

    def _slice(self, start: int, end: int) -> str:
        """``text[start:end]``, joining only the chunks that range spans."""
        start = max(0, start)
        first = bisect.bisect_right(self._starts, start) - 1
        last = bisect.bisect_left(self._starts, end)
        joined = "".join(self._chunks[first:last])
        base = self._starts[first]
        return joined[start - base : end - base]

    def feed(self, chunk: str) -> list[Any]:
        """Add a chunk; return the items completed by it."""
        offset = self._length
        if chunk:
            self._chunks.append(chunk)
            self._starts.append(offset)
            self._length += len(chunk)
            self._joined = None
        done: list[Any] = []
        skip_until = -1
        if self._escaped and chunk:
            self._escaped = False
            skip_until = offset  # the first character of this chunk is escaped
        for match in _STRUCTURAL.finditer(chunk):
            i = offset + match.start()
            if i <= skip_until:
                continue
            char = match.group()
            if self._in_string:
                if char == "\\":
                    if i + 1 < self._length:
                        skip_until = i + 1
                    else:
                        self._escaped = True
                elif char == '"':
                    self._in_string = False
                continue
            if char == '"':
                self._in_string = True
            elif char in "{[":
                if char == "[" and self._depth == 1:
                    key = _KEY_BEFORE.search(self._slice(i - 200, i))
                    self._in_array = key is not None and key.group(1) == self.key
                    if self._in_array and self._array_start is None:
                        self._array_start = i
                elif char == "{" and self._depth == 2 and self._in_array:
                    self._item_start = i
                self._depth += 1
            elif char in "}]":
                self._depth -= 1
                if char == "}" and self._depth == 2 and self._in_array and self._item_start is not None:
                    try:
                        item = json.loads(self._slice(self._item_start, i + 1))
                    except ValueError:
                        item = None  # malformed: the final parse reports it
                    self._item_start = None
                    if item is not None:
                        self.items.append(item)
                        done.append(item)
                elif char == "]" and self._depth == 1:
                    self._in_array = False
        return done

    def partial(self) -> JsonObject:
        """The fields before the array (title, context), for a draft: parsed once the
        array has begun (they are complete then), else from the text so far, with an
        unfinished string cut (jiter's partial mode)."""
        if self._head is not None:
            return dict(self._head)
        import jiter

        complete = self._array_start is not None
        text = self.text[: self._array_start] + "[]}" if complete else self.text
        try:
            value = jiter.from_json(text.encode("utf-8", "replace"), partial_mode="trailing-strings")
        except ValueError:
            value = {}
        head = {k: v for k, v in value.items() if k != self.key} if isinstance(value, dict) else {}
        if complete:
            self._head = head
        return dict(head)


@dataclass
class CallResult:
    """The end of one call: the tool input (when complete), or a failure; always the
    usage and whatever subtasks arrived."""

    tool_input: JsonObject | None = None
    tool_name: str | None = None
    tool_use_id: str | None = None  # the block's id, reused when we answer it with a tool_result
    failure: CallFailure | None = None
    stop_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    # True once the API accepted the request and the stream began: a fault after that
    # is one the SDK did not retry.
    started: bool = False
    items: list[Any] = field(default_factory=list)
    partial: JsonObject = field(default_factory=dict)
    text: str = ""

    def answer(self) -> JsonObject:
        """The tool input of a call that ended without ``failure``: ``stream_call`` sets
        one whenever it reports none."""
        if self.tool_input is None:
            raise ValueError("a call without a tool input has no answer")
        return self.tool_input


# Callbacks: on_item(item) for each completed array item, on_progress(estimated output tokens).
OnItem = Callable[[Any], None]
OnProgress = Callable[[int], None]


async def stream_call(
    client: anthropic.AsyncAnthropic,
    request: JsonObject,
    *,
    scanner: ArrayItemScanner | None = None,
    on_item: OnItem | None = None,
    on_progress: OnProgress | None = None,
    result: CallResult | None = None,
) -> CallResult:
    """Run one streamed request. ``scanner`` reports the items of its array as they
    complete (without one, the tool input is only parsed at the end). Exceptions from
    the transport propagate (the caller classifies them); everything the stream says
    ends up in the CallResult: ``result`` when given, so a caller whose call is
    cancelled still has the usage spent so far."""
    result = result if result is not None else CallResult()
    watch_items = scanner is not None
    scanner = scanner or ArrayItemScanner("")
    tool_block: int | None = None
    stop_details = None
    received = 0
    stream = await client.messages.create(**request, stream=True)
    result.started = True
    try:
        async for event in stream:
            # Compared on the event itself (not a copy of its type), so mypy narrows the union.
            if event.type == "content_block_delta":
                delta = event.delta
                if delta.type == "input_json_delta" and event.index == tool_block:
                    received += len(delta.partial_json)
                    completed = scanner.feed(delta.partial_json)
                    if watch_items and on_item:
                        for item in completed:
                            on_item(item)
                    if on_progress:
                        on_progress(int(received / CHARS_PER_TOKEN))
                elif delta.type == "text_delta":
                    result.text += delta.text
            elif event.type == "content_block_start":
                block = event.content_block
                if block.type == "tool_use" and tool_block is None:
                    tool_block = event.index
                    result.tool_name, result.tool_use_id = block.name, block.id
            elif event.type == "message_start":
                result.usage = Usage.from_api(event.message.usage)
            elif event.type == "message_delta":
                result.stop_reason = event.delta.stop_reason
                stop_details = getattr(event.delta, "stop_details", None)
                if event.usage is not None:
                    result.usage.merge_delta(event.usage)
    except asyncio.CancelledError:
        # Cancelled by the user: the tokens streamed so far are billed all the same.
        result.usage.output_tokens = max(result.usage.output_tokens, int(received / CHARS_PER_TOKEN))
        raise
    except Exception as exc:  # noqa: BLE001 - a fault mid-stream: classify it, keep what arrived
        result.failure = from_exception(exc, request["model"], mid_stream=True)
        result.items, result.partial = list(scanner.items), scanner.partial()
        # The output tokens of a cut stream are billed but never reported: estimate them.
        result.usage.output_tokens = max(result.usage.output_tokens, int(received / CHARS_PER_TOKEN))
        return result
    finally:
        await stream.close()
    result.items = list(scanner.items)
    if result.stop_reason is None:  # cut short: the final usage never came
        result.usage.output_tokens = max(result.usage.output_tokens, int(received / CHARS_PER_TOKEN))
    failure = from_stop_reason(result.stop_reason, stop_details, request["max_tokens"])
    if failure is None and tool_block is not None:
        try:
            value = json.loads(scanner.text) if scanner.text.strip() else {}
        except ValueError as exc:
            failure = CallFailure(
                BAD_OUTPUT, f"the tool input is not valid JSON ({exc})", "try again; what arrived is kept as a draft"
            )
        else:
            if isinstance(value, dict):
                result.tool_input = value
            else:
                failure = CallFailure(BAD_OUTPUT, "the tool input is not a JSON object", "try again")
    elif failure is None:
        failure = CallFailure(
            NO_TOOL_CALL,
            "Claude answered in text instead of calling the tool",
            "try again; if it repeats, try another model",
        )
    result.failure = failure
    if failure is not None:
        result.partial = scanner.partial()
    return result
