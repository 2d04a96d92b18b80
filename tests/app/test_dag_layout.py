"""The graph layout: geometry, routes, cycles, determinism and navigation."""

from __future__ import annotations

import random
import subprocess
import sys
from itertools import combinations

import pytest

from workbench.app.graphdraw import (
    SELF_LOOP_MARK,
    Direction,
    Edge,
    Layout,
    compute_layout,
    nearest_in_direction,
)

PIPELINE_NODES = ["load", "check", "enrich", "summary", "report", "notify", "cleanup"]
PIPELINE_LABELS = {
    "load": "files.load",
    "check": "validate.schema",
    "enrich": "http.fetch",
    "summary": "transform.call",
    "report": "files.write",
    "notify": "http.post",
    "cleanup": "lifecycle.cleanup",
}
PIPELINE_EDGES: list[Edge] = [
    ("load", "check"),
    ("load", "enrich"),
    ("check", "summary"),
    ("enrich", "summary"),
    ("summary", "report"),
    ("report", "notify"),
    ("load", "report"),
    ("check", "cleanup"),
    ("notify", "cleanup"),
]

LINE_NEIGHBOURS = {
    # character -> the (dx, dy) directions it connects
    "─": {(1, 0), (-1, 0)},
    "│": {(0, 1), (0, -1)},
    "┌": {(1, 0), (0, 1)},
    "┐": {(-1, 0), (0, 1)},
    "└": {(1, 0), (0, -1)},
    "┘": {(-1, 0), (0, -1)},
    "├": {(0, -1), (0, 1), (1, 0)},
    "┤": {(0, -1), (0, 1), (-1, 0)},
    "┬": {(-1, 0), (1, 0), (0, 1)},
    "┴": {(-1, 0), (1, 0), (0, -1)},
    "┼": {(-1, 0), (1, 0), (0, -1), (0, 1)},
    "▶": {(-1, 0), (1, 0)},
    "◀": {(-1, 0), (1, 0)},
    "▼": {(0, -1), (0, 1)},
    "▲": {(0, -1), (0, 1)},
}


def random_dag(stages: int, seed: int) -> tuple[list[str], list[Edge]]:
    rng = random.Random(seed)
    nodes = [f"s{i}" for i in range(stages)]
    edges = [
        (nodes[rng.randrange(i)], nodes[i])
        for i in range(1, stages)
        for _ in range(rng.randint(1, 3))
    ]
    return nodes, edges


def edge_cells(layout: Layout, index: int) -> set[tuple[int, int]]:
    return {cell for cell, owners in layout.cell_edges().items() if index in owners}


def char(layout: Layout, x: int, y: int) -> str:
    return layout.rows[y][x]


def assert_route_connects(layout: Layout, index: int) -> None:
    """Walk the edge's own cells from its parent's box and reach its child's box."""
    up, down = layout.edges[index]
    cells = edge_cells(layout, index)
    assert cells, f"edge {up}->{down} has no cells"
    parent, child = layout.nodes[up], layout.nodes[down]

    def touches(box_id: str, cell: tuple[int, int]) -> bool:
        box = layout.nodes[box_id]
        x, y = cell
        return any(box.contains(x + dx, y + dy) for dx, dy in LINE_NEIGHBOURS[char(layout, x, y)])

    start = [c for c in cells if touches(parent.id, c)]
    assert start, f"edge {up}->{down} never leaves its parent"
    seen = set(start)
    todo = list(start)
    while todo:
        x, y = todo.pop()
        for dx, dy in LINE_NEIGHBOURS[char(layout, x, y)]:
            nxt = (x + dx, y + dy)
            if nxt in cells and nxt not in seen:
                back = LINE_NEIGHBOURS[char(layout, *nxt)]
                if (-dx, -dy) in back:
                    seen.add(nxt)
                    todo.append(nxt)
    assert any(touches(child.id, c) for c in seen), f"edge {up}->{down} never reaches its child"
    assert seen == cells, f"edge {up}->{down} has cells off its route"


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_every_edge_route_connects_its_boxes(direction: Direction) -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES, direction)
    for index in range(len(layout.edges)):
        assert_route_connects(layout, index)


