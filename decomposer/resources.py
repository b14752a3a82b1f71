"""Locate the files the package ships beside its code: the schema and the prompts.

In the repository they live at the top level (``schemas/``, ``prompts/``) because they
are the contract, not an implementation detail. The wheel copies them into
``decomposer/_resources/`` (see ``pyproject.toml``), so an installed package finds
them without a checkout.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent
_CANDIDATE_ROOTS = (_PACKAGE_DIR / "_resources", _PACKAGE_DIR.parent)

PLAN_SCHEMA_FILE = "plan.schema.json"


class MissingResourceError(RuntimeError):
    """A shipped file is absent: the installation is broken."""


def resource_dir(name: str) -> Path:
    """Return the directory ``name`` ("schemas" or "prompts") of this installation."""
    for root in _CANDIDATE_ROOTS:
        candidate = root / name
        if candidate.is_dir():
            return candidate
    searched = ", ".join(str(root / name) for root in _CANDIDATE_ROOTS)
    raise MissingResourceError(
        f"decomposer cannot find its {name}/ directory (looked in {searched}); reinstall the package"
    )


def schemas_dir() -> Path:
    return resource_dir("schemas")


def prompts_dir() -> Path:
    return resource_dir("prompts")


def plan_schema_path() -> Path:
    return schemas_dir() / PLAN_SCHEMA_FILE


def plan_schema_text() -> str:
    return plan_schema_path().read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def plan_schema() -> dict[str, Any]:
    """The plan schema as a dict. Cached: callers must not mutate it."""
    return json.loads(plan_schema_text())


def data_path(name: str) -> Path:
    """A data file shipped inside the package (word lists, price tables)."""
    return _PACKAGE_DIR / "data" / name
