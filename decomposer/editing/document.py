"""The plan being edited: copy-on-write edits, undo/redo, save.

Every revision of the plan is an immutable snapshot. An edit copies only the containers
on the path it changes (the top object, the subtasks array, the touched subtask, the
touched nested container) and shares everything else with the previous revision, so:

* undo and redo are a swap of snapshots, and 500 steps of history cost little memory;
* an untouched subtask keeps its identity from one revision to the next, which is what
  ``decomposer.check.incremental.IncrementalValidator`` keys its cache on;
* a snapshot can be validated or autosaved in another thread while editing goes on.

The rule that makes this work: nothing ever mutates a dict or list reachable from
``PlanDocument.plan``. Callers read ``plan`` and change it only through the methods here.
"""

from __future__ import annotations

import copy
import re
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from decomposer.clock import rfc3339, utc_now
from decomposer.plan.contract import LATER_STAGES, filled_fields, max_length
from decomposer.plan.files import unwritable_text_pointer, write_plan
from decomposer.plan.graph import cycle_with
from decomposer.plan.loading import load_plan
from decomposer.plan.names import safe_filename

UNDO_LIMIT = 500
# Keystrokes in one field closer together than this are one undo step.
COALESCE_SECONDS = 1.5
UNTITLED = "Untitled plan"  # the title of a new plan until someone gives it one
_TOP_LEVEL_ID = re.compile(r"^S([0-9]+)")
_MISSING = object()

Tokens = tuple


class EditError(ValueError):
    """An edit names a place that does not exist or cannot hold what is asked (an index
    out of range, a key on something that is not an object). The plan is unchanged."""


class PlanSaveError(OSError):
    """The plan cannot be written as UTF-8: a string in it holds a lone surrogate
    (JSON can spell "\\ud800", no UTF-8 file can hold it). ``pointer`` says where.
    Nothing was written. Other failures are the ``OSError`` of the write itself."""

    def __init__(self, path: Path, pointer: str):
        reason = f"the text at {pointer or '/'} holds a character that cannot be written as UTF-8 (a lone surrogate)"
        super().__init__(22, reason, str(path))  # 22: EINVAL
        self.pointer = pointer


def new_subtask(subtask_id: str) -> dict:
    """A subtask with every required field present, so an editor can show each one.
    Empty texts are schema errors until filled in; the risk and autonomy start at the
    cautious end (high stakes, expensive to verify, propose)."""
    return {
        "id": subtask_id,
        "title": "New subtask",
        "goal": "",
        "input_state": {"summary": "", "preconditions": [""]},
        "acceptance": [{"statement": "", "verify": {"method": "command", "command": ""}}],
        "pause_boundaries": [{"trigger": "", "action": "ask"}],
        "autonomy": "propose",
        "risk": {"stakes": "high", "verification_cost": "expensive", "reversible": True},
    }


def next_subtask_id(subtasks: Any) -> str:
    """``S<n>`` with n one more than the largest top-level number in use (S3.2 counts as
    3), so the new id is free and sorts after the others."""
    largest = 0
    for item in subtasks if isinstance(subtasks, list) else ():
        sid = item.get("id") if isinstance(item, dict) else None
        match = _TOP_LEVEL_ID.match(sid) if isinstance(sid, str) else None
        if match:
            largest = max(largest, int(match.group(1)))
    return f"S{largest + 1}"


