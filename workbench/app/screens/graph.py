"""The graph screen: the open pipeline's dependency graph, the selected stage's
details, and the pipeline's problems.

The graph itself is :class:`DagView`; this screen feeds it the pipeline
(``set_graph``), listens to its ``StageSelected`` / ``StageActivated`` messages,
and moves its selection when a problem is chosen. Upstream and downstream
highlighting are the widget's own bindings (``u`` / ``d``).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.screens.dialogs.stage_dialog import StageDialog
from workbench.app.widgets.common.problem_list import ProblemList
from workbench.app.widgets.common.stage_details import PipelineStageDetails, describe_pipeline_stage
from workbench.app.widgets.graph.dag_view import DagView
from workbench.engine.cache.reasons import StageStatusLine
from workbench.engine.pipeline import Pipeline
from workbench.engine.units import counted

NO_PIPELINE = "No pipeline is open. Press p to choose one, or ctrl+p and type “open”."


def summary(pipeline: Pipeline) -> Content:
    """One line: name, validity, size, description."""
    if pipeline.valid:
        mark = Content.styled("✔ valid", "$text-success bold")
    else:
        count = len(pipeline.problems)
        mark = Content.styled(f"✘ {counted(count, 'problem')}", "$text-error bold")
    layers = len(pipeline.graph.layers) if pipeline.graph.cycle is None else 0
    size = f"{len(pipeline.stages)} stages" + (f" in {layers} layers" if layers else "")
    parts = [
        Content.styled(pipeline.name, "bold $text-primary"),
        Content("  "),
        mark,
        Content.styled(f"  ·  {size}", "$foreground-muted"),
    ]
    if pipeline.description:
        parts.append(Content.styled(f"  ·  {pipeline.description}", "$foreground-muted"))
    return Content.assemble(*parts)


class GraphScreen(WorkbenchScreen):
    """Walk the open pipeline's graph and read about each stage."""

    BINDINGS = [
        Binding("escape", "back_to_graph", "Graph", show=False, id="graph-back"),
        Binding("t", "flip", "Flip layout", id="graph-flip"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cache_status: dict[str, StageStatusLine] = {}
        """What the cache says of each stage of the shown pipeline (empty: not known)."""

    def compose_body(self) -> ComposeResult:
        yield Static(NO_PIPELINE, id="graph-summary")
        with Horizontal(id="graph-body"):
            yield DagView(id="dag")
            with Vertical(id="graph-side", classes="side"):
                yield PipelineStageDetails("Select a stage in the graph.", id="stage-info")
                yield ProblemList(id="graph-problems")

    def on_mount(self) -> None:
        self.query_one(DagView).border_title = "Graph"
        self.query_one(PipelineStageDetails).border_title = "Stage"
        self.query_one(ProblemList).border_title = "Problems"
        self.query_one(DagView).focus()

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        dag = self.query_one(DagView)
        problems = self.query_one(ProblemList)
        info = self.query_one(PipelineStageDetails)
        header = self.query_one("#graph-summary", Static)
        if pipeline is None:
            header.update(NO_PIPELINE)
            dag.set_graph([], {}, [])
            problems.set_problems([])
            info.show_stage(None, None)
            return
        header.update(summary(pipeline))
        labels = {sid: ps.uses for sid, ps in pipeline.stages.items()}
        dag.set_graph(list(pipeline.graph.nodes), labels, pipeline.graph.edges)
        self.cache_status = {}
        if pipeline.valid:
            self._read_cache(pipeline)
        path = pipeline.path.name if pipeline.path else ""
        dag.border_subtitle = path
        problems.set_problems(pipeline.problems, self.workbench.project.root)
        problems.border_title = f"Problems ({len(pipeline.problems)})"
        problems.set_class(not pipeline.valid, "-has-problems")
        info.show_stage(pipeline, dag.selected)
        self.refresh_bindings()

    @work(thread=True, group="graph-cache", exclusive=True, exit_on_error=False)
    def _read_cache(self, pipeline: Pipeline) -> None:
        """Which stages a run would reuse: hashing input files is work for a thread."""
        from workbench.engine.cache.status import pipeline_status
        from workbench.engine.cache.store import CacheStore

        store = CacheStore.for_project(self.workbench.project.root)
        if not store.root.is_dir():
            return  # never run with a cache: nothing to tell apart
        status = pipeline_status(pipeline, store, save_stamps=False)
        self.app.call_from_thread(self._show_cache, pipeline, status.stages)

    def _show_cache(self, pipeline: Pipeline, lines: tuple[StageStatusLine, ...]) -> None:
        if pipeline is not self.workbench.pipeline:
            return  # another pipeline was opened meanwhile
        self.cache_status = {line.stage_id: line for line in lines}
        dag = self.query_one(DagView)
        dag.set_statuses(
            {line.stage_id: "will_run" if line.will_run else "cached" for line in lines}
        )
        self._show_details(dag.selected)

    def _show_details(self, stage_id: str | None) -> None:
        self.query_one(PipelineStageDetails).show_stage(
            self.workbench.pipeline, stage_id, self.cache_status.get(stage_id or "")
        )

    @on(DagView.StageSelected, "#dag")
    def _on_selected(self, event: DagView.StageSelected) -> None:
        self._show_details(event.stage_id)

    @on(DagView.StageActivated, "#dag")
    def _on_activated(self, event: DagView.StageActivated) -> None:
        """Enter (or a double click) opens the stage's details in a box of their own."""
        pipeline = self.workbench.pipeline
        self._show_details(event.stage_id)
        if pipeline is not None and event.stage_id in pipeline.stages:
            details = describe_pipeline_stage(pipeline, event.stage_id)
            self.app.push_screen(StageDialog(event.stage_id, details))

    @on(ProblemList.Chosen, "#graph-problems")
    def _on_problem(self, event: ProblemList.Chosen) -> None:
        dag = self.query_one(DagView)
        if event.problem.stage is not None:
            dag.selected = event.problem.stage
        dag.focus()

    def action_back_to_graph(self) -> None:
        self.query_one(DagView).focus()

    def action_flip(self) -> None:
        dag = self.query_one(DagView)
        dag.set_direction("TB" if dag.layout_result.direction == "LR" else "LR")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back_to_graph":
            return self.focused is not self.query_one(DagView)
        if action == "flip":
            return True if self.workbench.pipeline is not None else None
        return True

    def palette_commands(self) -> Iterable[PaletteCommand]:
        dag = self.query_one(DagView)
        if dag.selected is None:
            return
        yield PaletteCommand(
            f"graph: Highlight upstream of {dag.selected}",
            dag.action_upstream,
            "Light up every stage this one waits for",
        )
        yield PaletteCommand(
            f"graph: Highlight downstream of {dag.selected}",
            dag.action_downstream,
            "Light up every stage that waits for this one",
        )
        yield PaletteCommand(
            "graph: Flip layout", self.action_flip, "Left-to-right or top-to-bottom"
        )
