"""The status list of a run: one row per stage, drawn with the Line API.

Each row reads ``mark · breakpoint · id · elapsed · progress bar or message``.
The mark is the same one the graph shows (a spinner while the stage runs), so
the list and the graph read alike. A thousand stages are a thousand cached
strips, not a thousand widgets: the owner calls :meth:`StageStatusList.refresh_stages`
with the ids that changed, and :meth:`StageStatusList.tick` a few times a second
to turn the spinners and clocks of running stages.

Messages go up: :class:`StageStatusList.StageSelected` when the cursor moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.app.run.controller import StageState
from workbench.app.widgets.graph.dag_view import STATUS_MARKS
from workbench.engine.stage import StageStatus, now
from workbench.engine.units import format_elapsed

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
BAR_WIDTH = 12


def progress_bar(done: float, total: float | None, width: int = BAR_WIDTH) -> tuple[str, str, str]:
    """(filled part, empty part, label) of a text progress bar."""
    if not total or total <= 0:
        return "", "", f"{done:,.0f}"
    fraction = min(1.0, max(0.0, done / total))
    filled = round(fraction * width)
    return "━" * filled, "━" * (width - filled), f"{fraction:4.0%}"


def fit_row(strip: Strip, width: int, base: Style) -> Strip:
    """The row cut to ``width`` cells, ending with ``…`` when something was cut off."""
    if strip.cell_length <= width or width < 2:
        return strip.crop_extend(0, width, base)
    cut = strip.crop(0, width - 1)
    last_style = next((s.style for s in reversed(list(cut)) if s.text), base)
    return Strip([*cut, Segment("…", last_style)]).crop_extend(0, width, base)


class StageStatusList(ScrollView, can_focus=True):
    """A live, selectable list of a run's stages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="stages-up"),
        Binding("down", "cursor(1)", "Down", show=False, id="stages-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="stages-page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="stages-page-down"),
        Binding("home", "first", "First", show=False, id="stages-first"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stage-list--cursor",
        "stage-list--id",
        "stage-list--muted",
        "stage-list--breakpoint",
        "stage-list--bar",
        "stage-list--bar-empty",
        "stage-list--empty",
        *(f"stage-list--status-{status}" for status in STATUS_MARKS),
    }

    DEFAULT_CSS = """
    StageStatusList {
        background: $surface;
        scrollbar-size-vertical: 1;
        & > .stage-list--cursor { background: $accent 20%; }
        &:focus > .stage-list--cursor { background: $accent 35%; }
        & > .stage-list--id { color: $foreground; }
        & > .stage-list--muted { color: $foreground-muted; }
        & > .stage-list--breakpoint { color: $error; text-style: bold; }
        & > .stage-list--bar { color: $primary; }
        & > .stage-list--bar-empty { color: $foreground 15%; }
        & > .stage-list--empty { color: $foreground-muted; text-style: italic; }
        & > .stage-list--status-pending { color: $foreground-muted; }
        & > .stage-list--status-waiting { color: $warning 70%; }
        & > .stage-list--status-paused { color: $warning; text-style: bold; }
        & > .stage-list--status-running { color: $primary; text-style: bold; }
        & > .stage-list--status-success { color: $success; }
        & > .stage-list--status-failure { color: $error; text-style: bold; }
        & > .stage-list--status-skipped { color: $foreground-muted; }
        & > .stage-list--status-partial { color: $warning; }
        & > .stage-list--status-cancelled { color: $error 70%; }
        & > .stage-list--status-cached { color: $secondary; }
        & > .stage-list--status-will_run { color: $warning; }
    }
    """

    selected: reactive[str | None] = reactive(None, init=False)
    """The stage under the cursor: drives the cursor row and StageSelected."""

    class StageSelected(Message):
        """The cursor moved to another stage."""

        def __init__(self, stage_list: StageStatusList, stage_id: str | None) -> None:
            super().__init__()
            self.stage_list = stage_list
            self.stage_id = stage_id

        @property
        def control(self) -> StageStatusList:
            return self.stage_list

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.order: list[str] = []
        self.states: Mapping[str, StageState] = {}
        self.breakpoints: frozenset[str] = frozenset()
        self.empty_text = "No pipeline is open."
        self._index: dict[str, int] = {}
        self._rows: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._id_width = 8

    # -- methods down --------------------------------------------------------------------
    def set_stages(
        self, order: Iterable[str], states: Mapping[str, StageState], empty_text: str = ""
    ) -> None:
        """Show these stages (in this order) with the states the run keeps up to date."""
        self.order = list(order)
        self.states = states
        if empty_text:
            self.empty_text = empty_text
        self._index = {sid: i for i, sid in enumerate(self.order)}
        self._id_width = min(28, max((len(s) for s in self.order), default=8))
        self.virtual_size = Size(0, len(self.order))
        self._rows.clear()
        if self.selected not in self._index:
            self.selected = self.order[0] if self.order else None
        self.refresh()

    def select(self, stage_id: str | None) -> None:
        """Move the cursor from code, without posting `StageSelected` (no echo)."""
        with self.prevent(self.StageSelected):
            self.selected = stage_id

    def set_breakpoints(self, breakpoints: Iterable[str]) -> None:
        new = frozenset(breakpoints)
        changed = new ^ self.breakpoints
        self.breakpoints = new
        self.refresh_stages(changed)

    def refresh_stages(self, stage_ids: Iterable[str]) -> None:
        """Repaint the rows of these stages (their state changed)."""
        top = int(self.scroll_y)
        bottom = top + self.size.height
        for sid in stage_ids:
            row = self._index.get(sid)
            if row is None:
                continue
            self._rows.pop(row, None)
            if top <= row < bottom:
                self.refresh_lines(row - top)

    def tick(self) -> None:
        """Turn the spinners and clocks of the running stages that are in view."""
        top = int(self.scroll_y)
        for row in range(top, min(len(self.order), top + self.size.height)):
            state = self.states.get(self.order[row])
            if state is not None and state.status is StageStatus.RUNNING:
                self.refresh_lines(row - top)

    # -- cursor --------------------------------------------------------------------------
    def validate_selected(self, value: str | None) -> str | None:
        return value if value in self._index else None

    def watch_selected(self, old: str | None, new: str | None) -> None:
        self.refresh_stages([s for s in (old, new) if s is not None])
        if new is not None:
            self.scroll_to_region(Region(0, self._index[new], 1, 1), animate=False)
        self.post_message(self.StageSelected(self, new))

    def _move_to(self, row: int) -> None:
        if self.order:
            self.selected = self.order[max(0, min(len(self.order) - 1, row))]

    def action_cursor(self, step: int) -> None:
        current = self._index.get(self.selected or "", -1)
        self._move_to(current + step)

    def action_page(self, step: int) -> None:
        current = self._index.get(self.selected or "", 0)
        self._move_to(current + step * max(1, self.size.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            row = offset.y + int(self.scroll_y)
            if row < len(self.order):
                self._move_to(row)

    # -- rendering -----------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._rows.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name, partial=True)
        return style

    def _cursor_style(self) -> Style:
        """The cursor's background blended over the list's (a partial style would not be)."""
        style = self._styles.get("cursor")
        if style is None:
            full = self.get_component_rich_style("stage-list--cursor")
            style = self._styles["cursor"] = Style(bgcolor=full.bgcolor, bold=True)
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        row = y + int(self.scroll_y)
        if not self.order:
            if y == 0:
                style = base + self._style("stage-list--empty")
                return Strip([Segment(f" {self.empty_text}", style)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if row >= len(self.order):
            return Strip.blank(width, base)
        sid = self.order[row]
        state = self.states.get(sid)
        running = state is not None and state.status is StageStatus.RUNNING
        cached = self._rows.get(row)
        if cached is not None and not running and cached.cell_length == width:
            return cached
        strip = self._build_row(sid, state, width, base)
        if not running:
            self._rows[row] = strip
        return strip

    def _build_row(self, sid: str, state: StageState | None, width: int, base: Style) -> Strip:
        if sid == self.selected:
            base = base + self._cursor_style()
        status = state.status if state is not None else StageStatus.PENDING
        at = now()
        mark = STATUS_MARKS.get(status.value, " ")
        if status is StageStatus.RUNNING:
            mark = SPINNER[int(at * 10) % len(SPINNER)]
        status_style = base + self._style(f"stage-list--status-{status.value}")
        muted = base + self._style("stage-list--muted")
        ident = sid if len(sid) <= self._id_width else sid[: self._id_width - 1] + "…"
        elapsed = format_elapsed(state.elapsed(at)) if state is not None else ""
        segments = [
            Segment(" "),
            Segment(mark, status_style),
            Segment(" "),
            Segment(
                "●" if sid in self.breakpoints else " ",
                base + self._style("stage-list--breakpoint"),
            ),
            Segment(" "),
            Segment(ident.ljust(self._id_width), base + self._style("stage-list--id")),
            Segment(f" {elapsed:>7} ", muted),
        ]
        if state is not None and status is StageStatus.RUNNING and state.progress is not None:
            filled, empty, label = progress_bar(*state.progress)
            segments += [
                Segment(filled, base + self._style("stage-list--bar")),
                Segment(empty, base + self._style("stage-list--bar-empty")),
                Segment(f" {label} ", muted),
                Segment(state.message, muted),
            ]
        elif state is not None and state.message:
            style = status_style if status is StageStatus.FAILURE else muted
            segments.append(Segment(state.message.splitlines()[0] if state.message else "", style))
        segments = [Segment(s.text, s.style or base) for s in segments]
        return fit_row(Strip(segments), width, base)