@pytest.mark.parametrize("seed", range(5))
def test_routes_connect_on_random_graphs(seed: int) -> None:
    nodes, edges = random_dag(40, seed)
    for direction in ("LR", "TB"):
        layout = compute_layout(nodes, {}, edges, direction)  # type: ignore[arg-type]
        for index in range(len(layout.edges)):
            assert_route_connects(layout, index)


def test_arrowhead_points_into_the_child() -> None:
    layout = compute_layout(["a", "b"], {}, [("a", "b")])
    box = layout.nodes["b"]
    assert char(layout, box.x - 1, box.y + 1) == "▶"
    tb = compute_layout(["a", "b"], {}, [("a", "b")], "TB")
    box = tb.nodes["b"]
    assert char(tb, box.x + box.w // 2, box.y - 1) == "▼"


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_boxes_never_overlap_and_stay_on_the_canvas(direction: Direction) -> None:
    nodes, edges = random_dag(80, 3)
    layout = compute_layout(nodes, {n: "transform.call" for n in nodes}, edges, direction)
    for box in layout.nodes.values():
        assert box.x >= 0 and box.x + box.w <= layout.width
        assert box.y >= 0 and box.y + box.h <= layout.height
    for a, b in combinations(layout.nodes.values(), 2):
        apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
        assert apart, f"{a.id} overlaps {b.id}"


def test_rows_are_the_canvas_size() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    assert len(layout.rows) == layout.height
    assert {len(row) for row in layout.rows} == {layout.width}


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_layers_respect_edges(direction: Direction) -> None:
    nodes, edges = random_dag(60, 11)
    layout = compute_layout(nodes, {}, edges, direction)
    for up, down in layout.edges:
        a, b = layout.nodes[up], layout.nodes[down]
        assert a.layer < b.layer
        if direction == "LR":
            assert a.x + a.w < b.x
        else:
            assert a.y + a.h < b.y


def test_boxes_show_id_and_label() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    box = layout.nodes["check"]
    assert layout.rows[box.y][box.x] == "╭"
    assert layout.rows[box.y + 1][box.x : box.x + box.w].startswith("│ check")
    assert "validate.schema" in layout.rows[box.y + 2][box.x : box.x + box.w]
    assert layout.rows[box.y + 1][box.mark_x] == " "


def test_long_names_are_cut() -> None:
    name = "a_really_long_stage_identifier_that_goes_on"
    layout = compute_layout([name], {name: "x"}, [])
    box = layout.nodes[name]
    assert box.w < len(name)
    assert "…" in layout.rows[box.y + 1]


def test_crossing_reduction_beats_file_order() -> None:
    # File order puts the children in the opposite order of their parents.
    nodes = ["a", "b", "c", "z", "y", "x"]
    edges = [("a", "x"), ("b", "y"), ("c", "z")]
    naive = compute_layout(nodes, {}, edges, sweeps=0)
    reduced = compute_layout(nodes, {}, edges)
    assert naive.crossings == 3
    assert reduced.crossings == 0
    ys = [reduced.nodes[n].y for n in ("x", "y", "z")]
    assert ys == sorted(ys)


def test_crossings_never_worse_than_naive_on_random_graphs() -> None:
    for seed in range(5):
        nodes, edges = random_dag(60, seed)
        naive = compute_layout(nodes, {}, edges, sweeps=0).crossings
        assert compute_layout(nodes, {}, edges).crossings <= naive


def test_cycles_are_laid_out_and_reported() -> None:
    nodes = ["a", "b", "c", "d"]
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "d")]
    layout = compute_layout(nodes, {}, edges)
    assert layout.reversed_edges == {("c", "a"), ("d", "d")}
    assert layout.cycle_edges == {("a", "b"), ("b", "c"), ("c", "a"), ("d", "d")}
    assert set(layout.nodes) == set(nodes)
    back = layout.edges.index(("c", "a"))
    assert_route_connects(layout, back)
    box = layout.nodes["a"]
    assert "◀" in layout.rows[box.y + 2]
    loop = layout.nodes["d"]
    assert layout.rows[loop.y][loop.x + loop.w] == SELF_LOOP_MARK
    assert layout.cycle_edge_indices == {layout.edges.index(e) for e in layout.cycle_edges}


