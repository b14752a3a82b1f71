"""Start-up stays fast: the core never imports Textual, and `check`/`schema` never load
the Anthropic SDK (about 2.6 s to import) or Textual."""

from __future__ import annotations

import ast

import pytest

from helpers.plans import EXAMPLES, ROOT
from helpers.probes import modules_loaded_by

PACKAGE = ROOT / "decomposer"
# UI modules may import textual; everything else is the core the CLI, TUI and tests share.
UI_PACKAGES = ("tui",)


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def core_modules():
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if not any(part in UI_PACKAGES for part in path.relative_to(PACKAGE).parts[:-1])
    ]


def test_core_modules_exist():
    names = {path.name for path in core_modules()}
    assert {"schema.py", "semantic.py", "lint.py", "loading.py", "report.py", "main.py"} <= names


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_does_not_import_textual(path):
    assert "textual" not in imported_modules(path)


@pytest.mark.parametrize(
    "argv",
    [["check", str(EXAMPLES / "api-endpoint.json")], ["check", str(EXAMPLES / "flawed.json")], ["schema"]],
    ids=["check-clean", "check-flawed", "schema"],
)
def test_check_and_schema_do_not_load_heavy_packages(argv):
    loaded = modules_loaded_by(*argv)
    assert "decomposer.cli.main" in loaded  # the probe really ran
    for heavy in ("anthropic", "textual", "rich", "pydantic", "httpx", "httpx2"):
        assert heavy not in loaded, f"{heavy} imported by `decomposer {' '.join(argv)}`"
