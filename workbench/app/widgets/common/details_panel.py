"""A scrolling panel that shows one piece of content, or a placeholder.

Its own module, apart from the stage descriptions that fill it on the graph and
registry screens: the pipelines screen, the first one drawn, shows a pipeline's
preview in it without importing the pipeline models those descriptions need.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.app.widgets.common.hanging import Hanging

MUTED = "$foreground-muted"


class DetailsPanel(VerticalScroll, can_focus=True):
    """A scrolling panel that shows one piece of content, with a placeholder when empty."""

    DEFAULT_CSS = """
    DetailsPanel { height: 1fr; padding: 0 1; }
    DetailsPanel > Static { width: 100%; }
    """

    def __init__(
        self, placeholder: str, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(self._placeholder, MUTED))

    def show(self, content: Content | Hanging | None) -> None:
        """Replace what the panel shows; ``None`` brings back the placeholder."""
        body = self.query_one(Static)
        body.update(content if content is not None else Content.styled(self._placeholder, MUTED))
        self.scroll_home(animate=False)
