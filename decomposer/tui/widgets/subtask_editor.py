"""The detail editor: every field of the selected subtask.

Each input carries its pointer (``tokens``, relative to the subtask) and reports edits as
``FieldEdited``; the app applies them to the document, so undo/redo, autosave and
validation see every change. When another subtask is selected the editor keeps its
widgets and only swaps values if the shape (list lengths, criterion methods) is the same,
which keeps moving through a long list instant."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, Switch, TextArea

from ..safe import label

ENUMS = {
    "method": ["command", "review"],
    "action": ["ask", "confirm", "stop"],
    "autonomy": ["propose", "gated", "autonomous"],
    "stakes": ["low", "high"],
    "verification_cost": ["cheap", "expensive"],
    "estimate": ["XS", "S", "M", "L", "XL"],
    "status": ["pending", "approved", "changes_requested"],
}
# Lists whose items can be added, removed and reordered, with the value of a new item.
LISTS: dict[tuple, Any] = {
    ("input_state", "preconditions"): "",
    ("input_state", "artifacts"): "",
    ("acceptance",): {"statement": "", "verify": {"method": "command", "command": ""}},
    ("pause_boundaries",): {"trigger": "", "action": "ask"},
}
INTEGER_FIELDS = {"expect_exit", "timeout_s"}


def list_position(tokens: tuple) -> tuple[tuple, int] | None:
    """(list tokens, item index) of the list item that ``tokens`` lies in."""
    for list_tokens in LISTS:
        n = len(list_tokens)
        if tokens[:n] == list_tokens and len(tokens) > n and isinstance(tokens[n], int):
            return list_tokens, tokens[n]
    return None


def _get(data: Any, tokens: tuple) -> Any:
    for token in tokens:
        if isinstance(data, dict) and isinstance(token, str):
            data = data.get(token)
        elif isinstance(data, list) and isinstance(token, int) and 0 <= token < len(data):
            data = data[token]
        else:
            return None
    return data


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


class _Field:
    tokens: tuple = ()
    kind: str = "text"


class TextField(Input, _Field):
    pass


class AreaField(TextArea, _Field):
    pass


class ChoiceField(Select, _Field):
    pass


class FlagField(Switch, _Field):
    pass


class AddButton(Button):
    def __init__(self, list_tokens: tuple, text: str) -> None:
        super().__init__(text, compact=True, classes="add-item")
        self.list_tokens = list_tokens


class SubtaskEditor(VerticalScroll):
    BINDINGS = [
        Binding("alt+n", "item('add')", "Add item", id="add_item"),
        Binding("alt+x", "item('remove')", "Remove item", id="remove_item"),
        Binding("alt+up", "item('up')", "Item up", id="item_up", show=False),
        Binding("alt+down", "item('down')", "Item down", id="item_down", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.index: int | None = None
        self._shape: tuple | None = None
        self._loading = False
        self._fields_by_tokens: dict[tuple, Widget] = {}
        self._subtask: Any = None
        self._tool_filled: Static | None = None

    # --- building -------------------------------------------------------------------------

    @staticmethod
    def shape(subtask: dict) -> tuple:
        state = subtask.get("input_state") if isinstance(subtask.get("input_state"), dict) else {}
        criteria = subtask.get("acceptance") if isinstance(subtask.get("acceptance"), list) else []
        methods = tuple(_get(c, ("verify", "method")) for c in criteria)
        boundaries = subtask.get("pause_boundaries") if isinstance(subtask.get("pause_boundaries"), list) else []
        return (
            len(state.get("preconditions") or []) if isinstance(state.get("preconditions"), list) else -1,
            len(state.get("artifacts") or []) if isinstance(state.get("artifacts"), list) else -1,
            methods, len(boundaries), "review" in subtask,
        )

    def load(self, index: int | None, subtask: Any) -> None:
        """Show ``subtask`` (at ``index``); None clears the editor."""
        self.index = index
        self._subtask = subtask
        if not isinstance(subtask, dict):
            self._shape = None
            self._fields_by_tokens = {}
            self._tool_filled = None
            self.remove_children()
            self.mount(Static("No subtask selected. Press a in the list to add one.", classes="empty"))
            return
        shape = self.shape(subtask)
        if shape != self._shape:
            # Widgets are built with their values; the old ones go away asynchronously,
            # which is why fields have no DOM ids (a lookup table finds them instead).
            self._shape = shape
            self.remove_children()
            self._fields_by_tokens = {}
            self.mount_all(self._build(subtask))
        else:
            self._fill(subtask)
        self._show_tool_filled(subtask)

    def _row(self, caption: str, widget: Widget) -> Horizontal:
        return Horizontal(Static(caption, classes="caption"), widget, classes="row")

    def _register(self, field, tokens: tuple):
        field.tokens = tokens
        self._fields_by_tokens[tokens] = field
        return field

    def _input(self, tokens: tuple, placeholder: str = "", kind: str = "text") -> TextField:
        field = TextField(_text(_get(self._subtask, tokens)), placeholder=placeholder, compact=True,
                          type="integer" if kind == "int" else "text")
        field.kind = kind
        return self._register(field, tokens)

    def _area(self, tokens: tuple, placeholder: str = "") -> AreaField:
        area = AreaField(_text(_get(self._subtask, tokens)), soft_wrap=True, compact=True, placeholder=placeholder,
                         classes="area", highlight_cursor_line=False)
        return self._register(area, tokens)

    def _choice(self, tokens: tuple, name: str) -> ChoiceField:
        value = _get(self._subtask, tokens)
        wanted = value if isinstance(value, str) and value in ENUMS[name] else Select.NULL
        # Blank is always allowed: a missing or unknown value shows blank (the findings
        # say why) rather than pretending to hold the first option.
        select = ChoiceField([(v, v) for v in ENUMS[name]], allow_blank=True, compact=True, prompt="(none)",
                             value=wanted)
        return self._register(select, tokens)

    def _build(self, subtask: dict) -> list[Widget]:
        shape = self._shape
        widgets: list[Widget] = [
            self._row("Id", self._input(("id",), "S1")),
            self._row("Title", self._input(("title",), "Imperative, as on a ticket")),
            self._row("Goal", self._area(("goal",), "What and why")),
            Static("Input state · where it starts", classes="section"),
            self._row("Summary", self._area(("input_state", "summary"), "What exists before work begins")),
        ]
        for name, count, caption in (("preconditions", shape[0], "Precondition"), ("artifacts", shape[1], "Artifact")):
            for j in range(max(count, 0)):
                widgets.append(self._row(f"{caption} {j + 1}", self._input(("input_state", name, j))))
            widgets.append(AddButton(("input_state", name), f"+ {caption.lower()}"))
        widgets.append(Static("Acceptance · how done is checked", classes="section"))
        for j, method in enumerate(shape[2]):
            base = ("acceptance", j)
            widgets.append(self._row(f"Criterion {j + 1}", self._input(base + ("statement",), "Observable outcome")))
            widgets.append(self._row("  verify by", self._choice(base + ("verify", "method"), "method")))
            if method == "review":
                widgets.append(self._row("  reviewer", self._input(base + ("verify", "reviewer"), "a role")))
            else:
                widgets.append(self._row("  command", self._input(base + ("verify", "command"), "pytest -q tests/x")))
                widgets.append(self._row("  exit code", self._input(base + ("verify", "expect_exit"), "0", "int")))
                widgets.append(self._row("  output ~", self._input(base + ("verify", "expect_output"), "regex")))
                widgets.append(self._row("  timeout s", self._input(base + ("verify", "timeout_s"), "", "int")))
        widgets.append(AddButton(("acceptance",), "+ criterion"))
        widgets.append(Static("Pause boundaries · when to stop and ask", classes="section"))
        for j in range(shape[3]):
            base = ("pause_boundaries", j)
            widgets.append(self._row(f"Trigger {j + 1}", self._input(base + ("trigger",), "When about to …")))
            widgets.append(self._row("  action", self._choice(base + ("action",), "action")))
            widgets.append(self._row("  question", self._input(base + ("question",))))
            widgets.append(self._row("  reason", self._input(base + ("reason",))))
        widgets.append(AddButton(("pause_boundaries",), "+ boundary"))
        widgets.append(Static("Autonomy and risk", classes="section"))
        widgets.append(self._row("Autonomy", self._choice(("autonomy",), "autonomy")))
        widgets.append(self._row("Stakes", self._choice(("risk", "stakes"), "stakes")))
        widgets.append(self._row("Verification", self._choice(("risk", "verification_cost"), "verification_cost")))
        reversible = FlagField(value=_get(subtask, ("risk", "reversible")) is not False)
        widgets.append(self._row("Reversible", self._register(reversible, ("risk", "reversible"))))
        widgets.append(Static("Planning", classes="section"))
        widgets.append(self._row("Depends on", self._input(("depends_on",), "S1, S2", "ids")))
        widgets.append(self._row("Estimate", self._choice(("estimate",), "estimate")))
        widgets.append(self._row("Labels", self._input(("labels",), "backend, migration", "list")))
        widgets.append(Static("Review", classes="section"))
        widgets.append(self._row("Status", self._choice(("review", "status"), "status")))
        widgets.append(self._row("Notes", self._input(("review", "notes"))))
        self._tool_filled = Static("", classes="dim")
        widgets.append(self._tool_filled)
        return widgets

    def _fill(self, subtask: dict) -> None:
        self._loading = True
        try:
            for field in self._fields():
                value = _get(subtask, field.tokens)
                with field.prevent(Input.Changed, TextArea.Changed, Select.Changed, Switch.Changed):
                    if isinstance(field, TextField):
                        text = _text(value)
                        if field.value != text:
                            field.value = text
                    elif isinstance(field, AreaField):
                        text = _text(value)
                        if field.text != text:
                            field.load_text(text)
                    elif isinstance(field, ChoiceField):
                        wanted = value if isinstance(value, str) and value in ENUMS.get(field.tokens[-1], ()) else Select.NULL
                        if field.value != wanted:
                            field.value = wanted
                    elif isinstance(field, FlagField):
                        wanted = value is not False
                        if field.value != wanted:
                            field.value = wanted
        finally:
            self._loading = False

    def _show_tool_filled(self, subtask: dict) -> None:
        if self._tool_filled is not None:
            extra = []
            tracker = subtask.get("tracker")
            if isinstance(tracker, dict):
                extra.append(f"Ticket: {label(tracker.get('system', ''), 20)} {label(tracker.get('key', ''), 40)} "
                             f"{label(tracker.get('url', ''), 100)}")
            evidence = subtask.get("evidence")
            if isinstance(evidence, list) and evidence:
                passed = sum(1 for e in evidence if isinstance(e, dict) and e.get("passed") is True)
                extra.append(f"Evidence: {passed}/{len(evidence)} checks passed")
            self._tool_filled.update("\n".join(extra))

    def _fields(self) -> list:
        return list(self._fields_by_tokens.values())

    # --- editing --------------------------------------------------------------------------

    def _edited(self, field: _Field, raw: Any) -> None:
        if self._loading or self.index is None:
            return
        kind, tokens = field.kind, field.tokens
        if isinstance(field, ChoiceField):
            if raw is Select.NULL:
                self.post_message(FieldEdited(tokens, None, delete=True))
            else:
                self.post_message(FieldEdited(tokens, raw))
            return
        if isinstance(field, FlagField):
            self.post_message(FieldEdited(tokens, bool(raw)))
            return
        text = raw
        optional = tokens[-1] in {"artifacts", "expect_output", "timeout_s", "expect_exit", "question", "reason",
                                  "reviewer", "depends_on", "labels", "notes"}
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

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if isinstance(event.input, TextField):
            self._edited(event.input, event.value)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if isinstance(event.text_area, AreaField):
            self._edited(event.text_area, event.text_area.text)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.select, ChoiceField):
            self._edited(event.select, event.value)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        if isinstance(event.switch, FlagField):
            self._edited(event.switch, event.value)

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
            self.app.notify("Put the cursor in a precondition, artifact, criterion or boundary first.",
                            severity="warning", markup=False)
            return
        self.post_message(ItemAction(position[0], position[1], action))

    def focus_tokens(self, tokens: tuple) -> bool:
        """Focus the field for ``tokens``, or the nearest one above it. True if found."""
        while tokens:
            widget = self._fields_by_tokens.get(tokens)
            if widget is None:
                tokens = tokens[:-1]
                continue
            widget.focus()
            self.scroll_to_widget(widget, top=False)
            return True
        # A list or section with no field of its own: its first item, or its add button.
        return False

    def focus_list(self, list_tokens: tuple, index: int) -> None:
        """After an item action: focus the item's first field."""
        for field in self._fields():
            if field.tokens[: len(list_tokens) + 1] == list_tokens + (index,):
                field.focus()
                self.scroll_to_widget(field, top=False)
                return


