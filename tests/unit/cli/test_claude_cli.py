"""`decomposer decompose`, `refine` and `review` end to end: the real CLI builds its own
client from ANTHROPIC_BASE_URL and talks to a fake Messages API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from decomposer.claude.tools import SUBMIT_PLAN, SUBMIT_REVIEW, SUBMIT_SUBTASKS
from decomposer.cli.main import main
from helpers.claude_replies import KEY, TASK, broken_input, plan_input, twelve_subtasks
from helpers.fakeapi import FakeMessagesAPI, FakeServer, StatusError, ToolReply, refusal
from helpers.plans import ROOT, clean_plan


@pytest.fixture
def api(monkeypatch, tmp_path):
    fake = FakeMessagesAPI()
    with FakeServer(fake) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.delenv("DECOMPOSER_MODEL", raising=False)
        monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
        monkeypatch.chdir(tmp_path)
        yield fake


def files_text(folder) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_decompose_writes_a_valid_plan_and_reports_progress(api, tmp_path, capsys):
    api.replies.append(ToolReply(SUBMIT_PLAN, twelve_subtasks(), cache_read_input_tokens=5000))
    code = main(["decompose", TASK, "-o", "plan.json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert len(plan["subtasks"]) == 12 and plan["task"] == TASK
    assert "+ S1 Write part 1 of the serializer  [autonomous]" in err
    assert "+ S12 " in err and "5,000 cached" in err and "$" in err
    assert "wrote plan.json: 12 subtasks, 0 error(s)" in err
    assert out.strip() == "plan.json"
    assert KEY not in out + err + files_text(tmp_path)
    assert (
        api.requests[0].headers.get("authorization") == f"Bearer {KEY}"
        or api.requests[0].headers.get("x-api-key") == KEY
    )


def test_default_output_name_never_overwrites(api, tmp_path, capsys):
    (tmp_path / "twelve-parts.json").write_text("{}")
    api.replies.append(ToolReply(SUBMIT_PLAN, twelve_subtasks()))
    assert main(["decompose", TASK]) == 0
    assert (tmp_path / "twelve-parts.json").read_text() == "{}"
    assert json.loads((tmp_path / "twelve-parts-2.json").read_text())["title"] == "Twelve parts"


def test_task_from_a_file_and_stdin_and_context(api, tmp_path, capsys, monkeypatch):
    (tmp_path / "task.md").write_text("Add CSV export.\n")
    (tmp_path / "ctx.md").write_text("Django 5 repository.")
    api.replies.append(ToolReply(SUBMIT_PLAN, plan_input()))
    assert main(["decompose", "@task.md", "--context", "ctx.md", "-o", "a.json"]) == 0
    text = api.requests[0].body["messages"][0]["content"][0]["text"]
    assert "Add CSV export." in text and "Django 5 repository." in text
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Task from stdin"))
    api.replies.append(ToolReply(SUBMIT_PLAN, plan_input()))
    assert main(["decompose", "-", "-o", "b.json"]) == 0
    assert json.loads((tmp_path / "b.json").read_text())["task"] == "Task from stdin"


def test_model_flag_env_and_config_file(api, tmp_path, capsys, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('[claude]\nmodel = "claude-haiku-5-5"\n')
    for args, env, expected in [
        ([], None, "claude-haiku-5-5"),
        ([], "claude-sonnet-5-5", "claude-sonnet-5-5"),
        (["--model", "claude-opus-5"], "claude-sonnet-5-5", "claude-opus-5"),
    ]:
        if env:
            monkeypatch.setenv("DECOMPOSER_MODEL", env)
        api.replies.append(ToolReply(SUBMIT_PLAN, plan_input()))
        assert main(["decompose", TASK, "-o", "p.json", *args]) == 0
        assert api.requests[-1].body["model"] == expected


def test_draft_with_errors_exits_1(api, tmp_path, capsys):
    api.replies += [ToolReply(SUBMIT_PLAN, broken_input()) for _ in range(3)]
    assert main(["decompose", TASK, "-o", "plan.json"]) == 1
    err = capsys.readouterr().err
    assert "repair round 1" in err and "repair round 2" in err and "DRAFT" in err
    assert (tmp_path / "plan.json").exists()


@pytest.mark.parametrize(
    "reply, words",
    [
        (StatusError(401), "API key was rejected"),
        (StatusError(404), "was not found"),
        (refusal("bio", "It declined."), "declined this request (category bio): It declined."),
    ],
)
def test_call_failures_exit_3_with_a_clear_message(api, tmp_path, capsys, reply, words):
    api.replies.append(reply)
    assert main(["decompose", TASK, "-o", "plan.json"]) == 3
    err = capsys.readouterr().err
    assert words in err and "what to do:" in err and "Traceback" not in err
    assert not (tmp_path / "plan.json").exists()
    assert KEY not in err


def test_dropped_stream_saves_the_partial_plan(api, tmp_path, capsys):
    data = twelve_subtasks()
    api.replies += [ToolReply(SUBMIT_PLAN, data, fault="drop", fault_after=300) for _ in range(2)]
    assert main(["decompose", TASK, "-o", "plan.json"]) == 3
    err = capsys.readouterr().err
    assert "connection to the API was lost" in err
    partial = json.loads((tmp_path / "plan.partial.json").read_text())
    assert 1 <= len(partial["subtasks"]) < 12 and not (tmp_path / "plan.json").exists()


def test_no_credentials_exits_2_and_says_how(monkeypatch, capsys):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["decompose", TASK]) == 2
    err = capsys.readouterr().err
    assert "ANTHROPIC_API_KEY" in err and "ANTHROPIC_BASE_URL" in err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["decompose", "   "], "is empty"),
        (["decompose", "@missing.md"], "no such file"),
        (["decompose", "x" * 50_001], "at most 50,000"),
    ],
)
def test_bad_task_input_exits_2(api, capsys, argv, words):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_refine_in_place_and_review(api, tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(clean_plan(), indent=2))
    base = clean_plan()["subtasks"][0]
    part1, part2 = dict(base, id="S1.1", title="Write the header row"), dict(base, id="S1.2", title="Write the rows")
    api.replies.append(ToolReply(SUBMIT_SUBTASKS, {"subtasks": [part1, part2], "note": "split"}))
    assert main(["refine", str(path), "S1", "split this subtask"]) == 0
    err = capsys.readouterr().err
    assert "- S1 Write the CSV serializer" in err and "+ S1.1 Write the header row" in err
    plan = json.loads(path.read_text())
    assert [s["id"] for s in plan["subtasks"]] == ["S1.1", "S1.2", "S2"]
    assert plan["source"]["usage"]["input_tokens"] == 2400

    api.replies.append(
        ToolReply(
            SUBMIT_REVIEW,
            {
                "findings": [
                    {
                        "subtask": "S2",
                        "field": "acceptance",
                        "message": "the test could pass with an empty file",
                        "hint": "assert rows",
                    }
                ]
            },
        )
    )
    assert main(["review", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    [finding] = [f for f in out["files"][0]["findings"] if f["rule"] == "model-review"]
    assert finding["subtask"] == "S2" and finding["path"] == "/subtasks/2/acceptance"


def test_refine_unknown_subtask_exits_2(api, tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(clean_plan()))
    assert main(["refine", str(path), "S9", "split"]) == 2
    assert 'no subtask "S9"' in capsys.readouterr().err


def test_refine_with_errors_leaves_the_plan_alone(api, tmp_path, capsys):
    path = tmp_path / "plan.json"
    original = json.dumps(clean_plan(), indent=2)
    path.write_text(original)
    bad = dict(
        clean_plan()["subtasks"][0],
        autonomy="autonomous",
        risk={"stakes": "high", "verification_cost": "expensive", "reversible": True},
    )
    api.replies += [ToolReply(SUBMIT_SUBTASKS, {"subtasks": [bad], "note": "n"}) for _ in range(3)]
    assert main(["refine", str(path), "S1", "make it autonomous"]) == 1
    assert path.read_text() == original
    assert (tmp_path / "plan.refined.json").exists()


def test_real_process_no_traceback_and_key_never_printed(tmp_path):
    fake = FakeMessagesAPI([StatusError(401)])
    with FakeServer(fake) as server:
        env = dict(
            os.environ, ANTHROPIC_API_KEY=KEY, ANTHROPIC_BASE_URL=server.url, DECOMPOSER_CONFIG_DIR=str(tmp_path)
        )
        result = subprocess.run(
            [sys.executable, "-m", "decomposer", "decompose", TASK, "-o", str(tmp_path / "p.json")],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
        )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr and KEY not in result.stderr + result.stdout
    assert "API key was rejected" in result.stderr


# --- regressions from review ---------------------------------------------------------------


def test_context_over_the_schema_limit_exits_2_before_any_call(api, tmp_path, capsys):
    (tmp_path / "ctx.md").write_text("x" * 200_001)
    assert main(["decompose", TASK, "--context", "ctx.md"]) == 2
    assert "at most 200,000" in capsys.readouterr().err and api.requests == []


def test_output_that_is_a_directory_exits_2_before_any_call(api, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    assert main(["decompose", TASK, "-o", "out"]) == 2
    assert "is a directory" in capsys.readouterr().err and api.requests == []


def test_a_non_object_subtask_after_repair_is_printed_not_a_traceback(api, tmp_path, capsys):
    odd = plan_input()
    odd["subtasks"].append("not a subtask")
    api.replies += [ToolReply(SUBMIT_PLAN, broken_input()), ToolReply(SUBMIT_PLAN, odd), ToolReply(SUBMIT_PLAN, odd)]
    assert main(["decompose", TASK, "-o", "plan.json"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert json.loads((tmp_path / "plan.json").read_text())["subtasks"][-1] == "not a subtask"


def test_bad_base_url_and_bad_config_exit_2(api, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://[::1")
    assert main(["decompose", TASK]) == 2
    assert "ANTHROPIC_BASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_bytes(b'[claude]\nmodel = "\xff"\n')
    assert main(["decompose", TASK]) == 2
    assert "config.toml" in capsys.readouterr().err
    (tmp_path / "config" / "config.toml").write_text("[claude]\nmax_tokens = 9000\nretry_max_tokens = 100\n")
    assert main(["decompose", TASK]) == 2
    assert "retry_max_tokens" in capsys.readouterr().err


def test_task_with_undecodable_bytes_exits_2(api, capsys):
    assert main(["decompose", "caf\udce9 export"]) == 2
    assert "not UTF-8" in capsys.readouterr().err and api.requests == []


def test_review_readiness_counts_model_findings(api, tmp_path, capsys):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(clean_plan()))
    api.replies.append(
        ToolReply(
            SUBMIT_REVIEW,
            {
                "findings": [
                    {"subtask": "S1", "field": "acceptance", "message": "passes on an empty file", "hint": "check rows"}
                ]
            },
        )
    )
    assert main(["review", str(path)]) == 0
    assert "delegable 1/2" in capsys.readouterr().out
