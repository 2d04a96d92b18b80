"""Routing edges between layers: segments, tracks and the lines drawn for them.

Every segment is an orthogonal route: out of the parent, along its track, into
the child with an arrowhead. Each gap between layers gets one vertical track (in
a left-to-right layout) per bundle of segments that share a line.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from itertools import pairwise

from workbench.app.graphdraw.grid import Canvas
from workbench.app.graphdraw.layering import FlowGraph, ProperGraph
from workbench.app.graphdraw.placement import Geometry


@dataclass(slots=True)
class Segment:
    upper: int
    lower: int
    edge: int
    source: int
    """Cross coordinate where the segment leaves the upper item."""
    target: int
    """Cross coordinate where it enters the lower item."""


def segments_by_gap(
    p: ProperGraph, g: FlowGraph, top: list[int], geo: Geometry
) -> list[list[Segment]]:
    """Segments grouped by the layer gap they cross."""
    gaps: list[list[Segment]] = [[] for _ in range(max(p.item_layer, default=0) + 1)]
    for e_idx, path in enumerate(p.paths):
        ports = geo.alt if g.flipped[e_idx] else geo.port
        for u, v in pairwise(path):
            seg = Segment(u, v, e_idx, top[u] + ports[u], top[v] + ports[v])
            gaps[p.item_layer[u]].append(seg)
    return gaps


Bundle = tuple[int, int]
"""Segments leaving one item from one port share a vertical track: (item, port)."""


def assign_tracks(segs: list[Segment]) -> dict[Bundle, int]:
    """Track index per bundle that needs a vertical run, tracks shared when possible.

    Preferred order: bundles going down right to left by source, bundles going up
    left to right, which keeps nested bundles from crossing. A bundle whose source
    row is another's target row must sit left of it, or their horizontal runs would
    overlap. Then each bundle takes the first track right of every earlier bundle
    whose rows it overlaps: the same crossings as one track each, far narrower.
    """
    bundles: dict[Bundle, list[Segment]] = {}
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
    bundles: dict[Bundle, list[Segment]], spans: dict[Bundle, tuple[int, int]]
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


def route(
    canvas: Canvas,
    p: ProperGraph,
    g: FlowGraph,
    gaps: list[list[Segment]],
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
    canvas: Canvas,
    p: ProperGraph,
    g: FlowGraph,
    seg: Segment,
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
