"""Pushing a plan to GitHub and Linear (``decomposer.trackers``), against the fake servers
of ``tests/helpers/fake_trackers.py`` over real HTTP on 127.0.0.1; and the offline ``github`` and
``linear`` exporters.

The push paths: the dry run sends nothing; a push creates the parent, the children, the
sub-issue links and "Blocked by" lines; a failure half-way is reported and what was
created is recorded in the plan; running again creates only the rest and updates what
exists (the fakes count creations); a missing token is a one-line usage error; plan text
arrives escaped; the token appears in no output and no file.
"""

from __future__ import annotations

import copy
import json
import time
from argparse import Namespace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from decomposer.check.validate import validate_plan
from decomposer.cli.push_command import push_command
from decomposer.exporters import check_report, export, get_exporter, registry
from decomposer.plan.files import write_plan as real_write_plan
from decomposer.trackers import http, push
from helpers.fake_trackers import GITHUB_ERROR_422, GITHUB_ERROR_500, FakeGitHub, FakeLinear, graphql_error
from helpers.plans import clean_plan

GITHUB_TOKEN = "ghp_FAKEtoken0123456789abcdefSECRET"
LINEAR_KEY = "lin_api_FAKEkey0123456789SECRET"
TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN", "LINEAR_API_KEY")


def three_subtask_plan() -> dict:
    """The clean plan with a third subtask after S2, so a failure can fall half-way."""
    plan = clean_plan()
    s3 = copy.deepcopy(plan["subtasks"][0])
    s3.update(
        id="S3",
        title="Document the CSV export",
        depends_on=["S2"],
        labels=["docs"],
        goal="Tell users where the CSV download is and what its columns mean.",
        input_state={
            "summary": "S2 is merged; docs/reports.md has no CSV section.",
            "preconditions": ["S2 is merged into main"],
        },
        acceptance=[
            {
                "statement": "docs/reports.md has a CSV section listing every column",
                "verify": {"method": "command", "command": "grep -c '^## CSV' docs/reports.md", "expect_output": "^1$"},
            }
        ],
        pause_boundaries=[{"trigger": "If the diff touches files outside docs/", "action": "stop"}],
    )
    plan["subtasks"].append(s3)
    return plan


@pytest.fixture(autouse=True)
def no_tokens_and_no_waiting(monkeypatch):
    for name in TOKEN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(http, "BACKOFF_SECONDS", 0.0)


