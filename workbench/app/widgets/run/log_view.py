"""One stage's log, streamed live, with search, selection and copy.

:class:`LogView` draws a :class:`~workbench.app.run.controller.LogBuffer` with the
Line API: only the visible rows are rendered, so a stage that prints 100,000
lines costs a list append per line, not a widget update per line (Textual's
``Log.write_line`` starts a worker per call). The buffer keeps the last lines in
memory; the full log is on disk in the run history. The owner calls
:meth:`LogView.show` to switch buffers and :meth:`LogView.sync` after lines arrive
(batched by the screen's timer); the view follows the end unless the person has
scrolled up.

:class:`LogPane` adds the search box: ``/`` opens it, Enter or ``n`` goes to the
next match, ``N`` to the previous one, Escape closes it. Text is selected with
the mouse (Textual's selection, copied with ctrl+c); ``y`` copies the whole
in-memory log.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input

from workbench.app.run.controller import LogBuffer
from workbench.engine.units import counted


class LogView(ScrollView, can_focus=True):
    """A scrollable, selectable view of one log buffer."""

    ALLOW_SELECT = True

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--stderr",
        "log-view--match",
        "log-view--current-match",
        "log-view--empty",
    }

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        scrollbar-size-vertical: 1;
        & > .log-view--stderr { color: $text-error; }
        & > .log-view--match { background: $warning 30%; }
        & > .log-view--current-match { background: $accent 60%; text-style: bold; }
        & > .log-view--empty { color: $foreground-muted; text-style: italic; }
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.buffer: LogBuffer | None = None
        self.empty_text = "No log lines yet."
        self.search_text = ""
        self.current: int | None = None
        """Index (in the buffer) of the line the search is on."""
        self._version = -1
        self._width = 0

    # -- methods down --------------------------------------------------------------------
    def show(self, buffer: LogBuffer | None, empty_text: str = "No log lines yet.") -> None:
        """Show another stage's log, scrolled to its end."""
        self.buffer = buffer
        self.empty_text = empty_text
        self.current = None
        self._version = -1
        self._width = 0
        self.sync(follow=True)

    def sync(self, *, follow: bool | None = None) -> None:
        """Take in lines added since the last call; keep following the end if we were."""
        buffer = self.buffer
        if buffer is not None and buffer.version == self._version and follow is None:
            return
        if follow is None:
            follow = self.scroll_y >= self.max_scroll_y - 1
        lines = buffer.lines if buffer is not None else []
        if lines:
            tail = lines[-200:] if self._version >= 0 else lines
            self._width = max(self._width, max(len(t) for _, t in tail))
        self._version = buffer.version if buffer is not None else -1
        self.virtual_size = Size(self._width + 1, len(lines))
        if follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    def search(self, query: str, forward: bool = True, *, step: bool = True) -> bool:
        """Go to the next (or previous) line containing ``query``; False when none does."""
        self.search_text = query
        lines = self.buffer.lines if self.buffer is not None else []
        if not query or not lines:
            self.current = None
            self.refresh()
            return False
        needle = query.casefold()
        n = len(lines)
        delta = 1 if forward else -1
        if self.current is None or self.current >= n:
            start = int(self.scroll_y) - delta  # from the top of the view
        else:
            start = self.current if step else self.current - delta
        for i in range(1, n + 1):
            index = (start + delta * i) % n
            if needle in lines[index][1].casefold():
                self.current = index
                self.scroll_to(y=max(0, index - self.size.height // 2), animate=False)
                self.refresh()
                return True
        self.current = None
        self.refresh()
        return False

    def clear_search(self) -> None:
        self.search_text = ""
        self.current = None
        self.refresh()

    # -- selection -----------------------------------------------------------------------
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        if self.buffer is None:
            return None
        return selection.extract(self.buffer.text()), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # -- rendering -----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = scroll_y + y
        lines = self.buffer.lines if self.buffer is not None else []
        if not lines:
            if y == 0:
                style = self.get_component_rich_style("log-view--empty")
                return Strip([Segment(self.empty_text, style)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if row >= len(lines):
            return Strip.blank(width, base)
        stream, text = lines[row]
        style = base
        if stream == "stderr":
            style = base + self.get_component_rich_style("log-view--stderr", partial=True)
        segments = self._highlight(text, row, style)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(row)) is not None:
            start, end = span
            if end == -1:
                end = len(text)
            segments = self._restyle(
                segments, start, end, self.screen.get_component_rich_style("screen--selection")
            )
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, base)
        return strip.apply_offsets(scroll_x, row)

    def _highlight(self, text: str, row: int, style: Style) -> list[Segment]:
        if not self.search_text:
            return [Segment(text, style)]
        folded, needle = text.casefold(), self.search_text.casefold()
        if needle not in folded or len(folded) != len(text):
            return [Segment(text, style)]
        name = "log-view--current-match" if row == self.current else "log-view--match"
        mark = style + self.get_component_rich_style(name, partial=True)
        out: list[Segment] = []
        at = 0
        while (found := folded.find(needle, at)) != -1:
            out.append(Segment(text[at:found], style))
            out.append(Segment(text[found : found + len(needle)], mark))
            at = found + len(needle)
        out.append(Segment(text[at:], style))
        return out

    @staticmethod
    def _restyle(segments: list[Segment], start: int, end: int, extra: Style) -> list[Segment]:
        out: list[Segment] = []
        x = 0
        for segment in segments:
            text, style = segment.text, segment.style
            a, b = x, x + len(text)
            x = b
            if b <= start or a >= end:
                out.append(segment)
                continue
            lo, hi = max(a, start) - a, min(b, end) - a
            if lo:
                out.append(Segment(text[:lo], style))
            out.append(Segment(text[lo:hi], (style or Style()) + extra))
            if hi < len(text):
                out.append(Segment(text[hi:], style))
        return out


class StatusLine(Widget):
    """The line under the log. Repainted, never re-laid out: it changes with every batch."""

    DEFAULT_CSS = """
    StatusLine { height: 1; }
    """

    text: reactive[str] = reactive("", layout=False)
    """What the line says."""

    def render(self) -> str:
        return self.text


class LogPane(Vertical):
    """A log view with its search box and a one-line status under it."""

    ALLOW_MAXIMIZE = True
    """The Run view's ``z`` lets the log fill the view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "open_search", "Search", key_display="/", id="log-search"),
        Binding("n", "next_match", "Next match", id="log-next"),
        Binding("N", "previous_match", "Previous match", id="log-previous"),
        # not in the footer: the screens' ctrl+c "Copy log" is there already, and two
        # keys with one name beside each other read as two different things
        Binding("y", "copy_log", "Copy log", show=False, id="log-copy"),
        Binding("escape", "close_search", "Close search", show=False, id="log-close-search"),
    ]

    DEFAULT_CSS = """
    LogPane {
        height: 1fr;
        & > Input {
            display: none;
            height: 1;
            border: none;
            padding: 0 1;
            background: $panel;
        }
        &.-searching > Input { display: block; }
        & > LogView { height: 1fr; }
        & > #log-status { height: 1; padding: 0 1; color: $foreground-muted; background: $panel; }
    }
    """

    class Copied(Message):
        """The in-memory log was copied to the clipboard."""

        def __init__(self, pane: LogPane, lines: int) -> None:
            super().__init__()
            self.pane = pane
            self.lines = lines

        @property
        def control(self) -> LogPane:
            return self.pane

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search the log · Enter next · Escape close", id="log-query")
        yield LogView(id="log-lines")
        yield StatusLine(id="log-status")

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    # -- methods down --------------------------------------------------------------------
    def show(self, buffer: LogBuffer | None, empty_text: str = "No log lines yet.") -> None:
        self.view.show(buffer, empty_text)
        if self.view.search_text:
            self.view.search(self.view.search_text, step=False)
        self._status()

    def sync(self, empty_text: str | None = None) -> None:
        """Take in new lines (the owner batches these calls)."""
        if empty_text is not None and empty_text != self.view.empty_text:
            self.view.empty_text = empty_text
            self.view.refresh()
        self.view.sync()
        self._status()

    # -- actions -------------------------------------------------------------------------
    def action_open_search(self) -> None:
        self.add_class("-searching")
        self.query_one(Input).focus()

    def action_close_search(self) -> None:
        if self.has_class("-searching"):
            self.remove_class("-searching")
            self.view.clear_search()
            self.view.focus()
            self._status()

    def action_next_match(self) -> None:
        self._find(forward=True)

    def action_previous_match(self) -> None:
        self._find(forward=False)

    def action_copy_log(self) -> None:
        buffer = self.view.buffer
        if buffer is None or not len(buffer):
            self.notify("This log is empty: nothing to copy.", title="Copy", timeout=2)
            return
        self.app.copy_to_clipboard(buffer.text())
        self.post_message(self.Copied(self, len(buffer)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_match", "previous_match"):
            return bool(self.view.search_text)
        if action == "close_search":
            return self.has_class("-searching")
        return True

    @on(Input.Submitted, "#log-query")
    def _on_submit(self, event: Input.Submitted) -> None:
        event.stop()
        self._find(forward=True, query=event.value)

    @on(Input.Changed, "#log-query")
    def _on_change(self, event: Input.Changed) -> None:
        event.stop()
        self.view.search(event.value, step=False)
        self._status()
        self.refresh_bindings()

    def _find(self, *, forward: bool, query: str | None = None) -> None:
        text = self.view.search_text if query is None else query
        if not text:
            self.action_open_search()
            return
        self.view.search(text, forward)
        self._status()

    def _status(self) -> None:
        view = self.view
        buffer = view.buffer
        status = self.query_one(StatusLine)
        if buffer is None:
            status.text = ""
            return
        total = len(buffer) + buffer.dropped
        text = counted(total, "line")
        if buffer.dropped:
            text += f" · last {len(buffer):,} shown, full log in .workbench/logs/"
        if view.search_text:
            text += f" · “{view.search_text}”: " + (
                f"line {view.current + buffer.dropped + 1:,}"
                if view.current is not None
                else "no match"
            )
        status.text = text
