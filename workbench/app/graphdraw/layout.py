"""Layered layout of a stage graph on a character grid.

This module is pure Python on purpose: it imports neither Textual nor Rich, so the
layout can be tested and benchmarked on its own and the widget only has to paint
what is computed here.

The method is the classic Sugiyama pipeline, kept small:

1. **Cycle breaking.** A depth-first search in file order reverses every back
   edge. The reversed edges are reported so they can be drawn in the error colour;
   self-loops are reported too and drawn as a mark on the box.
2. **Layering.** Longest path from the sources, then every source with children is
   pulled next to its first child so it does not trail a long edge across the page.
3. **Dummy nodes.** An edge spanning several layers is cut into one segment per
   layer gap, with a one-cell dummy in every layer it crosses.
4. **Crossing reduction.** A few barycentre sweeps down and up; the ordering with
   the fewest crossings wins. Ties always fall back to file order, so the same
   graph always gives the same picture.
5. **Coordinates.** Along the cross axis items are pulled towards the median of
   their neighbours, subject to the order and the minimum gaps (isotonic
   regression, so each pass is linear). Along the main axis each layer gets the
   width of its widest box and each gap between layers gets one vertical track per
   edge bundle.
6. **Routing.** Every segment is an orthogonal route: out of the parent, along its
   track, into the child with an arrowhead. Routes are drawn as direction bits per
   cell, so where lines meet the right junction character comes out by itself.

Drawing is done in abstract *(main, cross)* coordinates and transposed at the end,
which is how one implementation serves both left-to-right and top-to-bottom.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby, pairwise
from typing import Literal, NamedTuple

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

DEFAULT_SWEEPS = 4
"""Barycentre down+up sweeps; more rarely pays off on pipeline-shaped graphs."""

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

_BITS_TO_CHARS = {bits: _LINE_CHARS.get(bits, " ") for bits in range(16)}
"""For `str.translate`: a row of direction bits (as code points 0-15) to line characters."""

_TO_SCREEN: dict[Direction, tuple[int, int, int, int]] = {
    # screen bit for: towards larger main, smaller main, larger cross, smaller cross
    "LR": (_E, _W, _S, _N),
    "TB": (_S, _N, _E, _W),
}

_ARROWS: dict[Direction, tuple[str, str]] = {"LR": ("▶", "◀"), "TB": ("▼", "▲")}
"""Arrowhead into a child, and into the upstream end of a reversed (cycle) edge."""

SELF_LOOP_MARK = "↺"


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
    _owner: list[int] = field(default_factory=list, repr=False)
    """Per cell (y * width + x): edge index, -1 for none, -2 - k for `_owner_sets[k]`."""
    _owner_sets: list[tuple[int, ...]] = field(default_factory=list, repr=False)
    _box_spans: list[list[Span]] = field(default_factory=list, repr=False)
    _spans: list[tuple[Span, ...] | None] = field(default_factory=list, repr=False)
    _parents: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def row_spans(self, y: int) -> tuple[Span, ...]:
        """The non-blank runs of row `y` in x order: what the widget styles.

        Built on first use, since a viewport shows a few dozen of a graph's rows.
        """
        spans = self._spans[y]
        if spans is None:
            spans = self._spans[y] = _row_spans(self, y)
        return spans

    @property
    def cycle_edge_indices(self) -> frozenset[int]:
        """Indices of the edges that lie on a cycle, for colouring them as errors."""
        return frozenset(i for i, e in enumerate(self.edges) if e in self.cycle_edges)

    def parents(self, node_id: str) -> list[str]:
        """Direct upstream stages, in screen order (top/left first), self excluded."""
        return self._parents.get(node_id, [])

    def children(self, node_id: str) -> list[str]:
        """Direct downstream stages, in screen order (top/left first), self excluded."""
        return self._children.get(node_id, [])

    def upstream(self, node_id: str) -> frozenset[str]:
        """Every stage the given one depends on, directly or not (itself excluded)."""
        return _closure(node_id, self._parents)

    def downstream(self, node_id: str) -> frozenset[str]:
        """Every stage that depends on the given one, directly or not (itself excluded)."""
        return _closure(node_id, self._children)

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


def _closure(start: str, step: Mapping[str, list[str]]) -> frozenset[str]:
    seen: set[str] = set()
    todo = list(step.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(step.get(node, ()))
    seen.discard(start)
    return frozenset(seen)


# --------------------------------------------------------------------------- input


@dataclass(slots=True)
class _Graph:
    """The input reduced to integer ids, with cycles broken."""

    ids: list[str]
    edges: list[Edge]
    pairs: list[tuple[int, int]]
    """Per edge, (upper, lower) node indices in layout direction (-1, -1 for self-loops)."""
    flipped: list[bool]
    """Per edge, whether it runs against the layout direction (a cycle's back edge)."""


def _prepare(nodes: Sequence[str], edges: Iterable[Edge]) -> _Graph:
    ids = list(dict.fromkeys(nodes))
    index = {node: i for i, node in enumerate(ids)}
    kept = [e for e in dict.fromkeys(edges) if e[0] in index and e[1] in index]
    succ: list[list[tuple[int, int]]] = [[] for _ in ids]
    for e_idx, (up, down) in enumerate(kept):
        if up != down:
            succ[index[up]].append((index[down], e_idx))
    for row in succ:
        row.sort()
    back = _back_edges(succ)
    pairs: list[tuple[int, int]] = []
    flipped: list[bool] = []
    for e_idx, (up, down) in enumerate(kept):
        a, b = index[up], index[down]
        if a == b:
            pairs.append((-1, -1))
            flipped.append(True)
        elif e_idx in back:
            pairs.append((b, a))
            flipped.append(True)
        else:
            pairs.append((a, b))
            flipped.append(False)
    return _Graph(ids, kept, pairs, flipped)


def _back_edges(succ: list[list[tuple[int, int]]]) -> set[int]:
    """Edges closing a cycle, found by an iterative DFS in file order."""
    state = [0] * len(succ)  # 0 unseen, 1 on the stack, 2 finished
    back: set[int] = set()
    for root in range(len(succ)):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            for child, e_idx in it:
                if state[child] == 1:
                    back.add(e_idx)
                elif state[child] == 0:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


def _cycle_edges(g: _Graph) -> frozenset[Edge]:
    """Edges inside a strongly connected component (Kosaraju, iterative)."""
    index = {node: i for i, node in enumerate(g.ids)}
    n = len(g.ids)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for up, down in g.edges:
        succ[index[up]].append(index[down])
        pred[index[down]].append(index[up])
    finished: list[int] = []
    seen = [False] * n
    for root in range(n):
        if seen[root]:
            continue
        seen[root] = True
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            for child in it:
                if not seen[child]:
                    seen[child] = True
                    stack.append((child, iter(succ[child])))
                    break
            else:
                finished.append(node)
                stack.pop()
    comp = [-1] * n
    for root in reversed(finished):
        if comp[root] >= 0:
            continue
        comp[root] = root
        todo = [root]
        while todo:
            node = todo.pop()
            for parent in pred[node]:
                if comp[parent] < 0:
                    comp[parent] = root
                    todo.append(parent)
    return frozenset(e for e in g.edges if comp[index[e[0]]] == comp[index[e[1]]])


# ------------------------------------------------------------------------ layering


def _layers(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """Longest-path layers, then sources pulled up next to their earliest child."""
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for a, b in pairs:
        if a >= 0:
            succ[a].append(b)
            indeg[b] += 1
    has_parent = [d > 0 for d in indeg]
    layer = [0] * n
    ready = [i for i in range(n) if indeg[i] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for child in succ[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            indeg[child] -= 1
            if indeg[child] == 0:
                heapq.heappush(ready, child)
    for node in range(n):
        if not has_parent[node] and succ[node]:
            layer[node] = min(layer[c] for c in succ[node]) - 1
    return layer


# ------------------------------------------------------------------ proper graph


@dataclass(slots=True)
class _Proper:
    """The layered graph with dummies: items are nodes (< n) or dummies (>= n)."""

    n: int
    item_layer: list[int]
    item_rank: list[int]
    """Tie-break key: file order for nodes, after all nodes by edge order for dummies."""
    paths: list[list[int]]
    """Per edge, the items it passes through in layout direction (empty for self-loops)."""
    up: list[list[int]]
    down: list[list[int]]


def _proper(n: int, layer: list[int], g: _Graph) -> _Proper:
    item_layer = list(layer)
    item_rank = list(range(n))
    paths: list[list[int]] = []
    for e_idx, (a, b) in enumerate(g.pairs):
        if a < 0:
            paths.append([])
            continue
        path = [a]
        for lay in range(layer[a] + 1, layer[b]):
            path.append(len(item_layer))
            item_layer.append(lay)
            item_rank.append(n + e_idx)
        path.append(b)
        paths.append(path)
    up: list[list[int]] = [[] for _ in item_layer]
    down: list[list[int]] = [[] for _ in item_layer]
    for path in paths:
        for u, v in pairwise(path):
            down[u].append(v)
            up[v].append(u)
    return _Proper(n, item_layer, item_rank, paths, up, down)


# ------------------------------------------------------------------------ ordering


def _order(p: _Proper, sweeps: int) -> tuple[list[list[int]], int]:
    """Barycentre sweeps; returns the best layer orders and their crossing count."""
    count = max(p.item_layer, default=-1) + 1
    layers: list[list[int]] = [[] for _ in range(count)]
    for item in sorted(range(len(p.item_layer)), key=p.item_rank.__getitem__):
        layers[p.item_layer[item]].append(item)
    pos = [0] * len(p.item_layer)
    _index(layers, pos)
    best = [list(lay) for lay in layers]
    best_cross = _crossings(layers, p.down, pos)
    for _ in range(sweeps):
        for lay in range(1, count):
            _sort_layer(layers[lay], p.up, pos, p.item_rank)
        for lay in range(count - 2, -1, -1):
            _sort_layer(layers[lay], p.down, pos, p.item_rank)
        cross = _crossings(layers, p.down, pos)
        if cross < best_cross:
            best, best_cross = [list(lay) for lay in layers], cross
        if best_cross == 0:
            break
    _index(best, pos)
    return best, best_cross


def _index(layers: list[list[int]], pos: list[int]) -> None:
    for lay in layers:
        for i, item in enumerate(lay):
            pos[item] = i


def _sort_layer(items: list[int], nbrs: list[list[int]], pos: list[int], rank: list[int]) -> None:
    def key(item: int) -> tuple[float, int]:
        near = nbrs[item]
        if not near:
            return (pos[item], rank[item])
        return (sum(pos[x] for x in near) / len(near), rank[item])

    items.sort(key=key)
    for i, item in enumerate(items):
        pos[item] = i


def _crossings(layers: list[list[int]], down: list[list[int]], pos: list[int]) -> int:
    total = 0
    for lay in layers[:-1]:
        ends = sorted((pos[u], pos[v]) for u in lay for v in down[u])
        total += _inversions([v for _, v in ends])
    return total


def _inversions(seq: list[int]) -> int:
    """Pairs out of order, with a Fenwick tree: O(k log k) per layer gap."""
    size = max(seq, default=-1) + 2
    tree = [0] * (size + 1)
    inv = 0
    for seen, value in enumerate(seq):
        i = value + 1
        below = 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        inv += seen - below
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return inv


# --------------------------------------------------------------------- coordinates


def _pava(values: list[float]) -> list[float]:
    """Closest non-decreasing sequence (least squares): pool adjacent violators."""
    sums: list[float] = []
    counts: list[int] = []
    for value in values:
        sums.append(value)
        counts.append(1)
        while len(sums) > 1 and sums[-2] / counts[-2] > sums[-1] / counts[-1]:
            s, c = sums.pop(), counts.pop()
            sums[-1] += s
            counts[-1] += c
    out: list[float] = []
    for s, c in zip(sums, counts, strict=True):
        out.extend([s / c] * c)
    return out


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


@dataclass(slots=True)
class _Geometry:
    """Per-item sizes along the cross axis and where their ports are."""

    size: list[int]
    port: list[int]
    """Offset of the normal port from the item's top (cross) edge."""
    alt: list[int]
    """Offset of the port used by reversed edges, so they never share a cell."""
    gap: int


def _place(layers: list[list[int]], p: _Proper, geo: _Geometry) -> list[int]:
    """Cross coordinate (top edge) of every item."""
    top = [0] * len(p.item_layer)
    for lay in layers:
        at = 0
        for item in lay:
            top[item] = at
            at += geo.size[item] + geo.gap
    down_pass = (range(1, len(layers)), True, False)
    up_pass = (range(len(layers) - 2, -1, -1), False, True)
    both_pass = (range(len(layers)), True, True)
    for span, use_up, use_down in (down_pass, up_pass, down_pass, both_pass):
        for index in span:
            _align_layer(layers[index], top, p, geo, use_up, use_down)
    low = min(top, default=0)
    return [t - low + MARGIN for t in top]


def _align_layer(
    items: list[int], top: list[int], p: _Proper, geo: _Geometry, use_up: bool, use_down: bool
) -> None:
    if not items:
        return
    offsets: list[int] = []
    at = 0
    for item in items:
        offsets.append(at)
        at += geo.size[item] + geo.gap
    wanted: list[float] = []
    for item, off in zip(items, offsets, strict=True):
        near = (p.up[item] if use_up else []) + (p.down[item] if use_down else [])
        if near:
            centre = _median([top[x] + geo.port[x] for x in near]) - geo.port[item]
        else:
            centre = top[item]
        wanted.append(centre - off)
    for item, off, fit in zip(items, offsets, _pava(wanted), strict=True):
        top[item] = math.floor(fit + 0.5) + off


# ------------------------------------------------------------------------- routing


@dataclass(slots=True)
class _Segment:
    upper: int
    lower: int
    edge: int
    source: int
    """Cross coordinate where the segment leaves the upper item."""
    target: int
    """Cross coordinate where it enters the lower item."""


def _segments(p: _Proper, g: _Graph, top: list[int], geo: _Geometry) -> list[list[_Segment]]:
    """Segments grouped by the layer gap they cross."""
    gaps: list[list[_Segment]] = [[] for _ in range(max(p.item_layer, default=0) + 1)]
    for e_idx, path in enumerate(p.paths):
        ports = geo.alt if g.flipped[e_idx] else geo.port
        for u, v in pairwise(path):
            seg = _Segment(u, v, e_idx, top[u] + ports[u], top[v] + ports[v])
            gaps[p.item_layer[u]].append(seg)
    return gaps


Bundle = tuple[int, int]
"""Segments leaving one item from one port share a vertical track: (item, port)."""


def _assign_tracks(segs: list[_Segment]) -> dict[Bundle, int]:
    """Track index per bundle that needs a vertical run, tracks shared when possible.

    Preferred order: bundles going down right to left by source, bundles going up
    left to right, which keeps nested bundles from crossing. A bundle whose source
    row is another's target row must sit left of it, or their horizontal runs would
    overlap. Then each bundle takes the first track right of every earlier bundle
    whose rows it overlaps: the same crossings as one track each, far narrower.
    """
    bundles: dict[Bundle, list[_Segment]] = {}
    for seg in segs:
        bundles.setdefault((seg.upper, seg.source), []).append(seg)
    spans: dict[Bundle, tuple[int, int]] = {}
    for k, group in bundles.items():
        lo = min(k[1], *(s.target for s in group))
        hi = max(k[1], *(s.target for s in group))
        if lo != hi:
            spans[k] = (lo, hi)
    if not spans:
        return {}
    order = _preferred_order(bundles, spans)
    tracks: dict[Bundle, int] = {}
    placed: list[tuple[int, int, int]] = []
    for k in order:
        lo, hi = spans[k]
        track = 0
        for p_lo, p_hi, p_track in placed:
            if p_track >= track and lo <= p_hi + 1 and p_lo <= hi + 1:
                track = p_track + 1
        tracks[k] = track
        placed.append((lo, hi, track))
    return tracks


def _preferred_order(
    bundles: dict[Bundle, list[_Segment]], spans: dict[Bundle, tuple[int, int]]
) -> list[Bundle]:
    """Topological order of the left-of constraints, by preference; cycles cut."""
    keys: dict[Bundle, tuple[int, int, int]] = {}
    by_target: dict[int, list[Bundle]] = {}
    for k in spans:
        group = bundles[k]
        mean = sum(s.target for s in group) / len(group)
        keys[k] = (0, -k[1], k[0]) if mean > k[1] else (1, k[1], k[0])
        for s in group:
            by_target.setdefault(s.target, []).append(k)
    after: dict[Bundle, set[Bundle]] = {k: set() for k in spans}
    indeg = dict.fromkeys(spans, 0)
    for k in spans:
        for other in by_target.get(k[1], ()):
            if other != k and other not in after[k]:
                after[k].add(other)
                indeg[other] += 1
    ready = [(keys[k], k) for k, d in indeg.items() if d == 0]
    heapq.heapify(ready)
    left = set(keys)
    order: list[Bundle] = []
    while left:
        if not ready:
            k = min(left, key=keys.__getitem__)
            ready.append((keys[k], k))
        _, k = heapq.heappop(ready)
        if k not in left:
            continue
        left.discard(k)
        order.append(k)
        for other in after[k]:
            if other in left:
                indeg[other] -= 1
                if indeg[other] == 0:
                    heapq.heappush(ready, (keys[other], other))
    return order


class _Canvas:
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


def _route(
    canvas: _Canvas,
    p: _Proper,
    g: _Graph,
    gaps: list[list[_Segment]],
    tracks: list[dict[Bundle, int]],
    extent: list[int],
    start: list[int],
    box_end: list[int],
) -> None:
    """Draw every segment; `box_end` is where each node's box ends on the main axis."""
    for lay, segs in enumerate(gaps):
        if not segs:
            continue
        order = tracks[lay]
        lead = start[lay] + extent[lay]
        for seg in segs:
            track = order.get((seg.upper, seg.source))
            _route_segment(canvas, p, g, seg, lead, track, start[lay + 1], extent[lay + 1])
            if seg.upper < p.n:
                head = box_end[seg.upper]
                canvas.main_line(head, lead, seg.source, seg.edge)
                canvas.touch(head, seg.source, False, seg.edge)
                if g.flipped[seg.edge]:
                    canvas.arrows[canvas.at(head, seg.source)] = False


def _route_segment(
    canvas: _Canvas,
    p: _Proper,
    g: _Graph,
    seg: _Segment,
    lead: int,
    track: int | None,
    next_start: int,
    next_extent: int,
) -> None:
    e = seg.edge
    lower_is_node = seg.lower < p.n
    end = next_start - 1 if lower_is_node else next_start + next_extent - 1
    if track is None or seg.source == seg.target:
        canvas.main_line(lead, end, seg.source, e)
    else:
        m = lead + 1 + track
        canvas.main_line(lead, m, seg.source, e)
        canvas.cross_line(m, seg.source, seg.target, e)
        canvas.main_line(m, end, seg.target, e)
    if lower_is_node:
        canvas.touch(end, seg.target, True, e)
        if not g.flipped[e]:
            canvas.arrows[canvas.at(end, seg.target)] = True


# ------------------------------------------------------------------------ assembly


def _box_text(node_id: str, label: str) -> tuple[str, str, int]:
    """The id and label lines, cut to fit, and the inner width of the box."""
    title = _cut(node_id)
    sub = _cut(label)
    inner = max(len(title) + 2, len(sub), MIN_INNER)
    return title, sub, inner


def _cut(text: str) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def compute_layout(
    nodes: Sequence[str],
    labels: Mapping[str, str] | None,
    edges: Iterable[Edge],
    direction: Direction = "LR",
    *,
    sweeps: int = DEFAULT_SWEEPS,
) -> Layout:
    """Lay out a graph.

    `nodes` is the stable (file) order used for every tie-break; `labels` gives the
    second line of each box, usually the stage type. Edges naming an unknown stage
    are dropped rather than raised on: validation is the engine's job, the picture
    should still come out. Cycles are allowed and reported in `reversed_edges`.
    """
    labels = labels or {}
    g = _prepare(nodes, edges)
    n = len(g.ids)
    texts = [_box_text(node, labels.get(node, "")) for node in g.ids]
    box_w = [inner + 4 for _, _, inner in texts]
    layer = _layers(n, g.pairs)
    p = _proper(n, layer, g)
    layers, crossings = _order(p, sweeps)
    geo = _geometry(p, box_w, direction)
    top = _place(layers, p, geo)
    gaps = _segments(p, g, top, geo)
    tracks = [_assign_tracks(segs) for segs in gaps]
    extent, start = _main_axis(layers, p, box_w, direction, tracks)
    main_len = (start[-1] + extent[-1] + MARGIN) if layers else 0
    cross_len = max((top[i] + geo.size[i] for i in range(len(top))), default=-MARGIN) + MARGIN
    width, height = (main_len, cross_len) if direction == "LR" else (cross_len, main_len)
    canvas = _Canvas(width, height, direction, len(g.edges))
    ends = [start[layer[i]] + (box_w[i] if direction == "LR" else BOX_HEIGHT) for i in range(n)]
    _route(canvas, p, g, gaps, tracks, extent, start, ends)
    boxes = {
        g.ids[i]: _box(g.ids[i], i, layer[i], top[i], start, box_w, direction) for i in range(n)
    }
    layout = _paint(g, labels, boxes, texts, canvas, direction, (width, height), crossings)
    _link(layout, g)
    return layout


def _geometry(p: _Proper, box_w: list[int], direction: Direction) -> _Geometry:
    n = p.n
    count = len(p.item_layer)
    if direction == "LR":
        size = [BOX_HEIGHT] * n + [1] * (count - n)
        port = [1] * n + [0] * (count - n)
        alt = [2] * n + [0] * (count - n)
        return _Geometry(size, port, alt, 1)
    size = box_w + [1] * (count - n)
    port = [w // 2 for w in box_w] + [0] * (count - n)
    alt = [w // 2 + 2 for w in box_w] + [0] * (count - n)
    return _Geometry(size, port, alt, 2)


def _main_axis(
    layers: list[list[int]],
    p: _Proper,
    box_w: list[int],
    direction: Direction,
    tracks: list[dict[Bundle, int]],
) -> tuple[list[int], list[int]]:
    """Extent and start of each layer along the main axis, channels sized to fit."""
    extent = [
        max((box_w[i] for i in lay if i < p.n), default=1) if direction == "LR" else BOX_HEIGHT
        for lay in layers
    ]
    start: list[int] = []
    at = MARGIN
    min_channel = 4 if direction == "LR" else 3
    for lay in range(len(layers)):
        start.append(at)
        used = max(tracks[lay].values(), default=-1) + 1 if lay < len(tracks) else 0
        at += extent[lay] + max(min_channel, used + 3)
    return extent, start


def _box(
    node_id: str,
    i: int,
    layer: int,
    top: int,
    start: list[int],
    box_w: list[int],
    direction: Direction,
) -> NodeBox:
    if direction == "LR":
        return NodeBox(node_id, start[layer], top, box_w[i], BOX_HEIGHT, layer)
    return NodeBox(node_id, top, start[layer], box_w[i], BOX_HEIGHT, layer)


def _paint(
    g: _Graph,
    labels: Mapping[str, str],
    boxes: dict[str, NodeBox],
    texts: list[tuple[str, str, int]],
    canvas: _Canvas,
    direction: Direction,
    size: tuple[int, int],
    crossings: int,
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
    bits = canvas.bits
    rows = [
        bytes(bits[y * width : (y + 1) * width]).decode("latin-1").translate(_BITS_TO_CHARS)
        for y in range(height)
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
    cycle_edges = _cycle_edges(g) if reversed_edges else frozenset()
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
        _owner=canvas.owner,
        _owner_sets=owner_sets,
        _box_spans=box_spans,
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


def _row_spans(layout: Layout, y: int) -> tuple[Span, ...]:
    """Runs of cells with one owner on a row: each becomes one styled segment."""
    width = layout.width
    owner_sets = layout._owner_sets
    spans = list(layout._box_spans[y])
    x = 0
    for code, run in groupby(layout._owner[y * width : (y + 1) * width]):
        length = len(list(run))
        if code != -1:
            edges = (code,) if code >= 0 else owner_sets[-2 - code]
            spans.append(Span(x, x + length, None, edges))
        x += length
    spans.sort(key=lambda span: span.start)
    return tuple(spans)


def _link(layout: Layout, g: _Graph) -> None:
    """Parent and child lists in screen order, for keyboard navigation."""
    boxes = layout.nodes
    across_lr = layout.direction == "LR"
    order = {
        node: (box.y, box.x, i) if across_lr else (box.x, box.y, i)
        for i, (node, box) in enumerate(boxes.items())
    }
    screen_order = order.__getitem__

    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for up, down in g.edges:
        if up != down:
            children.setdefault(up, []).append(down)
            parents.setdefault(down, []).append(up)
    layout._parents = {k: sorted(v, key=screen_order) for k, v in parents.items()}
    layout._children = {k: sorted(v, key=screen_order) for k, v in children.items()}


# ---------------------------------------------------------------------- navigation


def nearest_in_direction(layout: Layout, from_id: str, direction: Heading) -> str | None:
    """The stage a person means by "the one to the left/right/above/below".

    Moves go by layer and position, not by pixel centre: along the layout's
    main axis (right/left in a left-to-right layout, down/up top-to-bottom) the
    arrow goes to the next (or previous) layer that has stages, to the one whose
    position across the layers is closest; across the axis it goes to the
    neighbour in the same layer. Two boxes whose centres differ by one cell are
    still "in line". Ties go to file order.
    """
    origin = layout.nodes.get(from_id)
    if origin is None:
        return None
    along = ("right", "left") if layout.direction == "LR" else ("down", "up")

    def cross(box: NodeBox) -> float:
        return box.cy if layout.direction == "LR" else box.cx

    boxes = list(layout.nodes.values())
    if direction in along:
        step = 1 if direction == along[0] else -1
        layers = [b.layer for b in boxes if (b.layer - origin.layer) * step > 0]
        if not layers:
            return None
        target = min(layers) if step > 0 else max(layers)
        candidates = [b for b in boxes if b.layer == target]
        best = min(
            range(len(candidates)),
            key=lambda i: (abs(cross(candidates[i]) - cross(origin)), i),
        )
        return candidates[best].id
    step = 1 if direction in ("down", "right") else -1
    same = [b for b in boxes if b.layer == origin.layer and b.id != from_id]
    ahead = [b for b in same if (cross(b) - cross(origin)) * step > 0]
    if not ahead:
        return None
    return min(ahead, key=lambda b: abs(cross(b) - cross(origin))).id
