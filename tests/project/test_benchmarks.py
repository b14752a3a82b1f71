"""The benchmark scripts run and print well-formed figures (tiny sizes, a few seconds).

Each script's ``main`` runs in process with ``--smoke`` (tiny plans, one repetition) in
its text and its ``--json`` form; the figures themselves are meaningless at that size,
so only their shape and their internal consistency are checked. tui_bench.py is left
out: it has no small mode (seven first paints of three apps and two Pilot sessions take
about 35 s). No network: the streaming and prompt benchmarks use the fake Messages API.
"""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from helpers.plans import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import figures  # noqa: E402
import run_all  # noqa: E402

SMOKE_TESTED = [name for name in run_all.BENCHMARKS if name not in run_all.WITHOUT_MODES]


def script_module(name: str):
    return importlib.import_module(run_all.BENCHMARKS[name].removesuffix(".py"))


def run_json(name: str, capsys) -> dict[str, dict]:
    assert script_module(name).main(["--smoke", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, "--json prints exactly one line"
    document = figures.parse(lines[0])
    assert document["benchmark"] == name
    return {f["name"]: f for f in document["figures"]}


def test_every_benchmark_but_the_tui_is_smoke_tested():
    assert set(SMOKE_TESTED) == {"check", "stream", "incremental", "prompt", "memory"}
    assert all((ROOT / "benchmarks" / script).is_file() for script in run_all.BENCHMARKS.values())


@pytest.mark.parametrize("name", SMOKE_TESTED)
def test_text_report_is_not_json(name, capsys):
    assert script_module(name).main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) >= 2
    with pytest.raises(ValueError):
        figures.parse(out.strip().splitlines()[-1])


def test_check_bench_ratio_is_ours_over_plain_jsonschema(capsys):
    found = run_json("check", capsys)
    for size in (10, 20):
        ours = found[f"check_file, {size} subtasks"]["value"]
        plain = found[f"plain jsonschema, {size} subtasks"]["value"]
        assert ours > 0 and plain > 0
        assert found[f"check_file / jsonschema, {size} subtasks"]["value"] == pytest.approx(ours / plain)
        assert found[f"cli wall, {size} subtasks"]["unit"] == "s"


def test_stream_bench_first_subtask_is_a_fraction_with_its_aim(capsys):
    found = run_json("stream", capsys)
    first = found["first subtask, fraction of the stream"]
    assert 0 < first["value"] < 1 and first["aim"] == "<= 0.15"
    raw = found["client time per token, SDK raw events"]["value"]
    ours = found["client time per token, engine"]["value"]
    assert found["client overhead per token"]["value"] == pytest.approx(ours - raw)


def test_incremental_bench_times_every_case(capsys):
    found = run_json("incremental", capsys)
    assert len(found) == 6 and all(f["value"] > 0 and f["unit"] == "ms" for f in found.values())
    assert found["full validate_plan"]["aim"] is None and found["incremental, one edit"]["aim"] == "< 10 ms"


def test_prompt_bench_prefix_is_shared_and_smaller_than_every_request(capsys):
    found = run_json("prompt", capsys)
    prefix = found["static prefix (tools + system)"]["value"]
    assert 0 < found["static prefix, tools part"]["value"] < prefix
    shares = {}
    for request in ("decompose", "repair", "refine", "review"):
        assert found[f"{request} request"]["value"] > prefix
        shares[request] = found[f"{request} request, cacheable share"]["value"]
        assert 0 < shares[request] < 100
        assert found[f"{request} request"]["unit"] == "tokens (est.)"
    # refine and review carry the whole plan, decompose only the task
    assert shares["decompose"] > shares["refine"] and shares["decompose"] > shares["review"]


def test_prompt_bench_counts_the_bodies_the_engine_sends():
    import prompt_bench

    plan = json.loads(prompt_bench.EXAMPLE.read_text(encoding="utf-8"))
    found = {r.name: r for r in prompt_bench.requests_of(plan)}
    refine = found["refine"]
    # the refine message holds the plan as JSON: at least the subtasks' characters
    assert refine.messages_chars > sum(len(prompt_bench.compact(s)) for s in plan["subtasks"])
    assert all(r.body_bytes > r.chars * 0.9 for r in found.values())
    assert refine.cacheable == pytest.approx(refine.prefix_chars / refine.chars)


def test_memory_bench_peaks_grow_with_the_work(capsys):
    found = run_json("memory", capsys)
    baseline = found["peak RSS, baseline"]["value"]
    assert 1 < baseline < found["peak RSS, check_file"]["value"]
    assert found["peak RSS, load_plan"]["value"] >= found["peak RSS, json.loads"]["value"] * 0.9
    assert all(f["unit"] == "MB" for f in found.values())


def test_figures_parse_rejects_malformed_documents():
    good = figures.to_json("x", [figures.Figure("a", 1.5, "s", "< 2 s")])
    assert figures.parse(good)["figures"][0]["value"] == 1.5
    for bad in (
        "",
        "not json",
        "[]",
        '{"benchmark": "x", "note": "", "figures": []}',
        '{"benchmark": "x", "note": "", "figures": [{"name": "a", "value": NaN, "unit": "s", "aim": null}]}',
        '{"benchmark": "x", "note": "", "figures": [{"name": "a", "value": "1", "unit": "s", "aim": null}]}',
        '{"benchmark": "x", "note": "", "figures": [{"name": "a", "value": 1, "unit": "s"}]}',
    ):
        with pytest.raises(ValueError):
            figures.parse(bad)
    with pytest.raises(ValueError):
        figures.to_json("x", [figures.Figure("a", float("inf"), "s")])


def test_run_all_reports_a_failing_script_in_one_line(tmp_path):
    crashing = tmp_path / "crash.py"
    crashing.write_text("import sys\nprint('partial', flush=True)\nsys.exit('benchmark plan is not clean')\n")
    outcome = run_all.run_one("crash", crashing, None)
    assert outcome.document is None and outcome.error == "exit 1: benchmark plan is not clean"
    chatty = tmp_path / "chatty.py"
    chatty.write_text("print('a text report instead of JSON')\n")
    outcome = run_all.run_one("chatty", chatty, "quick")
    assert outcome.error.startswith("bad --json output: not JSON")
    [row] = run_all.rows([outcome])
    assert row[:2] == ("chatty", "FAILED: " + outcome.error)


def test_run_all_markdown_table_escapes_pipes():
    document = figures.parse(figures.to_json("x", [figures.Figure("a | b", 12.345, "%", "<= 1|2")]))
    table = run_all.render(run_all.rows([run_all.Outcome("x", 0.1, document)]), markdown=True)
    assert table.splitlines()[2] == r"| x | a \| b | 12.3% | <= 1\|2 |"


def test_run_all_smoke_prints_one_table(capsys):
    assert run_all.main(["--smoke", "--only", "check,tui"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].endswith("`python benchmarks/run_all.py --smoke --only check,tui`")
    assert lines[1].split() == ["benchmark", "figure", "value", "aim"]
    assert sum(line.startswith("check ") for line in lines) == 10  # 5 figures for each of 2 sizes
    assert "tui: skipped" in captured.err


def test_run_all_rejects_an_unknown_benchmark(capsys):
    with pytest.raises(SystemExit):
        run_all.main(["--only", "chek"])
    assert "unknown benchmark 'chek'" in capsys.readouterr().err
