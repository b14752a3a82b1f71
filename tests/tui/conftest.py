"""Fixtures shared by the Pilot tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("DECOMPOSER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DECOMPOSER_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "DECOMPOSER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path