@pytest.fixture
def plan_path(tmp_path) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(three_subtask_plan(), indent=2) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def github(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    with FakeGitHub(GITHUB_TOKEN) as fake:
        yield fake
    assert fake.problems == []


@pytest.fixture
def linear(monkeypatch):
    monkeypatch.setenv("LINEAR_API_KEY", LINEAR_KEY)
    with FakeLinear(LINEAR_KEY) as fake:
        yield fake
    assert fake.problems == []


def args(plan: Path, to: str, **options) -> Namespace:
    values = {
        "plan": str(plan),
        "to": to,
        "repo": None,
        "team": None,
        "api_url": None,
        "yes": False,
        "strict": False,
        "allow_warnings": False,
        "output": None,
        "force": False,
        "push": True,
    }
    values.update(options)
    return Namespace(**values)


def push_github(plan: Path, fake: FakeGitHub, **options) -> int:
    return push_command(args(plan, "github", repo="acme/shop", api_url=fake.url, yes=True, **options))


def push_linear(plan: Path, fake: FakeLinear, **options) -> int:
    return push_command(args(plan, "linear", team=options.pop("team", "ENG"), api_url=fake.url, yes=True, **options))


def read_plan(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def issue_titled(fake: FakeGitHub, prefix: str) -> dict:
    [issue] = [i for i in fake.issues.values() if i["title"].startswith(prefix)]
    return issue


def rendered_html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


# --- the tracker fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, path, message",
    [
        ({"system": "github"}, "/subtasks/0/tracker/key", 'missing required field "key"'),
        (
            [{"system": "github", "key": "#1"}, {"key": "ENG-1"}],
            "/subtasks/0/tracker/1/system",
            'missing required field "system"',
        ),
        ([], "/subtasks/0/tracker", "needs at least 1 item, has none"),
        ("#1", "/subtasks/0/tracker", "expected an object or an array, got a string"),
    ],
)
def test_a_bad_tracker_field_is_worded_for_its_shape(value, path, message):
    """The schema's one anyOf (a ticket or an array of them) reports the branch the value
    is trying to be, not "is not valid under any of the given schemas"."""
    plan = clean_plan()
    plan["subtasks"][0]["tracker"] = value
    [finding] = validate_plan(plan).errors
    assert (finding.path, finding.message, finding.subtask) == (path, message, "S1")


# --- GitHub: dry run ------------------------------------------------------------------------


def test_github_dry_run_sends_nothing_needs_no_token_and_lists_every_step(github, plan_path, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    before = plan_path.read_bytes()
    code = push_command(args(plan_path, "github", repo="acme/shop", api_url=github.url))
    out = capsys.readouterr().out
    assert code == 0
    assert github.requests == []
    assert plan_path.read_bytes() == before
    lines = out.splitlines()
    assert lines[0].startswith("Dry run: nothing was sent. Pushing to GitHub acme/shop")
    steps = [line.split()[:2] for line in lines[1:] if line.startswith("  ")]
    assert steps == [
        ["labels", "make"],
        ["create", "plan"],
        ["create", "S1"],
        ["create", "S2"],
        ["create", "S3"],
        ["link", "make"],
        ["finish", "plan"],
    ]
    s2 = next(line for line in lines if line.split()[:2] == ["create", "S2"])
    assert '"S2 · Add the download button"' in s2 and "labels: autonomy: gated" in s2
    assert "blocked by S1 (created before it)" in s2 and "sub-issue of the plan issue" in s2
    assert "Add --yes to do it" in lines[-1]


def test_github_dry_run_after_a_push_shows_updates_with_numbers(github, plan_path, capsys):
    assert push_github(plan_path, github) == 0
    capsys.readouterr()
    requests = len(github.requests)
    assert push_command(args(plan_path, "github", repo="acme/shop", api_url=github.url)) == 0
    out = capsys.readouterr().out
    assert len(github.requests) == requests
    assert "  update  S2       #3 " in out and "blocked by S1 (#2)" in out


# --- GitHub: push ---------------------------------------------------------------------------


def test_github_push_creates_parent_children_links_and_blocked_by(github, plan_path, capsys):
    assert push_github(plan_path, github) == 0
    out = capsys.readouterr().out
    assert github.created == 4
    parent = github.issues[1]
    assert parent["title"] == "Add CSV export to the reports page"
    s1, s2, s3 = (issue_titled(github, f"S{n} · ") for n in (1, 2, 3))
    assert [s1["number"], s2["number"], s3["number"]] == [2, 3, 4]  # parent first, then dependency order
    # Sub-issues: linked by integer id (which differs from the number), in order.
    assert github.sub_issues == {1: [s1["id"], s2["id"], s3["id"]]}
    links = [r for r in github.requests if r.method == "POST" and r.path.endswith("/sub_issues")]
    assert [r.body for r in links] == [
        {"sub_issue_id": s1["id"]},
        {"sub_issue_id": s2["id"]},
        {"sub_issue_id": s3["id"]},
    ]
    assert all(type(r.body["sub_issue_id"]) is int for r in links)
    # Blocked-by lines carry the numbers; sections use issue-form headings.
    assert "- Blocked by #2 · S1 · Write the CSV serializer" in s2["body"]
    assert "- Blocked by #3 · S2 · Add the download button" in s3["body"]
    assert "None: it can start first." in s1["body"]
    for heading in (
        "### Goal",
        "### Input state",
        "### Acceptance criteria",
        "### Pause boundaries",
        "### Autonomy and risk",
        "### Depends on",
    ):
        assert heading in s2["body"]
    # The parent's body was finished with every subtask's number.
    for n, sid in ((2, "S1"), (3, "S2"), (4, "S3")):
        assert f"- #{n} · {sid} · " in parent["body"]
    assert "(no ticket yet)" not in parent["body"]
    # Labels exist before they are used, with decomposer's colours.
    assert {label["name"]: label["color"] for label in s2["labels"]} == {"autonomy: gated": "5319e7"}
    assert {label["name"] for label in s1["labels"]} == {"autonomy: autonomous", "estimate: S"}
    assert {label["name"] for label in s3["labels"]} == {"autonomy: autonomous", "estimate: S", "docs"}
    assert "created   S3       #4 " in out and out.splitlines()[-1].startswith("Pushed to GitHub acme/shop")


def test_github_push_records_each_issue_in_the_plan(github, plan_path):
    assert push_github(plan_path, github) == 0
    plan = read_plan(plan_path)
    assert plan["tracker"] == {"system": "github", "key": "#1", "url": github.html_url(1)}
    assert [s["tracker"]["key"] for s in plan["subtasks"]] == ["#2", "#3", "#4"]
    assert list(plan) == ["version", "id", "title", "task", "tracker", "subtasks"]  # schema order
    assert list(plan["subtasks"][1])[-1] == "tracker"
    assert validate_plan(plan).findings == []


def test_github_request_shapes(github, plan_path):
    assert push_github(plan_path, github) == 0
    assert {r.headers["authorization"] for r in github.requests} == {f"Bearer {GITHUB_TOKEN}"}
    assert {r.headers["accept"] for r in github.requests} == {"application/vnd.github+json"}
    assert {r.headers["x-github-api-version"] for r in github.requests} == {"2022-11-28"}
    creates = [r.body for r in github.requests if r.method == "POST" and r.path.endswith("/issues")]
    assert [set(body) for body in creates] == [{"title", "body", "labels"}] * 4
    assert creates[0]["labels"] == []
    order = [(r.method, r.path.rsplit("/", 1)[-1]) for r in github.requests if not r.path.endswith("/labels")]
    assert order == [("POST", "issues")] * 4 + [("GET", "sub_issues")] + [("POST", "sub_issues")] * 3 + [("PATCH", "1")]


@pytest.mark.parametrize(
    "status, body, message",
    [
        (500, GITHUB_ERROR_500, "500 Server Error"),
        (422, GITHUB_ERROR_422, "422 Validation Failed: body is too long"),
    ],
)
def test_github_failure_half_way_reports_and_keeps_what_was_created(github, plan_path, capsys, status, body, message):
    github.fail("POST", r"/issues$", nth=3, status=status, body=body)  # the parent, S1, then S2 fails
    assert push_github(plan_path, github) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert err[0] == (
        f"decomposer export: push to GitHub acme/shop at {github.url.split('//')[1]} stopped: "
        f"S2 (create) failed: GitHub creating the issue for S2: {message}"
    )
    created = next(line for line in err if line.startswith("  created: "))
    assert f"plan #1 {github.html_url(1)}" in created and f"S1 #2 {github.html_url(2)}" in created
    assert (
        next(line for line in err if line.startswith("  not attempted: "))
        == "  not attempted: S3 (create), link, plan (finish)"
    )
    assert any("run the same command again to finish" in line for line in err)
    plan = read_plan(plan_path)
    assert plan["tracker"]["key"] == "#1" and plan["subtasks"][0]["tracker"]["key"] == "#2"
    assert "tracker" not in plan["subtasks"][1] and "tracker" not in plan["subtasks"][2]
    assert github.created == 2
    if status == 500:  # a create is not retried: it may have gone through
        assert len([r for r in github.requests if r.method == "POST" and r.path.endswith("/issues")]) == 3
        assert any("may have been carried out" in line for line in err)


def test_github_rerun_after_a_failure_creates_only_the_rest(github, plan_path, capsys):
    github.fail("POST", r"/issues$", nth=3, status=500, body=GITHUB_ERROR_500)
    assert push_github(plan_path, github) == 1
    capsys.readouterr()
    assert push_github(plan_path, github) == 0
    out = capsys.readouterr().out
    assert github.created == 4  # parent, S1 the first time; S2, S3 now: nothing twice
    assert [i["title"][:2] for i in github.issues.values()] == ["Ad", "S1", "S2", "S3"]
    # The parent's body gains S1's number (the first run stopped before finishing it).
    assert "updated   plan     #1 " in out and "unchanged S1       #2 " in out
    assert "created   S2       #3 " in out and "created   S3       #4 " in out
    assert github.sub_issues[1] == [github.issues[n]["id"] for n in (2, 3, 4)]
    assert "- Blocked by #2 · S1" in github.issues[3]["body"]
    assert [s["tracker"]["key"] for s in read_plan(plan_path)["subtasks"]] == ["#2", "#3", "#4"]


def test_github_failure_in_the_links_then_a_rerun_links_the_rest(github, plan_path, capsys):
    github.fail("POST", r"/sub_issues$", nth=2, status=500, body=GITHUB_ERROR_500)
    assert push_github(plan_path, github) == 1
    assert "link failed" in capsys.readouterr().err
    assert len(github.sub_issues[1]) == 1
    assert push_github(plan_path, github) == 0
    assert github.created == 4 and github.sub_issues[1] == [github.issues[n]["id"] for n in (2, 3, 4)]


def test_github_rerun_after_success_only_updates(github, plan_path, capsys):
    assert push_github(plan_path, github) == 0
    capsys.readouterr()
    requests = len(github.requests)
    assert push_github(plan_path, github) == 0
    out = capsys.readouterr().out
    second = github.requests[requests:]
    assert github.created == 4
    assert not [r for r in second if r.method in ("POST", "PATCH") and not r.path.endswith("/labels")]
    assert out.splitlines()[-1].startswith("Pushed to GitHub acme/shop") and "4 unchanged" in out.splitlines()[-1]


def test_github_rerun_updates_what_changed_and_keeps_labels_added_on_github(github, plan_path, capsys):
    assert push_github(plan_path, github) == 0
    github.labels["needs-design"] = {"id": 1, "name": "needs-design", "color": "000000"}
    github.issues[2]["labels"].append(github.labels["needs-design"])  # a person labels S1 on GitHub
    plan = read_plan(plan_path)
    plan["subtasks"][0]["title"] = "Write the CSV serializer and its tests"
    plan["subtasks"][0]["autonomy"] = "gated"
    plan_path.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    capsys.readouterr()
    assert push_github(plan_path, github) == 0
    out = capsys.readouterr().out
    assert github.created == 4
    assert "updated   S1       #2 " in out
    s1 = github.issues[2]
    assert s1["title"] == "S1 · Write the CSV serializer and its tests"
    assert [label["name"] for label in s1["labels"]] == ["estimate: S", "needs-design", "autonomy: gated"]
    assert "#2 · S1 · Write the CSV serializer and its tests" in github.issues[1]["body"]  # parent list follows


def test_github_rate_limit_is_waited_out_and_creates_nothing_twice(github, plan_path):
    github.fail(
        "POST",
        r"/issues$",
        nth=2,
        status=429,
        body={"message": "You have exceeded a secondary rate limit"},
        headers={"retry-after": "0"},
    )
    assert push_github(plan_path, github) == 0
    assert github.created == 4


def test_github_server_error_on_a_read_is_retried(github, plan_path):
    github.fail("GET", r"/sub_issues$", nth=1, status=503, body={"message": "Service Unavailable"})
    assert push_github(plan_path, github) == 0
    assert len([r for r in github.requests if r.method == "GET" and r.path.endswith("/sub_issues")]) == 2


def test_github_a_long_rate_limit_is_reported_not_waited_out(github, plan_path, capsys):
    github.fail(
        "POST",
        r"/labels$",
        nth=1,
        status=403,
        body={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)},
    )
    started = time.monotonic()
    assert push_github(plan_path, github) == 3
    assert time.monotonic() - started < 10
    assert "rate limited; the server asks to wait 3" in capsys.readouterr().err
    assert github.created == 0


def test_github_an_answer_without_an_issue_is_reported(github, plan_path, capsys):
    github.fail("POST", r"/issues$", nth=1, status=201, body=[])
    assert push_github(plan_path, github) == 3
    assert (
        "plan (create) failed: GitHub creating the issue for plan: the answer has no issue number"
        in capsys.readouterr().err
    )


def test_an_unforeseen_error_in_a_step_is_reported_not_raised():
    def broken():
        raise KeyError("number")

    def fine():
        return push.Result("created", "#1")

    steps = [
        push.Step("create", "plan", "", fine),
        push.Step("create", "S1", "", broken),
        push.Step("link", "", "", fine),
    ]
    said = []
    outcome = push.run_steps(steps, said.append)
    assert said == ["created   plan     #1"]
    failed_step, error = outcome.failed
    assert failed_step is steps[1] and str(error) == "unexpected error (KeyError: 'number')"
    assert outcome.not_attempted == steps[2:]


def test_github_dropped_connection_on_a_create_is_reported_not_retried(github, plan_path, capsys):
    github.fail("POST", r"/issues$", nth=1, drop=True)
    assert push_github(plan_path, github) == 3  # nothing was created or updated
    err = capsys.readouterr().err
    assert "plan (create) failed: GitHub creating the issue for plan: no complete answer" in err
    assert "may have been carried out" in err
    assert github.created == 0
    assert len([r for r in github.requests if r.path.endswith("/issues")]) == 1


def test_github_dropped_connection_on_a_read_is_retried(github, plan_path):
    assert push_github(plan_path, github) == 0
    github.fail("GET", r"/issues/3$", nth=1, drop=True)
    assert push_github(plan_path, github) == 0
    assert len([r for r in github.requests if r.method == "GET" and r.path.endswith("/issues/3")]) == 2


def test_github_bad_credentials_before_anything_exit_3(github, plan_path, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong")
    before = plan_path.read_bytes()
    assert push_github(plan_path, github) == 3
    err = capsys.readouterr().err
    assert "401 Bad credentials" in err and "ghp_wrong" not in err
    assert plan_path.read_bytes() == before


def test_github_missing_token_is_a_one_line_usage_error(plan_path, capsys):
    code = push_command(args(plan_path, "github", repo="acme/shop", api_url="http://127.0.0.1:9", yes=True))
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "GITHUB_TOKEN or GH_TOKEN" in err and "Traceback" not in err


def test_gh_token_is_used_when_github_token_is_absent(github, plan_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", GITHUB_TOKEN)
    assert push_github(plan_path, github) == 0


@pytest.mark.parametrize(
    "options, message",
    [
        ({"repo": None}, "--push --to github needs --repo OWNER/NAME"),
        ({"repo": "acme"}, "is not OWNER/NAME"),
        ({"repo": "acme/.."}, "is not OWNER/NAME"),
        ({"repo": "acme/shop/../../x"}, "is not OWNER/NAME"),
        ({"api_url": "http://github.example.com/api/v3"}, "must use https"),
        ({"api_url": "https://user:pw@github.example.com"}, "must not carry credentials"),
        ({"team": "ENG"}, "--team is for Linear"),
        ({"output": "out"}, "-o/--output is for writing files"),
        ({"plan": "-"}, "give a file, not standard input"),
    ],
)
def test_github_usage_errors(plan_path, capsys, options, message):
    parsed = args(plan_path, "github", repo="acme/shop")
    vars(parsed).update(options)
    assert push_command(parsed) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_plan_with_errors_is_blocked_before_any_request(github, plan_path, capsys):
    plan = read_plan(plan_path)
    plan["subtasks"][1]["depends_on"] = ["S9"]
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    assert push_github(plan_path, github) == 1
    assert "unknown-dependency" in capsys.readouterr().err
    assert github.requests == []


def test_an_unwritable_plan_is_refused_before_any_request(github, plan_path, capsys, monkeypatch):
    # Permissions cannot be relied on (root may write anything): the check asks os.access.
    monkeypatch.setattr(push.os, "access", lambda path, mode: Path(path) != plan_path)
    assert push_github(plan_path, github) == 2
    assert f"{plan_path} is not writable" in capsys.readouterr().err and github.requests == []


def test_a_failed_save_stops_the_push_and_says_what_to_record(github, plan_path, capsys, monkeypatch):
    saves = []

    def write_plan(path, plan):
        saves.append(path)
        if len(saves) == 2:
            raise OSError(28, "No space left on device")
        real_write_plan(path, plan)

    monkeypatch.setattr(push, "write_plan", write_plan)
    assert push_github(plan_path, github) == 1
    err = capsys.readouterr().err
    entry = json.dumps({"system": "github", "key": "#2", "url": github.html_url(2)})
    assert (
        f"S1 (create) failed: the issue for S1 is #2 ({github.html_url(2)}) but {plan_path} could not be saved "
        f"(No space left on device): add {entry} to its tracker" in err
    )
    assert github.created == 2 and read_plan(plan_path)["tracker"]["key"] == "#1"


def test_tickets_in_other_repositories_are_kept_beside_the_new_one(github, plan_path):
    plan = read_plan(plan_path)
    elsewhere = {"system": "github", "key": "#9", "url": "https://github.com/other/repo/issues/9"}
    plan["subtasks"][0]["tracker"] = elsewhere
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    assert push_github(plan_path, github) == 0
    assert github.created == 4
    tracker = read_plan(plan_path)["subtasks"][0]["tracker"]
    assert tracker == [elsewhere, {"system": "github", "key": "#2", "url": github.html_url(2)}]
    assert validate_plan(read_plan(plan_path)).findings == []
    assert push_github(plan_path, github) == 0 and github.created == 4  # and the array is read back


def test_a_recorded_issue_that_is_not_the_one_on_the_server_is_not_updated(github, plan_path, capsys):
    assert push_github(plan_path, github) == 0
    plan = read_plan(plan_path)
    plan["subtasks"][0]["tracker"]["url"] = "https://github.com/acme/shop/issues/2"  # another host's acme/shop
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    capsys.readouterr()
    assert push_github(plan_path, github) == 1
    assert "but the plan records https://github.com/acme/shop/issues/2 for S1" in capsys.readouterr().err
    assert not [r for r in github.requests if r.method == "PATCH" and r.path.endswith("/issues/2")]


def test_plan_text_reaches_github_escaped(github, plan_path, capsys):
    plan = read_plan(plan_path)
    hostile = "<script>alert(1)</script> [click](https://evil.example) ../../etc/passwd \x1b[31m# not a heading"
    plan["subtasks"][0]["title"] = hostile[:120]
    plan["subtasks"][0]["goal"] = "# Heading?\n<img src=x onerror=alert(1)>\n```\nfence"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    assert push_github(plan_path, github) == 0
    out = capsys.readouterr().out
    s1 = issue_titled(github, "S1 · ")
    assert "\x1b" not in s1["title"] and "\\x1b[31m" in s1["title"]
    html = rendered_html(s1["body"]) + rendered_html(github.issues[1]["body"]) + rendered_html(github.issues[3]["body"])
    assert "<script" not in html and "<img" not in html and 'href="https://evil.example"' not in html
    assert "<h1>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\x1b" not in out


# --- the token --------------------------------------------------------------------------------


def test_the_token_appears_in_no_output_and_no_file(github, plan_path, capsys, tmp_path):
    # The server even echoes the token in an error message; it must not reach the user.
    github.fail(
        "POST",
        r"/issues$",
        nth=3,
        status=422,
        body={"message": f"Validation Failed for Bearer {GITHUB_TOKEN}", "errors": []},
    )
    assert push_github(plan_path, github) == 1
    assert push_command(args(plan_path, "github", repo="acme/shop", api_url=github.url)) == 0  # dry run
    assert push_github(plan_path, github) == 0
    captured = capsys.readouterr()
    assert "***" in captured.err
    for text in (captured.out, captured.err):
        assert GITHUB_TOKEN not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert GITHUB_TOKEN.encode() not in path.read_bytes(), path


def test_the_linear_key_appears_in_no_output_and_no_file(linear, plan_path, capsys, tmp_path):
    linear.fail("POST", "IssueCreate", nth=2, status=200, body=graphql_error(f"bad key {LINEAR_KEY}"))
    assert push_linear(plan_path, linear) == 1
    assert push_linear(plan_path, linear) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert LINEAR_KEY not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert LINEAR_KEY.encode() not in path.read_bytes(), path


# --- Linear -----------------------------------------------------------------------------------


def test_linear_dry_run_sends_nothing(linear, plan_path, capsys, monkeypatch):
    monkeypatch.delenv("LINEAR_API_KEY")
    assert push_command(args(plan_path, "linear", team="ENG", api_url=linear.url)) == 0
    out = capsys.readouterr().out
    assert linear.requests == []
    assert "Pushing to Linear team ENG" in out
    s2 = next(line for line in out.splitlines() if line.split()[:2] == ["create", "S2"])
    assert "priority 2" in s2 and "child of the plan issue" in s2 and "blocked by S1 (created before it)" in s2


def test_linear_push_creates_parent_and_children(linear, plan_path, capsys):
    assert push_linear(plan_path, linear, team="engineering") == 0  # the team's name works too
    assert linear.created == 4
    assert {r.headers["authorization"] for r in linear.requests} == {LINEAR_KEY}  # the key as is, no Bearer
    parent, s1, s2, s3 = linear.issues.values()
    assert parent["identifier"] == "ENG-1" and parent["parentId"] is None
    assert [s1["parentId"], s2["parentId"], s3["parentId"]] == [parent["id"]] * 3
    assert {i["teamId"] for i in linear.issues.values()} == {"team-eng-uuid"}
    # Priority from the risk; estimate on the team's (Fibonacci) scale; S2 has no estimate.
    assert (s1["priority"], s1["estimate"]) == (4, 2)
    assert (s2["priority"], s2["estimate"]) == (2, None)
    creates = [r.body["variables"]["input"] for r in linear.requests if r.body["operationName"] == "IssueCreate"]
    assert "estimate" not in creates[2] and "priority" not in creates[0]
    assert "- Blocked by ENG-2 · S1 · Write the CSV serializer" in s2["description"]
    assert "- ENG-3 · S2 · " in parent["description"]  # finished once every identifier is known
    plan = read_plan(plan_path)
    assert plan["tracker"] == {"system": "linear", "key": "ENG-1", "url": "https://linear.app/acme/issue/ENG-1/x"}
    assert [s["tracker"]["key"] for s in plan["subtasks"]] == ["ENG-2", "ENG-3", "ENG-4"]
    assert validate_plan(plan).findings == []
    assert "Pushed to Linear team ENG (Engineering)" in capsys.readouterr().out


def test_linear_team_without_estimates_gets_none(linear, plan_path):
    assert push_linear(plan_path, linear, team="OPS") == 0
    assert all(issue["estimate"] is None for issue in linear.issues.values())
    assert [i["identifier"] for i in linear.issues.values()] == ["OPS-1", "OPS-2", "OPS-3", "OPS-4"]


def test_linear_graphql_error_on_http_200_half_way_then_rerun(linear, plan_path, capsys):
    linear.fail("POST", "IssueCreate", nth=3, status=200, body=graphql_error("Title is too spicy"))
    assert push_linear(plan_path, linear) == 1
    err = capsys.readouterr().err
    assert "S2 (create) failed: Linear creating the issue for S2: Title is too spicy" in err
    assert "  not attempted: S3 (create), plan (finish)" in err
    plan = read_plan(plan_path)
    assert plan["tracker"]["key"] == "ENG-1" and plan["subtasks"][0]["tracker"]["key"] == "ENG-2"
    assert "tracker" not in plan["subtasks"][1]
    assert linear.created == 2
    assert push_linear(plan_path, linear) == 0
    out = capsys.readouterr().out
    assert linear.created == 4
    assert "updated   plan     ENG-1 " in out and "unchanged S1       ENG-2 " in out
    assert "created   S2       ENG-3 " in out
    assert [i["identifier"] for i in linear.issues.values()] == ["ENG-1", "ENG-2", "ENG-3", "ENG-4"]


def test_linear_rerun_after_success_only_updates(linear, plan_path, capsys):
    assert push_linear(plan_path, linear) == 0
    plan = read_plan(plan_path)
    plan["subtasks"][2]["estimate"] = "L"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    capsys.readouterr()
    first_run = len(linear.requests)
    assert push_linear(plan_path, linear) == 0
    out = capsys.readouterr().out
    assert linear.created == 4
    updates = [r.body["variables"] for r in linear.requests[first_run:] if r.body["operationName"] == "IssueUpdate"]
    assert updates == [{"id": linear.issue("ENG-4")["id"], "input": {"estimate": 5}}]
    assert "updated   S3       ENG-4 " in out and "3 unchanged" in out


def test_linear_server_error_before_anything_exit_3(linear, plan_path, capsys):
    linear.fail("POST", "IssueCreate", nth=1, status=500, body={"errors": [{"message": "Internal error"}]})
    assert push_linear(plan_path, linear) == 3
    assert "500 Internal error" in capsys.readouterr().err
    assert linear.created == 0 and "tracker" not in read_plan(plan_path)


def test_linear_rate_limit_in_the_body_is_retried(linear, plan_path):
    linear.fail(
        "POST",
        "Teams",
        nth=1,
        status=400,
        body=graphql_error("Rate limit exceeded", "RATELIMITED"),
        headers={"retry-after": "0"},
    )
    assert push_linear(plan_path, linear) == 0
    assert linear.created == 4


def test_linear_unknown_team_is_a_usage_error(linear, plan_path, capsys):
    assert push_linear(plan_path, linear, team="DESIGN") == 2
    err = capsys.readouterr().err
    assert "no team with key, name or id 'DESIGN'; teams: ENG (Engineering), OPS (Operations)" in err
    assert linear.created == 0


def test_linear_teams_are_read_page_by_page(linear, plan_path, monkeypatch):
    cursors = []

    def one_team_a_page(variables):
        cursors.append(variables.get("after"))
        start = int(variables.get("after") or 0)
        return {
            "data": {
                "teams": {
                    "nodes": linear.teams[start : start + 1],
                    "pageInfo": {"hasNextPage": start + 1 < len(linear.teams), "endCursor": str(start + 1)},
                }
            }
        }

    monkeypatch.setattr(linear, "_teams", one_team_a_page)
    assert push_linear(plan_path, linear, team="OPS") == 0
    assert cursors == [None, "1"] and linear.created == 4


def test_linear_a_teams_cursor_that_does_not_move_ends_the_listing(linear, plan_path, monkeypatch):
    cursors = []

    def stuck(variables):  # a server that always says there is more, from the same place
        cursors.append(variables.get("after"))
        if len(cursors) > 20:
            return graphql_error("the test stops an endless listing")
        return {"data": {"teams": {"nodes": linear.teams, "pageInfo": {"hasNextPage": True, "endCursor": "same"}}}}

    monkeypatch.setattr(linear, "_teams", stuck)
    assert push_linear(plan_path, linear) == 0
    assert cursors == [None, "same"] and linear.created == 4


def test_linear_bad_key_exit_3(linear, plan_path, capsys, monkeypatch):
    monkeypatch.setenv("LINEAR_API_KEY", "lin_api_wrong")
    assert push_linear(plan_path, linear) == 3
    assert "Authentication required" in capsys.readouterr().err


def test_the_same_plan_in_github_and_linear_keeps_both_tickets(github, linear, plan_path):
    assert push_github(plan_path, github) == 0
    assert push_linear(plan_path, linear) == 0
    plan = read_plan(plan_path)
    assert [e["system"] for e in plan["tracker"]] == ["github", "linear"]
    assert validate_plan(plan).findings == []
    assert push_github(plan_path, github) == 0 and push_linear(plan_path, linear) == 0
    assert github.created == 4 and linear.created == 4


# --- offline exporters --------------------------------------------------------------------------


def test_registry_offers_the_tracker_exporters():
    exporters = registry()
    assert exporters["github"].kind == "folder" and exporters["linear"].kind == "file"
    names = list(exporters)
    assert names.index("markdown") < names.index("github") < names.index("linear")


def test_github_render_writes_bodies_and_a_manifest(tmp_path):
    plan = three_subtask_plan()
    files = get_exporter("github").render(plan, check_report(plan))
    assert list(files) == [
        "issues.json",
        "plan.md",
        "S1-write-the-csv-serializer.md",
        "S2-add-the-download-button.md",
        "S3-document-the-csv-export.md",
    ]
    manifest = json.loads(files["issues.json"])
    assert [(i["key"], i["parent"], i["blocked_by"]) for i in manifest["issues"]] == [
        ("plan", None, []),
        ("S1", "plan", []),
        ("S2", "plan", ["S1"]),
        ("S3", "plan", ["S2"]),
    ]
    assert manifest["issues"][2]["title"] == "S2 · Add the download button"
    assert manifest["issues"][2]["labels"] == ["autonomy: gated"]
    assert [i["body_file"] for i in manifest["issues"]] == list(files)[1:]
    s2 = files["S2-add-the-download-button.md"]
    assert "- Blocked by S1 · Write the CSV serializer (no ticket yet)" in s2
    assert s2.startswith("### Goal\n") and "- [ ] GET /reports/2026-10.csv returns 200" in s2
    written = export(plan, "github", tmp_path / "out")
    assert {p.name for p in written} >= set(files)


def test_github_and_push_render_the_same_bodies(github, plan_path):
    """What the offline export shows is what a push sends, up to the issue numbers."""
    plan = three_subtask_plan()
    offline = get_exporter("github").render(plan, check_report(plan))
    assert push_github(plan_path, github) == 0
    assert github.issues[2]["body"] == offline["S1-write-the-csv-serializer.md"]
    assert github.issues[3]["body"] == offline["S2-add-the-download-button.md"].replace(
        "- Blocked by S1 · Write the CSV serializer (no ticket yet)", "- Blocked by #2 · S1 · Write the CSV serializer"
    )


@pytest.mark.parametrize("name", ["github", "linear"])
@pytest.mark.parametrize(
    "plan",
    [
        {},
        {"subtasks": "not a list"},
        {"subtasks": [1, None, {"id": 3, "title": ["a"], "depends_on": "S1", "labels": [1, None], "risk": "hi"}]},
        {
            "id": "p",
            "title": None,
            "task": 7,
            "context": {"a": 1},
            "subtasks": [{"id": "S1", "depends_on": ["S1", 2], "estimate": "XXL"}, {"id": "S1"}],
        },
    ],
    ids=["empty", "subtasks-not-a-list", "wrong-types", "repeated-ids"],
)
def test_tracker_renders_accept_any_plan_for_the_preview(name, plan):
    files = get_exporter(name).render(plan, check_report(plan))
    assert files and all(isinstance(text, str) and text for text in files.values())


def test_linear_render_is_a_list_of_issue_create_inputs():
    plan = three_subtask_plan()
    ((name, text),) = get_exporter("linear").render(plan, check_report(plan)).items()
    assert name == "fixture-plan-linear.json"
    inputs = json.loads(text)
    assert [i["title"] for i in inputs] == [
        "Add CSV export to the reports page",
        "S1 · Write the CSV serializer",
        "S2 · Add the download button",
        "S3 · Document the CSV export",
    ]
    parent = inputs[0]
    assert set(parent) == {"id", "title", "description"}
    assert all(i["parentId"] == parent["id"] for i in inputs[1:])
    assert len({i["id"] for i in inputs}) == 4
    assert [(i["priority"], i.get("estimate")) for i in inputs[1:]] == [(4, 2), (2, None), (4, 2)]
    assert "teamId" not in text
    assert get_exporter("linear").render(plan, check_report(plan)) == {
        name: text
    }  # ids are stable: same file every time
    other = copy.deepcopy(plan)
    other["id"] = "another-plan"
    assert (
        json.loads(get_exporter("linear").render(other, check_report(other))["another-plan-linear.json"])[0]["id"]
        != parent["id"]
    )


def test_tracker_renders_take_hostile_text_as_text(tmp_path):
    plan = three_subtask_plan()
    plan["id"] = "evil"
    plan["title"] = "<b>bold</b> | `code` ![x](y)"
    plan["subtasks"][0]["title"] = "../../etc/passwd <script>"
    plan["subtasks"][0]["labels"] = ["a\x1bb", "docs"]
    files = get_exporter("github").render(plan, check_report(plan))
    assert "S1-etc-passwd-script.md" in files  # names from ids and slugs
    html = "".join(rendered_html(text) for name, text in files.items() if name.endswith(".md"))
    assert "<script" not in html and "<b>" not in html and "<img" not in html
    manifest = json.loads(files["issues.json"])
    assert manifest["issues"][1]["labels"] == ["autonomy: autonomous", "estimate: S", "a\\x1bb", "docs"]
    written = export(plan, "github", tmp_path / "out")
    assert all(path.parent == tmp_path / "out" for path in written)
    linear_text = get_exporter("linear").render(plan, check_report(plan))["evil-linear.json"]
    assert "<script>" not in rendered_html(json.loads(linear_text)[1]["description"])


# --- through the command line -------------------------------------------------------------------


def test_cli_push_to_github_dry_run_then_yes(github, plan_path, capsys):
    from decomposer.cli.main import main

    command = ["export", str(plan_path), "--to", "github", "--push", "--repo", "acme/shop", "--api-url", github.url]
    assert main(command) == 0
    assert capsys.readouterr().out.startswith("Dry run: nothing was sent.") and github.requests == []
    assert main([*command, "--yes"]) == 0
    assert github.created == 4 and read_plan(plan_path)["tracker"]["key"] == "#1"
    assert main([*command, "--yes"]) == 0
    assert github.created == 4


def test_cli_push_to_linear(linear, plan_path, capsys):
    from decomposer.cli.main import main

    assert (
        main(["export", str(plan_path), "--to", "linear", "--push", "--team", "ENG", "--api-url", linear.url, "--yes"])
        == 0
    )
    assert linear.created == 4
    assert "Pushed to Linear team ENG (Engineering)" in capsys.readouterr().out


def test_cli_push_without_a_token_or_a_repo(plan_path, capsys):
    from decomposer.cli.main import main

    assert main(["export", str(plan_path), "--to", "github", "--push", "--yes"]) == 2
    assert "needs --repo OWNER/NAME" in capsys.readouterr().err
    assert main(["export", str(plan_path), "--to", "linear", "--push", "--team", "ENG", "--yes"]) == 2
    assert "LINEAR_API_KEY" in capsys.readouterr().err


def test_cli_offline_github_and_linear_exports(tmp_path, plan_path, capsys):
    from decomposer.cli.main import main

    assert main(["export", str(plan_path), "--to", "github", "-o", str(tmp_path / "issues")]) == 0
    assert json.loads((tmp_path / "issues" / "issues.json").read_text())["issues"][0]["key"] == "plan"
    assert main(["export", str(plan_path), "--to", "linear", "-o", str(tmp_path / "linear.json")]) == 0
    assert len(json.loads((tmp_path / "linear.json").read_text())) == 4
