"""Layered layout of a stage graph on a character grid.

This package is pure Python on purpose: it imports neither Textual nor Rich (an
import-linter contract keeps it so), so the layout can be tested and benchmarked
on its own and the widget only has to paint what is computed here.

The method is the classic Sugiyama pipeline, kept small, one module per step:
:mod:`.layering` breaks cycles, assigns layers, adds dummies and orders each
layer; :mod:`.placement` places items across the layers; :mod:`.routing` gives
every edge an orthogonal route through the gaps; :mod:`.grid` draws lines, boxes
and arrowheads as characters. Along the main axis each layer gets the width of
its widest box and each gap between layers one track per bundle of edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workbench.app.graphdraw.grid import Canvas, box_text, paint
from workbench.app.graphdraw.layering import (
    ProperGraph,
    assign_layers,
    order_layers,
    prepare,
    proper_graph,
)
from workbench.app.graphdraw.model import BOX_HEIGHT, MARGIN, Direction, Edge, Layout, NodeBox
from workbench.app.graphdraw.placement import Geometry, place
from workbench.app.graphdraw.routing import assign_tracks, route, segments_by_gap
from workbench.engine.graph import DependencyGraph

DEFAULT_SWEEPS = 4
"""Barycentre down+up sweeps; more rarely pays off on pipeline-shaped graphs."""


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
    g = prepare(nodes, edges)
    n = len(g.ids)
    texts = [box_text(node, labels.get(node, "")) for node in g.ids]
    box_w = [inner + 4 for _, _, inner in texts]
    layer = assign_layers(n, g.pairs)
    p = proper_graph(n, layer, g)
    layers, crossings = order_layers(p, sweeps)
    geo = _geometry(p, box_w, direction)
    top = place(layers, p, geo)
    gaps = segments_by_gap(p, g, top, geo)
    tracks = [assign_tracks(segs) for segs in gaps]
    extent, start = _main_axis(layers, p, box_w, direction, tracks)
    main_len = (start[-1] + extent[-1] + MARGIN) if layers else 0
    cross_len = max((top[i] + geo.size[i] for i in range(len(top))), default=-MARGIN) + MARGIN
    width, height = (main_len, cross_len) if direction == "LR" else (cross_len, main_len)
    canvas = Canvas(width, height, direction, len(g.edges))
    ends = [start[layer[i]] + (box_w[i] if direction == "LR" else BOX_HEIGHT) for i in range(n)]
    route(canvas, p, g, gaps, tracks, extent, start, ends)
    boxes = {
        g.ids[i]: _box(g.ids[i], i, layer[i], top[i], start, box_w, direction) for i in range(n)
    }
    graph = DependencyGraph(g.ids, g.edges)
    return paint(g, labels, boxes, texts, canvas, direction, (width, height), crossings, graph)


def _geometry(p: ProperGraph, box_w: list[int], direction: Direction) -> Geometry:
    n = p.n
    count = len(p.item_layer)
    if direction == "LR":
        size = [BOX_HEIGHT] * n + [1] * (count - n)
        port = [1] * n + [0] * (count - n)
        alt = [2] * n + [0] * (count - n)
        return Geometry(size, port, alt, 1)
    size = box_w + [1] * (count - n)
    port = [w // 2 for w in box_w] + [0] * (count - n)
    alt = [w // 2 + 2 for w in box_w] + [0] * (count - n)
    return Geometry(size, port, alt, 2)


def _main_axis(
    layers: list[list[int]],
    p: ProperGraph,
    box_w: list[int],
    direction: Direction,
    tracks: list[list[int | None]],
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
        used = (
            max((t for t in tracks[lay] if t is not None), default=-1) + 1
            if lay < len(tracks)
            else 0
        )
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
