"""The dry-run view: what a run of the open pipeline would do, or two plans side by side.

On the left the report (:class:`ReportView`) or a comparison
(:class:`ReportCompare`); on the right the pipeline's graph. Selecting a stage
in either selects it in the other. ``c`` chooses what to compare with (the
pipeline as edited against as saved, another pipeline, other parameters, or a
past run), ``x`` goes back to the single report, ``j`` / ``m`` export what is
shown as JSON / Markdown under the project's ``out/dry-run/`` and ``w`` asks for
the file. ``o`` folds a selected composite's child operations into one line,
and shows them again (offered in the footer only on a composite, as in the
run view).

Reports are built in a thread worker: a plan may read files or make HTTP HEAD
requests. When another pipeline is opened (or the open one reloads), the view
goes back to its single report, since a comparison made against the old file
would no longer say what it claims.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher
from textual.worker import Worker, WorkerState

from workbench.app.catalog import checked
from workbench.app.editing.session import EditSession
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.screens.dialogs.dry_run_dialogs import (
    CompareMenu,
    ExportPath,
    ParametersForm,
    PickPipeline,
    PickRun,
)
from workbench.app.widgets.graph.dag_view import DagView
from workbench.app.widgets.report.report_compare import ReportCompare
from workbench.app.widgets.report.report_view import ReportView, StageItems
from workbench.engine.dryrun.compare import (
    Comparison,
    compare_edited,
    compare_parameters,
    compare_pipelines,
    plan_against_run,
    report_with_history,
)
from workbench.engine.dryrun.export import (
    EXPORT_DIR,
    SUFFIX,
    Exportable,
    ExportFormat,
    default_name,
    format_for,
    write_export,
)
from workbench.engine.dryrun.models import DryRunReport
from workbench.engine.errors import WorkbenchError
from workbench.engine.history.store import DB_NAME, STATE_DIR, History, RunRecord
from workbench.engine.pipeline import Pipeline
from workbench.engine.secrets import SecretPolicy, split_context

NO_PIPELINE = "No pipeline is open. Press p to choose one; its dry run shows here."
BUILDING = "Planning…"

Job = Callable[[], Exportable]
"""Builds what the view shows; runs in a thread."""


class DryRunScreen(WorkbenchScreen):
    """Preview a run before making it; compare before changing."""

    CSS_PATH = "dry_run.tcss"
    BINDINGS = [
        Binding("c", "compare", "Compare…", id="dry-run-compare"),
        Binding("x", "single", "Single report", id="dry-run-single"),
        Binding("j", "export('json')", "Export JSON", id="dry-run-export-json"),
        Binding("m", "export('markdown')", "Export Markdown", id="dry-run-export-markdown"),
        Binding("w", "export_to", "Export to…", show=False, id="dry-run-export-to"),
        Binding("o", "toggle_children", "Children", id="dry-run-children"),
        Binding("f5", "refresh", "Re-plan", show=False, id="dry-run-refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown: Exportable | None = None
        """What the view shows now: a report, a comparison, or a plan against a run."""
        self._job: Job | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="dry-body"):
            with ContentSwitcher(initial="dry-report", id="dry-main"):
                yield ReportView(id="dry-report")
                yield ReportCompare(id="dry-compare")
            yield DagView(direction="TB", id="dry-dag")

    def on_mount(self) -> None:
        self.query_one(ReportView).border_title = "Dry run"
        self.query_one(ReportCompare).border_title = "Side by side"
        self.query_one(DagView).border_title = "Graph"
        super().on_mount()
        self.query_one("#dry-report OptionList").focus()

    # -- following the app ------------------------------------------------------------------
    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        dag = self.query_one(DagView)
        report = self.query_one(ReportView)
        self._switch("dry-report")
        if pipeline is None:
            dag.set_graph([], {}, [])
            report.show_message(NO_PIPELINE)
            self.shown = None
            return
        labels = {sid: ps.uses for sid, ps in pipeline.stages.items()}
        dag.set_graph(list(pipeline.graph.nodes), labels, pipeline.graph.edges)
        dag.set_statuses(dict.fromkeys(pipeline.stages))
        dag.border_subtitle = pipeline.path.name if pipeline.path else ""
        root = self.workbench.project.root
        self._start(lambda: report_with_history(pipeline, root=root))

    # -- building in a thread ---------------------------------------------------------------
    def _start(self, job: Job) -> None:
        self._job = job
        target = self.query_one(ReportView) if self._showing_single() else None
        if target is not None and target.report is None:
            target.show_message(BUILDING)
        self.build(job)

    @work(thread=True, group="dry-run", exclusive=True, exit_on_error=False)
    def build(self, job: Job) -> Exportable:
        return job()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "dry-run":
            return
        if event.state is WorkerState.SUCCESS:
            self._show(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            title = error.title if isinstance(error, WorkbenchError) else "Dry run failed"
            message = error.message if isinstance(error, WorkbenchError) else str(error)
            if self.shown is None or isinstance(self.shown, DryRunReport):
                self.query_one(ReportView).show_message(f"{title}: {message}")
                self.shown = None
            self.notify(message, title=title, severity="error", timeout=8)

    def _show(self, item: Exportable | None) -> None:
        if item is None:
            return
        self.shown = item
        dag = self.query_one(DagView)
        if isinstance(item, DryRunReport):
            self._switch("dry-report")
            self.query_one(ReportView).show_report(item)
            self._graph_of(item)
        elif isinstance(item, Comparison):
            self._switch("dry-compare")
            self.query_one(ReportCompare).show_comparison(item)
            self._graph_of(item.left, item.right)
        else:
            self._switch("dry-compare")
            self.query_one(ReportCompare).show_plan_against_run(item)
            self._graph_of(item.report)
            dag.set_statuses({s.stage_id: s.status for s in item.run.stages})
        self.refresh_bindings()

    def _graph_of(self, *reports: DryRunReport) -> None:
        """Draw the union of the reports' graphs, so every row of a comparison has a box."""
        labels: dict[str, str] = {}
        edges: dict[tuple[str, str], None] = {}
        for report in reports:
            for plan in report.stages:
                labels.setdefault(plan.stage_id, plan.uses)
                edges.update(dict.fromkeys((parent, plan.stage_id) for parent in plan.depends_on))
        dag = self.query_one(DagView)
        dag.set_graph(list(labels), labels, list(edges))
        dag.set_statuses(dict.fromkeys(labels))

    def _switch(self, which: str) -> None:
        switcher = self.query_one(ContentSwitcher)
        self.set_class(which == "dry-compare", "-comparing")
        if switcher.current != which:
            had_focus = self.focused is not None and self.focused is not self.query_one(DagView)
            switcher.current = which
            if had_focus:
                self.query_one(f"#{which} OptionList").focus()

    def _showing_single(self) -> bool:
        return self.query_one(ContentSwitcher).current == "dry-report"

    # -- the graph link ---------------------------------------------------------------------
    @on(StageItems.StageSelected)
    def _from_report(self, event: StageItems.StageSelected) -> None:
        self.query_one(DagView).select(event.stage_id)
        self.refresh_bindings()  # "o" (children) is offered on a composite only

    @on(DagView.StageSelected, "#dry-dag")
    def _from_graph(self, event: DagView.StageSelected) -> None:
        if self._showing_single():
            self.query_one(ReportView).select_stage(event.stage_id)
        else:
            self.query_one(ReportCompare).select_stage(event.stage_id)
        self.refresh_bindings()

    # -- choosing what to compare -----------------------------------------------------------
    def action_compare(self) -> None:
        if self.workbench.pipeline is None:
            self.notify(NO_PIPELINE, title="Nothing to compare")
            return
        notes = {}
        if self._edit_session() is None:
            notes["edited"] = "nothing is being edited right now"
        if not self._runs():
            notes["run"] = "no recorded runs of this pipeline yet"
        self.app.push_screen(CompareMenu(notes), self._chosen)

    def _chosen(self, choice: str | None) -> None:
        pipeline = self.workbench.pipeline
        if choice is None or pipeline is None:
            return
        root = self.workbench.project.root
        if choice == "edited":
            self._compare_edited()
        elif choice == "pipeline":
            project = self.workbench.project
            others = [e for e in self.workbench.catalog if e.path != self.workbench.pipeline_path]
            # (A file the app has not checked yet is checked here: a wrong "✘" would hide it.)
            entries = [(e.path, e.name, e.valid) for e in (checked(e, project) for e in others)]
            if not entries:
                self.notify("This project has no other pipeline file.", title="Nothing to compare")
                return

            def other(path: Path | None) -> None:
                if path is not None:
                    right = self.workbench.project.load_pipeline(path)
                    self._start(lambda: compare_pipelines(pipeline, right, root=root))

            self.app.push_screen(PickPipeline(entries), other)
        elif choice == "parameters":

            def params(values: dict[str, object] | None) -> None:
                if values is not None:
                    self._start(lambda: compare_parameters(pipeline, {}, values, root=root))

            values = split_context(pipeline.spec.context)[0]
            policy = SecretPolicy.for_pipeline(pipeline)
            secret = {key for key in values if policy.is_secret(key)}
            self.app.push_screen(ParametersForm(values, secret), params)
        elif choice == "run":
            runs = self._runs()
            if not runs:
                self.notify(
                    f"{pipeline.name} has no recorded runs yet: run it (r) and come back.",
                    title="No runs to compare with",
                    severity="warning",
                )
                return

            def run(run_id: int | None) -> None:
                if run_id is not None:
                    self._start(lambda: plan_against_run(pipeline, run_id, root=root))

            self.app.push_screen(PickRun(runs), run)

    def _compare_edited(self) -> None:
        session = self._edit_session()
        if session is None:
            self.notify(
                "Nothing is being edited: change the pipeline in the editor first, "
                "then compare the edits with the saved file here.",
                title="No edits to compare",
                severity="warning",
                timeout=8,
            )
            return
        if session.path is None:
            self.notify(
                "The edited pipeline has never been saved, so there is no file to compare with.",
                title="No saved file",
                severity="warning",
            )
            return
        if not session.dirty:
            self.notify(
                f"The editor's {session.path.name} matches the saved file.",
                title="No unsaved edits",
            )
            return
        spec, path = session.spec, session.path
        registry, root = self.workbench.project.registry, self.workbench.project.root
        self._start(lambda: compare_edited(spec, path, registry, root=root))

    def _edit_session(self) -> EditSession | None:
        """What the editor is editing, as the app announced it (None: nothing yet)."""
        return self.workbench.edit_session

    def _runs(self) -> list[RunRecord]:
        pipeline = self.workbench.pipeline
        root = self.workbench.project.root
        if pipeline is None or not (root / STATE_DIR / DB_NAME).is_file():
            return []
        try:
            with History.open(root, create=False) as history:
                return history.list_runs(limit=30, pipeline=pipeline.name)
        except Exception:  # an unreadable history is the same as none here
            return []

    def action_single(self) -> None:
        self.show_pipeline(self.workbench.pipeline)

    def action_toggle_children(self) -> None:
        """``o``: fold the selected composite's child operations away, or show them again."""
        if self._showing_single():
            self.query_one(ReportView).toggle_children()

    def action_refresh(self) -> None:
        if self._job is not None:
            self._start(self._job)

    # -- export -----------------------------------------------------------------------------
    def action_export(self, fmt: ExportFormat, path: Path | None = None) -> None:
        if self.shown is None:
            self.notify("There is no report to export yet.", title="Nothing to export")
            return
        root = self.workbench.project.root
        try:
            written = write_export(self.shown, fmt, root, path)
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        shown = written.relative_to(root) if written.is_relative_to(root) else written
        self.notify(
            f"Wrote {shown}", title=f"Exported as {'JSON' if fmt == 'json' else 'Markdown'}"
        )

    def action_export_to(self) -> None:
        if self.shown is None:
            self.notify("There is no report to export yet.", title="Nothing to export")
            return
        suggestion = str(EXPORT_DIR / (default_name(self.shown) + SUFFIX["markdown"]))

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.action_export(format_for(path), path)

        self.app.push_screen(ExportPath(suggestion), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "single":
            return not self._showing_single()
        if action in ("export", "export_to"):
            return self.shown is not None
        if action == "toggle_children":
            return (
                self._showing_single()
                and self.query_one(ReportView).selected_composite() is not None
            )
        return True

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand("dry run: Compare with…", self.action_compare, "c")
        if self.shown is not None:
            yield PaletteCommand(
                "dry run: Export as JSON", lambda: self.action_export("json"), "under out/dry-run/"
            )
            yield PaletteCommand(
                "dry run: Export as Markdown",
                lambda: self.action_export("markdown"),
                "for a pull request or a ticket",
            )
            yield PaletteCommand("dry run: Export to…", self.action_export_to, "choose the file")
        yield PaletteCommand("dry run: Re-plan", self.action_refresh, "build the report again")
        if not self._showing_single():
            yield PaletteCommand("dry run: Single report", self.action_single, "x")
