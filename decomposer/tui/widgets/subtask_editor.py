"""The detail editor: every field of the selected subtask.

Each input carries its pointer (``tokens``, relative to the subtask) and reports edits as
``FieldEdited``; the app applies them to the document, so undo/redo, autosave and
validation see every change. When another subtask is selected the editor keeps its
widgets and only swaps values if the shape (list lengths, criterion methods) is the same,
which keeps moving through a long list instant."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Button, Input, Static, TextArea

from decomposer.editing.rules import EDITABLE_LISTS, list_position
from decomposer.plan.contract import enum_values, optional_field_names
from decomposer.plan.pointers import value_at
from decomposer.trackers.entries import entries
from decomposer.tui.safe import field_text, label
from decomposer.tui.widgets.choice import Choice
from decomposer.tui.widgets.editor_fields import (
    AddButton,
    AreaField,
    ChoiceField,
    EditorField,
    FieldBlock,
    FlagField,
    ItemGroup,
    ItemPool,
    TextField,
    show_if,
)

# The values each choice field offers, from the contract.
ENUMS: dict[str, list[str]] = {
    name: list(enum_values(path))
    for name, path in {
        "method": "verify.method",
        "action": "pause_boundary.action",
        "autonomy": "subtask.autonomy",
        "stakes": "risk.stakes",
        "verification_cost": "risk.verification_cost",
        "estimate": "subtask.estimate",
        "status": "review.status",
    }.items()
}
# Fields the contract lets a plan leave out: emptying one removes it.
OPTIONAL_FIELDS = optional_field_names()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class FieldEdited(Message):
    def __init__(self, tokens: tuple, value: Any, delete: bool = False) -> None:
        super().__init__()
        self.tokens, self.value, self.delete = tokens, value, delete


class ItemAction(Message):
    def __init__(self, list_tokens: tuple, index: int, action: str) -> None:
        super().__init__()
        self.list_tokens, self.index, self.action = list_tokens, index, action


class SubtaskEditor(VerticalScroll):
    """Built once, then reused: each list keeps a pool of item groups, grown when a
    subtask has more items than any before and hidden beyond the current count, so
    moving between subtasks only swaps values (mounting widgets costs far more)."""

    # See _Settled in editor_fields.py. The vertical scrollbar is always shown (app.tcss),
    # so a change of content height never changes the width the fields are laid out in;
    # the scrollbar is updated from the new virtual size directly.
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=False)

    BINDINGS = [
        Binding("alt+n", "item('add')", "Add item", id="add_item"),
        Binding("alt+x", "item('remove')", "Remove item", id="remove_item"),
        Binding("alt+up", "item('up')", "Item up", id="item_up", show=False),
        Binding("alt+down", "item('down')", "Item down", id="item_down", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.index: int | None = None
        self._loading = False
        self._built = False
        self._fields_by_tokens: dict[tuple, Widget] = {}
        self._subtask: Any = None
        self._pools: dict[tuple, ItemPool] = {}
        self._groups: dict[tuple, list[ItemGroup]] = {key: [] for key in EDITABLE_LISTS}
        self._tool_filled: Static | None = None
        self._tool_filled_text = ""
        self._empty: Static | None = None

    # --- building -------------------------------------------------------------------------

    def _register(self, field, tokens: tuple):
        field.tokens = tokens
        self._fields_by_tokens[tokens] = field
        return field

    def _input(self, tokens: tuple, placeholder: str = "", kind: str = "text") -> TextField:
        # No built-in validation: it toggles CSS classes on every value, which costs a
        # layout pass; the contract checks report problems instead.
        field = TextField(
            placeholder=placeholder,
            compact=True,
            validate_on=(),
            select_on_focus=False,
            restrict=r"-?[0-9]*" if kind == "int" else None,
        )
        field.kind = kind
        return self._register(field, tokens)

    def _area(self, tokens: tuple, placeholder: str = "") -> AreaField:
        area = AreaField(
            soft_wrap=True, compact=True, placeholder=placeholder, classes="area", highlight_cursor_line=False
        )
        return self._register(area, tokens)

    def _choice(self, tokens: tuple, name: str) -> ChoiceField:
        # Blank is always allowed: a missing or unknown value shows blank (the findings
        # say why) rather than pretending to hold the first option.
        select = ChoiceField(ENUMS[name])
        return self._register(select, tokens)

    def _group(self, list_tokens: tuple, j: int) -> ItemGroup:
        """The widgets of item ``j`` of a list."""
        if list_tokens == ("acceptance",):
            base = ("acceptance", j)
            rows = [
                (f"Criterion {j + 1}", self._input(base + ("statement",), "Observable outcome")),
                ("  verify by", self._choice(base + ("verify", "method"), "method")),
                ("  reviewer", self._input(base + ("verify", "reviewer"), "a role")),
                ("  command", self._input(base + ("verify", "command"), "pytest -q tests/x")),
                ("  exit code", self._input(base + ("verify", "expect_exit"), "0", "int")),
                ("  output ~", self._input(base + ("verify", "expect_output"), "regex")),
                ("  timeout s", self._input(base + ("verify", "timeout_s"), "", "int")),
            ]
        elif list_tokens == ("pause_boundaries",):
            base = ("pause_boundaries", j)
            rows = [
                (f"Trigger {j + 1}", self._input(base + ("trigger",), "When about to …")),
                ("  action", self._choice(base + ("action",), "action")),
                ("  question", self._input(base + ("question",))),
                ("  reason", self._input(base + ("reason",))),
            ]
        else:
            caption = "Precondition" if list_tokens[-1] == "preconditions" else "Artifact"
            rows = [(f"{caption} {j + 1}", self._input(list_tokens + (j,)))]
        return ItemGroup(rows)

    def _build(self) -> list[Widget]:
        widgets: list[Widget] = [
            FieldBlock(
                [
                    ("Id", self._input(("id",), "S1")),
                    ("Title", self._input(("title",), "Imperative, as on a ticket")),
                    ("Goal", self._area(("goal",), "What and why")),
                ]
            ),
            Static("Input state · where it starts", classes="section"),
            FieldBlock([("Summary", self._area(("input_state", "summary"), "What exists before work begins"))]),
        ]
        sections = {
            ("input_state", "preconditions"): (None, "+ precondition"),
            ("input_state", "artifacts"): (None, "+ artifact"),
            ("acceptance",): ("Acceptance · how done is checked", "+ criterion"),
            ("pause_boundaries",): ("Pause boundaries · when to stop and ask", "+ boundary"),
        }
        for list_tokens, (heading, add_text) in sections.items():
            if heading:
                widgets.append(Static(heading, classes="section"))
            pool = ItemPool(classes="item-pool")
            self._pools[list_tokens] = pool
            widgets.append(pool)
            widgets.append(AddButton(list_tokens, add_text))
        widgets += [
            Static("Autonomy and risk", classes="section"),
            FieldBlock(
                [
                    ("Autonomy", self._choice(("autonomy",), "autonomy")),
                    ("Stakes", self._choice(("risk", "stakes"), "stakes")),
                    ("Verification", self._choice(("risk", "verification_cost"), "verification_cost")),
                    ("Reversible", self._register(FlagField(), ("risk", "reversible"))),
                ]
            ),
            Static("Planning", classes="section"),
            FieldBlock(
                [
                    ("Depends on", self._input(("depends_on",), "S1, S2", "ids")),
                    ("Estimate", self._choice(("estimate",), "estimate")),
                    ("Labels", self._input(("labels",), "backend, migration", "list")),
                ]
            ),
            Static("Review", classes="section"),
            FieldBlock(
                [("Status", self._choice(("review", "status"), "status")), ("Notes", self._input(("review", "notes")))]
            ),
        ]
        self._tool_filled = Static("", classes="dim")
        widgets.append(self._tool_filled)
        return widgets

    def load(self, index: int | None, subtask: Any) -> None:
        """Show ``subtask`` (at ``index``); None shows a hint instead."""
        self.index = index
        self._subtask = subtask
        first = not self._built
        if first:
            self._built = True
            self._empty = Static("No subtask selected. Press a in the list to add one.", classes="empty")
            self.mount(self._empty, *self._build())
        has_subtask = isinstance(subtask, dict)
        for child in self.children:
            show_if(child, (child is self._empty) != has_subtask)
        if not has_subtask:
            return
        self._loading = True
        try:
            grown = False
            for list_tokens in EDITABLE_LISTS:
                items = value_at(subtask, list_tokens)
                grown |= self._size_pool(list_tokens, len(items) if isinstance(items, list) else 0, items)
            self._fill(subtask)
        finally:
            self._loading = False
        if grown or first:
            # Values set before mounting are re-applied once mounted (what a widget shows
            # on mount is not always what it was given before).
            self.call_after_refresh(self._refill)
        self._show_tool_filled(subtask)

    def _refill(self) -> None:
        if isinstance(self._subtask, dict):
            self._fill(self._subtask)

    def _size_pool(self, list_tokens: tuple, count: int, items: Any) -> bool:
        """Show ``count`` groups, mounting more if needed; True if any were mounted."""
        groups = self._groups[list_tokens]
        grown = len(groups) < count
        while len(groups) < count:
            group = self._group(list_tokens, len(groups))
            groups.append(group)
            self._pools[list_tokens].mount(group)
        for j, group in enumerate(groups):
            show_if(group, j < count)
            if list_tokens == ("acceptance",) and j < count:
                # Statement and method always; a reviewer for review, the rest for a command.
                review = value_at(items[j], ("verify", "method")) == "review"
                group.show_rows([True, True, review] + [not review] * 4)
        return grown

    def _fill(self, subtask: dict) -> None:
        for tokens, field in self._fields_by_tokens.items():
            value = value_at(subtask, tokens)
            with field.prevent(Input.Changed, TextArea.Changed):
                if isinstance(field, TextField):
                    text = field_text(_text(value))
                    if field.value != text:
                        field.value = text
                        field.cursor_position = 0  # show the start of a long value
                elif isinstance(field, AreaField):
                    text = field_text(_text(value), multiline=True)
                    if field.text != text:
                        field.load_text(text)
                elif isinstance(field, FlagField):
                    field.value = "false" if value is False else "true"
                elif isinstance(field, ChoiceField):
                    field.value = value if isinstance(value, str) else None

    def _show_tool_filled(self, subtask: dict) -> None:
        extra = [
            f"Ticket: {label(ticket.get('system', ''), 20)} {label(ticket.get('key', ''), 40)} "
            f"{label(ticket.get('url', ''), 100)}"
            for ticket in entries(subtask.get("tracker"))
        ]
        evidence = subtask.get("evidence")
        if isinstance(evidence, list) and evidence:
            passed = sum(1 for e in evidence if isinstance(e, dict) and e.get("passed") is True)
            extra.append(f"Evidence: {passed}/{len(evidence)} checks passed")
        text = "\n".join(extra)
        if self._tool_filled is not None and text != self._tool_filled_text:
            self._tool_filled_text = text
            self._tool_filled.update(text)

    def _fields(self) -> list:
        return list(self._fields_by_tokens.values())

    # --- editing --------------------------------------------------------------------------

    def _edited(self, field: EditorField, raw: Any) -> None:
        if self._loading or self.index is None:
            return
        kind, tokens = field.kind, field.tokens
        if isinstance(field, FlagField):
            self.post_message(FieldEdited(tokens, raw == "true"))
            return
        if isinstance(field, ChoiceField):
            if raw is None:
                self.post_message(FieldEdited(tokens, None, delete=True))
            else:
                self.post_message(FieldEdited(tokens, raw))
            return
        text = raw
        optional = tokens[-1] in OPTIONAL_FIELDS
        if kind == "int":
            stripped = text.strip()
            if not stripped:
                self.post_message(FieldEdited(tokens, None, delete=True))
            elif stripped.lstrip("-").isdigit():
                self.post_message(FieldEdited(tokens, int(stripped)))
            return
        if kind in ("ids", "list"):
            items = [part.strip() for part in text.split(",") if part.strip()]
            if not items and optional:
                self.post_message(FieldEdited(tokens, None, delete=True))
            else:
                self.post_message(FieldEdited(tokens, items))
            return
        if not text and optional:
            self.post_message(FieldEdited(tokens, None, delete=True))
        else:
            self.post_message(FieldEdited(tokens, text))

    # Text applies as it is typed; ids, lists and numbers when the field is left or
    # enter is pressed (a half-typed "S1, S" is not a dependency, and undo then takes
    # the whole value back in one step).
    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if isinstance(event.input, TextField) and event.input.kind == "text":
            self._edited(event.input, event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if isinstance(event.input, TextField) and event.input.kind != "text":
            self._edited(event.input, event.value)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        event.stop()
        if isinstance(event.input, TextField) and event.input.kind != "text":
            self._edited(event.input, event.value)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if isinstance(event.text_area, AreaField):
            self._edited(event.text_area, event.text_area.text)

    def on_choice_changed(self, event: Choice.Changed) -> None:
        event.stop()
        if isinstance(event.choice, EditorField):
            self._edited(event.choice, event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, AddButton):
            event.stop()
            self.post_message(ItemAction(event.button.list_tokens, -1, "add"))

    def action_item(self, action: str) -> None:
        focused = self.app.focused
        if isinstance(focused, AddButton):
            if action == "add":
                self.post_message(ItemAction(focused.list_tokens, -1, "add"))
            return
        tokens = getattr(focused, "tokens", None)
        position = list_position(tokens) if tokens else None
        if position is None:
            self.app.notify(
                "Put the cursor in a precondition, artifact, criterion or boundary first.",
                severity="warning",
                markup=False,
            )
            return
        self.post_message(ItemAction(position[0], position[1], action))

    def focus_tokens(self, tokens: tuple) -> bool:
        """Focus the field for ``tokens``, or the nearest one above it. True if found."""
        while tokens:
            widget = self._fields_by_tokens.get(tokens)
            if widget is None:
                tokens = tokens[:-1]
                continue
            self._focus(widget)
            return True
        # A list or section with no field of its own: its first item, or its add button.
        return False

    def focus_list(self, list_tokens: tuple, index: int) -> None:
        """After an item action: focus the item's first field."""
        for field in self._fields():
            if field.tokens[: len(list_tokens) + 1] == list_tokens + (index,):
                self._focus(field)
                return

    def _focus(self, field: Widget) -> None:
        if not field.is_mounted:
            # An item group mounted just now: focusing a widget that is not yet on the
            # screen does nothing, so wait until it is (its first message runs then).
            field.call_later(self._focus, field)
            return
        field.focus()
        self.scroll_to_widget(field, top=False)
