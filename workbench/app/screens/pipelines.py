"""The pipelines screen: every pipeline file of the project with its last run, and a
preview of the one under the cursor. Enter opens it in the graph; every other key
acts on the highlighted row too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from workbench.app.catalog import PipelineEntry
from workbench.app.run.last_runs import (
    NOT_READ,
    RUN_MARKS,
    STATUS_STYLES,
    LastRuns,
    read_last_runs,
    run_summary,
)
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.widgets.common.details_panel import DetailsPanel
from workbench.app.widgets.common.hanging import Hanging, Line, labelled
from workbench.app.widgets.common.pipeline_list import PipelineList, no_run_line
from workbench.app.widgets.common.problem_list import ProblemList
from workbench.engine.fileio import atomic_write_text
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.history.store import RunRecord
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.project import Project


def preview(
    entry: PipelineEntry, root_len: int = 0, last: RunRecord | None = None, runs_read: bool = True
) -> Hanging:
    """Name, description, file, the last run and the stages in run order; a long
    line wraps under its value, never back at the first column.

    A file not checked yet shows its name and file, and says it is being checked.
    """
    pipeline = entry.pipeline
    ran: Line
    if last is None:
        ran = no_run_line(runs_read)
    else:
        ran = labelled(
            Content.styled(f"last run #{last.id}: ", "$foreground-muted"),
            Content.assemble(
                Content.styled(
                    f"{RUN_MARKS.get(last.status, '?')} {run_summary(last)}",
                    STATUS_STYLES.get(last.status, ""),
                ),
                Content.styled(f" (from {last.source})", "$foreground-muted"),
            ),
        )
    lines: list[Line] = [
        Content.styled(entry.name, "bold $text-primary"),
        Content.styled(str(entry.path)[root_len:], "$foreground-muted"),
        ran,
        Content(""),
    ]
    if pipeline is None:
        lines.append(Content.styled("checking the pipeline…", "$foreground-muted italic"))
        return Hanging(lines)
    lines += [
        Content(pipeline.description or "(no description)"),
        Content(""),
    ]
    stages = pipeline.graph.order if pipeline.graph.cycle is None else list(pipeline.stages)
    lines.append(Content.styled(f"{len(pipeline.stages)} stages", "bold $text-accent"))
    width = max((len(s) for s in stages), default=0)
    for stage_id in stages:
        lines.append(
            labelled(
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
    return Hanging(lines)


def recent_runs(recent: Iterable[RunRecord]) -> Hanging:
    """The last runs of any pipeline, one a line; a summary that does not fit wraps
    under itself, not under the mark."""
    return Hanging(
        labelled(
            Content.assemble(
                Content.styled(f"{RUN_MARKS.get(r.status, '?')} ", STATUS_STYLES.get(r.status, "")),
                Content.styled(r.pipeline, "bold"),
                "  ",
            ),
            Content.styled(run_summary(r), "$foreground-muted"),
        )
        for r in recent
    )


class PipelinesScreen(WorkbenchScreen):
    """Choose the pipeline to work on. The list follows the folder as files come and go.

    Every key acts on the highlighted row, not on the pipeline opened earlier:
    the view keys ``g``, ``e``, ``r`` and ``y`` open it in that view, ``R`` runs
    it. ``n`` starts a new pipeline in the editor, ``D`` duplicates the file
    (the copy gets its own name), ``delete`` removes it after asking.
    """

    BINDINGS = [
        Binding("R", "run", "Run", id="pipelines-run"),
        Binding("e", "open_in('editor')", "Edit", id="pipelines-edit"),
        Binding("y", "open_in('dry-run')", "Dry run", id="pipelines-dry-run"),
        Binding("g", "open_in('graph')", "Graph", show=False, id="pipelines-graph"),
        Binding("r", "open_in('run')", "Run view", show=False, id="pipelines-run-view"),
        Binding("n", "new", "New", id="pipelines-new"),
        Binding("D", "duplicate", "Duplicate", id="pipelines-duplicate"),
        Binding("delete", "delete", "Delete", id="pipelines-delete"),
    ]

    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-high")]
    """Below 30 rows the recent runs give their room to the list (whose rows show
    each pipeline's last run anyway)."""

    def __init__(self) -> None:
        super().__init__()
        self.last_runs: LastRuns = NOT_READ
        """Each pipeline's last recorded run, read in a thread when the list is shown."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="pipelines-body"):
            with Vertical(id="pipelines-side", classes="side"):
                yield PipelineList(id="pipeline-list")
                yield Static("", id="recent-runs", classes="-none")
            with Vertical(id="pipelines-main"):
                yield DetailsPanel(
                    "No pipeline files yet: add one under pipelines/, "
                    "or press n to build one in the editor.",
                    id="pipeline-preview",
                )
                yield ProblemList(id="pipeline-problems")

    def on_mount(self) -> None:
        self.query_one(PipelineList).border_title = "Pipelines"
        self.query_one("#recent-runs").border_title = "Recent runs"
        self.query_one("#pipeline-preview").border_title = "Preview"
        self.query_one(ProblemList).border_title = "Problems"
        self.query_one(PipelineList).focus()
        self.workbench.catalog_checked.subscribe(self, self._catalog_checked)

    def _catalog_checked(self, entries: list[PipelineEntry]) -> None:
        self._project_news(self.workbench.project)  # marks in the list and the preview

    def on_screen_resume(self) -> None:
        # (Textual calls the base class's handler too: the view bar repaints itself.)
        # Read once the list is drawn: the first frame does not wait for the history.
        self.call_after_refresh(self._read_runs)

    @work(group="last-runs", exclusive=True, thread=True, exit_on_error=False)
    def _read_runs(self) -> None:
        found = read_last_runs(self.workbench.project.root)
        self.app.call_from_thread(self._show_runs, found)

    def _show_runs(self, found: LastRuns) -> None:
        if found == self.last_runs:
            return
        self.last_runs = found
        self.show_project(self.workbench.project)

    def show_project(self, project: Project) -> None:
        entries = self.workbench.catalog
        pipelines = self.query_one(PipelineList)
        pipelines.set_entries(entries, self.workbench.pipeline_path, self.last_runs)
        pipelines.border_subtitle = f"{len(entries)} in {project.pipelines_dir.name}/"
        self._show_recent()
        if not entries:
            self._preview(None)
        else:
            self._preview(pipelines.highlighted_entry)

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        # The open mark moves with the open pipeline.
        self.show_project(self.workbench.project)

    def _show_recent(self) -> None:
        recent = self.last_runs.recent
        panel = self.query_one("#recent-runs", Static)
        panel.set_class(not recent, "-none")
        panel.update(recent_runs(recent))

    @on(PipelineList.Highlighted)
    def _on_highlight(self, event: PipelineList.Highlighted) -> None:
        self._preview(event.entry)

    def _preview(self, entry: PipelineEntry | None) -> None:
        root = len(str(self.workbench.project.root)) + 1
        last = self.last_runs.of(entry.path, entry.name) if entry else None
        read = self.last_runs.read
        self.query_one(DetailsPanel).show(preview(entry, root, last, read) if entry else None)
        problems = self.query_one(ProblemList)
        pipeline = entry.pipeline if entry else None
        problems.set_problems(pipeline.problems if pipeline else [], self.workbench.project.root)
        problems.display = pipeline is not None and not pipeline.valid

    # -- acting on the highlighted row ---------------------------------------------------
    @property
    def highlighted(self) -> PipelineEntry | None:
        return self.query_one(PipelineList).highlighted_entry

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("run", "duplicate", "delete"):
            return self.highlighted is not None
        return True

    def action_open_in(self, view: str) -> None:
        """Open the highlighted pipeline in a view (an empty list just switches)."""
        entry = self.highlighted
        if entry is None:
            self.app.switch_mode(view)
            return
        self.workbench.open_pipeline(entry.path, view=view)

    async def action_run(self) -> None:
        entry = self.highlighted
        if entry is None:
            return
        self.workbench.open_pipeline(entry.path)
        await self.workbench.run_open_pipeline()

    async def action_new(self) -> None:
        await self.app.switch_mode("editor")
        await self.app.screen.run_action("new_pipeline")

    @work(group="pipelines-dialog", exclusive=True, exit_on_error=False)
    async def action_duplicate(self) -> None:
        # The dialogs (and the editing modules they use) are imported when first wanted:
        # the list is the first frame drawn.
        from watchfiles import Change

        from workbench.app.screens.dialogs.editor_dialogs import FileNameDialog

        entry = self.highlighted
        if entry is None:
            return
        folder = self.workbench.project.pipelines_dir
        path = await self.app.push_screen_wait(
            FileNameDialog(
                folder, free_name(folder, entry.path.stem), title=f"Duplicate {entry.name}"
            )
        )
        if path is None:
            return
        try:
            text = entry.path.read_text(encoding="utf-8")
            atomic_write_text(path, renamed(text, path.stem))
        except OSError as exc:
            self.notify(
                f"Could not write {path.name}: {exc}", title="Not duplicated", severity="error"
            )
            return
        self.workbench.apply_changes([(Change.added, str(path))])
        self.show_project(self.workbench.project)  # at once, whether or not the signal reached us
        self.query_one(PipelineList).highlight_path(path)
        self.notify(f"{entry.path.name} copied to {path.name}", title="Duplicated", timeout=3)

    @work(group="pipelines-dialog", exclusive=True, exit_on_error=False)
    async def action_delete(self) -> None:
        from watchfiles import Change

        from workbench.app.screens.dialogs.editor_dialogs import Choice, ChoiceDialog

        entry = self.highlighted
        if entry is None:
            return
        choice = await self.app.push_screen_wait(
            ChoiceDialog(
                f"Delete {entry.path.name}?",
                f"The file {entry.path.name} is removed from {entry.path.parent.name}/. "
                "Its recorded runs stay in the history.",
                [Choice("Keep it", "keep", "primary"), Choice("Delete", "delete", "error")],
                id="confirm-delete",
            )
        )
        if choice != "delete":
            return
        try:
            entry.path.unlink()
        except OSError as exc:
            self.notify(
                f"Could not delete {entry.path.name}: {exc}", title="Not deleted", severity="error"
            )
            return
        self.workbench.apply_changes([(Change.deleted, str(entry.path))])
        self.show_project(self.workbench.project)
        self.notify(f"{entry.path.name} deleted", title="Deleted", timeout=3)

    def palette_commands(self) -> Iterable[PaletteCommand]:
        entry = self.highlighted
        if entry is not None:
            yield PaletteCommand(
                f"pipeline: Open highlighted ({entry.name})",
                lambda: self.workbench.open_pipeline(entry.path, view="graph"),
                "Open the pipeline under the cursor in the graph",
            )
            yield PaletteCommand(
                f"pipeline: Duplicate {entry.name}", self.action_duplicate, "A copy of the file (D)"
            )
            yield PaletteCommand(
                f"pipeline: Delete {entry.name}",
                self.action_delete,
                "Remove the file, after asking",
            )


def free_name(folder: Path, stem: str) -> str:
    """``sales-copy.toml``, or ``sales-copy-2.toml`` and on: a file name not taken yet."""
    candidate = f"{stem}-copy.toml"
    number = 2
    while (folder / candidate).exists():
        candidate = f"{stem}-copy-{number}.toml"
        number += 1
    return candidate


_NAME_LINE = re.compile(r"""(?m)^(\s*name\s*=\s*)(["'])(.*?)\2""")


def renamed(text: str, name: str) -> str:
    """The file's text with the pipeline's ``name`` changed, comments and all kept.

    Only the first ``name =`` line after ``[pipeline]`` changes; a file without
    one is copied as it is (its name then comes from the file name).
    """
    header = text.find("[pipeline]")
    if header < 0:
        return text
    match = _NAME_LINE.search(text, header)
    if match is None:
        return text
    quote = match.group(2)
    return text[: match.start(3)] + name.replace(quote, "") + text[match.end(3) :]
