"""A list of rows from the context inspector shown as a table, one page at a time.

``t`` on a table in the inspector opens it here; a page of :data:`TABLE_PAGE` rows
is built at a time, so a 100,000-row table opens at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from workbench.app.screens.dialogs.base import Dialog
from workbench.engine.context import summarize

TABLE_PAGE = 100
"""Rows shown per page of a table."""


def cell(value: Any) -> str | Text:
    """One table cell: text cut at 40 characters, numbers right-aligned."""
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:39] + "…"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Text(summarize(value, 40), justify="right")
    return summarize(value, 40)


class TableScreen(Dialog[None]):
    """A list of rows shown as a table, one page at a time so a huge one opens at once."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "dismiss", "Close", id="table-close"),
        Binding("right_square_bracket", "page(1)", "Next page", id="table-next-page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", id="table-previous-page"),
    ]

    DEFAULT_CSS = """
    TableScreen {
        align: center middle;
        & > #table-frame {
            width: 90%;
            height: 85%;
            border: round $primary;
            border-title-color: $text-primary;
            border-title-style: bold;
            border-subtitle-color: $foreground-muted;
            background: $surface;
        }
        & DataTable { height: 1fr; }
        & #table-page { height: 1; padding: 0 1; color: $foreground-muted; background: $panel; }
    }
    """

    def __init__(self, title: str, rows: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.page = 0

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // TABLE_PAGE))

    def compose(self) -> ComposeResult:
        with Vertical(id="table-frame"):
            yield DataTable(zebra_stripes=True, cursor_type="row")
            yield Static(id="table-page", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        frame = self.query_one("#table-frame")
        columns = list(self.rows[0]) if self.rows else []
        frame.border_title = self.title_text
        frame.border_subtitle = f"{len(self.rows):,} rows × {len(columns)} columns · Esc closes"
        table = self.query_one(DataTable)
        table.add_column("#", key="#")
        for name in columns:
            table.add_column(str(name), key=str(name))
        self._show_page()

    def _show_page(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        start = self.page * TABLE_PAGE
        stop = min(start + TABLE_PAGE, len(self.rows))
        columns = list(self.rows[0]) if self.rows else []
        for index in range(start, stop):
            row = self.rows[index]
            table.add_row(
                Text(str(index), justify="right"), *(cell(row.get(c, "")) for c in columns)
            )
        self.query_one("#table-page", Static).update(
            f"rows {start + 1:,}–{stop:,} of {len(self.rows):,} · page {self.page + 1} of "
            f"{self.pages}" + ("  ·  [ ] turn pages" if self.pages > 1 else "")
        )

    def action_page(self, step: int) -> None:
        page = min(max(0, self.page + step), self.pages - 1)
        if page != self.page:
            self.page = page
            self._show_page()
