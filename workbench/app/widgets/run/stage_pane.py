"""The status list of a run: one row per stage, drawn with the Line API.

Each row reads ``mark · breakpoint · id · elapsed · progress bar or message``.
A composite stage (``pipeline.call``) carries ``▾`` after its id with its
children on the rows under it, each with its own mark and message (and theirs
under them); ``▸`` when its children are folded away (:meth:`set_collapsed`).
The cursor moves over stages; a click on a child selects its composite.
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

from workbench.app.run.controller import ChildState, StageState
from workbench.app.widgets.graph.dag_view import STATUS_MARKS
from workbench.engine.stage import StageStatus, now
from workbench.engine.units import format_elapsed

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
BAR_WIDTH = 12
OPEN, FOLDED = "▾", "▸"
"""After a composite's id: its children are shown under it, or folded away."""

Line = tuple[str, ChildState | None, int, bool]
"""One row: (stage id, the child shown or None for the stage itself, depth, last sibling)."""


def progress_bar(done: float, total: float | None, width: int = BAR_WIDTH) -> tuple[str, str, str]:
    """(filled part, empty part, label) of a text progress bar."""
    if not total or total <= 0:
        return "", "", f"{done:,.0f}"
    fraction = min(1.0, max(0.0, done / total))
    filled = round(fraction * width)
    return "━" * filled, "━" * (width - filled), f"{fraction:4.0%}"