def test_acyclic_graph_reports_no_cycles() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    assert layout.reversed_edges == frozenset()
    assert layout.cycle_edges == frozenset()


def test_layout_is_deterministic() -> None:
    nodes, edges = random_dag(60, 5)
    first = compute_layout(nodes, {}, edges)
    again = compute_layout(list(nodes), {}, list(edges))
    assert first.rows == again.rows
    assert first.nodes == again.nodes


def test_unknown_and_duplicate_edges_are_dropped() -> None:
    layout = compute_layout(["a", "b"], {}, [("a", "b"), ("a", "b"), ("a", "ghost")])
    assert layout.edges == [("a", "b")]


def test_empty_graph() -> None:
    layout = compute_layout([], {}, [])
    assert layout.nodes == {}
    assert layout.node_at(0, 0) is None


def test_edge_rows_cover_every_cell() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    for (_, y), owners in layout.cell_edges().items():
        for e in owners:
            first, last = layout.edge_rows[e]
            assert first <= y <= last


def test_node_at_finds_boxes() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    for node_id, box in layout.nodes.items():
        assert layout.node_at(box.x, box.y) == node_id
        assert layout.node_at(box.x + box.w - 1, box.y + box.h - 1) == node_id
    assert layout.node_at(0, 0) is None


def test_layout_module_does_not_import_textual_or_rich() -> None:
    code = (
        "import sys, workbench.app.graphdraw\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------- navigation


def grid_layout() -> Layout:
    """a -> b -> c in a row, with d under b (from a) and e under c (from d)."""
    nodes = ["a", "b", "c", "d", "e"]
    edges = [("a", "b"), ("b", "c"), ("a", "d"), ("d", "e")]
    return compute_layout(nodes, {}, edges)


def test_nearest_in_direction_follows_the_columns() -> None:
    layout = grid_layout()
    b, d = layout.nodes["b"], layout.nodes["d"]
    assert b.x == d.x
    upper, lower = ("b", "d") if b.y < d.y else ("d", "b")
    assert nearest_in_direction(layout, upper, "down") == lower
    assert nearest_in_direction(layout, lower, "up") == upper
    assert nearest_in_direction(layout, "a", "left") is None
    assert nearest_in_direction(layout, "b", "right") in {"c", "e"}
    assert nearest_in_direction(layout, "c", "left") in {"b", "d"}
    assert nearest_in_direction(layout, "missing", "left") is None


def test_nearest_prefers_straight_ahead() -> None:
    layout = grid_layout()
    c, b = layout.nodes["c"], layout.nodes["b"]
    if c.y == b.y:
        assert nearest_in_direction(layout, "b", "right") == "c"


def test_parents_children_and_closures() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    assert set(layout.parents("summary")) == {"check", "enrich"}
    assert set(layout.children("load")) == {"check", "enrich", "report"}
    assert layout.parents("load") == []
    assert layout.upstream("notify") == {"report", "summary", "check", "enrich", "load"}
    assert layout.downstream("check") == {"summary", "report", "notify", "cleanup"}
    assert layout.downstream("cleanup") == frozenset()


def test_children_are_in_screen_order() -> None:
    layout = compute_layout(PIPELINE_NODES, PIPELINE_LABELS, PIPELINE_EDGES)
    kids = layout.children("load")
    assert [layout.nodes[k].y for k in kids] == sorted(layout.nodes[k].y for k in kids)


def test_closures_terminate_on_cycles() -> None:
    layout = compute_layout(["a", "b", "c"], {}, [("a", "b"), ("b", "c"), ("c", "a")])
    assert layout.upstream("a") == {"b", "c"}
    assert layout.downstream("a") == {"b", "c"}
