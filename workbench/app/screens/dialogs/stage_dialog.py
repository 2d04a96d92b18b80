"""A stage's details in a box over the graph: what Enter on a stage opens.

The side pane shows the same details while there is room for it; on a narrow
terminal it is folded away, and this box is how a stage is read there.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.visual import Visual
from textual.widgets import Static

from workbench.app.screens.dialogs.base import Dialog


class StageDialog(Dialog[None]):
    """One stage's details; escape or Enter closes it."""

    DEFAULT_CSS = """
    StageDialog > #stage-dialog-box {
        width: 90;
        max-width: 96%;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $primary;
        border-title-color: $text-primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
    }
    StageDialog #stage-dialog-text { height: auto; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="stage-dialog-close"),
        Binding("enter", "close", "Close", show=False, id="stage-dialog-enter"),
    ]

    def __init__(self, stage_id: str, details: Visual) -> None:
        super().__init__(id="stage-dialog")
        self._stage_id = stage_id
        self._details = details

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stage-dialog-box") as box:
            box.border_title = f"Stage {self._stage_id}"
            box.border_subtitle = "escape closes"
            yield Static(self._details, id="stage-dialog-text")

    def action_close(self) -> None:
        self.dismiss(None)
