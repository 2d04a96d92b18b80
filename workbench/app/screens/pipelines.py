"""The pipelines screen: every pipeline file of the project, and a preview of the one
under the cursor. Enter opens it in the graph."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content

from workbench.app.catalog import PipelineEntry
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.widgets.pipeline_list import PipelineList
from workbench.app.widgets.problem_list import ProblemList
from workbench.app.widgets.stage_details import DetailsPanel
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project
from workbench.engine.units import counted


def preview(entry: PipelineEntry, root_len: int = 0) -> Content:
    """Name, description, file and the stages in run order."""
    pipeline = entry.pipeline
    lines = [
        Content.styled(pipeline.name, "bold $text-primary"),
        Content.styled(str(entry.path)[root_len:], "$foreground-muted"),
        Content(""),
        Content(pipeline.description or "(no description)"),
        Content(""),
    ]
    stages = pipeline.graph.order if pipeline.graph.cycle is None else list(pipeline.stages)
    lines.append(Content.styled(f"{len(pipeline.stages)} stages", "bold $text-accent"))
    width = max((len(s) for s in stages), default=0)
    for stage_id in stages:
        lines.append(
            Content.assemble(
                Content(f"  {stage_id.ljust(width)}  "),
                Content.styled(pipeline.stages[stage_id].uses, "$foreground-muted"),
            )
        )
    lines.append(Content(""))
    if pipeline.valid:
        lines.append(Content.styled("✔ valid: ready to run", "$text-success"))
    else:
        count = len(pipeline.problems)
        lines.append(Content.styled(f"✘ {counted(count, 'problem')}", "$text-error bold"))
    return Content("\n").join(lines)


class PipelinesScreen(WorkbenchScreen):
    """Choose the pipeline to work on. The list follows the folder as files come and go."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="pipelines-body"):
            with Vertical(id="pipelines-side", classes="side"):
                yield PipelineList(id="pipeline-list")
            with Vertical(id="pipelines-main"):
                yield DetailsPanel(
                    "No pipeline files yet: add one under pipelines/, "
                    "or press e, then n, to build one in the editor.",
                    id="pipeline-preview",
                )
                yield ProblemList(id="pipeline-problems")

    def on_mount(self) -> None:
        self.query_one(PipelineList).border_title = "Pipelines"
        self.query_one("#pipeline-preview").border_title = "Preview"
        self.query_one(ProblemList).border_title = "Problems"

    def show_project(self, project: Project) -> None:
        entries = self.workbench.catalog
        pipelines = self.query_one(PipelineList)
        pipelines.set_entries(entries, self.workbench.pipeline_path)
        pipelines.border_subtitle = f"{len(entries)} in {project.pipelines_dir.name}/"
        if not entries:
            self._preview(None)

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        # The open mark moves with the open pipeline.
        self.show_project(self.workbench.project)

    @on(PipelineList.Highlighted)
    def _on_highlight(self, event: PipelineList.Highlighted) -> None:
        self._preview(event.entry)

    def _preview(self, entry: PipelineEntry | None) -> None:
        root = len(str(self.workbench.project.root)) + 1
        self.query_one(DetailsPanel).show(preview(entry, root) if entry else None)
        problems = self.query_one(ProblemList)
        problems.set_problems(entry.pipeline.problems if entry else [], self.workbench.project.root)
        problems.display = entry is not None and not entry.valid

    def palette_commands(self) -> Iterable[PaletteCommand]:
        entry = self.query_one(PipelineList).highlighted_entry
        if entry is not None:
            yield PaletteCommand(
                f"pipeline: Open highlighted ({entry.name})",
                lambda: self.workbench.open_pipeline(entry.path, view="graph"),
                "Open the pipeline under the cursor in the graph",
            )
