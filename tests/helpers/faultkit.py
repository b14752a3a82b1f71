"""The fault matrix for the model calls, shared by the CLI and TUI fault tests.

Every model call (decompose, the repair call that follows a plan with errors, refine,
review) is scripted to fail in each way the API or the network can fail: status errors
the SDK retries (429 then success, 529 persisting, 500), a stalled stream (timeout), a
connection dropped midway, a stream cut without a stop reason, malformed SSE, an
``error`` event midway, a refusal and max_tokens. ``script(operation, fault)`` gives the
replies for the fake API; ``FAULTS[fault].words`` what the user must be told.

``FaultServer`` is ``fakeapi.FakeServer`` that can also stall: it sends the first part of
a reply and then nothing, with the connection open, until the client gives up.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import threading
from dataclasses import dataclass

import pytest

from decomposer.claude.tools import SUBMIT_PLAN, SUBMIT_REVIEW, SUBMIT_SUBTASKS
from helpers.claude_replies import KEY, broken_input, plan_input, twelve_subtasks
from helpers.fakeapi import FakeMessagesAPI, FakeServer, StatusError, ToolReply, refusal
from helpers.plans import clean_plan

OPERATIONS = ("decompose", "repair", "refine", "review")
# The client gives up on a stalled stream after this many seconds.
READ_TIMEOUT = 0.5
# A stalled reply releases its connection after this long even if the client never
# gives up (a test that fails must not hang).
STALL_LIMIT = 10.0
# The message_start, content_block_start and ping records that open every tool reply.
OPENING_RECORDS = 3


class StallMarker(Exception):
    """Stands in a reply's parts where the server stops sending."""


@dataclass
class Stall:
    """``reply`` cut after ``after`` deltas, then silence on an open connection."""

    reply: ToolReply
    after: int

    def events(self, model: str) -> list:
        return self.reply.events(model)[: OPENING_RECORDS + self.after] + [StallMarker()]


class FaultServer(FakeServer):
    """``FakeServer`` that also stalls on a ``Stall`` reply, and stops in milliseconds."""

    def __init__(self, api):
        super().__init__(api)
        released = self.released = threading.Event()

        class StallingHandler(self.server.RequestHandlerClass):
            def _stream(self, response):
                parts = response.stream.parts
                stall = next((i for i, part in enumerate(parts) if isinstance(part, StallMarker)), None)
                if stall is None:
                    return super()._stream(response)
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                for part in parts[:stall]:
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                self.wfile.flush()
                released.wait(STALL_LIMIT)
                self.close_connection = True

        self.server.RequestHandlerClass = StallingHandler
        server = self.server

        def handle_error(request, client_address):
            # A client that closes its idle keep-alive connection (or gives up on a
            # stall) resets it under a handler waiting to read: not a fault of the test.
            # The default prints a traceback to sys.stderr, which is the captured
            # stderr of whichever test is running.
            if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                type(server).handle_error(server, request, client_address)

        server.handle_error = handle_error
        # serve_forever checks for shutdown every poll_interval (0.5 s by default): that
        # would be half a second of teardown per test.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __exit__(self, *exc) -> None:
        self.released.set()
        super().__exit__(*exc)


# --- the replies of each operation ------------------------------------------------------------


def refine_parts() -> list[dict]:
    """S1 of the clean plan split in two."""
    base = clean_plan()["subtasks"][0]
    first, second = copy.deepcopy(base), copy.deepcopy(base)
    first.update(id="S1.1", title="Write the CSV header row")
    second.update(id="S1.2", title="Write the CSV line rows", depends_on=["S1.1"])
    return [first, second]


REVIEW_FINDINGS = {
    "findings": [
        {"subtask": "S2", "field": "acceptance", "message": "the test passes on an empty file", "hint": "assert rows"}
    ]
}


def good_reply(operation: str, **options) -> ToolReply:
    """The reply that completes ``operation``'s call (``options``: ToolReply fields)."""
    if operation == "decompose":
        return ToolReply(SUBMIT_PLAN, twelve_subtasks(), **options)
    if operation == "repair":
        return ToolReply(SUBMIT_PLAN, plan_input(), **options)
    if operation == "refine":
        return ToolReply(SUBMIT_SUBTASKS, {"subtasks": refine_parts(), "note": "header and rows apart"}, **options)
    if operation == "review":
        return ToolReply(SUBMIT_REVIEW, REVIEW_FINDINGS, **options)
    raise ValueError(operation)


