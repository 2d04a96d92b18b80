"""The one base of every dialog: a box over the dimmed view, answering through ``dismiss``.

A dialog asks one thing and returns the answer with ``dismiss(value)``; the screen
that opened it reads it with ``push_screen_wait`` (or a callback) and never reaches
inside. Escape cancels, which answers ``None`` unless a dialog says otherwise (the
conflict dialog keeps the edits). The shared look (centred, the box with a rounded
border, labels, reasons, buttons on the right) is ``dialogs.tcss``; a dialog adds
only what is its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T], Generic[T]):
    """A centred box over the view; Escape cancels (dismisses with None)."""

    CSS_PATH = str(Path(__file__).with_name("dialogs.tcss"))
    """Absolute: Textual reads a relative path beside the module of each subclass."""
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog-cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)
