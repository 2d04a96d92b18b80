"""Routing edges between layers: segments, tracks and the lines drawn for them.

Every segment is an orthogonal route: out of the parent, along its track, into
the child with an arrowhead. Each gap between layers gets one vertical track (in
a left-to-right layout) per bundle of segments that share a line.

So that each edge can be followed by eye, edges into a stage with several parents
meet in one junction of that stage's own (one arrowhead per stage, however many
parents), a parent that feeds several stages forks before it reaches any
junction, and lines that only cross are drawn as a crossing, never as `┼` (see
:mod:`.grid`). One case stays open to misreading: a parent that feeds two stages
which both have other parents joins both junctions, so its line passes through
the first; selecting a stage colours its own edges, which settles it.
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


Bundle = tuple[int, int, int]
"""Segments that share one line across a gap: ``(FAN_OUT, item, port)`` for the
segments leaving one port, ``(FAN_IN, item, port)`` for those entering one."""

FAN_OUT, FAN_IN = 0, 1


def bundles_of(segs: list[Segment]) -> list[Bundle]:
    """Which line each segment of a gap joins: a junction per target for fan-in.

    Edges into a stage that has several parents in this gap share one line (the
    target's junction): every line that joins it goes into that stage and nowhere
    else, so each edge can be followed. The other edges leave their parent on the
    parent's line, which forks towards each child (a fan-out); a parent whose only
    edge here enters a fan-in joins the target's line directly.
    """
    fan_in: dict[tuple[int, int], int] = {}
    fan_out: dict[tuple[int, int], int] = {}
    for seg in segs:
        fan_in[seg.lower, seg.target] = fan_in.get((seg.lower, seg.target), 0) + 1
        fan_out[seg.upper, seg.source] = fan_out.get((seg.upper, seg.source), 0) + 1
    return [
        (FAN_IN, seg.lower, seg.target)
        if fan_in[seg.lower, seg.target] > 1 or fan_out[seg.upper, seg.source] == 1
        else (FAN_OUT, seg.upper, seg.source)
        for seg in segs
    ]


def assign_tracks(segs: list[Segment]) -> list[int | None]:
    """Per segment, the track of its bundle's cross-axis run (None: a straight line).

    Bundles that need a run get tracks, shared when possible. Preferred order:
    bundles going down right to left by their single end (a fan-out's source, a
    fan-in's target), bundles going up left to right, which keeps nested bundles
    from crossing. Hard rules, so that lines never run along each other: a bundle
    whose source row is another's target row sits left of it, and a parent's own
    fan-out sits left of any fan-in it joins (its line then ends in the junction,
    and nothing that merges there can be read as going on to the parent's other
    children). Each bundle then takes the first track right of every earlier
    bundle whose rows it overlaps: the same crossings as one track each, far narrower.
    """
    keys = bundles_of(segs)
    members: dict[Bundle, list[Segment]] = {}
    for key, seg in zip(keys, segs, strict=True):
        members.setdefault(key, []).append(seg)
    spans: dict[Bundle, tuple[int, int]] = {}
    for k, group in members.items():
        rows = [s.source for s in group] + [s.target for s in group]
        lo, hi = min(rows), max(rows)
        if lo != hi:
            spans[k] = (lo, hi)
    if not spans:
        return [None] * len(segs)
    order = _preferred_order(members, spans)
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
    return [tracks.get(k) for k in keys]


def _preferred_order(
    members: dict[Bundle, list[Segment]], spans: dict[Bundle, tuple[int, int]]
) -> list[Bundle]:
    """Topological order of the left-of rules, by preference; cycles cut."""
    keys: dict[Bundle, tuple[int, int, int, int]] = {}
    by_target: dict[int, list[Bundle]] = {}
    sources: dict[int, list[Bundle]] = {}
    for k in spans:
        group = members[k]
        kind, item, port = k
        if kind == FAN_OUT:
            down = sum(s.target for s in group) > port * len(group)
        else:
            down = sum(s.source for s in group) < port * len(group)
        keys[k] = (0, -port, kind, item) if down else (1, port, kind, item)
        for s in group:
            by_target.setdefault(s.target, []).append(k)
            sources.setdefault(s.source, []).append(k)
    after: dict[Bundle, set[Bundle]] = {k: set() for k in spans}
    indeg = dict.fromkeys(spans, 0)

    def must_precede(k: Bundle, other: Bundle) -> None:
        if other != k and other not in after[k]:
            after[k].add(other)
            indeg[other] += 1

    for k in spans:
        for row in {s.source for s in members[k]}:
            for other in by_target.get(row, ()):
                must_precede(k, other)
        if k[0] == FAN_OUT:
            for other in sources.get(k[2], ()):
                if other[0] == FAN_IN and any(s.upper == k[1] for s in members[other]):
                    must_precede(k, other)
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
    tracks: list[list[int | None]],
    extent: list[int],
    start: list[int],
    box_end: list[int],
) -> None:
    """Draw every segment; `box_end` is where each node's box ends on the main axis."""
    for lay, segs in enumerate(gaps):
        if not segs:
            continue
        lead = start[lay] + extent[lay]
        for seg, track in zip(segs, tracks[lay], strict=True):
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
        canvas.turns.add(canvas.at(m, seg.source))
        canvas.turns.add(canvas.at(m, seg.target))
    if lower_is_node:
        canvas.touch(end, seg.target, True, e)
        if not g.flipped[e]:
            canvas.arrows[canvas.at(end, seg.target)] = True