def halfway(operation: str) -> int:
    """A delta count about half way through the reply, so that a decomposition has
    streamed several complete subtasks when the fault comes."""
    return (len(good_reply(operation).events("m")) - OPENING_RECORDS) // 2


@dataclass(frozen=True)
class Fault:
    name: str
    words: str | None  # in the one-line error; None: the call succeeds in the end
    requests: int  # how many requests the failing call makes (the SDK's and our retries)
    repeat_last: bool = False  # the last reply answers every further request


# The SDK retries status errors twice (max_retries=2); the engine retries a reply that
# failed midway once, and a reply cut by max_tokens once with a larger budget.
FAULTS = {
    fault.name: fault
    for fault in [
        Fault("429-then-success", None, 2),
        Fault("529-persisting", "the API is overloaded (529), still after retries", 3, repeat_last=True),
        Fault("500", "the API had a server error (500), still after retries", 3, repeat_last=True),
        Fault("timeout", "the API stopped sending (timed out)", 2),
        Fault("drop", "the connection to the API was lost", 2),
        Fault("truncate", "the reply ended before the API said it was complete", 2),
        Fault("malformed", "the API sent data that is not valid JSON in the stream", 2),
        Fault("error-event", "the API stopped the reply midway: Overloaded", 2),
        Fault("refusal", "Claude declined this request (category cyber): It could enable harm.", 1),
        Fault("max_tokens", "the reply hit the output limit of", 2),
    ]
}


def script(operation: str, fault: str) -> list:
    """The replies for ``operation`` failing with ``fault``. A repair is preceded by a
    complete plan with errors, which makes the engine ask for one."""
    after = halfway(operation)
    faulty = {
        "429-then-success": lambda: [StatusError(429), good_reply(operation)],
        "529-persisting": lambda: [StatusError(529)],
        "500": lambda: [StatusError(500)],
        "timeout": lambda: [Stall(good_reply(operation), after) for _ in range(2)],
        "refusal": lambda: [refusal("cyber", "It could enable harm.")],
        "max_tokens": lambda: [good_reply(operation, stop_reason="max_tokens") for _ in range(2)],
    }.get(fault, lambda: [good_reply(operation, fault=fault, fault_after=after) for _ in range(2)])()
    first = [ToolReply(SUBMIT_PLAN, broken_input())] if operation == "repair" else []
    return first + faulty


def fast_clients(monkeypatch) -> None:
    """The CLI and the TUI build their client with ``make_client`` and their settings
    with ``Settings.resolve``: give the client a short read timeout (a stalled stream
    fails in half a second, not two minutes) and retry a failed stream without the
    two-second pause. Everything else stays as shipped (max_retries=2)."""
    import httpx2

    from decomposer.claude import config

    make_client = config.make_client

    def make_fast_client(*args, **kwargs):
        return make_client(*args, **kwargs).with_options(timeout=httpx2.Timeout(READ_TIMEOUT, connect=5.0))

    resolve = config.Settings.resolve.__func__

    def resolve_fast(cls, *args, **kwargs):
        return dataclasses.replace(resolve(cls, *args, **kwargs), stream_retry_delay=0)

    monkeypatch.setattr(config, "make_client", make_fast_client)
    monkeypatch.setattr(config.Settings, "resolve", classmethod(resolve_fast))


@pytest.fixture
def fault_api(monkeypatch, tmp_path):
    """A fake Messages API on 127.0.0.1 that the CLI and the TUI reach through
    ANTHROPIC_BASE_URL, with the user's config and data folders inside tmp_path."""
    fake = FakeMessagesAPI()
    with FaultServer(fake) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
        monkeypatch.delenv("DECOMPOSER_MODEL", raising=False)
        monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.chdir(tmp_path)
        fast_clients(monkeypatch)
        yield fake


def load(fake, operation: str, fault: str) -> Fault:
    """Script ``fake`` for (operation, fault); returns the fault's expectations."""
    expected = FAULTS[fault]
    fake.replies[:] = script(operation, fault)
    fake.repeat_last = expected.repeat_last
    return expected


def requests_for(operation: str, expected: Fault) -> int:
    """Requests the whole operation makes: the failing call's, after a repair's first call."""
    return expected.requests + (1 if operation == "repair" else 0)