class PlanDocument:
    """A plan with undo/redo. ``plan`` is the current snapshot (read-only for callers),
    ``path`` the file it belongs to, ``revision`` counts every change (undo and redo
    included), ``dirty`` says whether it differs from what was opened or last saved."""

    def __init__(
        self,
        plan: dict,
        path: Path | None = None,
        *,
        time_source: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``plan`` is deep-copied: the document owns its snapshots. ``time_source``
        times keystrokes for coalescing; ``wall_clock`` stamps ``updated_at``."""
        if not isinstance(plan, dict):
            raise TypeError(f"a plan is a JSON object (dict), got {type(plan).__name__}")
        self._start(copy.deepcopy(plan), path, time_source, wall_clock)

    def _start(
        self, plan: dict, path: Path | None, time_source: Callable[[], float], wall_clock: Callable[[], datetime]
    ) -> None:
        self.plan: dict = plan
        self.path: Path | None = Path(path) if path is not None else None
        self.revision = 0
        # (pointer, key) of keys the file had twice in one object (see validate_plan);
        # they describe the file as opened, not later revisions.
        self.duplicate_keys: list[tuple[str, str]] = []
        self._time = time_source
        self._wall_clock = wall_clock
        self._undo: deque[dict] = deque(maxlen=UNDO_LIMIT)
        self._redo: list[dict] = []
        self._clean: dict | None = plan  # the snapshot that matches the file
        self._typing: Tokens | None = None  # the field of a run of keystrokes, if any
        self._typed_at = 0.0

    @classmethod
    def _adopt(
        cls, plan: dict, path: Path | None, time_source: Callable[[], float], wall_clock: Callable[[], datetime]
    ) -> PlanDocument:
        """A document around ``plan`` without copying it (for plans nobody else holds)."""
        document = cls.__new__(cls)
        document._start(plan, path, time_source, wall_clock)
        return document

    # --- creating and opening -------------------------------------------------------------

    @classmethod
    def new(
        cls,
        task: str = "",
        title: str = UNTITLED,
        *,
        time_source: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> PlanDocument:
        """A skeleton plan. It has no subtasks (and maybe no task) yet, so it does not
        pass validation; the validator says what is missing."""
        plan = {
            "version": 1,
            "id": safe_filename(title, max_length("plan.id")),
            "title": title,
            "task": task or "",
            "subtasks": [],
        }
        return cls._adopt(plan, None, time_source, wall_clock)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        time_source: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> PlanDocument:
        """The plan in ``path``; a new plan bound to ``path`` when there is no such file
        (named after the file, not dirty until edited). Raises
        ``decomposer.plan.loading.PlanLoadError`` with the reason when the file cannot be
        used (not JSON, not an object, too large, unreadable)."""
        path = Path(path)
        if not path.exists() and not path.is_symlink():
            document = cls.new(time_source=time_source, wall_clock=wall_clock)
            document.plan["id"] = safe_filename(path.stem, max_length("plan.id"))
            document.path = path
            return document
        loaded = load_plan(str(path))
        document = cls._adopt(loaded.plan, path, time_source, wall_clock)
        document.duplicate_keys = loaded.duplicate_keys
        return document

    # --- state ----------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """True when the plan differs from the file (or from how it was created). Undoing
        back to the saved snapshot makes it clean again."""
        return self.plan is not self._clean

    @dirty.setter
    def dirty(self, value: bool) -> None:
        self._clean = None if value else self.plan

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # --- history --------------------------------------------------------------------------

    def _commit(self, plan: dict, typing: Tokens | None = None) -> None:
        """Make ``plan`` the current snapshot as one undo step, or as part of the current
        one when it continues a run of keystrokes in the same field."""
        now = self._time()
        continues = (
            typing is not None and typing == self._typing and self._undo and now - self._typed_at <= COALESCE_SECONDS
        )
        if not continues:
            self._undo.append(self.plan)
        self._typing, self._typed_at = typing, now
        self._redo.clear()
        self.plan = plan
        self.revision += 1

    def undo(self) -> bool:
        """Go back one step; False when there is nothing to undo."""
        if not self._undo:
            return False
        self._redo.append(self.plan)
        self.plan = self._undo.pop()
        self._typing = None
        self.revision += 1
        return True

    def redo(self) -> bool:
        """Redo the step undone last; False when there is none (any new edit clears them)."""
        if not self._redo:
            return False
        self._undo.append(self.plan)
        self.plan = self._redo.pop()
        self._typing = None
        self.revision += 1
        return True

    # --- edits ----------------------------------------------------------------------------

    def set_field(self, tokens: Tokens, value: Any = None, *, delete: bool = False) -> bool:
        """Set the value at ``tokens`` (``("subtasks", 2, "title")``), creating missing
        objects on the way; with ``delete=True`` remove that key instead. Typing (string
        values, same field, keystrokes under 1.5 s apart) is one undo step. Returns
        False, and records nothing, when the plan would not change."""
        tokens = tuple(tokens)
        if not tokens:
            raise EditError("set_field needs a path; use set_plan to replace the whole plan")
        *parent_tokens, key = tokens
        current = self._value_at(tokens)
        if delete:
            if current is _MISSING:
                return False
            new_plan = _updated(self.plan, parent_tokens, lambda parent: _without_key(parent, key, tokens))
        else:
            if current is not _MISSING and _same(current, value):
                return False
            owned = _owned(value)
            new_plan = _updated(self.plan, parent_tokens, lambda parent: _with_item(parent, key, owned, tokens))
        self._commit(new_plan, typing=tokens if isinstance(value, str) and not delete else None)
        return True

    def list_insert(self, tokens: Tokens, index: int, value: Any) -> None:
        """Insert ``value`` at ``index`` (0 to the length; the length appends) of the
        array at ``tokens``, which is created when missing."""

        def insert(items: Any) -> list:
            items = _list_at(items, tokens, missing_ok=True)
            _check_index(index, len(items) + 1, tokens)
            return [*items[:index], _owned(value), *items[index:]]

        self._commit(_updated(self.plan, tokens, insert))

    def list_remove(self, tokens: Tokens, index: int) -> Any:
        """Remove and return the item at ``index`` of the array at ``tokens``."""
        items = _list_at(self._value_at(tokens), tokens)
        _check_index(index, len(items), tokens)
        self._commit(_updated(self.plan, tokens, lambda _: [*items[:index], *items[index + 1 :]]))
        return items[index]

    def list_move(self, tokens: Tokens, index: int, delta: int) -> int:
        """Move the item at ``index`` by ``delta`` places (clamped to the array) and
        return where it is now. No change, no undo step, when it cannot move."""
        items = _list_at(self._value_at(tokens), tokens)
        _check_index(index, len(items), tokens)
        target = min(max(index + delta, 0), len(items) - 1)
        if target != index:
            moved = list(items)
            moved.insert(target, moved.pop(index))
            self._commit(_updated(self.plan, tokens, lambda _: moved))
        return target

    def _subtasks(self, missing_ok: bool = False) -> list:
        return _list_at(self.plan.get("subtasks", _MISSING), ("subtasks",), missing_ok=missing_ok)

    def add_subtask(self, after: int | None = None) -> int:
        """Insert a new subtask (``new_subtask``, next free id) after position ``after``
        (None: at the end) and return its position."""
        subtasks = self._subtasks(missing_ok=True)
        position = len(subtasks) if after is None else min(max(after + 1, 0), len(subtasks))
        self.list_insert(("subtasks",), position, new_subtask(next_subtask_id(subtasks)))
        return position

    def delete_subtask(self, index: int) -> None:
        """Delete the subtask at ``index`` and, in the same undo step, take its id out of
        every ``depends_on`` (unless another subtask still has that id)."""
        subtasks = self._subtasks()
        _check_index(index, len(subtasks), ("subtasks",))
        removed = subtasks[index]
        remaining = [*subtasks[:index], *subtasks[index + 1 :]]
        sid = removed.get("id") if isinstance(removed, dict) else None
        if isinstance(sid, str) and not any(isinstance(s, dict) and s.get("id") == sid for s in remaining):
            remaining = [_without_dependency(s, sid) for s in remaining]
        self._commit({**self.plan, "subtasks": remaining})

    def duplicate_subtask(self, index: int) -> int:
        """Insert a copy of the subtask at ``index`` right after it, with the next free id
        (and without its ticket, evidence and review: those belong to the original).
        Returns the copy's position."""
        subtasks = self._subtasks()
        _check_index(index, len(subtasks), ("subtasks",))
        duplicate = copy.deepcopy(subtasks[index])
        if isinstance(duplicate, dict):
            duplicate["id"] = next_subtask_id(subtasks)
            for key in filled_fields("subtask", LATER_STAGES):
                duplicate.pop(key, None)
        self.list_insert(("subtasks",), index + 1, duplicate)
        return index + 1

    def move_subtask(self, index: int, delta: int) -> int:
        """Move the subtask at ``index`` by ``delta`` places; returns its new position."""
        return self.list_move(("subtasks",), index, delta)

    def replace_subtasks(self, index: int, count: int, new_subtasks: list) -> None:
        """Replace ``count`` subtasks from ``index`` with ``new_subtasks`` (accepting a
        refinement), as one undo step."""
        subtasks = self._subtasks()
        _check_index(index, len(subtasks) + 1, ("subtasks",))
        if count < 0 or index + count > len(subtasks):
            raise EditError(f"cannot replace {count} subtasks from #{index + 1}: the plan has {len(subtasks)}")
        replaced = [*subtasks[:index], *_owned(list(new_subtasks)), *subtasks[index + count :]]
        self._commit({**self.plan, "subtasks": replaced})

    def set_plan(self, plan: dict) -> None:
        """Replace the whole plan (after a decomposition, or restoring a draft), as one
        undo step. ``plan`` is deep-copied."""
        if not isinstance(plan, dict):
            raise TypeError(f"a plan is a JSON object (dict), got {type(plan).__name__}")
        self._commit(copy.deepcopy(plan))

    # --- queries --------------------------------------------------------------------------

    def would_create_cycle(self, index: int, depends_on: list[str]) -> list[str] | None:
        """The dependency cycle (ids in order, the first repeated at the end) that setting
        the ``depends_on`` of the subtask at ``index`` would make, or None."""
        return cycle_with(self.plan, index, depends_on)

    def _value_at(self, tokens: Tokens) -> Any:
        node: Any = self.plan
        for token in tokens:
            if isinstance(node, dict) and isinstance(token, str):
                node = node.get(token, _MISSING)
            elif isinstance(node, list) and _is_index(token) and 0 <= token < len(node):
                node = node[token]
            else:
                return _MISSING
        return node

    # --- saving ---------------------------------------------------------------------------

    def save(self, path: Path | str | None = None) -> None:
        """Write the plan to ``path`` (default: ``self.path``) atomically, with
        ``updated_at`` set to now. The stamp also goes into ``plan`` without an undo
        step. Then ``path`` is the file and the document is clean.

        Raises ``ValueError`` when there is no path, ``PlanSaveError`` (an ``OSError``)
        when a string cannot be written as UTF-8, and lets the ``OSError`` of a failed
        write propagate (no space, no permission, no such folder). On any failure the
        file is as it was (never half-written) and the document is unchanged."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this plan has no file yet: pass the path to save it to")
        stamped = _with_key(self.plan, "updated_at", rfc3339(self._wall_clock()))
        try:
            write_plan(target, stamped)
        except UnicodeEncodeError:
            raise PlanSaveError(target, unwritable_text_pointer(stamped) or "") from None
        self.plan = self._clean = stamped
        self.path = target
        self._typing = None
        self.revision += 1


# --- copy-on-write helpers ----------------------------------------------------------------


def _is_index(token: Any) -> bool:
    return isinstance(token, int) and not isinstance(token, bool)


def _same(old: Any, new: Any) -> bool:
    # Same type too: 1 == 1.0 == True in Python, but not in the plan.
    return type(old) is type(new) and old == new


def _owned(value: Any) -> Any:
    """A private copy of a container, so the caller cannot change a snapshot later."""
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _describe(tokens: Tokens) -> str:
    return "/" + "/".join(str(token) for token in tokens) if tokens else "the plan"


def _check_index(index: Any, size: int, tokens: Tokens) -> None:
    if not _is_index(index) or not 0 <= index < size:
        raise EditError(f"index {index!r} is out of range for {_describe(tokens)} (0 to {size - 1})")


def _list_at(value: Any, tokens: Tokens, missing_ok: bool = False) -> list:
    if value is _MISSING and missing_ok:
        return []
    if not isinstance(value, list):
        what = "missing" if value is _MISSING else f"not an array ({type(value).__name__})"
        raise EditError(f"{_describe(tokens)} is {what}")
    return value


def _updated(node: Any, tokens: Tokens | list, change: Callable[[Any], Any], depth: int = 0) -> Any:
    """A copy of ``node`` in which the value at ``tokens`` is ``change(value)``; only the
    containers on the path are copied. A missing object on the way is created."""
    if depth == len(tokens):
        return change(node)
    token = tokens[depth]
    if isinstance(node, dict) and isinstance(token, str):
        child = node.get(token, _MISSING)
        if child is _MISSING and depth + 1 < len(tokens):
            if not isinstance(tokens[depth + 1], str):
                raise EditError(f"{_describe(tuple(tokens[: depth + 1]))} is missing")
            child = {}
        return {**node, token: _updated(child, tokens, change, depth + 1)}
    if isinstance(node, list) and _is_index(token):
        _check_index(token, len(node), tuple(tokens[:depth]))
        copied = list(node)
        copied[token] = _updated(node[token], tokens, change, depth + 1)
        return copied
    raise EditError(f"{_describe(tuple(tokens[:depth]))} has no {token!r}: it is {_kind(node)}")


def _kind(node: Any) -> str:
    if node is _MISSING:
        return "missing"
    kinds: dict[type, str] = {dict: "an object", list: "an array"}
    return kinds.get(type(node), f"a {type(node).__name__}")


def _with_item(parent: Any, key: Any, value: Any, tokens: Tokens) -> Any:
    if parent is _MISSING and isinstance(key, str):
        return {key: value}
    if isinstance(parent, dict) and isinstance(key, str):
        return {**parent, key: value}
    if isinstance(parent, list) and _is_index(key):
        _check_index(key, len(parent), tokens[:-1])
        copied = list(parent)
        copied[key] = value
        return copied
    raise EditError(f"cannot set {_describe(tokens)}: {_describe(tokens[:-1])} is {_kind(parent)}")


def _without_key(parent: Any, key: Any, tokens: Tokens) -> dict:
    if not isinstance(parent, dict):
        raise EditError(
            f"cannot delete {_describe(tokens)}: only keys of objects can be deleted (use list_remove for array items)"
        )
    return {name: value for name, value in parent.items() if name != key}


def _without_dependency(subtask: Any, sid: str) -> Any:
    """``subtask`` without ``sid`` in its depends_on; the same object when it has none."""
    deps = subtask.get("depends_on") if isinstance(subtask, dict) else None
    if not isinstance(deps, list) or sid not in deps:
        return subtask
    return {**subtask, "depends_on": [dep for dep in deps if dep != sid]}


def _with_key(plan: dict, key: str, value: Any) -> dict:
    """A copy of ``plan`` with ``key`` set. A new key goes where the examples keep it:
    after created_at, else before source and subtasks."""
    if key in plan:
        return {**plan, key: value}
    items = list(plan.items())
    names = [name for name, _ in items]
    if "created_at" in names:
        position = names.index("created_at") + 1
    else:
        position = next((names.index(name) for name in ("source", "subtasks") if name in names), len(items))
    items.insert(position, (key, value))
    return dict(items)
