"""A form over a pipeline's ``[context]`` parameters, filled in before a run.

One row per parameter: its name, and an input holding its value written as a
TOML value (``"data/sales.csv"``, ``3``, ``true``, ``[1, 2]``). A value that is
not valid TOML is taken as plain text, the same rule as ``workbench run --set``,
so typing ``data/other.csv`` without quotes works. Only values that differ from
the file's are overrides; the file itself is never changed.

A secret parameter's input is a password field: its value is typed and kept, but
shown as dots, and its default is not put in the tooltip.

Messages go up: :class:`RunParams.Changed` with the overrides after every edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import tomli_w
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from workbench.engine.assignments import parse_value


def toml_literal(value: Any) -> str:
    """How a value is written after ``key =`` in a TOML file."""
    try:
        return tomli_w.dumps({"v": value}).partition("=")[2].strip()
    except (TypeError, ValueError):
        return str(value)


class RunParams(VerticalScroll):
    """Inputs for the pipeline's parameters; announces the overrides they make."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+z", "reset", "Reset parameters", id="params-reset"),
    ]

    DEFAULT_CSS = """
    RunParams {
        height: auto;
        & > .param-row { height: auto; }
        & > .param-row > Label { width: 16; padding: 1 1 0 0; color: $foreground-muted; }
        & > .param-row > Input { width: 1fr; }
        & > .param-row.-changed > Label { color: $accent; text-style: bold; }
        & > .params-empty { color: $foreground-muted; padding: 0 1; }
    }
    """

    class Changed(Message):
        """The overrides changed: keys whose value differs from the pipeline file's."""

        def __init__(self, form: RunParams, overrides: dict[str, Any]) -> None:
            super().__init__()
            self.form = form
            self.overrides = overrides

        @property
        def control(self) -> RunParams:
            return self.form

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.defaults: dict[str, Any] = {}
        self.overrides: dict[str, Any] = {}
        self.secret: frozenset[str] = frozenset()
        """Keys whose inputs hide their value."""

    # -- methods down --------------------------------------------------------------------
    def set_parameters(
        self,
        defaults: Mapping[str, Any],
        overrides: Mapping[str, Any],
        secret: Iterable[str] = (),
    ) -> None:
        """Show the file's ``[context]`` values, with ``overrides`` already applied;
        the ``secret`` keys' values hidden."""
        self.defaults = dict(defaults)
        self.secret = frozenset(secret)
        self.overrides = {k: v for k, v in overrides.items() if k in self.defaults}
        self.remove_children()
        if not self.defaults:
            # Content, not markup: "[context]" is text here, not a style tag.
            self.mount(
                Static(
                    Content("This pipeline has no [context] parameters."), classes="params-empty"
                )
            )
            return
        rows = []
        for key, value in self.defaults.items():
            shown = self.overrides.get(key, value)
            hidden = key in self.secret
            field = Input(toml_literal(shown), name=key, classes="param-value", password=hidden)
            label = Label(key)
            label.tooltip = (
                "secret: masked everywhere" if hidden else f"default: {toml_literal(value)}"
            )
            row = Horizontal(label, field, classes="param-row")
            row.set_class(key in self.overrides, "-changed")
            rows.append(row)
        self.mount_all(rows)

    def action_reset(self) -> None:
        self.set_parameters(self.defaults, {}, self.secret)
        self.post_message(self.Changed(self, {}))

    @on(Input.Changed)
    def _on_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = event.input.name
        if key is None or key not in self.defaults:
            return
        value = parse_value(event.value)
        if value == self.defaults[key]:
            self.overrides.pop(key, None)
        else:
            self.overrides[key] = value
        if event.input.parent is not None:
            event.input.parent.set_class(key in self.overrides, "-changed")
        self.post_message(self.Changed(self, dict(self.overrides)))
