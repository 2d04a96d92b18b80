"""The small dialogs of the dry-run view: what to compare with, and where to export.

Each is a modal that answers with ``dismiss(value)`` (None when cancelled), so
the dry-run screen decides what to do with the answer. Escape always cancels.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from workbench.engine.assignments import parse_value
from workbench.engine.dryrun.compare import CompareError, parse_parameters
from workbench.engine.history.store import RunRecord

DIALOG_CSS = """
DryRunDialog {
    align: center middle;
    background: $background 60%;
    & > Vertical {
        width: 76;
        height: auto;
        max-height: 80%;
        padding: 1 2;
        border: round $primary;
        background: $surface;
    }
    & .dialog-title { text-style: bold; color: $text-primary; margin-bottom: 1; }
    & .dialog-hint { color: $text-muted; margin-top: 1; }
    & OptionList { height: auto; max-height: 16; border: none; background: $surface; }
    & .dialog-error { color: $text-error; }
    & Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    & Button { margin-left: 1; }
    & VerticalScroll { height: auto; max-height: 18; }
    & Input { margin-bottom: 0; }
    & .param-label { color: $text-muted; margin-top: 1; }
}
"""


class DryRunDialog(ModalScreen[Any]):
    """Base of the dialogs: the shared look, and Escape to cancel."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog-cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- what to compare with -----------------------------------------------------------------------

CHOICES: tuple[tuple[str, str, str, str], ...] = (
    ("edited", "e", "As edited against as saved", "the editor's unsaved changes against the file"),
    ("pipeline", "o", "Another pipeline", "the open pipeline against another file"),
    ("parameters", "k", "Other parameters", "the same pipeline with other [context] values"),
    ("run", "h", "A past run", "the plan against what a recorded run really did"),
)


class CompareMenu(DryRunDialog):
    """Choose what to put beside the report; answers a choice id from :data:`CHOICES`."""

    BINDINGS = [
        *DryRunDialog.BINDINGS,
        *(
            Binding(key, f"choose('{cid}')", title, id=f"compare-{cid}")
            for cid, key, title, _ in CHOICES
        ),
    ]

    def __init__(self, notes: dict[str, str] | None = None) -> None:
        super().__init__()
        self.notes = notes or {}
        """Per choice, why it may not be available right now (shown, not hidden)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Compare the report with…", classes="dialog-title")
            yield OptionList(
                *(
                    Option(
                        Content.assemble(
                            (f"{key}  ", "bold $text-accent"),
                            (title, "bold"),
                            "\n   ",
                            (self.notes.get(cid, help_text), "$text-muted"),
                        ),
                        cid,
                    )
                    for cid, key, title, help_text in CHOICES
                )
            )
            yield Label("enter or the key to choose · escape to cancel", classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class PickPipeline(DryRunDialog):
    """Choose another pipeline file of the project; answers its path."""

    def __init__(self, entries: list[tuple[Path, str, bool]]) -> None:
        super().__init__()
        self.entries = entries
        """(path, name, valid): invalid files are listed but cannot be chosen."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Compare with which pipeline?", classes="dialog-title")
            yield OptionList(
                *(
                    Option(
                        Content.assemble(
                            (name, "bold"),
                            (f"  {path.name}", "$text-muted"),
                            ("" if valid else "  ✘ has problems", "$text-error"),
                        ),
                        str(path),
                        disabled=not valid,
                    )
                    for path, name, valid in self.entries
                )
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Path(event.option.id or ""))


class PickRun(DryRunDialog):
    """Choose a recorded run of the open pipeline; answers its id."""

    def __init__(self, runs: list[RunRecord]) -> None:
        super().__init__()
        self.runs = runs

    def compose(self) -> ComposeResult:
        from datetime import datetime

        from workbench.engine.units import format_seconds

        style = {"success": "$text-success", "failure": "$text-error"}
        with Vertical():
            yield Label("Set the plan beside which run?", classes="dialog-title")
            yield OptionList(
                *(
                    Option(
                        Content.assemble(
                            (f"#{run.id:<4}", "bold"),
                            datetime.fromtimestamp(run.started).strftime("%Y-%m-%d %H:%M"),
                            "  ",
                            (f"{run.status:<11}", style.get(run.status, "$text-warning")),
                            (f"{format_seconds(run.duration):>8}", ""),
                            (f"  from {run.source}", "$text-muted"),
                        ),
                        str(run.id),
                    )
                    for run in self.runs
                )
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))


class ParametersForm(DryRunDialog):
    """Values of ``[context]`` for the right-hand side; answers the overrides that differ."""

    BINDINGS = [
        *DryRunDialog.BINDINGS,
        Binding("ctrl+s", "submit", "Compare", id="parameters-submit"),
    ]

    def __init__(self, context: dict[str, Any], secret: Iterable[str] = ()) -> None:
        super().__init__()
        self.context = context
        self.secret = frozenset(secret)
        """Keys whose inputs hide their value (password fields)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Compare with these parameters", classes="dialog-title")
            with VerticalScroll():
                for key, value in self.context.items():
                    yield Label(key, classes="param-label")
                    hidden = key in self.secret
                    yield Input(toml_value(value), name=key, classes="param", password=hidden)
                yield Label("more, as key=value separated by ;", classes="param-label")
                yield Input(placeholder="input=data/other.csv; limit=10", id="param-more")
            yield Label("", classes="dialog-error")
            with Horizontal():
                yield Button("Cancel", id="parameters-cancel")
                yield Button("Compare", variant="primary", id="parameters-compare")
            yield Label(
                "values are read as TOML (3, true, [1, 2]) or else as text", classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def overrides(self) -> dict[str, Any]:
        """The values that differ from the file's, plus the extra ones."""
        out: dict[str, Any] = {}
        for field in self.query("Input.param").results(Input):
            value = parse_value(field.value)
            if field.name is not None and value != self.context.get(field.name):
                out[field.name] = value
        more = self.query_one("#param-more", Input).value
        items = [part.strip() for part in more.split(";") if part.strip()]
        out.update(parse_parameters(items))
        return out

    @on(Input.Submitted)
    @on(Button.Pressed, "#parameters-compare")
    def action_submit(self) -> None:
        try:
            values = self.overrides()
        except CompareError as exc:
            self.query_one(".dialog-error", Label).update(exc.message)
            return
        self.dismiss(values)

    @on(Button.Pressed, "#parameters-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ExportPath(DryRunDialog):
    """Where to write an export; ``.json`` writes JSON, anything else Markdown."""

    def __init__(self, suggestion: str) -> None:
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export to which file?", classes="dialog-title")
            yield Input(self.suggestion, id="export-path")
            yield Label(
                "relative to the project folder · .json for JSON, .md for Markdown",
                classes="dialog-hint",
            )

    @on(Input.Submitted)
    def _chosen(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(Path(event.value.strip()))


def toml_value(value: Any) -> str:
    """A value written as TOML would write it (``"text"``, ``3``, ``[1, 2]``)."""
    try:
        return tomli_w.dumps({"v": value}).removeprefix("v = ").strip()
    except (TypeError, ValueError):
        return str(value)
