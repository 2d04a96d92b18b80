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


def is_crossing(layout: Layout, x: int, y: int) -> bool:
    """Two lines that cross without joining: the track drawn unbroken, the other line
    ending either side of it (or of a run of such tracks) and pointing into it."""
    lr = layout.direction == "LR"
    line, step = ("│", (1, 0)) if lr else ("─", (0, 1))
    if char(layout, x, y) != line:
        return False
    for sign in (1, -1):
        dx, dy = step[0] * sign, step[1] * sign
        nx, ny = x + dx, y + dy
        while 0 <= nx < layout.width and 0 <= ny < layout.height and char(layout, nx, ny) == line:
            nx, ny = nx + dx, ny + dy
        if not (0 <= nx < layout.width and 0 <= ny < layout.height):
            return False
        if (-dx, -dy) not in LINE_NEIGHBOURS.get(char(layout, nx, ny), set()):
            return False
    return True


def arms(layout: Layout, x: int, y: int) -> set[tuple[int, int]]:
    """The directions a line leaves a cell in, as a reader sees them."""
    if is_crossing(layout, x, y):
        return {(1, 0), (-1, 0), (0, 1), (0, -1)}
    return LINE_NEIGHBOURS.get(char(layout, x, y), set())


def assert_route_connects(layout: Layout, index: int) -> None:
    """Walk the edge's own cells from its parent's box and reach its child's box."""
    up, down = layout.edges[index]
    cells = edge_cells(layout, index)
    assert cells, f"edge {up}->{down} has no cells"
    parent, child = layout.nodes[up], layout.nodes[down]

    def touches(box_id: str, cell: tuple[int, int]) -> bool:
        box = layout.nodes[box_id]
        x, y = cell
        return any(box.contains(x + dx, y + dy) for dx, dy in arms(layout, x, y))

    start = [c for c in cells if touches(parent.id, c)]
    assert start, f"edge {up}->{down} never leaves its parent"
    seen = set(start)
    todo = list(start)
    while todo:
        x, y = todo.pop()
        for dx, dy in arms(layout, x, y):
            nxt = (x + dx, y + dy)
            if nxt in cells and nxt not in seen:
                back = arms(layout, *nxt)
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


# ------------------------------------------------------------- reading the picture


def read_along(layout: Layout, stage: str, forward: bool) -> set[str]:
    """The stages a person reaches by following the drawn lines from a stage's port.

    Only what is on screen counts (the characters, not which edge owns a cell):
    lines are followed with the flow (never back against it along the layers),
    freely across the layers, straight through a crossing, and every way out of a
    junction. Forward, the stages entered through an arrowhead are collected;
    backward, the stages whose outgoing line is reached.
    """
    lr = layout.direction == "LR"
    ahead = ((1, 0) if lr else (0, 1)) if forward else ((-1, 0) if lr else (0, -1))
    box = layout.nodes[stage]
    if forward:
        x, y = (box.x + box.w, box.y + 1) if lr else (box.x + box.w // 2, box.y + box.h)
    else:
        x, y = (box.x - 1, box.y + 1) if lr else (box.x + box.w // 2, box.y - 1)
    found: set[str] = set()
    todo = [(x, y, ahead)]
    seen: set[tuple[int, int, tuple[int, int]]] = set()
    while todo:
        x, y, heading = todo.pop()
        if (x, y, heading) in seen or not (0 <= x < layout.width and 0 <= y < layout.height):
            continue
        seen.add((x, y, heading))
        owner = layout.node_at(x, y)
        if owner is not None:
            if owner != stage and (char(layout, x - heading[0], y - heading[1]) in "▶▼") == forward:
                found.add(owner)
            continue
        back = (-heading[0], -heading[1])
        if is_crossing(layout, x, y):
            exits = {heading}
        else:
            here = arms(layout, x, y)
            if back not in here:
                continue  # the line does not come from where we are
            exits = here - {back}
        for dx, dy in exits:
            if (dx, dy) == (-ahead[0], -ahead[1]):
                continue  # against the flow
            todo.append((x + dx, y + dy, (dx, dy)))
    return found


def assert_readable(layout: Layout) -> None:
    """Following the lines from each stage reaches exactly its children, and back from
    each stage exactly its parents: no edge can be mistaken for another."""
    for stage in layout.nodes:
        assert read_along(layout, stage, True) == set(layout.children(stage)), (
            f"{layout.direction}: lines out of {stage} lead to the wrong stages"
        )
        assert read_along(layout, stage, False) == set(layout.parents(stage)), (
            f"{layout.direction}: lines into {stage} come from the wrong stages"
        )


def example_graphs() -> list[tuple[str, list[str], dict[str, str], list[Edge]]]:
    from pathlib import Path

    from workbench.engine.project import Project

    root = Path(__file__).resolve().parents[2]
    project = Project.open(root)
    graphs = []
    for path in sorted((root / "pipelines").glob("*.toml")):
        pipeline = project.load_pipeline(path)
        labels = {sid: ps.uses for sid, ps in pipeline.stages.items()}
        graphs.append((path.stem, list(pipeline.graph.nodes), labels, list(pipeline.graph.edges)))
    return graphs


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_the_example_pipelines_read_unambiguously(direction: Direction) -> None:
    graphs = example_graphs()
    assert any(len(g[3]) > 5 for g in graphs)
    for _name, nodes, labels, edges in graphs:
        assert_readable(compute_layout(nodes, labels, edges, direction))


def wide_fan_in(width: int) -> tuple[list[str], list[Edge]]:
    """`width` sources into one join, three more into a second join, and the first
    source also feeding a stage of its own (a fork beside the junction)."""
    sources = [f"src{i:02d}" for i in range(width)]
    others = ["oth0", "oth1", "oth2"]
    edges = [(s, "join") for s in sources] + [(o, "side") for o in others]
    edges += [(sources[0], "solo"), ("join", "after"), ("side", "after"), ("solo", "after")]
    return [*sources, *others, "join", "side", "solo", "after"], edges


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_a_wide_fan_in_meets_in_one_junction_per_target(direction: Direction) -> None:
    nodes, edges = wide_fan_in(12)
    layout = compute_layout(nodes, {}, edges, direction)
    assert_readable(layout)
    # one line per target: every source's line ends in the join's own junction, so a
    # single arrowhead enters the join and no junction has four arms
    join = layout.nodes["join"]
    if direction == "LR":
        assert char(layout, join.x - 1, join.y + 1) == "▶"
    else:
        assert char(layout, join.x + join.w // 2, join.y - 1) == "▼"
    arrowheads = sum(row.count("▶" if direction == "LR" else "▼") for row in layout.rows)
    assert arrowheads == 4  # join, side, solo, after: one each, however many parents


def test_the_fan_in_of_the_issue_reads_unambiguously() -> None:
    # sales-report: three aggregates, each into both the summary and the markdown report
    nodes = ["select", "by_region", "by_product", "totals", "summary", "write_markdown"]
    edges: list[Edge] = [("select", n) for n in nodes[1:4]]
    edges += [(a, t) for t in ("summary", "write_markdown") for a in nodes[1:4]]
    for direction in ("LR", "TB"):
        layout = compute_layout(nodes, {}, edges, direction)  # type: ignore[arg-type]
        assert_readable(layout)
        assert "├┬┬" not in "".join(layout.rows)
