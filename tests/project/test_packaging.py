"""The wheel carries schemas/ and prompts/, and an installed decomposer finds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from helpers.plans import ROOT

hatchling = pytest.importorskip("hatchling", reason="building the wheel needs hatchling (a test extra)")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    [path] = out.glob("decomposer-*.whl")
    return path


def test_wheel_contains_schema_prompts_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "decomposer/_resources/schemas/plan.schema.json" in names
    assert "decomposer/_resources/prompts/README.md" in names
    assert "decomposer/data/requirement-smells.json" in names
    assert "decomposer/data/prices.json" in names
    assert "decomposer/tui/app.tcss" in names
    assert {
        "decomposer/_resources/prompts/system.md",
        "decomposer/_resources/schemas/model-review.schema.json",
    } <= names
    assert not any(name.startswith(("tests/", "examples/")) for name in names)


def test_installed_package_finds_its_resources(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import json, decomposer.resources as r, decomposer.check.lint as l\n"
        "print(json.dumps({'module': r.__file__, 'schema': str(r.plan_schema_path()),"
        " 'prompts': str(r.prompts_dir()), 'id': r.plan_schema()['$id'],"
        " 'categories': len(l.lexicon().categories)}))\n"
    )
    # Run outside the repository, the installed copy first on the path (before any
    # decomposer in site-packages; the assertions below prove which copy answered).
    env = dict(os.environ, PYTHONPATH=str(target))
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(result.stdout)
    assert found["module"].startswith(str(target))
    assert found["schema"].startswith(str(target / "decomposer" / "_resources"))
    assert found["prompts"].startswith(str(target / "decomposer" / "_resources"))
    assert found["id"] == json.loads((ROOT / "schemas" / "plan.schema.json").read_text())["$id"]
    assert found["categories"] >= 6
