"""Shared fixtures. Helpers that tests import live in ``helpers/``; this file only
declares fixtures (pytest loads it; no test imports it)."""

from __future__ import annotations

import pytest

from helpers.plans import clean_plan

# Fixtures defined beside the fakes they serve (fault_api: the fault-injecting Messages API).
pytest_plugins = ["helpers.faultkit"]


@pytest.fixture
def plan() -> dict:
    """A fresh deep copy of a clean two-subtask plan."""
    return clean_plan()
