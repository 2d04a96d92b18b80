"""The row of views under the header: every screen with its key, the current one lit.

The footer belongs to the focused screen's own actions; with seven views their
keys would crowd those out (and get cut at 120 columns), so the views live here
instead: always visible, showing where you are, and clickable.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget


class ViewBar(Widget):
    """One line of ``key Title`` tabs; the app's current mode is highlighted."""

    COMPONENT_CLASSES = {"view-bar--key", "view-bar--tab", "view-bar--current"}

    DEFAULT_CSS = """
    ViewBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        & > .view-bar--key { color: $accent; text-style: bold; }
        & > .view-bar--tab { color: $text-muted; }
        & > .view-bar--current { background: $primary; color: $text; text-style: bold; }
    }
    """

    class ViewChosen(Message):
        """A tab was clicked: switch to this mode."""

        def __init__(self, view_bar: ViewBar, mode: str) -> None:
            super().__init__()
            self.view_bar = view_bar
            self.mode = mode

        @property
        def control(self) -> ViewBar:
            return self.view_bar

    def __init__(self, views: Sequence[tuple[str, str, str]], *, id: str | None = None) -> None:
        """``views`` are ``(mode, key, title)`` in display order."""
        super().__init__(id=id)
        self._views = list(views)
        self._spans: list[tuple[int, int, str]] = []

    def render(self) -> Text:
        current = getattr(self.app, "current_mode", None)
        key_style = self.get_component_rich_style("view-bar--key")
        tab_style = self.get_component_rich_style("view-bar--tab")
        current_style = self.get_component_rich_style("view-bar--current")
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        for mode, key, title in self._views:
            start = len(text)
            if mode == current:
                text.append(f" {key} {title} ", style=current_style)
            else:
                text.append(" ")
                text.append(key, style=key_style)
                text.append(f" {title} ", style=tab_style)
            self._spans.append((start, len(text), mode))
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, mode in self._spans:
            if start <= event.x < end:
                event.stop()
                self.post_message(self.ViewChosen(self, mode))
                return

    def on_screen_resume(self) -> None:
        self.refresh()
