"""A fake Anthropic Messages API at the HTTP layer, for tests and benchmarks.

The real ``anthropic`` SDK talks to it through ``httpx2.MockTransport``: requests are
recorded as parsed JSON with their headers, and each reply is scripted — a streamed tool
call as real SSE bytes (``message_start`` ... ``message_stop``, ``input_json_delta``
chunks split at awkward places, ``ping``s, usage), a status error with a real error body
and headers, or a fault (connection dropped mid-stream, stream cut without a stop
reason, malformed data, an ``error`` event mid-stream, refusal, max_tokens).

No network: nothing here opens a socket.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import httpx2

from helpers.local_server import LocalServer, QuietHandler

_ids = itertools.count(1)


def _sse(event: str, data: dict | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


def split_awkwardly(text: str, size: int = 7) -> list[str]:
    """Chunks of varying size (1 to ``size``*2 characters) so that chunk edges fall inside
    strings, escapes, numbers and keywords."""
    chunks, i, step = [], 0, itertools.cycle([size, 1, size * 2, 3, 2, size + 3])
    while i < len(text):
        n = next(step)
        chunks.append(text[i : i + n])
        i += n
    return chunks


@dataclass
class ToolReply:
    """A streamed tool call. ``fault`` changes how the stream ends:
    None (complete), "drop" (connection lost after ``fault_after`` deltas), "truncate"
    (the body ends after ``fault_after`` deltas, no message_delta/stop), "malformed"
    (an invalid JSON data line after ``fault_after`` deltas), "error-event" (an
    ``event: error`` overloaded_error after ``fault_after`` deltas), "bad-shape" (a
    delta event without its ``delta``)."""

    name: str
    input: Any
    stop_reason: str = "tool_use"
    stop_details: dict | None = None
    input_tokens: int = 2400
    output_tokens: int | None = None
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0
    chunk: int = 7
    fault: str | None = None
    fault_after: int = 5
    # Seconds between deltas (a steady token rate), for benchmarks.
    delay: float = 0.0
    raw_json: str | None = None  # send this text as the tool input instead of dumping ``input``

    def events(self, model: str) -> list[bytes | Exception]:
        text = self.raw_json if self.raw_json is not None else json.dumps(self.input, indent=1)
        chunks = split_awkwardly(text, self.chunk)
        output_tokens = self.output_tokens if self.output_tokens is not None else max(1, len(text) // 4)
        out: list[bytes | Exception] = [
            _sse(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": f"msg_fake{next(_ids):06d}",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {
                            "input_tokens": self.input_tokens,
                            "output_tokens": 1,
                            "cache_creation_input_tokens": self.cache_creation_input_tokens,
                            "cache_read_input_tokens": self.cache_read_input_tokens,
                        },
                    },
                },
            ),
            _sse(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {
                        "type": "tool_use",
                        "id": f"toolu_fake{next(_ids):06d}",
                        "name": self.name,
                        "input": {},
                    },
                },
            ),
            _sse("ping", {"type": "ping"}),
        ]
        for n, chunk in enumerate(chunks):
            if self.fault and n == self.fault_after:
                out.append(
                    {
                        "drop": httpx2.RemoteProtocolError(
                            "peer closed connection without sending complete message body"
                        ),
                        "truncate": None,
                        "malformed": b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_de\n\n',
                        "error-event": _sse(
                            "error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                        ),
                        # valid JSON, wrong shape: a delta event without its delta
                        "bad-shape": _sse("content_block_delta", {"type": "content_block_delta", "index": 0}),
                    }[self.fault]
                )
                return [e for e in out if e is not None]
            out.append(
                _sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": chunk},
                    },
                )
            )
        out.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
        delta: dict[str, Any] = {"stop_reason": self.stop_reason, "stop_sequence": None}
        if self.stop_details is not None:
            delta["stop_details"] = self.stop_details
        out.append(
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": delta,
                    "usage": {
                        "input_tokens": self.input_tokens,
                        "output_tokens": output_tokens,
                        "cache_creation_input_tokens": self.cache_creation_input_tokens,
                        "cache_read_input_tokens": self.cache_read_input_tokens,
                    },
                },
            )
        )
        out.append(_sse("message_stop", {"type": "message_stop"}))
        return out


def refusal(category: str | None = "cyber", explanation: str = "This request could enable harm.") -> ToolReply:
    """A refusal: the stream stops before any tool input, with stop_details."""
    reply = ToolReply(
        "submit_plan",
        {},
        stop_reason="refusal",
        output_tokens=3,
        raw_json="",
        stop_details={"type": "refusal", "category": category, "explanation": explanation},
    )
    return reply


@dataclass
class TextReply:
    """The model answers in text, without calling the tool."""

    text: str = "I think the task should be split into three parts."

    def events(self, model: str) -> list[bytes]:
        return [
            _sse(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": f"msg_fake{next(_ids):06d}",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": 100, "output_tokens": 1},
                    },
                },
            ),
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            *[
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": c}},
                )
                for c in split_awkwardly(self.text)
            ],
            _sse("content_block_stop", {"type": "content_block_stop", "index": 0}),
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 12},
                },
            ),
            _sse("message_stop", {"type": "message_stop"}),
        ]


ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class StatusError:
    status: int
    message: str = ""
    retry_after_ms: str | None = "5"

    def response(self) -> httpx2.Response:
        error_type = ERROR_TYPES.get(self.status, "api_error")
        message = self.message or {
            401: "invalid x-api-key",
            404: "model: claude-nonexistent-1",
            429: "Number of request tokens has exceeded your per-minute rate limit",
            529: "Overloaded",
            500: "Internal server error",
            400: "messages: at least one message is required",
        }.get(self.status, "error")
        headers = {"content-type": "application/json", "request-id": f"req_fake{next(_ids):06d}"}
        if self.retry_after_ms is not None:  # the SDK honours it before retrying
            headers["retry-after-ms"] = self.retry_after_ms
            headers["retry-after"] = "1"
        body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": headers["request-id"]}
        return httpx2.Response(self.status, headers=headers, content=json.dumps(body).encode())


@dataclass
class Recorded:
    method: str
    url: str
    headers: dict
    body: dict


class _Body(httpx2.AsyncByteStream):
    def __init__(self, parts: list[bytes | Exception], delay: float):
        self.parts, self.delay = parts, delay

    async def __aiter__(self):
        for part in self.parts:
            if isinstance(part, Exception):
                raise part
            if self.delay:
                await asyncio.sleep(self.delay)
            yield part

    async def aclose(self) -> None:
        pass


@dataclass
class FakeMessagesAPI:
    """Scripted replies, served in order; the last one repeats when the script runs out
    only if ``repeat_last`` is set (otherwise an unexpected call fails the test)."""

    replies: list = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    repeat_last: bool = False

    @staticmethod
    def request_problem(body: dict) -> str | None:
        """What the real Messages API would reject in this body (the rules our requests
        could break), or None."""
        for name in ("temperature", "top_p", "top_k"):
            if name in body:
                return f"{name}: Extra inputs are not permitted"
        seen: set[str] = set()
        previous_tool_ids: set[str] = set()
        for n, message in enumerate(body.get("messages", [])):
            content = message.get("content")
            blocks = content if isinstance(content, list) else []
            ids = [b["id"] for b in blocks if b.get("type") == "tool_use"]
            for tool_id in ids:
                if tool_id in seen:
                    return f"messages: `tool_use` ids must be unique (duplicate {tool_id})"
                seen.add(tool_id)
            for block in blocks:
                if block.get("type") == "tool_result" and block.get("tool_use_id") not in previous_tool_ids:
                    return (
                        f"messages.{n}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{block.get('tool_use_id')}. Each `tool_result` block must have a corresponding "
                        "`tool_use` block in the previous message."
                    )
            previous_tool_ids = set(ids)
        for tool in body.get("tools", []):
            if tool.get("strict") and "allOf" in json.dumps(tool.get("input_schema")):
                return f"tools.{tool['name']}: allOf with $ref is not supported in strict mode"
        return None

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content.decode()) if request.content else {}
        self.requests.append(Recorded(request.method, str(request.url), dict(request.headers), body))
        problem = self.request_problem(body)
        if problem:
            return StatusError(400, problem, retry_after_ms=None).response()
        if not self.replies:
            raise AssertionError(f"unexpected request #{len(self.requests)} to {request.url}")
        reply = self.replies[0] if (self.repeat_last and len(self.replies) == 1) else self.replies.pop(0)
        if isinstance(reply, StatusError):
            return reply.response()
        parts = reply.events(body.get("model", "claude-opus-5-5"))
        return httpx2.Response(
            200,
            headers={"content-type": "text/event-stream", "request-id": "req_fake"},
            stream=_Body(parts, getattr(reply, "delay", 0.0)),
        )

    def http_client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self.handler))

    def client(self, api_key: str = "sk-ant-test-0000000000", max_retries: int = 2):
        """An AsyncAnthropic client on this fake (no sleeping between SDK retries)."""
        import anthropic

        client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url="https://api.fake.invalid",
            http_client=self.http_client(),
            max_retries=max_retries,
        )
        return client


class FakeServer(LocalServer):
    """The same scripted replies over real HTTP on 127.0.0.1 (for the CLI and the TUI,
    which build their own client from ANTHROPIC_BASE_URL). Streams use chunked transfer
    encoding; a "drop" fault closes the socket in the middle of the body."""

    def __init__(self, api: FakeMessagesAPI):
        self.api = api
        fake = self

        class Handler(QuietHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                content = self.rfile.read(length)
                request = httpx2.Request(
                    "POST", f"http://127.0.0.1{self.path}", headers=dict(self.headers.items()), content=content
                )
                try:
                    response = fake.api.handler(request)
                except AssertionError as exc:
                    response = StatusError(500, str(exc)).response()
                if isinstance(response.stream, _Body):
                    self._stream(response)
                else:
                    body = response.read()
                    self.send_response(response.status_code)
                    for key, value in response.headers.items():
                        if key.lower() != "content-length":
                            self.send_header(key, value)
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def _stream(self, response):
                self.send_response(response.status_code)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                body: _Body = response.stream
                for part in body.parts:
                    if isinstance(part, Exception):  # drop: no terminating chunk, socket closed
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    if body.delay:
                        import time

                        time.sleep(body.delay)
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        super().__init__(Handler)
