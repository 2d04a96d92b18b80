"""The editor's graph pane: the pipeline's DAG, laid out again only when its shape changed.

A keystroke in a config field changes no stage, type or edge, so it lays nothing
out. A large graph is laid out in a thread, so typing never waits for it; a layout
that an edit made while it was running has made stale is dropped.
"""

from __future__ import annotations

from typing import Any

from textual import work

from workbench.app.graphdraw.layout import Direction, Edge, Layout, compute_layout
from workbench.app.widgets.graph.dag_view import DagView
from workbench.engine.pipeline import Pipeline

LAYOUT_IN_THREAD = 150
"""Graphs with this many stages or more are laid out off the UI loop."""


class EditorGraph(DagView):
    """A :class:`DagView` that follows the edit session's pipeline and selection."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shape: tuple[tuple[Any, ...], ...] = ((), (), ())
        """Nodes, labels and edges the graph was last laid out for."""
        self._wanted: str | None = None
        """The stage to select once a layout from a thread arrives."""

    def show_nothing(self) -> None:
        self._shape = ((), (), ())
        self.set_graph([], {}, [])

    def draw(self, pipeline: Pipeline, selected: str | None) -> None:
        """Show ``pipeline``'s graph with ``selected`` (a stage id, or None) selected."""
        labels = {sid: ps.uses for sid, ps in pipeline.stages.items()}
        nodes = list(pipeline.graph.nodes)
        edges = list(pipeline.graph.edges)
        shape = (tuple(nodes), tuple(labels.items()), tuple(edges))
        self._wanted = selected
        if shape != self._shape:
            self._shape = shape
            if len(nodes) >= LAYOUT_IN_THREAD:
                self._lay_out(nodes, labels, edges, self.direction)
                return
            self.set_graph(nodes, labels, edges)
        if selected in pipeline.stages and self.selected != selected:
            self.select(selected)

    @work(group="editor-layout", exclusive=True, thread=True, exit_on_error=False)
    def _lay_out(
        self, nodes: list[str], labels: dict[str, str], edges: list[Edge], direction: Direction
    ) -> None:
        layout = compute_layout(nodes, labels, edges, direction)
        self.app.call_from_thread(self._show_layout, layout)

    def _show_layout(self, layout: Layout) -> None:
        if (tuple(layout.nodes), tuple(layout.edges)) != self._shape[::2]:
            return  # a newer edit changed the graph while this one was laid out
        self.set_layout(layout)
        if self._wanted in layout.nodes and self.selected != self._wanted:
            self.select(self._wanted)
