"""Layers and the order within them: the first half of a Sugiyama layout.

1. **Cycle breaking.** A depth-first search in file order turns every back edge
   round, so the drawing can flow one way; the engine's graph says which edges
   lie on a cycle (for colouring), this only decides which one to draw backwards.
2. **Layering.** Longest path from the sources, then every source with children is
   pulled next to its first child so it does not trail a long edge across the page.
3. **Dummy nodes.** An edge spanning several layers is cut into one segment per
   layer gap, with a one-cell dummy in every layer it crosses.
4. **Crossing reduction.** A few barycentre sweeps down and up; the ordering with
   the fewest crossings wins. Ties always fall back to file order, so the same
   graph always gives the same picture.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from workbench.app.graphdraw.model import Edge


@dataclass(slots=True)
class FlowGraph:
    """The input reduced to integer ids, with cycles broken."""

    ids: list[str]
    edges: list[Edge]
    pairs: list[tuple[int, int]]
    """Per edge, (upper, lower) node indices in layout direction (-1, -1 for self-loops)."""
    flipped: list[bool]
    """Per edge, whether it runs against the layout direction (a cycle's back edge)."""


def prepare(nodes: Sequence[str], edges: Iterable[Edge]) -> FlowGraph:
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
    return FlowGraph(ids, kept, pairs, flipped)


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


def assign_layers(n: int, pairs: list[tuple[int, int]]) -> list[int]:
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


@dataclass(slots=True)
class ProperGraph:
    """The layered graph with dummies: items are nodes (< n) or dummies (>= n)."""

    n: int
    item_layer: list[int]
    item_rank: list[int]
    """Tie-break key: file order for nodes, after all nodes by edge order for dummies."""
    paths: list[list[int]]
    """Per edge, the items it passes through in layout direction (empty for self-loops)."""
    up: list[list[int]]
    down: list[list[int]]


def proper_graph(n: int, layer: list[int], g: FlowGraph) -> ProperGraph:
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
    return ProperGraph(n, item_layer, item_rank, paths, up, down)


def order_layers(p: ProperGraph, sweeps: int) -> tuple[list[list[int]], int]:
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
