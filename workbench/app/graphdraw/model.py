"""What a laid out graph is: boxes, the picture as rows of text, and who owns each cell.

The widget reads only this: the rows to paint, the spans to style, the boxes to
click and walk between. Graph questions (parents, upstream, cycles) are answered
by the engine's :class:`~workbench.engine.graph.DependencyGraph` of the same stages,
so the picture and the run always agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import Literal, NamedTuple

from workbench.engine.graph import DependencyGraph

Direction = Literal["LR", "TB"]
"""Layers as columns (left to right) or as rows (top to bottom)."""

Heading = Literal["left", "right", "up", "down"]
"""A direction to move the selection in."""

Edge = tuple[str, str]
"""An edge as (upstream id, downstream id)."""

BOX_HEIGHT = 4
"""Top border, id line, stage-type line, bottom border."""

MAX_LABEL = 24
"""Longer ids and types are cut with an ellipsis so one long name cannot widen a layer."""

MIN_INNER = 6
"""Narrowest box content, so boxes stay boxes and the ports fit inside the border."""

MARGIN = 1
"""Blank cells kept around the drawing."""


SELF_LOOP_MARK = "↺"
"""Drawn beside a box whose stage depends on itself."""


@dataclass(frozen=True, slots=True)
class NodeBox:
    """Where one stage's box sits on the canvas."""

    id: str
    x: int
    y: int
    w: int
    h: int
    layer: int

    @property
    def cx(self) -> float:
        """Horizontal centre, used for directional navigation."""
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        """Vertical centre, used for directional navigation."""
        return self.y + self.h / 2

    @property
    def mark_x(self) -> int:
        """Column of the status mark slot on the id line (`y + 1`)."""
        return self.x + self.w - 3

    def contains(self, x: int, y: int) -> bool:
        """True if the cell (x, y) is inside the box, border included."""
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h


class Span(NamedTuple):
    """A run of cells on one canvas row that share an owner, for styling.

    `node` is set for the cells of a box; otherwise `edges` lists the indices (into
    `Layout.edges`) of every edge drawn through these cells.
    """

    start: int
    end: int
    node: str | None
    edges: tuple[int, ...]


@dataclass(slots=True)
class Layout:
    """A laid out graph: the picture as text plus what each cell belongs to."""

    direction: Direction
    width: int
    height: int
    nodes: dict[str, NodeBox]
    """Boxes in file order."""
    labels: dict[str, str]
    """The second line of each box (usually the stage type)."""
    edges: list[Edge]
    """Edges in input order, duplicates and unknown ends dropped; indices used below."""
    reversed_edges: frozenset[Edge]
    """Edges turned round to break cycles, one per cycle, self-loops included."""
    cycle_edges: frozenset[Edge]
    """Every edge that lies on some cycle (both ends in one strongly connected part)."""
    rows: list[str]
    """The canvas, one string of exactly `width` characters per row."""
    edge_rows: list[tuple[int, int]]
    """Per edge, the first and last row it touches, to refresh only those."""
    crossings: int
    """Edge crossings between adjacent layers after ordering (a quality figure)."""
    graph: DependencyGraph = field(repr=False)
    """The engine's graph of the same stages and edges: parents, reachability, cycles."""
    owner: list[int] = field(default_factory=list, repr=False)
    """Per cell (y * width + x): edge index, -1 for none, -2 - k for `owner_sets[k]`."""
    owner_sets: list[tuple[int, ...]] = field(default_factory=list, repr=False)
    box_spans: list[list[Span]] = field(default_factory=list, repr=False)
    """Per row, the spans of the boxes on it."""
    _spans: list[tuple[Span, ...] | None] = field(default_factory=list, repr=False)
    _screen_order: dict[str, tuple[int, int, int]] = field(default_factory=dict, repr=False)

    def row_spans(self, y: int) -> tuple[Span, ...]:
        """The non-blank runs of row `y` in x order: what the widget styles.

        Built on first use, since a viewport shows a few dozen of a graph's rows.
        """
        spans = self._spans[y]
        if spans is None:
            spans = self._spans[y] = self._row_spans(y)
        return spans

    @property
    def cycle_edge_indices(self) -> frozenset[int]:
        """Indices of the edges that lie on a cycle, for colouring them as errors."""
        return frozenset(i for i, e in enumerate(self.edges) if e in self.cycle_edges)

    def parents(self, node_id: str) -> list[str]:
        """Direct upstream stages, in screen order (top/left first), self excluded."""
        if node_id not in self.graph:
            return []
        return self._on_screen(node_id, self.graph.parents(node_id))

    def children(self, node_id: str) -> list[str]:
        """Direct downstream stages, in screen order (top/left first), self excluded."""
        if node_id not in self.graph:
            return []
        return self._on_screen(node_id, self.graph.children(node_id))

    def upstream(self, node_id: str) -> frozenset[str]:
        """Every stage the given one depends on, directly or not (itself excluded)."""
        if node_id not in self.graph:
            return frozenset()
        return frozenset(self.graph.upstream(node_id) - {node_id})

    def downstream(self, node_id: str) -> frozenset[str]:
        """Every stage that depends on the given one, directly or not (itself excluded)."""
        if node_id not in self.graph:
            return frozenset()
        return frozenset(self.graph.downstream(node_id) - {node_id})

    def _on_screen(self, node_id: str, near: list[str]) -> list[str]:
        """Neighbours top to bottom (left to right when layers are rows), file order on ties."""
        if not self._screen_order:
            across_lr = self.direction == "LR"
            self._screen_order = {
                node: (box.y, box.x, i) if across_lr else (box.x, box.y, i)
                for i, (node, box) in enumerate(self.nodes.items())
            }
        return sorted((n for n in near if n != node_id), key=self._screen_order.__getitem__)

    def _row_spans(self, y: int) -> tuple[Span, ...]:
        """Runs of cells with one owner on a row: each becomes one styled segment."""
        width = self.width
        owner_sets = self.owner_sets
        spans = list(self.box_spans[y])
        x = 0
        for code, run in groupby(self.owner[y * width : (y + 1) * width]):
            length = len(list(run))
            if code != -1:
                edges = (code,) if code >= 0 else owner_sets[-2 - code]
                spans.append(Span(x, x + length, None, edges))
            x += length
        spans.sort(key=lambda span: span.start)
        return tuple(spans)

    def cell_edges(self) -> dict[tuple[int, int], tuple[int, ...]]:
        """Edge indices drawn through each edge cell, keyed by (x, y); built on demand."""
        cells: dict[tuple[int, int], tuple[int, ...]] = {}
        for y in range(self.height):
            for span in self.row_spans(y):
                if span.node is None:
                    for x in range(span.start, span.end):
                        cells[(x, y)] = span.edges
        return cells

    def node_at(self, x: int, y: int) -> str | None:
        """The stage whose box covers the cell, for mouse clicks."""
        if not 0 <= y < self.height:
            return None
        for span in self.row_spans(y):
            if span.start <= x < span.end:
                return span.node
            if span.start > x:
                break
        return None