def fit_row(strip: Strip, width: int, base: Style) -> Strip:
    """The row cut to ``width`` cells, ending with ``…`` when something was cut off
    (only blank padding past the edge is no reason for one)."""
    if strip.cell_length <= width or width < 2 or not strip.crop(width).text.strip():
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
        self.collapsed: frozenset[str] = frozenset()
        """Composite stages whose children are folded away."""
        self.empty_text = "No pipeline is open."
        self._lines: list[Line] = []
        self._index: dict[str, int] = {}
        """Each stage's row (children take rows between stages)."""
        self._position: dict[str, int] = {}
        """Each stage's place in ``order``, for moving the cursor."""
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
        self._position = {sid: i for i, sid in enumerate(self.order)}
        self._layout()
        if self.selected not in self._index:
            self.selected = self.order[0] if self.order else None
        self.refresh()

    def set_collapsed(self, stage_ids: Iterable[str]) -> None:
        """Fold away the children of these composites; show every other composite's."""
        collapsed = frozenset(stage_ids)
        if collapsed != self.collapsed:
            self.collapsed = collapsed
            self._layout()
            if self.selected is not None and self.selected in self._index:
                row = self._index[self.selected]
                self.scroll_to_region(Region(0, row, 1, 1), animate=False)
            self.refresh()

    def _layout(self) -> None:
        """Lay the rows out: every stage, and the children of each open composite."""
        lines: list[Line] = []
        index: dict[str, int] = {}
        width = 0
        for sid in self.order:
            index[sid] = len(lines)
            lines.append((sid, None, 0, False))
            state = self.states.get(sid)
            if state is not None and state.children:
                width = max(width, len(sid) + 2)
                inner: list[Line] = []
                _child_lines(sid, state.children, 1, inner)
                # Children are indented by depth: their ids get the same column room.
                width = max([width, *(min(16, len(c.id) + 2 * d) for _, c, d, _ in inner if c)])
                if sid not in self.collapsed:
                    lines.extend(inner)
            else:
                width = max(width, len(sid))
        self._lines = lines
        self._index = index
        self._id_width = min(28, width) if lines else 8
        self.virtual_size = Size(0, len(lines))
        self._rows.clear()

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
        """Repaint the rows of these stages (their state changed), children included."""
        ids = list(stage_ids)
        if any(self.states.get(s) is not None and self.states[s].children for s in ids):
            # A composite's children may be new objects (its result replaces the live
            # ones) or more of them (nested): lay the rows out again. Composites are few.
            self._layout()
            self.refresh()
            return
        top = int(self.scroll_y)
        bottom = top + self.size.height
        for sid in ids:
            row = self._index.get(sid)
            if row is None:
                continue
            rows = 1
            state = self.states.get(sid)
            if state is not None and state.children and sid not in self.collapsed:
                rows += _count(state.children)
            for line in range(row, row + rows):
                self._rows.pop(line, None)
                if top <= line < bottom:
                    self.refresh_lines(line - top)

    def tick(self) -> None:
        """Turn the spinners and clocks of the running stages that are in view."""
        top = int(self.scroll_y)
        for row in range(top, min(len(self._lines), top + self.size.height)):
            sid, child, _, _ = self._lines[row]
            status = child.status if child is not None else None
            if status is None:
                state = self.states.get(sid)
                status = state.status if state is not None else None
            if status is StageStatus.RUNNING:
                self.refresh_lines(row - top)

    # -- cursor --------------------------------------------------------------------------
    def validate_selected(self, value: str | None) -> str | None:
        return value if value in self._index else None

    def watch_selected(self, old: str | None, new: str | None) -> None:
        self.refresh_stages([s for s in (old, new) if s is not None])
        if new is not None:
            self.scroll_to_region(Region(0, self._index[new], 1, 1), animate=False)
        self.post_message(self.StageSelected(self, new))

    def _move_to(self, position: int) -> None:
        if self.order:
            self.selected = self.order[max(0, min(len(self.order) - 1, position))]

    def action_cursor(self, step: int) -> None:
        current = self._position.get(self.selected or "", -1)
        self._move_to(current + step)

    def action_page(self, step: int) -> None:
        current = self._position.get(self.selected or "", 0)
        self._move_to(current + step * max(1, self.size.height - 1))

    def action_first(self) -> None:
        self._move_to(0)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            row = offset.y + int(self.scroll_y)
            if row < len(self._lines):
                self.selected = self._lines[row][0]  # a child's row selects its composite

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
        if row >= len(self._lines):
            return Strip.blank(width, base)
        sid, child, depth, last = self._lines[row]
        state = self.states.get(sid)
        if child is not None:
            running = child.status is StageStatus.RUNNING
        else:
            running = state is not None and state.status is StageStatus.RUNNING
        cached = self._rows.get(row)
        if cached is not None and not running and cached.cell_length == width:
            return cached
        if child is not None:
            strip = self._build_child_row(child, depth, last, width, base)
        else:
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
        ident = sid
        if state is not None and state.children:
            ident = f"{sid} {FOLDED if sid in self.collapsed else OPEN}"
        ident = ident if len(ident) <= self._id_width else ident[: self._id_width - 1] + "…"
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

    def _build_child_row(
        self, child: ChildState, depth: int, last: bool, width: int, base: Style
    ) -> Strip:
        """``   └ ✔ child  0.1s  its message``, indented by its depth."""
        status = child.status
        mark = STATUS_MARKS.get(status.value, " ")
        if status is StageStatus.RUNNING:
            mark = SPINNER[int(now() * 10) % len(SPINNER)]
        status_style = base + self._style(f"stage-list--status-{status.value}")
        muted = base + self._style("stage-list--muted")
        lead = "  " * depth + ("└ " if last else "├ ")
        ident_width = max(1, self._id_width - 2 * depth)
        ident = child.id if len(child.id) <= ident_width else child.id[: ident_width - 1] + "…"
        elapsed = format_elapsed(child.duration) if child.duration is not None else ""
        message = child.message.splitlines()[0] if child.message else ""
        segments = [
            Segment(" "),
            Segment(lead, muted),
            Segment(mark, status_style),
            Segment(" "),
            Segment(ident.ljust(ident_width), base + self._style("stage-list--id")),
            Segment(f" {elapsed:>7} ", muted),
            Segment(message, status_style if status is StageStatus.FAILURE else muted),
        ]
        segments = [Segment(s.text, s.style or base) for s in segments]
        return fit_row(Strip(segments), width, base)


def _count(children: list[ChildState]) -> int:
    """Rows these children take, their own children included."""
    total = 0
    stack = list(children)
    while stack:
        child = stack.pop()
        total += 1
        stack.extend(child.children)
    return total


def _child_lines(sid: str, children: list[ChildState], depth: int, out: list[Line]) -> None:
    """Append a row per child, depth first, without recursion (composites nest freely)."""
    stack: list[tuple[ChildState, int, bool]] = [
        (c, depth, i == len(children) - 1) for i, c in reversed(list(enumerate(children)))
    ]
    while stack:
        child, level, last = stack.pop()
        out.append((sid, child, level, last))
        inner = child.children
        stack.extend(
            (c, level + 1, i == len(inner) - 1) for i, c in reversed(list(enumerate(inner)))
        )
