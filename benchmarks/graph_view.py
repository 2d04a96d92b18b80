"""Graph view benchmark: a 500-stage pipeline-shaped graph, laid out and drawn.

Run with ``python benchmarks/graph_view.py``. Each figure is the median of several
runs and is printed beside its target:

- layout + first render (every visible line of a 120x36 viewport) < 300 ms
- moving the selection (the action plus re-rendering the visible lines) < 16 ms

The app's first frame with the graph (``App.run_test``) is printed for reference;
it includes starting Textual, which is not the widget's to optimise.

Junctions per target (fan-in) and crossing detection, added with the split into
``workbench/app/graphdraw/``, were timed against the layout before them, loaded
from a copy and run alternately in one process (15 runs each, load 14-17): 500
stages 0.94x (median) / 1.02x (best run), 100 stages 0.78x / 0.97x: no regression.

Last measured (2-core machine, other jobs running; 500 stages, 1164 edges, canvas
1303x224):

    layout                             100-185 ms   reference
    layout + first render              150-230 ms   target < 300 ms
    first render alone (36 lines)          ~1 ms   reference
    move selection + re-render           3-6 ms   target < 16 ms
    move selection, downstream lit       3-7 ms   target < 16 ms
    app first frame (run_test)         195-355 ms   reference
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable

from textual.app import App, ComposeResult

from workbench.app.graphdraw import Edge, compute_layout
from workbench.app.widgets.graph.dag_view import DagView

STAGES = 500
SIZE = (120, 36)
RUNS = 7
STAGE_TYPES = ["files.load", "validate.schema", "transform.call", "http.fetch", "files.write"]


def pipeline_graph(
    stages: int = STAGES, seed: int = 7
) -> tuple[list[str], dict[str, str], list[Edge]]:
    """A random DAG shaped like a real pipeline: levels of work, edges mostly short.

    Stages are split into levels of 10-30; each stage past the first level takes 2-3
    parents, nearly all from the previous two levels and now and then from further
    back (a shared input read again near the end).
    """
    rng = random.Random(seed)
    ids: list[str] = []
    levels: list[list[str]] = []
    while len(ids) < stages:
        width = min(rng.randint(10, 30), stages - len(ids))
        level = [f"stage_{len(ids) + i:03d}" for i in range(width)]
        ids.extend(level)
        levels.append(level)
    labels = {node: rng.choice(STAGE_TYPES) for node in ids}
    edges: list[Edge] = []
    for depth, level in enumerate(levels[1:], start=1):
        for node in level:
            for _ in range(rng.randint(2, 3)):
                back = (
                    1 if rng.random() < 0.7 else 2 if rng.random() < 0.8 else rng.randint(1, depth)
                )
                parent = rng.choice(levels[max(0, depth - back)])
                edges.append((parent, node))
    return ids, labels, list(dict.fromkeys(edges))


class GraphApp(App[None]):
    """Just the graph, as the graph screen would show it."""

    def __init__(self, graph: tuple[list[str], dict[str, str], list[Edge]]) -> None:
        super().__init__()
        self.graph = graph

    def compose(self) -> ComposeResult:
        yield DagView()

    def on_mount(self) -> None:
        self.query_one(DagView).set_graph(*self.graph)


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def render_visible(view: DagView) -> None:
    for y in range(view.scrollable_content_region.height):
        view.render_line(y)


async def measure_widget(graph: tuple[list[str], dict[str, str], list[Edge]]) -> dict[str, float]:
    app = GraphApp(graph)
    figures: dict[str, float] = {}
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        figures["app first frame (run_test, incl. Textual start)"] = (
            time.perf_counter() - start
        ) * 1000
        view = app.query_one(DagView)

        def set_and_render() -> None:
            view.set_graph(*graph)
            render_visible(view)

        figures["set_graph + first render"] = median_ms(set_and_render)

        def first_render() -> None:
            view._rows.clear()
            render_visible(view)

        figures["first render alone (36 lines)"] = median_ms(first_render)
        headings = ["down", "right", "up", "left"]
        step = iter(range(10**9))

        def move() -> None:
            view.action_move(headings[next(step) % 4])  # type: ignore[arg-type]
            render_visible(view)

        figures["move selection + re-render"] = median_ms(move, runs=41)
        view.action_downstream()

        figures["move selection with downstream lit"] = median_ms(move, runs=41)
    return figures


def main() -> None:
    graph = pipeline_graph()
    nodes, labels, edges = graph
    layout = compute_layout(nodes, labels, edges)
    print(
        f"graph: {len(nodes)} stages, {len(edges)} edges; canvas {layout.width}x{layout.height}, "
        f"{layout.crossings} crossings"
    )
    layout_ms = median_ms(lambda: compute_layout(nodes, labels, edges))
    figures = asyncio.run(measure_widget(graph))
    rows = [
        ("layout", layout_ms, None),
        ("layout + first render", figures["set_graph + first render"], 300.0),
        ("first render alone (36 lines)", figures["first render alone (36 lines)"], None),
        ("move selection + re-render", figures["move selection + re-render"], 16.0),
        ("move selection, downstream lit", figures["move selection with downstream lit"], 16.0),
        (
            "app first frame (run_test)",
            figures["app first frame (run_test, incl. Textual start)"],
            None,
        ),
    ]
    for name, value, target in rows:
        verdict = "" if target is None else ("  ok" if value < target else "  OVER")
        goal = f"target < {target:.0f} ms" if target is not None else "reference"
        print(f"{name:<34} {value:8.1f} ms   {goal}{verdict}")


if __name__ == "__main__":
    main()
