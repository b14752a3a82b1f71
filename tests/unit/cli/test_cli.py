"""`decomposer check` and `decomposer schema` as a user and CI run them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from decomposer.check.rules import RULES
from decomposer.cli.main import main
from helpers.plans import CLEAN_EXAMPLES, EXAMPLES, ROOT, clean_plan


def write(tmp_path, name, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_plan_exits_0_and_reports_readiness(tmp_path, capsys):
    path = write(tmp_path, "plan.json", clean_plan())
    code, out, err = run(["check", path], capsys)
    assert code == 0
    assert "0 errors, 0 warnings · delegable 2/2 subtasks" in out
    assert err == ""


def test_errors_exit_1_and_text_groups_findings_by_subtask(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][1]["autonomy"] = "autonomous"  # high stakes: at most gated
    plan["subtasks"][1]["acceptance"][0]["statement"] = "The page loads quickly"
    path = write(tmp_path, "plan.json", plan)
    code, out, _ = run(["check", path], capsys)
    assert code == 1
    lines = out.splitlines()
    heading = lines.index("  S2 Add the download button")
    body = "\n".join(lines[heading:])
    assert "error    autonomy-exceeds-risk  /subtasks/1/autonomy" in body
    assert "warning  vague-language  /subtasks/1/acceptance/0/statement" in body
    assert '"quickly"' in body
    assert "1 error, 1 warning · delegable 1/2 subtasks" in out


def test_warnings_pass_unless_strict(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][0]["estimate"] = "XL"
    path = write(tmp_path, "plan.json", plan)
    assert run(["check", path], capsys)[0] == 0
    assert run(["check", "--strict", path], capsys)[0] == 1


def test_json_output_shape(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][0]["depends_on"] = ["S9"]
    path = write(tmp_path, "plan.json", plan)
    code, out, _ = run(["check", "--format", "json", path], capsys)
    assert code == 1
    document = json.loads(out)
    [entry] = document["files"]
    assert entry["path"] == path
    assert entry["readiness"] == {"delegable": 1, "total": 2}
    [finding] = entry["findings"]
    assert finding == {
        "rule": "unknown-dependency",
        "severity": "error",
        "subtask": "S1",
        "path": "/subtasks/0/depends_on/0",
        "message": 'depends on "S9", which is not a subtask of this plan',
        "hint": "known ids: S1, S2",
    }


def test_json_output_for_unreadable_file(tmp_path, capsys):
    good = write(tmp_path, "good.json", clean_plan())
    bad = write(tmp_path, "bad.json", "{not json")
    code, out, _ = run(["check", "--format", "json", good, bad], capsys)
    assert code == 2
    files = json.loads(out)["files"]
    assert [f["path"] for f in files] == [good, bad]
    assert files[0]["readiness"] == {"delegable": 2, "total": 2}
    assert "error" not in files[0]
    assert files[1]["error"].startswith("not valid JSON")
    assert files[1]["readiness"] is None


@pytest.mark.parametrize(
    "content, reason",
    [
        ("[1, 2]", "expected a JSON object (a plan) at the top level, found an array"),
        ('"plan"', "found a string"),
        ("", "empty file"),
        ('{"version": 1,', "not valid JSON"),
        ('{"version": NaN}', "NaN is not valid JSON"),
        ('{"cost": 1e999}', "too large"),
        (b"\xff\xfe{\x00}\x00", "not UTF-8 text"),
        ("[" * 50000 + "]" * 50000, "nested too deeply"),
    ],
    ids=["array", "string", "empty", "truncated", "nan", "overflow", "utf16", "deep"],
)
def test_unusable_file_exits_2_naming_file_and_reason(tmp_path, capsys, content, reason):
    path = write(tmp_path, "plan.json", content)
    code, out, err = run(["check", path], capsys)
    assert code == 2
    assert path in out and reason in out
    assert "Traceback" not in out + err


def test_missing_file_and_directory_without_plans(tmp_path, capsys):
    code, out, _ = run(["check", str(tmp_path / "nope.json")], capsys)
    assert code == 2 and "no such file" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = run(["check", str(empty)], capsys)
    assert code == 2 and "is a directory" in out


def test_file_over_20_mb_is_refused_without_parsing(tmp_path, capsys):
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.write(b'{"task": "')
        handle.write(b"x" * (20 * 1024 * 1024))
        handle.write(b'"}')
    code, out, _ = run(["check", str(path)], capsys)
    assert code == 2
    assert "too large" in out and "20,971,520" in out


def test_directory_expands_to_its_json_files(capsys):
    code, out, _ = run(["check", str(EXAMPLES)], capsys)
    assert code == 1  # flawed.json is among them
    for example in sorted(EXAMPLES.glob("*.json")):
        assert str(example) in out
    assert f"{len(list(EXAMPLES.glob('*.json')))} files:" in out


def test_stdin(monkeypatch, capsys):
    import io

    data = json.dumps(clean_plan()).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run(["check", "-"], capsys)
    assert code == 0
    assert out.startswith("<stdin>\n")


def test_every_clean_example_passes_and_flawed_fires_every_rule(capsys):
    code, out, _ = run(["check", "--strict", *map(str, CLEAN_EXAMPLES)], capsys)
    assert code == 0, out
    code, out, _ = run(["check", "--format", "json", str(EXAMPLES / "flawed.json")], capsys)
    assert code == 1
    fired = {f["rule"] for f in json.loads(out)["files"][0]["findings"]}
    assert fired == {rule.name for rule in RULES}


def test_untrusted_text_cannot_drive_the_terminal(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][0]["id"] = "S1\x1b[2J"  # also invalid: the message quotes it
    plan["subtasks"][0]["title"] = "Evil \x1b]0;pwned\x07 title \u202e reversed"
    path = write(tmp_path, "plan\x1b[31m.json", plan)
    code, out, _ = run(["check", path], capsys)
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[2J" in out and "\\u202e" in out


def test_no_colour_when_not_a_terminal(tmp_path, capsys):
    plan = clean_plan()
    plan["subtasks"][0]["risk"]["stakes"] = "high"
    path = write(tmp_path, "plan.json", plan)
    code, out, _ = run(["check", path], capsys)
    assert code == 1 and "\x1b[" not in out


def test_schema_command_prints_the_contract(capsys):
    code, out, _ = run(["schema"], capsys)
    assert code == 0
    assert json.loads(out) == json.loads((ROOT / "schemas" / "plan.schema.json").read_text())


def test_rules_command_lists_every_rule(capsys):
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    for rule in RULES:
        assert rule.name in out


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    assert "PLAN" in capsys.readouterr().err


def test_real_process_exit_codes_and_no_traceback(tmp_path):
    good = write(tmp_path, "good.json", clean_plan())
    bad = write(tmp_path, "bad.json", b"\x00\x01")
    for args, expected in (([good], 0), ([str(EXAMPLES / "flawed.json")], 1), ([good, bad], 2)):
        result = subprocess.run(
            [sys.executable, "-m", "decomposer", "check", *args], capture_output=True, text=True, cwd=ROOT
        )
        assert result.returncode == expected, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
