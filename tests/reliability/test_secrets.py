"""Secrets: the Anthropic key and the tracker tokens never appear in what decomposer
prints, writes or shows, however the servers fail, even when a server echoes them back.

Each case runs the real command line (or the TUI) with sentinel values in
ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN / GITHUB_TOKEN / LINEAR_API_KEY against a fake
that fails in one way, then scans stdout, stderr, the TUI's notifications, activity log
and screen, and every file under the test's folder (plans, partial plans, drafts in the
data folder, exports, config) for the sentinel and for any long piece of it.
"""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path

import httpx2
import pytest

from decomposer.claude.tools import SUBMIT_PLAN, SUBMIT_REVIEW
from decomposer.cli.main import main
from decomposer.plan.loading import load_plan
from decomposer.trackers import http as tracker_http
from helpers.claude_replies import TASK, plan_input, twelve_subtasks
from helpers.fake_trackers import FakeGitHub, FakeLinear, graphql_error
from helpers.fakeapi import FakeMessagesAPI, StatusError, ToolReply
from helpers.faultkit import OPENING_RECORDS, FaultServer, fast_clients
from helpers.plans import clean_plan

API_KEY = "sk-ant-api03-SENTINELkey-9f8e7d6c5b4a39281706"
AUTH_TOKEN = "sk-ant-oat01-SENTINELtoken-a1b2c3d4e5f60718"
GITHUB_TOKEN = "ghp_SENTINELgithub0123456789abcdefABCDEF"
LINEAR_KEY = "lin_api_SENTINELlinear0123456789abcdefXYZ"
SECRETS = (API_KEY, AUTH_TOKEN, GITHUB_TOKEN, LINEAR_KEY)
FRAGMENT = 12  # no run of this many characters of a secret may show


def leaks(text: str) -> list[str]:
    """The pieces of any secret found in ``text``."""
    return [
        secret[i : i + FRAGMENT]
        for secret in SECRETS
        for i in range(len(secret) - FRAGMENT + 1)
        if secret[i : i + FRAGMENT] in text
    ]


def everything_written(folder: Path) -> str:
    return "\n".join(
        path.read_bytes().decode("utf-8", "replace") for path in sorted(folder.rglob("*")) if path.is_file()
    )


def assert_no_secret(tmp_path: Path, *texts: str) -> None:
    assert leaks("\n".join(texts)) == [], "printed or shown"
    assert leaks(everything_written(tmp_path)) == [], "written to a file"


# --- replies that echo the credentials back ----------------------------------------------------


class EchoingError(StatusError):
    """A status error whose body quotes the credentials the request carried: JSON as the
    API words it, or the HTML page of a proxy."""

    def __init__(self, status: int, html: bool = False):
        super().__init__(status, retry_after_ms="1")
        self.html = html
        self.echo = ""

    def response(self) -> httpx2.Response:
        if self.html:
            page = f"<html><body><h1>{self.status}</h1><p>Refused: {self.echo}</p></body></html>"
            # retry-after-ms: the SDK's retries need not back off for seconds in a test.
            return httpx2.Response(
                self.status, headers={"content-type": "text/html", "retry-after-ms": "1"}, content=page.encode()
            )
        self.message = f"{self.echo} is not allowed here (sent as {self.echo!r})"
        return super().response()


class EchoingErrorEvent:
    """A reply that streams part of a plan, then an ``error`` event quoting the credentials."""

    def __init__(self):
        self.echo = ""

    def events(self, model: str) -> list[bytes]:
        opening = ToolReply(SUBMIT_PLAN, twelve_subtasks()).events(model)[: OPENING_RECORDS + 400]
        data = json.dumps(
            {"type": "error", "error": {"type": "overloaded_error", "message": f"Overloaded for {self.echo}"}}
        )
        return opening + [f"event: error\ndata: {data}\n\n".encode()]


class EchoingAPI(FakeMessagesAPI):
    """Before each reply, sets what it echoes: every credential header of the request."""

    def handler(self, request):
        echo = " ".join(v for k, v in request.headers.items() if k.lower() in ("x-api-key", "authorization"))
        for reply in self.replies:
            reply.echo = echo
        return super().handler(request)


