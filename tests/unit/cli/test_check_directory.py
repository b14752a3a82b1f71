"""`decomposer check DIR` checks the plans in DIR, not what an export wrote beside them
(issue 13 item 4: exporting next to a plan broke `decomposer check --strict plans/`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from decomposer.cli.main import main
from decomposer.plan.contract import PLAN, object_schema
from decomposer.plan.discovery import PLAN_MARKERS, plan_candidates
from decomposer.plan.export_manifest import MANIFEST
from helpers.plans import CLEAN_EXAMPLES, EXAMPLES

DB_MIGRATION = EXAMPLES / "db-migration.json"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def checked_files(capsys, *argv: str) -> tuple[int, list[str], str]:
    code, out, err = run(capsys, "check", "--format", "json", *argv)
    return code, [entry["path"] for entry in json.loads(out)["files"]], err


@pytest.fixture
def exported(tmp_path, monkeypatch, capsys) -> Path:
    """A plan with its markdown, github, linear and brief exports beside it."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(DB_MIGRATION, tmp_path / DB_MIGRATION.name)
    for fmt in ("markdown", "github", "linear", "brief"):
        assert main(["export", DB_MIGRATION.name, "--to", fmt]) == 0
    capsys.readouterr()
    return tmp_path


def test_check_strict_of_a_folder_with_exports_checks_only_the_plan(exported, capsys):
    assert (exported / "split-customer-name-github" / "issues.json").is_file()
    assert (exported / "split-customer-name-linear.json").is_file()
    code, out, err = run(capsys, "check", "--strict", str(exported))
    assert code == 0, out
    assert out.startswith(str(exported / DB_MIGRATION.name) + "\n")
    assert "issues.json" not in out and "linear" not in out and MANIFEST not in out
    # One line says what was left out and why: 3 manifests and issues.json, the Linear array.
    assert err.strip() == (
        f"skipped 5 files: 4 written by an export (listed in {MANIFEST}), 1 with no version and subtasks (not a plan)"
    )


def test_the_readme_ci_line_checks_every_plan_in_plans(tmp_path, monkeypatch, capsys):
    plans = tmp_path / "plans"
    (plans / "team").mkdir(parents=True)
    for example in CLEAN_EXAMPLES:
        shutil.copy(example, plans / "team" / example.name)
    monkeypatch.chdir(tmp_path)
    assert main(["export", f"plans/team/{CLEAN_EXAMPLES[0].name}", "--to", "github", "-o", "plans/gh"]) == 0
    capsys.readouterr()
    code, paths, _ = checked_files(capsys, "--strict", "plans/")
    assert code == 0
    assert sorted(Path(path).name for path in paths) == sorted(example.name for example in CLEAN_EXAMPLES)


def test_a_broken_plan_in_a_folder_is_still_reported(exported, capsys):
    # Not JSON, so it cannot be told from a plan: CI must hear of it.
    (exported / "half.json").write_text('{"version": 1, "subtasks": [', encoding="utf-8")
    code, paths, _ = checked_files(capsys, str(exported))
    assert code == 2 and str(exported / "half.json") in paths


def test_a_plan_with_errors_in_a_folder_still_fails(tmp_path, capsys):
    shutil.copy(EXAMPLES / "flawed.json", tmp_path / "flawed.json")
    code, paths, _ = checked_files(capsys, str(tmp_path))
    assert code == 1 and paths == [str(tmp_path / "flawed.json")]


def test_exclude_is_repeatable_and_matches_names_paths_and_folders(tmp_path, capsys):
    for folder in ("keep", "drafts", "old/deep"):
        (tmp_path / folder).mkdir(parents=True)
    for name in ("keep/a.json", "keep/a.bak.json", "drafts/b.json", "old/deep/c.json", "d.json"):
        shutil.copy(DB_MIGRATION, tmp_path / name)
    code, paths, err = checked_files(capsys, str(tmp_path), "--exclude", "*.bak.json", "--exclude", "drafts")
    assert code == 0
    assert [Path(p).relative_to(tmp_path).as_posix() for p in paths] == ["d.json", "keep/a.json", "old/deep/c.json"]
    assert "skipped 2 files: 2 matched --exclude" in err
    _, paths, _ = checked_files(capsys, str(tmp_path), "--exclude", "old/*", "--exclude", "keep/a.json")
    assert [Path(p).relative_to(tmp_path).as_posix() for p in paths] == ["d.json", "drafts/b.json", "keep/a.bak.json"]


def test_a_file_named_on_the_command_line_is_always_checked(exported, capsys):
    linear = str(exported / "split-customer-name-linear.json")
    code, out, err = run(capsys, "check", linear, "--exclude", "*")
    assert code == 2 and "found an array" in out and err == ""


def test_a_folder_of_exports_only_says_it_holds_no_plans(exported, capsys):
    code, out, err = run(capsys, "check", str(exported / "split-customer-name-github"))
    assert code == 2 and "is a directory without plans" in out
    assert "skipped 2 files: 2 written by an export" in err


def test_a_manifest_listing_a_file_in_a_subfolder_skips_it(tmp_path):
    (tmp_path / "out" / "S1").mkdir(parents=True)
    (tmp_path / "out" / "S1" / "data.json").write_text("{}", encoding="utf-8")
    (tmp_path / "out" / MANIFEST).write_text(json.dumps({"files": ["S1/data.json"]}), encoding="utf-8")
    found = plan_candidates([str(tmp_path)])
    assert found.candidates == [] and sum(found.skipped.values()) == 2


def test_a_manifest_that_is_not_ours_skips_nothing_it_lists(tmp_path):
    shutil.copy(DB_MIGRATION, tmp_path / "plan.json")
    (tmp_path / MANIFEST).write_text("not json", encoding="utf-8")
    assert [c.path for c in plan_candidates([str(tmp_path)]).candidates] == [str(tmp_path / "plan.json")]


def test_the_plan_markers_are_required_by_the_schema():
    assert set(PLAN_MARKERS) <= set(object_schema(PLAN)["required"])
