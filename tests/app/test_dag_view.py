"""DagView driven like a person would: keys, clicks, statuses, scrolling; one snapshot."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from kit.app import SIZE
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Footer

from workbench.app.graphdraw import Edge
from workbench.app.widgets.graph.dag_view import DagView

NODES = ["load", "check", "enrich", "summary", "report", "notify", "cleanup"]
LABELS = {
    "load": "files.load",
    "check": "validate.schema",
    "enrich": "http.fetch",
    "summary": "transform.call",
    "report": "files.write",
    "notify": "http.post",
    "cleanup": "shell.run",
}
EDGES: list[Edge] = [
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


class GraphApp(App[None]):
    """A DagView and a footer, recording the messages the view posts."""

    def __init__(
        self,
        nodes: list[str] = NODES,
        labels: dict[str, str] = LABELS,
        edges: list[Edge] = EDGES,
        statuses: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.graph = (nodes, labels, edges)
        self.statuses = statuses or {}
        self.selected: list[str | None] = []
        self.activated: list[str] = []
        self.controls: list[DagView] = []

    def compose(self) -> ComposeResult:
        yield DagView()
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(DagView)
        view.set_graph(*self.graph)
        view.set_statuses(self.statuses)
        view.focus()

    @on(DagView.StageSelected)
    def record_selected(self, event: DagView.StageSelected) -> None:
        self.selected.append(event.stage_id)
        self.controls.append(event.control)

    @on(DagView.StageActivated)
    def record_activated(self, event: DagView.StageActivated) -> None:
        self.activated.append(event.stage_id)


def drive(app: GraphApp, steps: Callable[[Pilot[None], DagView], Awaitable[Any]]) -> None:
    """Run the app headless and hand the pilot and the view to `steps`."""

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await steps(pilot, app.query_one(DagView))

    asyncio.run(run())


def line_text(view: DagView, row: int) -> str:
    """What the view shows on a canvas row (rows are cropped to the viewport)."""
    return view.render_line(row - view.scroll_offset.y).text


def big_graph(stages: int = 300) -> tuple[list[str], dict[str, str], list[Edge]]:
    rng = random.Random(1)
    nodes = [f"stage_{i:03d}" for i in range(stages)]
    edges = [(nodes[rng.randrange(max(0, i - 30), i)], nodes[i]) for i in range(1, stages)]
    return nodes, {n: "transform.call" for n in nodes}, edges


def test_first_stage_is_selected_on_load() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        assert view.selected == "load"
        assert app.selected[-1] == "load"
        assert app.controls[-1] is view

    drive(app, steps)


def test_arrow_keys_move_to_the_nearest_stage() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        layout = view.layout_result
        await pilot.press("right")
        first = view.selected
        assert first in {"check", "enrich"}
        assert layout.nodes[first].x > layout.nodes["load"].x
        await pilot.press("down" if first == "enrich" else "up")
        assert view.selected == ({"check", "enrich"} - {first}).pop()
        await pilot.press("left")
        assert view.selected == "load"
        await pilot.press("left")
        assert view.selected == "load"
        await pilot.pause()
        assert app.selected[-3:] == [first, ({"check", "enrich"} - {first}).pop(), "load"]

    drive(app, steps)


def test_brackets_walk_along_edges_and_back() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        view.selected = "summary"
        await pilot.press("left_square_bracket")
        came_from = view.selected
        assert came_from in {"check", "enrich"}
        await pilot.press("right_square_bracket")
        assert view.selected == "summary"
        await pilot.press("left_square_bracket")
        assert view.selected == came_from
        view.selected = "load"
        await pilot.press("right_square_bracket")
        child = view.selected
        assert child in view.layout_result.children("load")
        siblings = view.layout_result.children("load")
        await pilot.press("shift+down")
        assert view.selected == siblings[(siblings.index(child) + 1) % len(siblings)]
        await pilot.press("shift+left")
        assert view.selected == "load"

    drive(app, steps)


def test_upstream_and_downstream_highlights() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        view.selected = "summary"
        await pilot.press("u")
        assert view.highlight == "upstream"
        assert view.lit == {"summary", "check", "enrich", "load"}
        await pilot.press("d")
        assert view.highlight == "downstream"
        assert view.lit == {"summary", "report", "notify", "cleanup"}
        await pilot.press("down")  # the highlight follows the selection
        assert view.lit == {view.selected} | view.layout_result.downstream(view.selected or "")
        await pilot.press("escape")
        assert view.highlight is None
        assert view.lit == frozenset()

    drive(app, steps)


def test_highlighted_edges_take_the_highlight_colour() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        layout = view.layout_result
        index = layout.edges.index(("report", "notify"))
        (x, y), *_ = (cell for cell, owners in layout.cell_edges().items() if owners == (index,))
        view.selected = "notify"
        await pilot.pause()

        def style_at() -> Any:
            strip = view.render_line(y - view.scroll_offset.y)
            col = x - view.scroll_offset.x
            for segment in strip:
                if col < len(segment.text):
                    return segment.style
                col -= len(segment.text)
            raise AssertionError("cell not rendered")

        plain = style_at()
        await pilot.press("u")
        lit = style_at()
        assert lit != plain
        assert lit == view.get_component_rich_style("dag-view--edge-highlight")

    drive(app, steps)


def test_click_selects_the_stage_under_the_pointer() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        box = view.layout_result.nodes["notify"]
        view.scroll_to_stage("notify")
        await pilot.pause()
        offset = (box.x + 2 - view.scroll_offset.x, box.y + 1 - view.scroll_offset.y)
        await pilot.click(DagView, offset=offset)
        assert view.selected == "notify"
        empty = (0, view.scrollable_content_region.height - 1)
        await pilot.click(DagView, offset=empty)
        assert view.selected == "notify"

    drive(app, steps)


def test_enter_posts_stage_activated() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        view.selected = "report"
        await pilot.press("enter")
        await pilot.pause()
        assert app.activated == ["report"]

    drive(app, steps)


def test_large_graph_scrolls_to_keep_the_selection_in_view() -> None:
    app = GraphApp(*big_graph())

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        layout = view.layout_result
        assert layout.width > SIZE[0] and layout.height > SIZE[1]
        far = max(layout.nodes.values(), key=lambda b: (b.x, b.y))
        view.selected = far.id
        await pilot.pause()
        window = view.scrollable_content_region.size
        sx, sy = view.scroll_offset
        assert sx > 0
        assert sx <= far.x and far.x + far.w <= sx + window.width
        assert sy <= far.y and far.y + far.h <= sy + window.height
        for _ in range(8):
            await pilot.press("left")
        box = layout.nodes[view.selected or ""]
        sx, sy = view.scroll_offset
        assert sx <= box.x and box.x + box.w <= sx + window.width
        assert sy <= box.y and box.y + box.h <= sy + window.height

    drive(app, steps)


def test_set_status_changes_the_mark() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        box = view.layout_result.nodes["load"]
        mark = box.mark_x - view.scroll_offset.x
        assert line_text(view, box.y + 1)[mark] == " "
        view.set_status("load", "success")
        await pilot.pause()
        assert line_text(view, box.y + 1)[mark] == "✔"
        view.set_statuses({"load": "failure", "check": "running"})
        await pilot.pause()
        assert line_text(view, box.y + 1)[mark] == "✘"
        assert view.status_of("check") == "running"
        view.set_status("load", None)
        assert line_text(view, box.y + 1)[mark] == " "

    drive(app, steps)


def test_statuses_and_selection_survive_a_new_graph() -> None:
    app = GraphApp(statuses={"report": "success"})

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        view.selected = "report"
        view.set_graph(NODES[:5], LABELS, EDGES[:5])
        assert view.selected == "report"
        assert view.status_of("report") == "success"
        view.set_graph(["x"], {}, [])
        assert view.selected == "x"
        assert view.status_of("report") is None

    drive(app, steps)


def test_empty_graph_says_so() -> None:
    app = GraphApp([], {}, [])

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        middle = view.scrollable_content_region.height // 2
        assert "No stages" in view.render_line(middle).text
        await pilot.press("right", "enter", "u")
        assert view.selected is None
        assert app.activated == []

    drive(app, steps)


def test_cycle_edges_are_coloured_as_errors() -> None:
    edges = [*EDGES, ("cleanup", "check")]
    app = GraphApp(edges=edges)

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        layout = view.layout_result
        assert ("check", "cleanup") in layout.cycle_edges
        cycle_style = view.get_component_rich_style("dag-view--edge-cycle")
        view.selected = "enrich"
        await pilot.pause()
        index = layout.edges.index(("cleanup", "check"))
        (x, y), *_ = (cell for cell, owners in layout.cell_edges().items() if owners == (index,))
        view.scroll_to_region(Region(x, y, 1, 1), animate=False)
        await pilot.pause()
        strip = view.render_line(y - view.scroll_offset.y)
        col = x - view.scroll_offset.x
        styles = [seg.style for seg in strip for _ in seg.text]
        assert styles[col] == cycle_style
        view.set_cycle_edges([])
        strip = view.render_line(y - view.scroll_offset.y)
        styles = [seg.style for seg in strip for _ in seg.text]
        assert styles[col] != cycle_style

    drive(app, steps)


def test_footer_lists_the_graph_bindings() -> None:
    app = GraphApp()

    async def steps(pilot: Pilot[None], view: DagView) -> None:
        ids = {binding.id for binding in view.BINDINGS if isinstance(binding, Binding)}
        assert {"graph-upstream", "graph-downstream", "graph-open", "graph-clear"} <= ids
        assert view.check_action("clear_highlight", ()) is False
        await pilot.press("u")
        assert view.check_action("clear_highlight", ()) is True

    drive(app, steps)


def test_snapshot_small_pipeline(snap_compare: Callable[..., bool]) -> None:
    app = GraphApp(
        statuses={
            "load": "success",
            "check": "success",
            "enrich": "failure",
            "summary": "running",
            "report": "pending",
            "notify": "waiting",
        }
    )
    assert snap_compare(app, press=["right", "d"], terminal_size=SIZE)
