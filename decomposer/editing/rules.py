"""What an edit of a subtask's field or list, or of the plan's task, context or title,
does to the document: the rules every front end shares.

Each function applies one edit to a ``PlanDocument`` (so undo/redo, autosave and
validation see it) and says what changed, so a view knows what to redraw. An edit that
would break the plan is refused with an exception that says why; the plan is unchanged.
"""

from __future__ import annotations

import copy
import enum
from typing import Any, NamedTuple

from decomposer.editing.document import UNTITLED, EditError, PlanDocument, Tokens
from decomposer.plan.contract import min_items, path_below
from decomposer.plan.pointers import value_at

# Lists whose items can be added, removed and reordered, with the value of a new item.
EDITABLE_LISTS: dict[Tokens, Any] = {
    ("input_state", "preconditions"): "",
    ("input_state", "artifacts"): "",
    ("acceptance",): {"statement": "", "verify": {"method": "command", "command": ""}},
    ("pause_boundaries",): {"trigger": "", "action": "ask"},
}


class Change(enum.Enum):
    """What an edit changed: what a view of the plan has to redraw."""

    NONE = "none"  # the plan is as it was
    VALUES = "values"  # field values only: every list keeps its items
    STRUCTURE = "structure"  # what the editor shows for the subtask changes shape


class ItemEdit(NamedTuple):
    """What a list edit did: whether the plan changed, and the item to focus after it."""

    changed: bool
    focus: int | None


class DependencyCycle(ValueError):
    """The dependencies asked for would make a cycle; ``cycle`` holds the ids in order,
    the first repeated at the end."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" → ".join(cycle))
        self.cycle = cycle


class RequiredItem(ValueError):
    """Removing the last item of a list a subtask needs at least one of."""


def list_position(tokens: Tokens) -> tuple[Tokens, int] | None:
    """(list tokens, item index) of the editable list item that ``tokens`` lies in."""
    for list_tokens in EDITABLE_LISTS:
        n = len(list_tokens)
        if tokens[:n] == list_tokens and len(tokens) > n and isinstance(tokens[n], int):
            return list_tokens, tokens[n]
    return None


def edit_subtask_field(document: PlanDocument, index: int, tokens: Tokens, value: Any, delete: bool = False) -> Change:
    """Set (or, with ``delete``, remove) the field at ``tokens`` of the subtask at ``index``.

    A subtask's review is one object: setting a field of a review that does not exist yet
    creates it (as pending), and clearing its status removes the whole review. A field
    under a value of the wrong type is left alone (the findings say so). Raises
    ``DependencyCycle`` for dependencies that would make a cycle."""
    subtask = document.plan["subtasks"][index]
    if tokens == ("depends_on",) and not delete:
        cycle = document.would_create_cycle(index, value)
        if cycle:
            raise DependencyCycle(cycle)
    if tokens[0] == "review":
        review = subtask.get("review") if isinstance(subtask.get("review"), dict) else None
        if tokens == ("review", "status") and delete:
            if review is not None:
                document.set_field(("subtasks", index, "review"), None, delete=True)
                return Change.VALUES
            return Change.NONE
        if review is None:
            if delete:
                return Change.NONE
            value = {"status": "pending", tokens[1]: value} if tokens[1] != "status" else {"status": value}
            tokens = ("review",)
    try:
        changed = document.set_field(("subtasks", index, *tokens), value, delete=delete)
    except EditError:
        return Change.NONE
    if not changed:  # a field reporting the value it was loaded with
        return Change.NONE
    # A criterion's method decides which of its fields there are.
    return Change.STRUCTURE if tokens[-1] == "method" else Change.VALUES


def edit_plan_text(document: PlanDocument, key: str, value: str) -> None:
    """Set the plan's ``key`` (task, context, title) to ``value``; an emptied context is
    removed (a plan need not have one)."""
    if key == "context" and not value:
        if "context" in document.plan:
            document.set_field(("context",), None, delete=True)
    else:
        document.set_field((key,), value)


def edit_list_item(document: PlanDocument, index: int, list_tokens: Tokens, item: int, action: str) -> ItemEdit:
    """Add a new item after ``item`` (-1 appends), or remove, or move ``item`` of an
    editable list (``EDITABLE_LISTS``) of the subtask at ``index``. Raises
    ``RequiredItem`` for the last item of a list a subtask needs."""
    base = ("subtasks", index, *list_tokens)
    current = value_at(document.plan["subtasks"][index], list_tokens)
    if action == "add":
        new_item = copy.deepcopy(EDITABLE_LISTS[list_tokens])
        if not isinstance(current, list):
            document.set_field(base, [new_item])
            return ItemEdit(True, 0)
        position = len(current) if item < 0 else item + 1
        document.list_insert(base, position, new_item)
        return ItemEdit(True, position)
    if not isinstance(current, list) or not 0 <= item < len(current):
        return ItemEdit(False, None)
    if action == "remove":
        if len(current) <= min_items(path_below("subtask", *list_tokens)):
            raise RequiredItem(f"{'/'.join(map(str, list_tokens))} needs at least one item")
        document.list_remove(base, item)
        return ItemEdit(True, max(0, item - 1))
    delta = -1 if action == "up" else 1
    if not 0 <= item + delta < len(current):
        return ItemEdit(False, item)
    return ItemEdit(True, document.list_move(base, item, delta))


def with_own_title(current: dict, proposed: dict) -> dict:
    """``proposed`` with the title (and id) the ``current`` plan has, unless it has none:
    the model proposes a title, but one the engineer gave wins."""
    title = current.get("title")
    if not isinstance(title, str) or not title.strip() or title == UNTITLED:
        return proposed
    return {**proposed, "title": title, "id": current.get("id", proposed.get("id"))}
