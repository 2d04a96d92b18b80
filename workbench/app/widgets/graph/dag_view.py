"""An interactive dependency graph of stages.

`DagView` paints a `graphdraw.Layout` with the Line API: each canvas row becomes a
`Strip` once, is cached, and is cropped to the viewport, so a graph of hundreds of
stages scrolls and moves its cursor at terminal speed. State changes (selection,
status, highlight) drop only the cached rows they touch.

Messages go up (`StageSelected`, `StageActivated`); the owner calls methods down
(`set_graph`, `set_status`, `set_statuses`, `set_cycle_edges`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.app.graphdraw import (
    Direction,
    Edge,
    Heading,
    Layout,
    NodeBox,
    compute_layout,
    nearest_in_direction,
)
from workbench.engine.glyphs import STATUS_GLYPHS

Highlight = Literal["upstream", "downstream"]
"""Which part of the graph around the selection is lit up."""

STATUS_MARKS: dict[str, str] = {
    **{status.value: glyph for status, glyph in STATUS_GLYPHS.items()},
    "will_run": "▸",
}
"""The mark shown in a box for each stage status (the values of `StageStatus`), and
``will_run`` for a stage the cache cannot reuse, shown before a run starts."""

EMPTY_MESSAGE = "No stages"

EDGE_CLASSES = (
    "dag-view--edge",
    "dag-view--edge-selected",
    "dag-view--edge-cycle",
    "dag-view--edge-highlight",
)
"""Edge colours from weakest to strongest; a cell shared by edges takes the strongest."""


class DagView(ScrollView, can_focus=True):
    """A scrollable, keyboard- and mouse-driven picture of a stage graph."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "activate", "Open", id="graph-open"),
        # Along edges: in the `?` overlay, not the footer (shift+arrows do the same).
        Binding(
            "left_square_bracket",
            "parent",
            "Parent",
            key_display="[",
            show=False,
            id="graph-parent",
        ),
        Binding(
            "right_square_bracket", "child", "Child", key_display="]", show=False, id="graph-child"
        ),
        Binding("u", "upstream", "Upstream", id="graph-upstream"),
        Binding("d", "downstream", "Downstream", id="graph-downstream"),
        Binding("escape", "clear_highlight", "Clear", id="graph-clear"),
        Binding("up", "move('up')", "Up", show=False, id="graph-up"),
        Binding("down", "move('down')", "Down", show=False, id="graph-down"),
        Binding("left", "move('left')", "Left", show=False, id="graph-left"),
        Binding("right", "move('right')", "Right", show=False, id="graph-right"),
        Binding("shift+up", "follow('up')", "Follow up", show=False, id="graph-follow-up"),
        Binding("shift+down", "follow('down')", "Follow down", show=False, id="graph-follow-down"),
        Binding("shift+left", "follow('left')", "Follow left", show=False, id="graph-follow-left"),
        Binding(
            "shift+right", "follow('right')", "Follow right", show=False, id="graph-follow-right"
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "dag-view--node",
        "dag-view--node-type",
        "dag-view--node-selected",
        "dag-view--node-highlight",
        "dag-view--edge",
        "dag-view--edge-selected",
        "dag-view--edge-highlight",
        "dag-view--edge-cycle",
        "dag-view--empty",
        *(f"dag-view--status-{status}" for status in STATUS_MARKS),
    }

    DEFAULT_CSS = """
    DagView {
        background: $surface;
        & > .dag-view--node { color: $foreground; }
        & > .dag-view--node-type { color: $foreground-muted; }
        & > .dag-view--node-selected { color: $accent; background: $accent 20%; text-style: bold; }
        & > .dag-view--node-highlight { color: $primary; background: $primary 10%; }
        & > .dag-view--edge { color: $foreground-muted; }
        & > .dag-view--edge-selected { color: $accent; }
        & > .dag-view--edge-highlight { color: $primary; text-style: bold; }
        & > .dag-view--edge-cycle { color: $error; }
        & > .dag-view--empty { color: $foreground-muted; text-style: italic; }
        & > .dag-view--status-pending { color: $foreground-muted; }
        & > .dag-view--status-waiting { color: $warning 70%; }
        & > .dag-view--status-paused { color: $warning; }
        & > .dag-view--status-running { color: $primary; }
        & > .dag-view--status-success { color: $success; }
        & > .dag-view--status-failure { color: $error; }
        & > .dag-view--status-skipped { color: $foreground-muted; }
        & > .dag-view--status-partial { color: $warning; }
        & > .dag-view--status-cancelled { color: $error 70%; }
        & > .dag-view--status-cached { color: $secondary; }
        & > .dag-view--status-will_run { color: $warning; }
    }
    """

    selected: reactive[str | None] = reactive(None, init=False)
    """The stage under the cursor: drives the box highlight, scrolling and StageSelected."""

    highlight: reactive[Highlight | None] = reactive(None, init=False)
    """Light up everything upstream or downstream of the selection, or nothing."""

    class StageSelected(Message):
        """The cursor moved to another stage (or off every stage: `stage_id` is None)."""

        def __init__(self, dag_view: DagView, stage_id: str | None) -> None:
            super().__init__()
            self.dag_view = dag_view
            self.stage_id = stage_id

        @property
        def control(self) -> DagView:
            """The graph the selection changed in."""
            return self.dag_view

    class StageActivated(Message):
        """The person asked to open a stage (Enter or a double click)."""

        def __init__(self, dag_view: DagView, stage_id: str) -> None:
            super().__init__()
            self.dag_view = dag_view
            self.stage_id = stage_id

        @property
        def control(self) -> DagView:
            """The graph the stage was opened from."""
            return self.dag_view

    def __init__(
        self,
        *,
        direction: Direction = "LR",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._direction: Direction = direction
        self._layout: Layout = compute_layout([], {}, [], direction)
        self._statuses: dict[str, str] = {}
        self._cycle_edges: frozenset[int] = frozenset()
        self._incident: dict[str, tuple[int, ...]] = {}
        self._selected_edges: frozenset[int] = frozenset()
        self._lit_nodes: frozenset[str] = frozenset()
        self._lit_edges: frozenset[int] = frozenset()
        self._edge_rank: list[int] = []
        """Per edge, an index into EDGE_CLASSES: the strongest reason to colour it."""
        self._rows: dict[int, Strip] = {}
        """Rendered rows of the current window, keyed by canvas row."""
        self._window: tuple[int, int] = (0, 0)
        """(scroll_x, width) the cached rows were cut for."""
        self._span_ends: dict[int, list[int]] = {}
        self._styles: dict[tuple[str, ...], Style] = {}
        self._back: str | None = None
        """The stage the cursor came from along an edge, so [ and ] can retrace it."""

    # ------------------------------------------------------------------ methods down

    @property
    def layout_result(self) -> Layout:
        """The current layout (read only), for callers that want geometry or cycles."""
        return self._layout

    def set_graph(
        self,
        nodes: Sequence[str],
        labels: Mapping[str, str] | None,
        edges: Iterable[Edge],
        *,
        direction: Direction | None = None,
    ) -> None:
        """Show a new graph. Statuses and the selection survive for stages that remain."""
        if direction is not None:
            self._direction = direction
        self.set_layout(compute_layout(nodes, labels, edges, self._direction))

    @property
    def direction(self) -> Direction:
        """Left-to-right or top-to-bottom: what the next layout is made with."""
        return self._direction

    def set_layout(self, layout: Layout) -> None:
        """Show a layout computed elsewhere (a large one is computed in a thread)."""
        self._direction = layout.direction
        self._layout = layout
        self._statuses = {k: v for k, v in self._statuses.items() if k in layout.nodes}
        self._cycle_edges = layout.cycle_edge_indices
        incident: dict[str, list[int]] = {}
        for e_idx, (up, down) in enumerate(layout.edges):
            incident.setdefault(up, []).append(e_idx)
            if down != up:
                incident.setdefault(down, []).append(e_idx)
        self._incident = {node: tuple(found) for node, found in incident.items()}
        self._span_ends = {}
        self._edge_rank = [0] * len(layout.edges)
        if self.virtual_size != (size := Size(layout.width, layout.height)):
            self.virtual_size = size
            # A pane sized to its graph (height: auto in the Run view) grows or
            # shrinks with it: the screen lays out again.
            self.refresh(layout=True)
        keep = self.selected if self.selected in layout.nodes else None
        self.selected = keep or next(iter(layout.nodes), None)
        self._selected_edges = frozenset(self._incident.get(self.selected or "", ()))
        self._relight()
        self._invalidate_all()
        if keep is not None:
            # The same stage sits elsewhere in the new layout (after `t`, say): keep
            # it in view once the new size is known.
            self.call_after_refresh(self.scroll_to_stage, keep)

    def set_direction(self, direction: Direction) -> None:
        """Lay the same graph out left-to-right or top-to-bottom."""
        layout = self._layout
        self.set_graph(list(layout.nodes), layout.labels, layout.edges, direction=direction)

    def select(self, stage_id: str | None) -> None:
        """Move the selection from code, without posting `StageSelected`.

        Panes that mirror each other's selection call this: a selection set in
        code that came back as a message would bounce between them forever.
        """
        with self.prevent(self.StageSelected):
            self.selected = stage_id

    def set_status(self, stage_id: str, status: str | None) -> None:
        """Show a stage's run status (a `StageStatus` value, or None to clear it)."""
        status = str(status) if status is not None else None
        if self._statuses.get(stage_id) == status or stage_id not in self._layout.nodes:
            return
        if status is None:
            self._statuses.pop(stage_id, None)
        else:
            self._statuses[stage_id] = status
        self._invalidate_node(stage_id)

    def set_statuses(self, statuses: Mapping[str, str | None]) -> None:
        """Several `set_status` calls at once, e.g. when a run starts or is restored."""
        for stage_id, status in statuses.items():
            self.set_status(stage_id, status)

    def set_cycle_edges(self, pairs: Iterable[Edge]) -> None:
        """Colour these edges as a cycle, replacing what the layout found by itself."""
        wanted = set(pairs)
        self._cycle_edges = frozenset(i for i, e in enumerate(self._layout.edges) if e in wanted)
        self._rank_edges(range(len(self._layout.edges)))
        self._invalidate_all()

    @property
    def lit(self) -> frozenset[str]:
        """The stages lit by the current highlight, the selection included."""
        return self._lit_nodes

    def status_of(self, stage_id: str) -> str | None:
        """The status last given with `set_status`."""
        return self._statuses.get(stage_id)

    # ------------------------------------------------------------------ reactives

    def validate_selected(self, value: str | None) -> str | None:
        return value if value in self._layout.nodes else None

    def watch_selected(self, old: str | None, new: str | None) -> None:
        self._back = None
        touched = self._incident.get(old or "", ()) + self._incident.get(new or "", ())
        self._selected_edges = frozenset(self._incident.get(new or "", ()))
        if self._lit_nodes or self.highlight is not None:
            self._relight()
            self._invalidate_all()
        else:
            self._rank_edges(touched)
            for stage_id in (old, new):
                if stage_id is not None:
                    self._invalidate_node(stage_id, with_edges=True)
        if new is not None:
            self.scroll_to_stage(new)
        self.post_message(self.StageSelected(self, new))

    def watch_highlight(self) -> None:
        self._relight()
        self._invalidate_all()
        self.refresh_bindings()

    def scroll_to_stage(self, stage_id: str) -> None:
        """Scroll just enough to show the stage's box, with a little room around it."""
        box = self._layout.nodes.get(stage_id)
        if box is not None:
            self.scroll_to_region(
                Region(box.x, box.y, box.w, box.h), spacing=Spacing(1, 2, 1, 2), animate=False
            )

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_highlight":
            return self.highlight is not None
        if action in {"activate", "parent", "child", "upstream", "downstream", "move", "follow"}:
            return bool(self._layout.nodes)
        return True

    def action_move(self, heading: Heading) -> None:
        """Go to the nearest stage that way; from nowhere, start at the first stage."""
        if self.selected is None:
            self.selected = next(iter(self._layout.nodes), None)
            return
        target = nearest_in_direction(self._layout, self.selected, heading)
        if target is not None:
            self.selected = target

    def action_parent(self) -> None:
        """Go up an edge: back where we came from if possible, else the first parent."""
        current = self.selected
        if current is None:
            return
        parents = self._layout.parents(current)
        if parents:
            self._go(self._back if self._back in parents else parents[0], back=current)

    def action_child(self) -> None:
        """Go down an edge: back where we came from if possible, else the first child."""
        current = self.selected
        if current is None:
            return
        children = self._layout.children(current)
        if children:
            self._go(self._back if self._back in children else children[0], back=current)

    def action_sibling(self, step: int) -> None:
        """Cycle through the other children of the parent we came from."""
        current = self.selected
        if current is None:
            return
        parents = self._layout.parents(current)
        anchor = self._back if self._back in parents else (parents[0] if parents else None)
        if anchor is None:
            ring = [n for n in self._layout.nodes if not self._layout.parents(n)]
        else:
            ring = self._layout.children(anchor)
        if len(ring) > 1 and current in ring:
            target = ring[(ring.index(current) + step) % len(ring)]
            self._go(target, back=anchor)

    def action_follow(self, heading: Heading) -> None:
        """Shift+arrow: along the layers means parent/child, across means sibling."""
        along = ("left", "right") if self._direction == "LR" else ("up", "down")
        if heading == along[0]:
            self.action_parent()
        elif heading == along[1]:
            self.action_child()
        else:
            self.action_sibling(-1 if heading in ("up", "left") else 1)

    def action_upstream(self) -> None:
        """Toggle lighting up everything the selected stage depends on."""
        self.highlight = None if self.highlight == "upstream" else "upstream"

    def action_downstream(self) -> None:
        """Toggle lighting up everything that depends on the selected stage."""
        self.highlight = None if self.highlight == "downstream" else "downstream"

    def action_clear_highlight(self) -> None:
        self.highlight = None

    def action_activate(self) -> None:
        if self.selected is not None:
            self.post_message(self.StageActivated(self, self.selected))

    def _go(self, target: str, *, back: str | None) -> None:
        self.selected = target
        self._back = back

    # ------------------------------------------------------------------ mouse

    def on_resize(self, event: events.Resize) -> None:
        # The pane grows and shrinks (z zooms it and restores it, a side pane opens or
        # closes); the selected stage stays in view, wherever the scroll had been.
        if self.selected is not None:
            self.call_after_refresh(self.scroll_to_stage, self.selected)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x, y = offset.x + round(self.scroll_x), offset.y + round(self.scroll_y)
        stage_id = self._layout.node_at(x, y)
        if stage_id is None:
            return
        self.selected = stage_id
        if event.chain >= 2:
            self.post_message(self.StageActivated(self, stage_id))

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._rows.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if (scroll_x, width) != self._window:
            self._rows.clear()
            self._window = (scroll_x, width)
        row = y + scroll_y
        if not self._layout.nodes:
            return self._empty_line(y, width)
        if row >= self._layout.height:
            return Strip.blank(width, self._style(""))
        strip = self._rows.get(row)
        if strip is None:
            strip = self._rows[row] = self._build_row(row, scroll_x, scroll_x + width)
        return strip

    def _empty_line(self, y: int, width: int) -> Strip:
        base = self._style("")
        if y != self.scrollable_content_region.height // 2:
            return Strip.blank(width, base)
        pad = max(0, (width - len(EMPTY_MESSAGE)) // 2)
        style = self._style("dag-view--empty")
        segments = [Segment(" " * pad, base), Segment(EMPTY_MESSAGE, style)]
        return Strip(segments).crop_extend(0, width, base)

    def _build_row(self, y: int, left: int, right: int) -> Strip:
        """The part of canvas row `y` between columns `left` and `right`.

        Only spans inside the window are styled: a wide graph has hundreds of
        spans per row and a viewport shows a tenth of them.
        """
        layout = self._layout
        text = layout.rows[y]
        spans = layout.row_spans(y)
        base = self._style("")
        ends = self._span_ends.get(y)
        if ends is None:
            ends = self._span_ends[y] = [span.end for span in spans]
        first = bisect_right(ends, left)
        origin = min(left, spans[first].start) if first < len(spans) else left
        selected = self.selected
        segments: list[Segment] = []
        x = origin
        for span in spans[first:]:
            if span.start >= right:
                break
            if span.start > x:
                segments.append(Segment(text[x : span.start], base))
            if span.node is not None:
                box = layout.nodes[span.node]
                segments.extend(self._box_segments(box, y, text, box.id == selected))
            else:
                style = self._edge_style(span.edges)
                segments.append(Segment(text[span.start : span.end], style))
            x = span.end
        return Strip(segments).crop_extend(left - origin, right - origin, base)

    def _box_segments(self, box: NodeBox, y: int, text: str, selected: bool) -> list[Segment]:
        status = self._statuses.get(box.id)
        lit = box.id in self._lit_nodes
        border_class = self._border_class(status, selected, lit)
        bg_class = (
            "dag-view--node-selected"
            if selected
            else "dag-view--node-highlight"
            if lit
            else "dag-view--node"
        )
        border = self._style(border_class, bg_class)
        left, right = box.x, box.x + box.w
        row = y - box.y
        if row in (0, box.h - 1):
            return [Segment(text[left:right], border)]
        inner_class = "dag-view--node" if row == 1 else "dag-view--node-type"
        inner = self._style(inner_class, bg_class, "bold" if row == 1 else "")
        if row != 1:
            return [
                Segment(text[left], border),
                Segment(text[left + 1 : right - 1], inner),
                Segment(text[right - 1], border),
            ]
        mark = STATUS_MARKS.get(status or "", " ")
        mark_style = self._style(f"dag-view--status-{status}", bg_class) if status else inner
        return [
            Segment(text[left], border),
            Segment(text[left + 1 : box.mark_x], inner),
            Segment(mark, mark_style),
            Segment(text[box.mark_x + 1 : right - 1], inner),
            Segment(text[right - 1], border),
        ]

    @staticmethod
    def _border_class(status: str | None, selected: bool, lit: bool) -> str:
        if selected:
            return "dag-view--node-selected"
        if status in STATUS_MARKS:
            return f"dag-view--status-{status}"
        return "dag-view--node-highlight" if lit else "dag-view--node"

    def _edge_style(self, edges: tuple[int, ...]) -> Style:
        rank = self._edge_rank
        best = rank[edges[0]] if len(edges) == 1 else max(rank[e] for e in edges)
        return self._style(EDGE_CLASSES[best])

    def _rank_edges(self, edges: Iterable[int]) -> None:
        """Recompute the colouring reason of these edges after a state change."""
        rank = self._edge_rank
        for e in edges:
            if e in self._lit_edges:
                rank[e] = 3
            elif e in self._cycle_edges:
                rank[e] = 2
            elif e in self._selected_edges:
                rank[e] = 1
            else:
                rank[e] = 0

    def _style(self, fg_class: str, bg_class: str = "", extra: str = "") -> Style:
        """A component's colour on another component's background, cached."""
        key = (fg_class, bg_class, extra)
        style = self._styles.get(key)
        if style is None:
            style = self.get_component_rich_style(fg_class) if fg_class else self.rich_style
            if bg_class:
                style += Style(bgcolor=self.get_component_rich_style(bg_class).bgcolor)
            if extra:
                style += Style.parse(extra)
            self._styles[key] = style
        return style

    # ------------------------------------------------------------------ invalidation

    def _relight(self) -> None:
        """Recompute the lit stages and edges, then every edge's colour."""
        self._find_lit()
        self._rank_edges(range(len(self._layout.edges)))

    def _find_lit(self) -> None:
        current = self.selected
        if current is None or self.highlight is None:
            self._lit_nodes, self._lit_edges = frozenset(), frozenset()
            return
        layout = self._layout
        reach = layout.upstream(current) if self.highlight == "upstream" else None
        if reach is None:
            reach = layout.downstream(current)
        lit = reach | {current}
        self._lit_nodes = lit
        self._lit_edges = frozenset(
            i for i, (up, down) in enumerate(layout.edges) if up in lit and down in lit
        )

    def _invalidate_all(self) -> None:
        self._rows.clear()
        self.refresh()

    def _invalidate_node(self, stage_id: str, *, with_edges: bool = False) -> None:
        """Drop and repaint the rows of one box, and of its edges if asked."""
        box = self._layout.nodes.get(stage_id)
        if box is None:
            return
        ranges = [(box.y, box.y + box.h - 1)]
        if with_edges:
            ranges += [self._layout.edge_rows[e] for e in self._incident.get(stage_id, ())]
        for first, last in ranges:
            for row in range(first, last + 1):
                self._rows.pop(row, None)
            self.refresh_lines(first, last - first + 1)
