"""The dependency graph of a pipeline: order, layers, cycles, reachability, critical path.

Nodes are kept as integers in file order, so the topological order breaks ties by
file order (a ready heap of indices): a file whose order already respects its
dependencies runs in exactly that order. Order, layers and any cycle are
computed when the graph is built (for such a file in one pass over the edges, else
in one Kahn pass); the lists of children and parents on first use, which plain
validation never needs. The graph is immutable afterwards.
"""

from __future__ import annotations

import heapq
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


@dataclass(frozen=True, slots=True)
class CriticalPath:
    """The longest chain by estimated seconds, and its total."""

    stages: tuple[str, ...]
    seconds: float


class DependencyGraph:
    """An immutable DAG (or a graph with a cycle, which it reports) over stage ids.

    ``edges`` are ``(before, after)`` pairs: ``after`` depends on ``before``.
    Every edge must name known nodes; a pipeline checks its references before it
    builds a graph, so unknown names never slip in silently.
    """

    __slots__ = (
        "_children",
        "_dst",
        "_index",
        "_layer_of",
        "_order_index",
        "_parents",
        "_src",
        "cycle",
        "edges",
        "layers",
        "nodes",
        "order",
    )

    def __init__(self, nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> None:
        self.nodes: tuple[str, ...] = tuple(nodes)
        n = len(self.nodes)
        index = dict(zip(self.nodes, range(n), strict=True))
        if len(index) != n:
            names: set[str] = set()
            dup = next(x for x in self.nodes if x in names or names.add(x))  # type: ignore[func-returns-value]
            raise ValueError(f"stage id {dup!r} appears twice")
        self._index = index
        pairs = edges if isinstance(edges, (list, tuple)) else list(edges)
        if len(set(pairs)) != len(pairs):
            pairs = list(dict.fromkeys(pairs))  # the first of each repeated edge, in order
        self.edges: tuple[tuple[str, str], ...] = tuple(pairs)
        # map() with a bound __getitem__ and itemgetter runs in C, with no tuple of
        # 40,000 arguments in between; an unknown name raises KeyError.
        number = index.__getitem__
        src = list(map(number, map(_first, pairs)))
        dst = list(map(number, map(_second, pairs)))
        self._src = src
        self._dst = dst
        self._children: list[list[int]] | None = None
        self._parents: list[list[int]] | None = None
        nodes_t = self.nodes
        forward = all(map(operator.lt, src, dst))
        if forward and all(map(operator.le, dst, dst[1:])):
            # The usual file: every stage after what it depends on, edges grouped by the
            # dependent stage. File order is then the order, and one pass over the edges
            # gives each stage its layer (its parents' layers are final by then). The
            # lists of children and parents wait for someone to ask (validation never does).
            layer_of = [0] * n
            for a, b in zip(src, dst, strict=True):
                if layer_of[b] <= layer_of[a]:
                    layer_of[b] = layer_of[a] + 1
            order_index: list[int] = list(range(n))
        elif forward:  # file order is still an order: one pass, parents before children
            layer_of = [0] * n
            for i, kids in enumerate(self._child_lists()):
                below = layer_of[i] + 1
                for c in kids:
                    if layer_of[c] < below:
                        layer_of[c] = below
            order_index = list(range(n))
        else:
            # The children lists and the in-degrees Kahn needs, in one pass over the edges.
            children: list[list[int]] = [[] for _ in range(n)]
            indegree = [0] * n
            for a, b in zip(src, dst, strict=True):
                children[a].append(b)
                indegree[b] += 1
            self._children = children
            order_index, layer_of = _kahn(n, indegree, children)
        self._order_index = order_index
        self.order: list[str] = [nodes_t[i] for i in order_index]
        self._layer_of = layer_of
        self.layers = _layers(order_index, layer_of, nodes_t)
        self.cycle: tuple[str, ...] | None = None
        if len(order_index) < n:
            child_lists = self._child_lists()
            self.cycle = tuple(nodes_t[i] for i in _find_cycle(n, child_lists, layer_of))

    def _child_lists(self) -> list[list[int]]:
        """Each node's children by number: built once, on first use."""
        if self._children is None:
            children: list[list[int]] = [[] for _ in self.nodes]
            for a, b in zip(self._src, self._dst, strict=True):
                children[a].append(b)
            self._children = children
        return self._children

    def _parent_lists(self) -> list[list[int]]:
        """Each node's parents by number: built once, on first use."""
        if self._parents is None:
            parents: list[list[int]] = [[] for _ in self.nodes]
            for a, b in zip(self._src, self._dst, strict=True):
                parents[b].append(a)
            self._parents = parents
        return self._parents

    # -- basic queries -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, node: object) -> bool:
        return node in self._index

    @property
    def has_cycle(self) -> bool:
        return self.cycle is not None

    def parents(self, node: str) -> list[str]:
        return [self.nodes[i] for i in self._parent_lists()[self._index[node]]]

    def children(self, node: str) -> list[str]:
        return [self.nodes[i] for i in self._child_lists()[self._index[node]]]

    def layer_of(self, node: str) -> int | None:
        """The node's layer, or None for a node on or behind a cycle."""
        layer = self._layer_of[self._index[node]]
        return layer if layer >= 0 else None

    def upstream(self, node: str) -> set[str]:
        """Every stage that ``node`` depends on, directly or not."""
        return {self.nodes[i] for i in _reach(self._index[node], self._parent_lists())}

    def downstream(self, node: str) -> set[str]:
        """Every stage that depends on ``node``, directly or not."""
        return {self.nodes[i] for i in _reach(self._index[node], self._child_lists())}

    def cycle_edges(self) -> frozenset[tuple[str, str]]:
        """Every edge that lies on some cycle (both ends in one strongly connected part).

        :attr:`cycle` names one cycle for the error message; a picture of the graph
        colours every edge that goes round. Free for an acyclic graph; otherwise one
        pass over the stages Kahn's order could not place, since every cycle is there.
        """
        if self.cycle is None:
            return frozenset()
        stuck = [i for i, layer in enumerate(self._layer_of) if layer < 0]
        part = _strong_parts(stuck, self._child_lists(), self._parent_lists())
        nodes = self.nodes
        return frozenset(
            (nodes[a], nodes[b])
            for a, b in zip(self._src, self._dst, strict=True)
            if a in part and part[a] == part.get(b)
        )

    def is_ordered(self, a: str, b: str) -> bool:
        """True when one of the two must run before the other."""
        return b in self.downstream(a) or a in self.downstream(b)

    def subgraph_order(self, keep: set[str]) -> list[str]:
        return [node for node in self.order if node in keep]

    # -- for the runner: the graph by node number (file position); do not mutate -------------
    @property
    def index(self) -> Mapping[str, int]:
        """Node -> its number (its position in :attr:`nodes`)."""
        return self._index

    @property
    def order_index(self) -> list[int]:
        """:attr:`order` as node numbers."""
        return self._order_index

    @property
    def child_index(self) -> list[list[int]]:
        """Each node's children, by node number."""
        return self._child_lists()

    @property
    def parent_index(self) -> list[list[int]]:
        """Each node's parents, by node number."""
        return self._parent_lists()

    # -- weighted --------------------------------------------------------------------------
    def critical_path(self, seconds: Mapping[str, float | None]) -> CriticalPath:
        """The longest chain through the graph by estimated seconds (unknown counts as 0)."""
        if not self.order:
            return CriticalPath((), 0.0)
        index = self._index
        parents = self._parent_lists()
        best: dict[int, tuple[float, int]] = {}
        """node -> (seconds, stages) of the longest chain ending there; more stages wins ties."""
        via: dict[int, int] = {}
        for node in self.order:
            i = index[node]
            own = seconds.get(node) or 0.0
            start, came = (0.0, 0), -1
            for p in parents[i]:
                if p in best and best[p] > start:
                    start, came = best[p], p
            best[i] = (start[0] + own, start[1] + 1)
            if came >= 0:
                via[i] = came
        end = max(best, key=lambda i: (best[i], -i))
        path = [end]
        while path[-1] in via:
            path.append(via[path[-1]])
        return CriticalPath(tuple(self.nodes[i] for i in reversed(path)), best[end][0])

    def to_json(self) -> dict[str, object]:
        return {
            "order": list(self.order),
            "layers": [list(layer) for layer in self.layers],
            "edges": [list(edge) for edge in self.edges],
            "cycle": list(self.cycle) if self.cycle else None,
        }


def _kahn(n: int, indegree: list[int], children: list[list[int]]) -> tuple[list[int], list[int]]:
    """Topological order (ties by file order) and each node's layer (-1 on or behind a cycle).

    Consumes ``indegree``.
    """
    ready = [i for i in range(n) if not indegree[i]]  # already a heap: ascending
    layer_of = [-1] * n
    for i in ready:
        layer_of[i] = 0
    order: list[int] = []
    push, pop, append = heapq.heappush, heapq.heappop, order.append
    while ready:
        i = pop(ready)
        append(i)
        next_layer = layer_of[i] + 1
        for c in children[i]:
            if layer_of[c] < next_layer:
                layer_of[c] = next_layer
            left = indegree[c] - 1
            indegree[c] = left
            if not left:
                push(ready, c)
    if len(order) < n:
        done = set(order)
        for i in range(n):
            if i not in done:
                layer_of[i] = -1
    return order, layer_of


def _layers(order: list[int], layer_of: list[int], names: tuple[str, ...]) -> list[list[str]]:
    """The names of each layer, in order."""
    layers: list[list[str]] = [[] for _ in range(max(layer_of, default=-1) + 1)]
    for i in order:
        layers[layer_of[i]].append(names[i])
    return layers


def _find_cycle(n: int, children: list[list[int]], layer_of: list[int]) -> list[int]:
    """One cycle among the nodes Kahn could not order, in edge order, first node repeated."""
    remaining = [layer_of[i] < 0 for i in range(n)]
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    for root in range(n):
        if not remaining[root] or state[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = [root]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            kids = children[node]
            if k < len(kids):
                stack[-1] = (node, k + 1)
                child = kids[k]
                if not remaining[child]:
                    continue
                if state[child] == 1:
                    start = path.index(child)
                    return [*path[start:], child]
                if state[child] == 0:
                    state[child] = 1
                    stack.append((child, 0))
                    path.append(child)
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return []


def _reach(start: int, adjacency: list[list[int]]) -> set[int]:
    seen: set[int] = set()
    todo = list(adjacency[start])
    while todo:
        i = todo.pop()
        if i not in seen:
            seen.add(i)
            todo.extend(adjacency[i])
    return seen


def _strong_parts(
    among: list[int], children: list[list[int]], parents: list[list[int]]
) -> dict[int, int]:
    """Strongly connected parts of the nodes ``among`` (Kosaraju, iterative): node -> part.

    Edges leaving ``among`` are ignored; the caller passes a set closed under cycles.
    """
    inside = set(among)
    finished: list[int] = []
    seen: set[int] = set()
    for root in among:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(children[root]))]
        while stack:
            node, it = stack[-1]
            for child in it:
                if child in inside and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(children[child])))
                    break
            else:
                finished.append(node)
                stack.pop()
    part: dict[int, int] = {}
    for root in reversed(finished):
        if root in part:
            continue
        part[root] = root
        todo = [root]
        while todo:
            node = todo.pop()
            for parent in parents[node]:
                if parent in inside and parent not in part:
                    part[parent] = root
                    todo.append(parent)
    return part
