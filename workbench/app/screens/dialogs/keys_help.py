"""The ``?`` overlay: every key of the view under it, the ones the footer hides included.

The list is read from the bindings themselves (the app's, the view's and those
of each kind of pane in the view), so it never drifts from what the keys do. A
key that does nothing right now (a run control while nothing runs) is listed all
the same: the overlay is a map, the footer shows what applies this moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from workbench.app.screens.dialogs.base import Dialog

Section = tuple[str, list[tuple[str, str]]]
"""A heading and its ``(key, what it does)`` rows."""

PANE_NAMES = {
    "DagView": "Graph",
    "StageStatusList": "Stage list",
    "LogPane": "Log",
    "LogView": "Log",
    "ContextInspector": "Context inspector",
    "RunParams": "Parameters",
    "DependencyPicker": "Depends on",
    "PipelineList": "Pipeline list",
    "RunList": "Run list",
    "StageStatsList": "Stage statistics",
    "ReportView": "Report",
    "ReportCompare": "Comparison",
}
"""Headings for the panes whose keys are listed (others take their border title)."""

SKIPPED_ACTIONS = {"app.focus_next", "app.focus_previous", "screen.copy_text", "help_quit"}


def key_label(binding: Binding, app_display: str | None = None) -> str:
    """The key as the footer writes it: ``/``, ``^s``, ``shift+↑``."""
    if binding.key_display:
        return binding.key_display
    return app_display or binding.key


def _bindings(owner: type[object]) -> list[Binding]:
    found: list[Binding] = []
    for item in getattr(owner, "BINDINGS", []):
        found.extend(_as_bindings(item))
    return found


def _as_bindings(item: BindingType) -> Iterable[Binding]:
    if isinstance(item, Binding):
        for key in item.key.split(","):
            yield Binding(
                key.strip(),
                item.action,
                item.description,
                item.show,
                item.key_display,
                item.priority,
                item.tooltip,
                id=item.id,
            )
    else:
        key, action, *rest = item
        yield Binding(key, action, rest[0] if rest else "")


def collect_sections(screen: Screen[Any]) -> list[Section]:
    """The keys of a screen, grouped: the view's own, each pane's, then everywhere."""
    app = screen.app
    sections: list[Section] = []

    def rows(bindings: Iterable[Binding]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for binding in bindings:
            if binding.action in SKIPPED_ACTIONS or binding.system:
                continue
            label = key_label(binding, app.get_key_display(binding))
            # a binding's tooltip says more than its footer word, where it has one
            row = (label, binding.tooltip or binding.description or binding.action)
            if row not in seen:
                seen.add(row)
                out.append(row)
        return out

    own = rows(_bindings(type(screen)))
    if own:
        sections.append(("This view", own))
    classes_seen: set[type[object]] = set()
    for widget in screen.query("*"):
        kind = type(widget)
        if kind in classes_seen or kind.__module__.startswith("textual."):
            continue
        classes_seen.add(kind)
        found = rows(_bindings(kind))
        if found:
            sections.append((_pane_name(widget), found))
    sections.append(("Everywhere", rows(_bindings(type(app))) + _frame_rows()))
    return sections


def _pane_name(widget: Widget) -> str:
    name = PANE_NAMES.get(type(widget).__name__)
    if name is not None:
        return name
    title = str(widget.border_title or "")
    return title or type(widget).__name__


def _frame_rows() -> list[tuple[str, str]]:
    return [
        ("^p", "Command palette: every command by name"),
        ("tab / shift+tab", "Next / previous pane"),
        ("escape", "Leave a text box or close a dialog"),
        ("^c", "Copy (selected text, or the log in Run and History)"),
    ]


class KeysHelp(Dialog[None]):
    """Every key of the view it was opened over, in a box; any key closes it."""

    DEFAULT_CSS = """
    KeysHelp > #keys-box {
        width: 84;
        max-width: 96%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        border-title-color: $text-primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    KeysHelp #keys-list {
        height: auto;
        max-height: 100%;
    }
    KeysHelp .keys-section { height: auto; }
    """

    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="keys-close"),
        Binding("question_mark", "dismiss", "Close", show=False, id="keys-close-again"),
        Binding("q", "dismiss", "Close", show=False, id="keys-close-q"),
    ]

    def __init__(self, title: str, sections: list[Section]) -> None:
        super().__init__(id="keys-help")
        self._title = title
        self._sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-box") as box:
            box.border_title = f"Keys · {self._title}"
            box.border_subtitle = "escape or ? closes"
            with VerticalScroll(id="keys-list"):
                for heading, rows in self._sections:
                    yield Static(self._section(heading, rows), classes="keys-section")

    @staticmethod
    def _section(heading: str, rows: list[tuple[str, str]]) -> Content:
        width = max((len(key) for key, _ in rows), default=4) + 2
        lines = [Content.styled(heading, "bold $text-accent")]
        for key, what in rows:
            lines.append(
                Content.assemble(
                    Content.styled(f"  {key.ljust(width)}", "bold $text-primary"),
                    Content(what),
                )
            )
        return Content("\n").join(lines) + Content("\n")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