ECHOES = {
    "400": lambda: [EchoingError(400)],
    "401": lambda: [EchoingError(401)],
    "403": lambda: [EchoingError(403)],
    "404": lambda: [EchoingError(404)],
    "413": lambda: [EchoingError(413)],
    "429": lambda: [EchoingError(429)],
    "500": lambda: [EchoingError(500)],
    "529": lambda: [EchoingError(529)],
    "403-html": lambda: [EchoingError(403, html=True)],
    "502-html": lambda: [EchoingError(502, html=True)],
    "error-event": lambda: [EchoingErrorEvent(), EchoingErrorEvent()],
}


@pytest.fixture
def claude(monkeypatch, tmp_path):
    fake = EchoingAPI(repeat_last=True)
    with FaultServer(fake) as server:
        for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "DECOMPOSER_MODEL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.chdir(tmp_path)
        fast_clients(monkeypatch)
        yield fake


@pytest.mark.parametrize("echo", ECHOES)
@pytest.mark.parametrize(
    "command, credential",
    [
        ("decompose", "ANTHROPIC_API_KEY"),
        ("decompose", "ANTHROPIC_AUTH_TOKEN"),
        ("refine", "ANTHROPIC_API_KEY"),
        ("review", "ANTHROPIC_AUTH_TOKEN"),
    ],
)
def test_the_api_key_is_never_printed_or_written(claude, tmp_path, capsys, monkeypatch, command, credential, echo):
    monkeypatch.setenv(credential, API_KEY if credential == "ANTHROPIC_API_KEY" else AUTH_TOKEN)
    claude.replies[:] = ECHOES[echo]()
    (tmp_path / "plan.json").write_text(json.dumps(clean_plan(), indent=2))
    argv = {
        "decompose": ["decompose", TASK, "-o", "new.json"],
        "refine": ["refine", "plan.json", "S1", "split"],
        "review": ["review", "plan.json"],
    }[command]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 3 and "error: " in err  # it failed, and said so
    sent = claude.requests[0].headers
    assert API_KEY in sent.get("x-api-key", "") + sent.get("authorization", "") or AUTH_TOKEN in sent.get(
        "authorization", ""
    )  # the echo had something to echo
    assert_no_secret(tmp_path, out, err)
    if echo == "error-event" and command == "decompose":
        assert (tmp_path / "new.partial.json").exists()  # a file was written, and is clean


