"""Where each item sits across the layers (step 5 of the layout).

Along the cross axis items are pulled towards the median of their neighbours,
subject to the order and the minimum gaps (isotonic regression, so each pass is
linear).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.app.graphdraw.layering import ProperGraph
from workbench.app.graphdraw.model import MARGIN


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
class Geometry:
    """Per-item sizes along the cross axis and where their ports are."""

    size: list[int]
    port: list[int]
    """Offset of the normal port from the item's top (cross) edge."""
    alt: list[int]
    """Offset of the port used by reversed edges, so they never share a cell."""
    gap: int


def place(layers: list[list[int]], p: ProperGraph, geo: Geometry) -> list[int]:
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
    items: list[int], top: list[int], p: ProperGraph, geo: Geometry, use_up: bool, use_down: bool
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
