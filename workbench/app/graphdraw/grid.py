"""Drawing on a character grid: line cells, junctions, arrowheads and boxes.

Routes are drawn as direction bits per cell, so where lines meet the right
junction character comes out by itself. Drawing is done in abstract
*(main, cross)* coordinates and transposed by the canvas's steps, which is how one
implementation serves both left-to-right and top-to-bottom.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.app.graphdraw.layering import FlowGraph
from workbench.app.graphdraw.model import (
    MAX_LABEL,
    MIN_INNER,
    SELF_LOOP_MARK,
    Direction,
    Layout,
    NodeBox,
    Span,
)
from workbench.engine.graph import DependencyGraph

# Screen direction bits.
_N, _E, _S, _W = 1, 2, 4, 8

_LINE_CHARS: dict[int, str] = {
    _N: "│",
    _S: "│",
    _N | _S: "│",
    _E: "─",
    _W: "─",
    _E | _W: "─",
    _S | _E: "┌",
    _S | _W: "┐",
    _N | _E: "└",
    _N | _W: "┘",
    _N | _S | _E: "├",
    _N | _S | _W: "┤",
    _E | _W | _S: "┬",
    _E | _W | _N: "┴",
    _N | _E | _S | _W: "┼",
}

_CROSSING = 16
"""Cell code for two lines that cross without joining (set after drawing)."""

_CELL_CHARS: dict[Direction, dict[int, str]] = {
    direction: {
        **{bits: _LINE_CHARS.get(bits, " ") for bits in range(16)},
        _CROSSING: "│" if direction == "LR" else "─",
    }
    for direction in ("LR", "TB")
}
"""For `str.translate`: a row of cell codes (code points 0-16) to characters.

`┼` is kept for lines that join. Where two lines only cross, the line across the
layers (the track) is drawn unbroken and the other passes under it, so a crossing
can never be read as a junction.
"""

_TO_SCREEN: dict[Direction, tuple[int, int, int, int]] = {
    # screen bit for: towards larger main, smaller main, larger cross, smaller cross
    "LR": (_E, _W, _S, _N),
    "TB": (_S, _N, _E, _W),
}

_ARROWS: dict[Direction, tuple[str, str]] = {"LR": ("▶", "◀"), "TB": ("▼", "▲")}
"""Arrowhead into a child, and into the upstream end of a reversed (cycle) edge."""


class Canvas:
    """Edge cells as flat arrays in screen order (index = y * width + x).

    Lines are drawn in abstract (main, cross) coordinates; the steps make one
    drawing routine serve both directions. Each cell keeps direction bits, so
    junction characters fall out of the union, and its owning edge(s): an edge
    index, -1 for none, or `-2 - k` for the k-th distinct set of several edges.
    """

    __slots__ = (
        "_cross_step",
        "_hi",
        "_lo",
        "arrows",
        "bits",
        "main_step",
        "multi",
        "owner",
        "step_bits",
        "turns",
        "width",
    )

    def __init__(self, width: int, height: int, direction: Direction, edges: int) -> None:
        self.width = width
        self.main_step, cross_step = (1, width) if direction == "LR" else (width, 1)
        self.step_bits = _TO_SCREEN[direction]
        self.bits = [0] * (width * height)
        self.owner = [-1] * (width * height)
        self.multi: dict[int, list[int]] = {}
        self.arrows: dict[int, bool] = {}
        """Arrow cells: True for a forward arrowhead, False for a reversed edge's."""
        self.turns: set[int] = set()
        """Cells where some edge turns from one axis to the other: where lines join."""
        self._cross_step = cross_step
        self._lo = [1 << 30] * edges
        self._hi = [-1] * edges

    def rows_touched(self, edge: int, first: int, last: int) -> None:
        """Note the rows between two cells (first <= last), for `edge_rows`."""
        lo, hi = first // self.width, last // self.width
        if lo < self._lo[edge]:
            self._lo[edge] = lo
        if hi > self._hi[edge]:
            self._hi[edge] = hi

    def edge_rows(self) -> list[tuple[int, int]]:
        """Per edge, the first and last screen row it was drawn on."""
        return [(lo, hi) if hi >= 0 else (0, -1) for lo, hi in zip(self._lo, self._hi, strict=True)]

    def at(self, m: int, c: int) -> int:
        return m * self.main_step + c * self._cross_step

    def own(self, i: int, edge: int) -> None:
        current = self.owner[i]
        if current < 0:
            self.owner[i] = edge
        elif current != edge:
            more = self.multi.get(i)
            if more is None:
                self.multi[i] = [current, edge]
            elif edge not in more:
                more.append(edge)

    def run(self, m0: int, c0: int, length: int, along_main: bool, edge: int) -> None:
        """`length + 1` cells from (m0, c0) forwards, each joined to the next."""
        fwd, back, plus, minus = self.step_bits
        first_bit, last_bit = (fwd, back) if along_main else (plus, minus)
        step = self.main_step if along_main else self._cross_step
        bits = self.bits
        owner = self.owner
        i = self.at(m0, c0)
        j = i + length * step
        self.rows_touched(edge, i, j)
        if length == 0:
            self.own(i, edge)
            return
        bits[i] |= first_bit
        self.own(i, edge)
        bits[j] |= last_bit
        self.own(j, edge)
        if length == 1:
            return
        # The inside of the run, a slice at a time: most runs cross empty cells.
        inside = slice(i + step, j, step)
        both = first_bit | last_bit
        bits[inside] = [b | both for b in bits[inside]]
        owners = owner[inside]
        if owners.count(-1) == len(owners):
            owner[inside] = [edge] * len(owners)
            return
        for k, current in zip(range(i + step, j, step), owners, strict=True):
            if current != edge:
                self.own(k, edge)

    def main_line(self, m0: int, m1: int, c: int, edge: int) -> None:
        self.run(m0, c, m1 - m0, True, edge)

    def cross_line(self, m: int, c0: int, c1: int, edge: int) -> None:
        lo, hi = min(c0, c1), max(c0, c1)
        self.run(m, lo, hi - lo, False, edge)

    def touch(self, m: int, c: int, towards_main: bool, edge: int) -> None:
        """Join a line end to the box border next to it."""
        fwd, back, _, _ = self.step_bits
        i = self.at(m, c)
        self.bits[i] |= fwd if towards_main else back
        self.own(i, edge)

    def owner_sets(self) -> list[tuple[int, ...]]:
        """Intern the multi-owner cells so equal sets share a code (and a span)."""
        sets: dict[tuple[int, ...], int] = {}
        for i, more in self.multi.items():
            key = tuple(more)
            code = sets.setdefault(key, len(sets))
            self.owner[i] = -2 - code
        return list(sets)


