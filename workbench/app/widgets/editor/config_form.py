"""A form generated from a pydantic model: one row per field, checked as you type.

Each field gets the input its type asks for (see :mod:`workbench.app.editing.fields`):
a text input for strings and numbers, a switch for booleans, a choice for literals
and enums, one item per line for lists, ``key = value`` lines for tables. Defaults
show as placeholders (an empty input means "use the default"), required fields
carry a ``*``, and pydantic's complaint about a field appears right under it.

The form announces every change with :class:`ConfigForm.Changed`, carrying the
whole new dict (keys left empty are omitted; keys the model does not know are kept
as they were, so nothing in a file is dropped by opening it). The owner calls
:meth:`ConfigForm.set_values` to show other values (after undo, say) without the
form echoing them back as a change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalGroup
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from workbench.app.editing.fields import (
    UNSET,
    FormField,
    TomlTextError,
    field_errors,
    form_fields,
    format_value,
    parse_text,
)
from workbench.app.widgets.common.field_input import FieldInput
from workbench.app.widgets.common.stage_details import type_name

FieldWidget = Input | Switch | Select[Any] | TextArea


class LinesArea(TextArea):
    """A small text area whose ctrl+z / ctrl+y belong to the editor's undo, not its own.

    Turning the area's own undo off keeps one history: the editor's, which covers
    every kind of edit, not only the text typed here.
    """

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("undo", "redo"):
            return False
        return super().check_action(action, parameters)


class ConfigForm(VerticalGroup):
    """Fields of ``model`` for a dict of values; emits :class:`Changed` on every edit."""

    DEFAULT_CSS = """
    ConfigForm {
        height: auto;
        padding: 0 1 0 0;
        & .form-row { height: auto; margin: 1 0 0 0; }
        & .form-label { width: 20; height: auto; padding: 0 1 0 0; color: $foreground; }
        & .form-label.-required { text-style: bold; }
        & .form-cell { width: 1fr; height: auto; }
        & .form-help { color: $foreground-muted; height: auto; }
        & .form-error { color: $text-error; height: auto; display: none; }
        & .form-row.-invalid .form-error { display: block; }
        & .form-row.-invalid .form-label { color: $text-error; }
        & Input { width: 1fr; }
        & Input.-textual-compact { background: $foreground 8%; }
        & Input.-textual-compact:focus { background: $primary 20%; }
        & Switch { height: 1; border: none; padding: 0; width: auto; background: transparent; }
        & Switch:focus { border: none; background: $primary 20%; }
        & Select { width: 1fr; }
        & LinesArea { height: auto; max-height: 6; min-height: 2; width: 1fr; background: $foreground 8%; }
        & LinesArea:focus { background: $primary 15%; }
        & .form-empty { color: $foreground-muted; text-style: italic; }
        & .form-extra { color: $text-warning; height: auto; }
    }
    """

    class Changed(Message):
        """The person changed a value; ``values`` is the whole new dict."""

        def __init__(
            self,
            form: ConfigForm,
            values: dict[str, Any],
            errors: dict[str, str],
            field: str | None = None,
        ) -> None:
            super().__init__()
            self.form = form
            self.values = values
            self.errors = errors
            self.field = field
            """The field the person edited (each field's edits are their own undo step)."""

        @property
        def control(self) -> ConfigForm:
            return self.form

        @property
        def valid(self) -> bool:
            return not self.errors

    EMPTY: ClassVar[str] = "takes no settings"

    def __init__(
        self,
        model: type[BaseModel],
        values: Mapping[str, Any] | None = None,
        *,
        only: Sequence[str] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.model = model
        # Required fields first: they are what a new stage needs before it can run.
        self.fields = sorted(form_fields(model, only), key=lambda f: not f.required)
        self._only = set(only) if only is not None else None
        self._values: dict[str, Any] = dict(values or {})
        self._explicit: set[str] = set(self._values)
        """Keys the values held when shown: a switch set back to its default keeps them."""
        self._inputs: dict[str, FieldWidget] = {}
        self._rows: dict[str, Vertical | Horizontal] = {}
        self._errors_shown: dict[str, Static] = {}
        self._messages_shown: dict[str, str | None] = {}
        """The message each error line shows (None: none), so unchanged lines are not rewritten."""
        self._errors: dict[str, str] = {}
        self._extra = Static("", classes="form-extra")
        """Names the keys the model does not know (kept as written)."""

    # -- building ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        if not self.fields:
            yield Static(self.EMPTY, classes="form-empty")
        for field in self.fields:
            widget = self._make_input(field)
            self._inputs[field.name] = widget
            label = Content.styled(field.name, "")
            if field.required:
                label = Content.assemble(label, Content.styled(" *", "$text-warning"))
            error = Static("", classes="form-error")
            self._errors_shown[field.name] = error
            with Horizontal(classes="form-row") as row:
                self._rows[field.name] = row
                yield Label(label, classes="form-label" + (" -required" if field.required else ""))
                with Vertical(classes="form-cell"):
                    yield widget
                    yield error
                    yield Static(self._help(field), classes="form-help")
        yield self._extra

    def _help(self, field: FormField) -> Content:
        """``text · what it is for``: the type as people write it, then the description."""
        info = self.model.model_fields.get(field.name)
        kind = type_name(info.annotation) if info is not None else ""
        parts = [Content.styled(kind, "italic")] if kind else []
        if field.description:
            parts.append(Content(("  ·  " if parts else "") + field.description))
        return Content.assemble(*parts)

    def _make_input(self, field: FormField) -> FieldWidget:
        value = self._values.get(field.name, UNSET)
        present = value is not UNSET
        if field.kind == "bool":
            on_value = bool(value) if present else bool(field.default is True)
            return Switch(on_value, animate=False, tooltip=field.description or None)
        if field.kind == "choice":
            options = [(str(getattr(c, "value", c)), c) for c in field.choices]
            prompt = f"default: {field.placeholder}" if field.has_default else "choose one"
            choice: Any = value if present and value in field.choices else Select.NULL
            return Select(options, prompt=prompt, value=choice, compact=True)
        text = format_value(value, field.kind) if present else ""
        if field.kind in ("lines", "table"):
            area = LinesArea(text, soft_wrap=True, compact=True, placeholder=field.placeholder)
            area.show_line_numbers = False
            return area
        return FieldInput(
            text, placeholder=field.placeholder, compact=True, select_on_focus=False
        )

    def on_mount(self) -> None:
        self._check(announce=False)

    # -- values ------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        return dict(self._values)

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._errors)

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show ``values`` (e.g. after undo) without announcing a change."""
        self._values = dict(values)
        self._explicit = set(self._values)
        # The inputs echo these values back as Changed events; they match the values
        # held now, so _edited announces nothing for them.
        for field in self.fields:
            widget = self._inputs[field.name]
            value = self._values.get(field.name, UNSET)
            present = value is not UNSET
            if isinstance(widget, Switch):
                widget.value = bool(value) if present else bool(field.default is True)
            elif isinstance(widget, Select):
                widget.value = value if present and value in field.choices else Select.NULL
            else:
                text = format_value(value, field.kind) if present else ""
                current = widget.text if isinstance(widget, TextArea) else widget.value
                if self._read(field, current) != (value if present else UNSET):
                    if isinstance(widget, TextArea):
                        widget.load_text(text)
                    else:
                        widget.value = text
        self._check(announce=False)

    def input_of(self, name: str) -> FieldWidget | None:
        """The widget a field is typed or chosen in."""
        return self._inputs.get(name)

    def focus_field(self, name: str, *, at_end: bool = False) -> bool:
        """Focus a field (with the cursor after its text when ``at_end``); False if absent."""
        widget = self._inputs.get(name)
        if widget is None:
            return False
        widget.focus()
        if at_end and isinstance(widget, Input):
            widget.cursor_position = len(widget.value)
        elif at_end and isinstance(widget, TextArea):
            widget.move_cursor(widget.document.end)
        return True

    def _read(self, field: FormField, text: str) -> Any:
        try:
            return parse_text(text, field)
        except TomlTextError:
            return None

    def _field_of(self, widget: Widget) -> FormField | None:
        for field in self.fields:
            if self._inputs.get(field.name) is widget:
                return field
        return None

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Switch.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | TextArea.Changed | Switch.Changed) -> None:
        event.stop()
        field = self._field_of(event.control)
        if field is None:
            return
        widget = self._inputs[field.name]
        toml_error: str | None = None
        if isinstance(widget, Switch):
            value: Any = widget.value
            if value == field.default and field.name not in self._explicit:
                value = UNSET
        elif isinstance(widget, Select):
            value = UNSET if widget.value is Select.NULL else widget.value
        else:
            text = widget.text if isinstance(widget, TextArea) else widget.value
            try:
                value = parse_text(text, field)
            except TomlTextError as exc:
                toml_error = str(exc)
                value = self._values.get(field.name, UNSET)
        if value == self._values.get(field.name, UNSET) and toml_error is None:
            return  # an echo of set_values, or no real change
        if value is UNSET:
            self._values.pop(field.name, None)
        else:
            self._values[field.name] = value
        self._check(
            announce=True, extra={field.name: toml_error} if toml_error else None, field=field.name
        )

    def _check(
        self, *, announce: bool, extra: dict[str, str] | None = None, field: str | None = None
    ) -> None:
        """Validate the whole dict, show each field's error, and (maybe) announce."""
        errors = field_errors(self.model, self._values)
        if self._only is not None:
            errors = {k: v for k, v in errors.items() if k in self._only}
        errors.update(extra or {})
        self._errors = errors
        for name, row in self._rows.items():
            message = errors.get(name)
            row.set_class(message is not None, "-invalid")
            # Only a message that changed is written: each update lays the screen out
            # again, and this runs on every keystroke.
            if self._messages_shown.get(name) != message:
                self._messages_shown[name] = message
                self._errors_shown[name].update(Content(f"✘ {message}") if message else "")
        known = {f.name for f in self.fields}
        unknown = [k for k in self._values if k not in known]
        extra_line = self._extra
        extra_line.display = bool(unknown) and self._only is None
        if unknown:
            extra_line.update(
                Content(f"✘ not settings of this stage (kept as written): {', '.join(unknown)}")
            )
        if announce:
            self.post_message(self.Changed(self, dict(self._values), dict(errors), field))