def test_a_successful_run_writes_no_secret_anywhere(claude, tmp_path, capsys, monkeypatch):
    """Plans, partial plans, exports: the key is in none of them (the plan records the
    model and the usage, nothing about the client)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    claude.repeat_last = False
    claude.replies[:] = [ToolReply(SUBMIT_PLAN, plan_input()), ToolReply(SUBMIT_REVIEW, {"findings": []})]
    assert main(["decompose", TASK, "-o", "plan.json"]) == 0
    assert main(["review", "plan.json", "--format", "json"]) == 0
    for fmt in ("json", "markdown", "brief", "jira-csv", "github", "linear"):
        assert main(["export", "plan.json", "--to", fmt, "-o", f"export-{fmt}"]) == 0
    out, err = capsys.readouterr()
    assert len(list(tmp_path.rglob("*"))) > 10
    assert_no_secret(tmp_path, out, err)


async def test_the_tui_never_shows_or_writes_the_key(claude, tmp_path, monkeypatch):
    """A failing decomposition whose error quotes the key: the notification, the activity
    log, the screen, the autosaved draft and the saved plan stay clean."""
    from decomposer.claude.config import Settings
    from decomposer.editing.document import PlanDocument
    from decomposer.tui.app import DecomposerApp

    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    claude.repeat_last = False
    claude.replies[:] = [*ECHOES["error-event"](), *ECHOES["403"]()]
    path = tmp_path / "plan.json"
    plan = {"version": 1, "id": "csv-export", "title": "CSV export", "task": TASK, "subtasks": []}
    app = DecomposerApp(
        PlanDocument(copy.deepcopy(plan), path), settings=Settings(stream_retry_delay=0), restore_drafts=False
    )
    async with app.run_test(size=(120, 36)) as pilot:
        shown = []
        for _ in range(2):  # the stream cut by the error event, then the refused request
            await pilot.press("f5")
            if app.document.plan["subtasks"]:
                await pilot.press("enter")  # confirm replacing what arrived
            for _ in range(200):
                await pilot.pause(0.02)
                if not app.streaming:
                    break
            shown += [n.message for n in app._notifications] + [app.export_screenshot()]
        assert len(claude.requests) == 3 and claude.replies == []
        assert "refused access (403)" in " ".join(shown) and "stopped the reply midway" in " ".join(shown)
        await pilot.pause(0.8)  # the autosave of what arrived
        assert list((tmp_path / "data").rglob("*.json"))
        assert_no_secret(tmp_path, *shown, *app.activity)
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert load_plan(str(path)).plan["subtasks"]
        assert_no_secret(tmp_path)


# --- tracker tokens ----------------------------------------------------------------------------


def echoing(token: str):
    """Error bodies that quote the token, the way a careless proxy or API might."""
    return {
        "401": dict(status=401, body={"message": f"Bad credentials: Bearer {token}"}),
        "403": dict(status=403, body={"message": f"token {token} lacks the repo scope"}),
        "422": dict(
            status=422, body={"message": "Validation Failed", "errors": [{"message": f"body mentions {token}"}]}
        ),
        "500": dict(status=500, body={"message": f"Server Error while checking {token}"}),
        "text": dict(status=502, body=f"<html>bad gateway for Bearer {token}</html>"),
        "drop": dict(drop=True),
    }


@pytest.fixture
def trackers(monkeypatch, tmp_path):
    monkeypatch.setattr(tracker_http, "BACKOFF_SECONDS", 0.0)  # retries without waiting
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "LINEAR_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(clean_plan(), indent=2))
    return path


def quick(server):
    """The fake with a shutdown that takes milliseconds: serve_forever looks for it every
    poll_interval, half a second by default, which every test would wait at teardown."""
    server.thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    return server


@pytest.mark.parametrize("failure", list(echoing("x")))
@pytest.mark.parametrize("where", ["first", "half-way"])
def test_the_github_token_is_never_printed_or_written(trackers, tmp_path, capsys, failure, where):
    with quick(FakeGitHub(GITHUB_TOKEN)) as github:
        if where == "first":  # the first request, a read, fails on every retry
            for _ in range(1 + tracker_http.RETRIES):
                github.fail("GET", r"/issues", **echoing(GITHUB_TOKEN)[failure])
        else:  # the second create (not retried: it may have gone through)
            github.fail("POST", r"/issues$", nth=2, **echoing(GITHUB_TOKEN)[failure])
        code = main(
            [
                "export",
                str(trackers),
                "--to",
                "github",
                "--push",
                "--repo",
                "acme/shop",
                "--api-url",
                github.url,
                "--yes",
            ]
        )
        out, err = capsys.readouterr()
    assert code != 0 and err  # it failed, and said so
    assert_no_secret(tmp_path, out, err)


@pytest.mark.parametrize("failure", ["401", "500", "text", "drop", "graphql"])
def test_the_linear_key_is_never_printed_or_written(trackers, tmp_path, capsys, failure):
    with quick(FakeLinear(LINEAR_KEY)) as linear:
        if failure == "graphql":
            linear.fail("POST", "IssueCreate", nth=2, status=200, body=graphql_error(f"key {LINEAR_KEY} refused"))
        else:
            linear.fail("POST", "IssueCreate", nth=2, **echoing(LINEAR_KEY)[failure])
        code = main(
            ["export", str(trackers), "--to", "linear", "--push", "--team", "ENG", "--api-url", linear.url, "--yes"]
        )
        out, err = capsys.readouterr()
    assert code != 0 and err
    assert_no_secret(tmp_path, out, err)