def box_text(node_id: str, label: str) -> tuple[str, str, int]:
    """The id and label lines, cut to fit, and the inner width of the box."""
    title = _cut(node_id)
    sub = _cut(label)
    inner = max(len(title) + 2, len(sub), MIN_INNER)
    return title, sub, inner


def _cut(text: str) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def paint(
    g: FlowGraph,
    labels: Mapping[str, str],
    boxes: dict[str, NodeBox],
    texts: list[tuple[str, str, int]],
    canvas: Canvas,
    direction: Direction,
    size: tuple[int, int],
    crossings: int,
    graph: DependencyGraph,
) -> Layout:
    """Turn boxes and edge cells into rows of text and styling spans."""
    width, height = size
    for e_idx, (up, down) in enumerate(g.edges):
        if up == down:
            box = boxes[up]
            cell = box.y * width + box.x + box.w
            canvas.own(cell, e_idx)
            canvas.rows_touched(e_idx, cell, cell)
    owner_sets = canvas.owner_sets()
    codes = bytearray(canvas.bits)
    turns = canvas.turns
    four_way = codes.find(15)
    while four_way >= 0:
        if four_way not in turns:
            codes[four_way] = _CROSSING
        four_way = codes.find(15, four_way + 1)
    chars = _CELL_CHARS[direction]
    rows = [
        codes[y * width : (y + 1) * width].decode("latin-1").translate(chars) for y in range(height)
    ]
    overlays: dict[int, list[tuple[int, str]]] = {}
    forward, backward = _ARROWS[direction]
    for i, is_forward in canvas.arrows.items():
        overlays.setdefault(i // width, []).append((i % width, forward if is_forward else backward))
    for i, node_id in enumerate(g.ids):
        box = boxes[node_id]
        for dy, line in enumerate(_box_lines(texts[i])):
            overlays.setdefault(box.y + dy, []).append((box.x, line))
    for up, down in g.edges:
        if up == down:
            box = boxes[up]
            overlays.setdefault(box.y, []).append((box.x + box.w, SELF_LOOP_MARK))
    for y, edits in overlays.items():
        cells = list(rows[y])
        for x, text in edits:
            cells[x : x + len(text)] = text
        rows[y] = "".join(cells)
    box_spans: list[list[Span]] = [[] for _ in range(height)]
    for box in boxes.values():
        for y in range(box.y, box.y + box.h):
            box_spans[y].append(Span(box.x, box.x + box.w, box.id, ()))
    reversed_edges = frozenset(e for e, f in zip(g.edges, g.flipped, strict=True) if f)
    cycle_edges = graph.cycle_edges() if reversed_edges else frozenset()
    return Layout(
        direction=direction,
        width=width,
        height=height,
        nodes=boxes,
        labels={node: labels.get(node, "") for node in g.ids},
        edges=g.edges,
        reversed_edges=reversed_edges,
        cycle_edges=cycle_edges,
        rows=rows,
        edge_rows=canvas.edge_rows(),
        crossings=crossings,
        graph=graph,
        owner=canvas.owner,
        owner_sets=owner_sets,
        box_spans=box_spans,
        _spans=[None] * height,
    )


def _box_lines(text: tuple[str, str, int]) -> tuple[str, str, str, str]:
    """A box, top to bottom; the status mark slot is the blank before the right border."""
    title, sub, inner = text
    return (
        "╭" + "─" * (inner + 2) + "╮",
        "│ " + title.ljust(inner) + " │",
        "│ " + sub.ljust(inner) + " │",
        "╰" + "─" * (inner + 2) + "╯",
    )
