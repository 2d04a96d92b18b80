"""The run screen: run the open pipeline and watch it, one row and one log per stage.

The run is an async worker (group ``run``) driving the engine's :class:`Runner`
on the app's loop; stages that block run in threads, so the screen never
freezes. Runner events go to a :class:`RunController`, which only records them;
a timer repaints what changed every :data:`REFRESH` seconds, so a thousand
stages finishing in a second cost a few repaints, not thousands.

Keys (screen-wide; free of the app's view keys p, g, s, r, q and the others):

- ``R`` / ``f5`` run the whole pipeline; ``F`` re-run what failed and its
  downstream; ``f`` run from the selected stage; ``x`` cancel the run.
- ``t`` step mode (pause before every stage), ``space`` step one stage, ``c``
  continue to the next breakpoint, ``G`` / ``end`` run to the end, ``b``
  toggle a breakpoint on the selected stage (in the list or the graph).
- ``P`` the run options: parameters and the executor (local, or a Dask cluster
  with its scheduler and dashboard shown), ``i`` the context inspector, ``/`` search the log
  (then ``n`` / ``N``), ``y`` copy the log.

The run's state and policy (options, breakpoints, partial runs, the last
result) live in a Textual-free :class:`~workbench.app.run.session.RunSession`;
this screen draws it and sends it the person's commands. Partial runs (re-run
failed, run from a stage) reuse the context the last run in this session left.
Every run is recorded in the project's history with source ``app``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.app.run.controller import Pause, StageState
from workbench.app.run.session import CACHE_MODES, NO_PIPELINE, RunPlan, RunRefused, RunSession
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.screens.dialogs.editor_dialogs import Choice, ChoiceDialog
from workbench.app.widgets.graph.dag_view import STATUS_MARKS, DagView
from workbench.app.widgets.run.context_inspector import ContextInspector
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.run_executor import RunExecutor
from workbench.app.widgets.run.run_params import RunParams, toml_literal
from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.app.widgets.run.stage_result import StageResultHeader
from workbench.engine.errors import UsageError
from workbench.engine.history.recorder import HistoryRecorder
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.runner import Runner, RunResult
from workbench.engine.secrets import SecretPolicy, split_context
from workbench.engine.stage import StageStatus
from workbench.engine.units import counted, format_elapsed

if TYPE_CHECKING:
    from workbench.engine.run.dask_executor import DaskExecutor

REFRESH = 0.1
"""Seconds between repaints while a run is going."""

COUNT_ORDER = (
    StageStatus.SUCCESS,
    StageStatus.CACHED,
    StageStatus.PARTIAL,
    StageStatus.FAILURE,
    StageStatus.SKIPPED,
    StageStatus.CANCELLED,
    StageStatus.RUNNING,
    StageStatus.PAUSED,
)
STATUS_STYLE = {
    StageStatus.SUCCESS: "$text-success",
    StageStatus.CACHED: "$text-secondary",
    StageStatus.PARTIAL: "$text-warning",
    StageStatus.FAILURE: "$text-error",
    StageStatus.SKIPPED: "$foreground-muted",
    StageStatus.CANCELLED: "$text-error",
    StageStatus.RUNNING: "$text-primary",
    StageStatus.PAUSED: "$text-warning",
}


class SummaryBar(Widget):
    """One line about the run. Repainted, never re-laid out: it changes every tick."""

    DEFAULT_CSS = """
    SummaryBar { height: 1; }
    """

    content: reactive[Content] = reactive(Content(""), layout=False)
    """The line shown."""

    def render(self) -> Content:
        return self.content


class RunScreen(WorkbenchScreen):
    """Run the open pipeline, step through it, and read each stage's log."""

    CSS_PATH = "run.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-high")]
    """Below 30 rows the graph and the result header give rows to the log (run.tcss)."""

    BINDINGS = [
        Binding("R", "run_all", "Run", id="run-all"),
        Binding("f5", "run_all", "Run", show=False, id="run-all-f5"),
        Binding("F", "run_failed", "Re-run failed", id="run-failed"),
        Binding("f", "run_from", "Run from", id="run-from"),
        Binding("x", "cancel", "Cancel", id="run-cancel"),
        Binding("t", "toggle_step", "Step mode", id="run-step-mode"),
        Binding("space", "step", "Step", id="run-step"),
        Binding("c", "continue", "Continue", id="run-continue"),
        Binding("G", "run_to_end", "Run to end", id="run-to-end"),
        Binding("end", "run_to_end", "Run to end", show=False, id="run-to-end-end"),
        Binding("b", "toggle_breakpoint", "Break", id="run-breakpoint"),
        Binding("o", "toggle_children", "Children", id="run-children"),
        Binding("P", "toggle_params", "Params", id="run-params"),
        Binding("i", "toggle_inspector", "Context", id="run-inspector"),
        Binding("slash", "search_log", "Search log", key_display="/", show=False, id="run-search"),
        Binding("ctrl+c", "copy_text", "Copy log", id="run-copy"),
        Binding(
            "z",
            "zoom",
            "Zoom",
            tooltip="Zoom: the graph (when it has focus) or the log fills the view",
            id="run-zoom",
        ),
        Binding("C", "cycle_cache", "Cache mode", show=False, id="run-cache-mode"),
        Binding(
            "exclamation_mark",
            "force_stage",
            "Force stage",
            key_display="!",
            show=False,
            id="run-force-stage",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.session = RunSession()
        """The run's state and policy; this screen draws it and sends it commands."""
        self._timer: Timer | None = None
        self._selected: str | None = None
        self._failure_opened = False
        self._last_pause: Pause | None = None
        self._summary = ""

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield SummaryBar(id="run-summary")
        yield Static("", id="run-banner")
        with Horizontal(id="run-body"):
            yield StageStatusList(id="run-stages")
            with Vertical(id="run-main"):
                yield DagView(id="run-dag")
                yield Static("", id="run-next")
                yield StageResultHeader(id="run-result")
                yield LogPane(id="run-log")
            with Vertical(id="run-side"):
                yield RunParams(id="run-params")
                yield RunExecutor(id="run-executor")
                yield ContextInspector(id="run-context")

    def on_mount(self) -> None:
        self.query_one(StageStatusList).border_title = "Stages"
        self.query_one(DagView).border_title = "Graph"
        self.query_one(RunParams).border_title = "Parameters"
        self.query_one(ContextInspector).border_title = "Context"
        self.query_one(ContextInspector).clear_context("no run yet")
        self.query_one(LogPane).border_title = "Log"
        self.query_one("#run-next", Static).border_title = "Next stage"
        self._timer = self.set_interval(REFRESH, self._flush, pause=True)
        super().on_mount()
        self.query_one(StageStatusList).focus()

    # -- the app's news --------------------------------------------------------------------
    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        session = self.session
        reset = session.show_pipeline(pipeline)
        dag = self.query_one(DagView)
        params = self.query_one(RunParams)
        if pipeline is None:
            dag.set_graph([], {}, [])
            params.set_parameters({}, {})
            self._show_order([], NO_PIPELINE)
            self._set_summary(Content(NO_PIPELINE))
            return
        labels = {sid: ps.uses for sid, ps in pipeline.stages.items()}
        if pipeline.graph.cycle is None:
            dag.set_graph(list(pipeline.graph.order), labels, pipeline.graph.edges)
        else:
            dag.set_graph(list(pipeline.graph.nodes), labels, pipeline.graph.edges)
        values = split_context(pipeline.spec.context)[0]
        policy = SecretPolicy.for_pipeline(pipeline)
        secret = [key for key in values if policy.is_secret(key)]
        params.set_parameters(values, session.overrides, secret)
        if session.executor_choice is None:
            from workbench.engine.run.executor_choice import choose_executor

            settings = self.workbench.project.settings.executor
            self.query_one(RunExecutor).set_choice(choose_executor(pipeline, settings))
        if not reset:
            return  # the run in progress keeps its own stages until it ends
        order = session.controller.order
        empty = "" if pipeline.valid else f"{pipeline.name} has problems; fix them to run it."
        self._show_order(order, empty)
        dag.set_statuses({sid: None for sid in order})
        self._refresh_summary()
        self._show_banner()

    def _show_order(self, order: list[str], empty: str = "") -> None:
        stages = self.query_one(StageStatusList)
        stages.set_stages(order, self.session.controller.states, empty or NO_PIPELINE)
        stages.set_breakpoints(self.session.breakpoints)
        stages.set_collapsed(self.session.collapsed)
        self._show_log(stages.selected)

    # -- state ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.session.running

    @property
    def paused(self) -> bool:
        return self.session.paused

    # -- starting runs ----------------------------------------------------------------------
    def _catch_up(self) -> None:
        """Take in a pipeline opened a moment ago whose signal has not reached us yet
        (a screen that was not showing gets it on its next turn)."""
        if self.session.pipeline is not self.workbench.pipeline:
            self.show_pipeline(self.workbench.pipeline)

    def action_run_all(self) -> None:
        self._catch_up()
        self.start_run(self.session.plan_all())

    def action_run_failed(self) -> None:
        self._catch_up()
        self._try_plan(self.session.plan_failed)

    def action_run_from(self) -> None:
        self._catch_up()
        stage = self._selected
        if stage is None:
            return
        self._try_plan(lambda: self.session.plan_from(stage))

    def _try_plan(self, plan: Callable[[], RunPlan]) -> None:
        try:
            chosen: RunPlan = plan()
        except RunRefused as refused:
            self._say_refused(refused)
            return
        self.start_run(chosen)

    def _say_refused(self, refused: RunRefused) -> None:
        self.notify(refused.message, title=refused.title, severity=refused.severity)

    def start_run(self, plan: RunPlan) -> Runner | None:
        """Start the run ``plan`` describes (built by the session) and follow it."""
        session = self.session
        pipeline = session.pipeline
        executor = None
        if pipeline is not None and pipeline.valid and not session.running:
            try:
                executor = self.query_one(RunExecutor).choice.build(pipeline)
            except UsageError as exc:  # Dask chosen but not installed: say how to install it
                self.notify(exc.message, title=plan.label, severity="error")
                return None
        try:
            runner = session.start(
                plan,
                executor=executor,
                cache_max_bytes=self.workbench.project.settings.cache.max_size,
            )
        except RunRefused as refused:
            self._say_refused(refused)
            return None
        assert pipeline is not None
        self._failure_opened = False
        project = self.workbench.project
        # A broken, locked or unwritable history is said once and never stops the run.
        recorder = HistoryRecorder.attach(
            project.root,
            runner,
            source="app",
            warn=self._warn_history,
            settings=project.settings.history,
        )
        self._show_order(session.controller.order)
        # Pending stages carry no mark: a fresh graph needs no repaint to start a run.
        self.query_one(DagView).set_statuses(
            {
                sid: state.status.value if state.reused else None
                for sid, state in session.controller.states.items()
            }
        )
        self._show_banner()
        self.sub_title = f"{pipeline.name} · running"
        if self._timer is not None:
            self._timer.resume()
        self._drive(runner, recorder, executor)
        self.refresh_bindings()
        return runner

    def _warn_history(self, message: str) -> None:
        self.notify(message, title="History", severity="warning", timeout=10)

    @work(group="run", exit_on_error=False)
    async def _drive(
        self, runner: Runner, recorder: HistoryRecorder | None, executor: DaskExecutor | None
    ) -> RunResult:
        """The run itself, on the app's loop; blocking stages go to threads, or to a
        Dask cluster started (or reached) first and closed after."""
        try:
            if executor is None:
                return await runner.run()
            options = self.query_one(RunExecutor)
            options.show_cluster(f"starting {executor.describe()}…")
            async with executor:
                options.show_cluster(executor.describe())
                return await runner.run()
        finally:
            if recorder is not None:
                recorder.close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "run" or not worker.is_finished:
            return
        failure = None
        if event.state is WorkerState.ERROR:
            error = worker.error
            failure = str(getattr(error, "message", None) or error)
            self.notify(f"The run stopped: {worker.error}", title="Run", severity="error")
        self._run_ended(worker.result if event.state is WorkerState.SUCCESS else None, failure)

    def _run_ended(self, result: RunResult | None, failure: str | None = None) -> None:
        self.session.finish(result, failure)
        self._flush()
        if self._timer is not None:
            self._timer.pause()
        if result is not None:
            self._announce(result)
        elif failure is not None and self.session.pipeline is not None:
            self.sub_title = f"{self.session.pipeline.name} · ✘ FAILED"
        self._refresh_summary()
        self._show_banner()
        self._show_context()
        self._show_log(self._selected)  # its title names the worker that ran it
        self.refresh_bindings()

    def _announce(self, result: RunResult) -> None:
        name = result.pipeline
        took = self._took(result)
        if result.status is StageStatus.SUCCESS:
            self.sub_title = f"{name} · ✔ succeeded in {took}"
            self.notify(f"{name} succeeded in {took}", title="Run finished")
        elif result.status is StageStatus.CANCELLED:
            self.sub_title = f"{name} · ■ cancelled"
            self.notify(
                f"{name} was cancelled after {took}", title="Run cancelled", severity="warning"
            )
        else:
            failed = [s for s, r in result.results.items() if r.status is StageStatus.FAILURE]
            self.sub_title = f"{name} · ✘ FAILED"
            self.notify(
                f"{name} failed: {', '.join(failed[:3]) or 'see the stages'}"
                + (" …" if len(failed) > 3 else ""),
                title="Run failed",
                severity="error",
            )

    # -- quitting -------------------------------------------------------------------------
    def has_unsaved_changes(self) -> bool:
        """A run in progress counts: quitting would cancel it, so the app asks first."""
        return self.running

    @work(group="run-dialog", exit_on_error=False, exclusive=True)
    async def ask_before_quit(self) -> None:
        """``q`` during a run: cancel it and quit, or keep it running."""
        name = self.workbench.pipeline.name if self.workbench.pipeline else "The pipeline"
        choice = await self.app.push_screen_wait(
            ChoiceDialog(
                "A run is in progress",
                f"{name} is still running. Quitting cancels the run (it is recorded as cancelled).",
                [
                    Choice("Keep running", "stay", "primary"),
                    Choice("Cancel it and quit", "quit", "error"),
                ],
                id="confirm-quit-run",
            )
        )
        if choice != "quit":
            return
        if self.session.running:
            self.session.cancel()
            for worker in list(self.workers):
                if worker.group == "run":
                    # The run records itself as cancelled first; a failure is reported already.
                    with suppress(Exception):
                        await worker.wait()
        self.app.exit()

    # -- copying -----------------------------------------------------------------------------
    def action_copy_text(self) -> None:
        """ctrl+c: the text selected with the mouse, else the selected stage's whole log.

        It works whichever pane has focus: the log shown is the one being looked at.
        """
        if self.get_selected_text():
            super().action_copy_text()
        else:
            self.query_one(LogPane).action_copy_log()

    # -- controlling a run ------------------------------------------------------------------
    def action_cancel(self) -> None:
        self.session.cancel()

    def action_toggle_step(self) -> None:
        self.session.toggle_step_mode()
        self._refresh_summary()
        self.refresh_bindings()

    def action_step(self) -> None:
        self.session.step()

    def action_continue(self) -> None:
        if self.session.running:
            self.session.resume()
            self._refresh_summary()

    def action_run_to_end(self) -> None:
        if self.session.running:
            self.session.run_to_end()
            self._refresh_summary()

    def action_toggle_breakpoint(self) -> None:
        stage = self._selected
        if stage is None:
            return
        self.session.toggle_breakpoint(stage)
        self.query_one(StageStatusList).set_breakpoints(self.session.breakpoints)
        self._refresh_summary()

    def action_toggle_children(self) -> None:
        """``o``: fold a composite's children away, or show them again."""
        stage = self._selected
        if stage is None or not self.session.has_children(stage):
            return
        self.session.toggle_children(stage)
        self.query_one(StageStatusList).set_collapsed(self.session.collapsed)

    def action_cycle_cache(self) -> None:
        """Reuse cached results, rerun everything, or leave the cache alone: for the next runs."""
        mode = self.session.cycle_cache_mode()
        self.notify(CACHE_MODES[mode], title="Cache")
        self._refresh_summary()

    def action_force_stage(self) -> None:
        """Rerun the selected stage on the next runs even when it is up to date."""
        stage = self._selected
        if stage is None:
            return
        forced = self.session.toggle_force(stage)
        self.notify(
            f"{stage} {'reruns' if forced else 'is reused when up to date'} on the next runs.",
            title="Force stage",
        )
        self._refresh_summary()

    def action_toggle_params(self) -> None:
        self._toggle_side("-params", self.query_one(RunParams))

    def action_toggle_inspector(self) -> None:
        # The inspector opens beside the list without taking focus: space (step) and
        # the cursor keys keep working on the stages.
        self.toggle_class("-context")
        self._show_context()

    def _toggle_side(self, name: str, widget: Any) -> None:
        self.toggle_class(name)
        if self.has_class(name):
            widget.focus()
        else:
            self.query_one(StageStatusList).focus()

    def action_zoom(self) -> None:
        """``z``: the graph (when it has focus) or the log fills the view; again to restore."""
        if self.maximized is not None:
            self.minimize()
            return
        dag = self.query_one(DagView)
        target: Widget = dag if dag.has_focus else self.query_one(LogPane)
        self.maximize(target, container=False)

    def action_search_log(self) -> None:
        self.query_one(LogPane).action_open_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("run_all", "run_failed", "run_from"):
            return not self.running and self.workbench.pipeline is not None
        if action == "cancel":
            return self.running
        if action in ("step", "continue", "run_to_end"):
            return self.paused
        if action == "toggle_children":
            return self.session.has_children(self._selected)
        return True

    # -- selection --------------------------------------------------------------------------
    @on(StageStatusList.StageSelected, "#run-stages")
    def _on_list_selected(self, event: StageStatusList.StageSelected) -> None:
        self._select(event.stage_id)

    @on(DagView.StageSelected, "#run-dag")
    def _on_graph_selected(self, event: DagView.StageSelected) -> None:
        self._select(event.stage_id)

    def _select(self, stage_id: str | None) -> None:
        if stage_id == self._selected:
            return
        self._selected = stage_id
        # Set in code, so neither pane posts it back (that echo froze the app).
        self.query_one(StageStatusList).select(stage_id)
        self.query_one(DagView).select(stage_id)
        self._show_log(stage_id)
        self._show_context()
        self.refresh_bindings()  # "o" (children) is offered on a composite only

    def _show_log(self, stage_id: str | None) -> None:
        pane = self.query_one(LogPane)
        state = self.session.controller.states.get(stage_id or "")
        self._show_result(stage_id)
        if stage_id is None or state is None:
            pane.border_title = "Log"
            pane.show(None, "Select a stage to read its log.")
            return
        where = f" · on {state.worker}" if state.worker else ""
        pane.border_title = f"Log · {stage_id}{where}"
        pane.show(state.log, _empty_log_text(state))

    def _show_result(self, stage_id: str | None) -> None:
        """The selected stage's result over its log: message, errors, exit code, writes."""
        header = self.query_one(StageResultHeader)
        state = self.session.controller.states.get(stage_id or "")
        pipeline = self.workbench.pipeline
        if stage_id is None or state is None:
            header.show_state(None, "", None, [])
            return
        uses = pipeline.stages[stage_id].uses if pipeline and stage_id in pipeline.stages else ""
        header.show_state(stage_id, uses, state, self.session.written_by(stage_id))

    def _show_context(self) -> None:
        if not self.has_class("-context"):
            return
        inspector = self.query_one(ContextInspector)
        store = self.session.store
        if store is None:
            inspector.clear_context("no run yet")
            return
        stage = self._selected
        finished = stage is not None and stage in store.finished_at
        inspector.show_live(store, stage if finished else None)

    @on(LogPane.Copied)
    def _on_copied(self, event: LogPane.Copied) -> None:
        self.notify(f"{event.lines:,} lines copied to the clipboard.", title="Log", timeout=2)

    @on(RunExecutor.Changed)
    def _on_executor(self, event: RunExecutor.Changed) -> None:
        self.session.executor_choice = event.choice

    @on(RunParams.Changed)
    def _on_params(self, event: RunParams.Changed) -> None:
        self.session.set_overrides(event.overrides)
        self._refresh_summary()

    # -- repainting -------------------------------------------------------------------------
    def _flush(self) -> None:
        """Repaint what the run changed since the last call (the timer's job)."""
        controller = self.session.controller
        dirty, news = controller.drain()
        stages = self.query_one(StageStatusList)
        if dirty:
            stages.refresh_stages(dirty)
            dag = self.query_one(DagView)
            states = controller.states
            for sid in dirty:
                status = states[sid].status
                dag.set_status(sid, None if status is StageStatus.PENDING else status.value)
        stages.tick()
        selected = self._selected
        if selected in dirty:
            self.query_one(LogPane).sync(_empty_log_text(controller.states[selected]))
            self._show_result(selected)
        if controller.first_failure is not None and not self._failure_opened:
            self._failure_opened = True
            self._select(controller.first_failure)
            self._show_log(controller.first_failure)
        elif selected in dirty and controller.states[selected].status.finished:
            self._show_context()
        if news:
            pause = controller.pause
            if pause is not None and pause != self._last_pause:
                self._select(pause.stage_id)  # show the next stage's log and context
            self._last_pause = pause
            self._show_banner()
            self._show_next()
            self._show_state_in_title()
            self._show_context()
            self.refresh_bindings()
        self._refresh_summary()

    def _show_state_in_title(self) -> None:
        pipeline = self.workbench.pipeline
        if pipeline is not None and self.running:
            self.sub_title = f"{pipeline.name} · " + ("⏸ paused" if self.paused else "running")

    def _refresh_summary(self) -> None:
        pipeline = self.workbench.pipeline
        if pipeline is None:
            return
        controller = self.session.controller
        counts = controller.counts()
        total = len(controller.order)
        done = sum(n for status, n in counts.items() if status.finished)
        result_shown = controller.result
        parts: list[Content] = [Content.styled(pipeline.name, "bold $text-primary")]
        if self.paused:
            state = Content.styled("⏸ paused", "bold $text-warning")
        elif self.running:
            state = Content.styled("● running", "bold $text-primary")
        elif self.session.failure is not None:
            state = _outcome(StageStatus.FAILURE)
        elif self.session.last_result is not None and controller.result is not None:
            state = _outcome(controller.result.status)
        else:
            state = Content.styled("ready", "$foreground-muted")
        parts += [
            Content("  "),
            state,
            Content.styled(f"  {done}/{total} done", "$foreground-muted"),
        ]
        for status in COUNT_ORDER:
            if counts.get(status):
                mark = STATUS_MARKS[status.value]
                parts.append(Content.styled(f"  {mark} {counts[status]}", STATUS_STYLE[status]))
        elapsed = controller.elapsed()
        if elapsed is not None:
            paused = controller.paused_seconds()
            note = f" run, {format_elapsed(paused)} paused" if paused >= 0.05 else ""
            parts.append(
                Content.styled(f"  ·  {format_elapsed(elapsed)}{note}", "$foreground-muted")
            )
        if result_shown is not None and result_shown.left_running and not self.running:
            parts.append(
                Content.styled(
                    f"  ·  {len(result_shown.left_running)} still running", "bold $text-error"
                )
            )
        if self.session.step_mode:
            parts.append(Content.styled("  ·  step mode", "bold $text-warning"))
        if self.session.breakpoints:
            n = len(self.session.breakpoints)
            parts.append(
                Content.styled(f"  ·  {counted(n, 'breakpoint')}", "$text-error")
            )
        if self.session.cache_mode != "use":
            parts.append(
                Content.styled(
                    "  ·  cache off" if self.session.cache_mode == "off" else "  ·  force all",
                    "$text-warning",
                )
            )
        if self.session.force_stages:
            parts.append(
                Content.styled(
                    f"  ·  force: {', '.join(sorted(self.session.force_stages))}", "$text-warning"
                )
            )
        if self.session.overrides:
            changed = ", ".join(f"{k}={toml_literal(v)}" for k, v in self.session.overrides.items())
            parts.append(Content.styled(f"  ·  params: {changed}", "$text-accent"))
        content = Content.assemble(*parts)
        self._set_summary(content)

    def _set_summary(self, content: Content) -> None:
        if content.plain != self._summary:
            self._summary = content.plain
            self.query_one(SummaryBar).content = content

    def _show_banner(self) -> None:
        banner = self.query_one("#run-banner", Static)
        banner.remove_class("-failed", "-paused", "-ok", "-cancelled", "-tall")
        pause = self.session.controller.pause if self.running else None
        result = self.session.controller.result
        failure = self.session.failure
        lines: list[str] = []
        kind = ""
        if failure is not None and not self.running:
            # The run raised instead of ending (a before-run hook, the executor's set-up).
            kind = "-failed"
            lines.append(f"✘  RUN FAILED before its stages ran: {failure} · R run again")
        elif pause is not None:
            kind = "-paused"
            why = "at a breakpoint" if pause.reason == "breakpoint" else "in step mode"
            lines.append(
                f"⏸  Paused before {pause.stage_id} ({why}) · space step · c continue · G run to end"
            )
        elif self.running or result is None:
            pass
        elif result.status is StageStatus.SUCCESS:
            kind = "-ok"
            lines.append(
                f"✔  Run succeeded: {len(result.results)} stages in {self._took(result)}"
                + self._reused_note()
            )
        elif result.status is StageStatus.CANCELLED:
            kind = "-cancelled"
            lines.append(f"■  Run cancelled after {self._took(result)} · R run again")
        else:
            kind = "-failed"
            if result.error is not None:
                # The runner itself broke: say so first, the stage counts after.
                lines.append(f"✘  RUN FAILED: the runner stopped on an error: {result.error}")
            counts = result.counts()
            failed = counts.get("failure", 0)
            skipped = counts.get("skipped", 0)
            lines.append(
                f"{'   ' if lines else '✘  RUN FAILED: '}{failed} failed, {skipped} skipped, "
                f"{counts.get('success', 0)} succeeded{self._reused_note()} · "
                "F re-run failed · f run from here"
            )
        if result is not None and result.left_running and lines and kind != "-paused":
            lines.append(
                "⚠  Still running after the run ended (they ignored cancellation; their "
                f"threads finish on their own): {', '.join(result.left_running)}"
            )
        if kind:
            banner.add_class(kind)
        if len(lines) > 1 or failure is not None:
            banner.add_class("-tall")  # room for a long error and a second line
        banner.update("\n".join(lines))

    def _took(self, result: RunResult) -> str:
        """``1.2s``, or ``1.2s (29.0s paused, not counted)`` after a stepped run."""
        paused = self.session.controller.paused_for
        active = format_elapsed(max(0.0, result.duration - paused))
        if paused >= 0.05:
            return f"{active} ({format_elapsed(paused)} paused, not counted)"
        return active

    def _reused_note(self) -> str:
        reused = len(self.session.controller.reused)
        return f", {reused} reused from the last run" if reused else ""

    def _show_next(self) -> None:
        panel = self.query_one("#run-next", Static)
        pause = self.session.controller.pause if self.running else None
        pipeline = self.workbench.pipeline
        if pause is None or pipeline is None or pause.stage_id not in pipeline.stages:
            panel.remove_class("-shown")
            return
        ps = pipeline.stages[pause.stage_id]
        store = self.session.store
        lines: list[Content] = [
            Content.assemble(
                Content.styled(pause.stage_id, "bold $text-warning"),
                Content.styled(f"  {ps.uses}", "$foreground-muted"),
            )
        ]
        if pause.reads:
            reads: list[Content] = [Content.styled("reads  ", "bold")]
            for key in pause.reads:
                present = store is not None and key in store
                mark, style = ("✔", "$text-success") if present else ("✘ missing", "$text-error")
                reads += [Content(f"{key} "), Content.styled(mark, style), Content("  ")]
            lines.append(Content.assemble(*reads))
        else:
            lines.append(Content.styled("reads  nothing declared", "$foreground-muted"))
        config = ps.spec.config
        if config:
            for key, value in config.items():
                lines.append(
                    Content.assemble(
                        Content.styled(f"{key} = ", "$foreground-muted"),
                        Content(toml_literal(value)),
                    )
                )
        else:
            lines.append(Content.styled("no config", "$foreground-muted"))
        panel.update(Content("\n").join(lines))
        panel.add_class("-shown")

    # -- palette ----------------------------------------------------------------------------
    def palette_commands(self) -> Iterable[PaletteCommand]:
        if not self.running:
            yield PaletteCommand("pipeline: Run", self.action_run_all, "Run the whole pipeline (R)")
            if self.session.last_result is not None:
                yield PaletteCommand(
                    "pipeline: Re-run failed",
                    self.action_run_failed,
                    "What failed and its downstream (F)",
                )
            if self._selected is not None:
                yield PaletteCommand(
                    f"pipeline: Run from {self._selected}",
                    self.action_run_from,
                    "This stage and its downstream, on the last run's context (f)",
                )
        else:
            yield PaletteCommand("pipeline: Cancel run", self.action_cancel, "Stop the run (x)")
        yield PaletteCommand(
            "run: Step mode " + ("off" if self.session.step_mode else "on"),
            self.action_toggle_step,
            "Pause before every stage (t)",
        )
        yield PaletteCommand(
            "run: Cache mode (now: " + self.session.cache_mode + ")",
            self.action_cycle_cache,
            "Reuse up-to-date stages, rerun all, or leave the cache alone (C)",
        )
        if self._selected is not None:
            forced = self._selected in self.session.force_stages
            yield PaletteCommand(
                f"run: {'Stop forcing' if forced else 'Force'} {self._selected}",
                self.action_force_stage,
                "Rerun this stage even when it is up to date (!)",
            )


def _empty_log_text(state: StageState) -> str:
    status = state.status
    if state.reused:
        return "Not run again: this stage's results were reused from the last run."
    if status is StageStatus.RUNNING:
        return "No log lines yet."
    if status in (StageStatus.SKIPPED, StageStatus.CANCELLED):
        return "This stage did not run to the end; it wrote no log lines."
    if status.finished:
        return "This stage wrote no log lines; its result is above."
    return "This stage has not started."


def _outcome(status: StageStatus) -> Content:
    if status is StageStatus.SUCCESS:
        return Content.styled("✔ succeeded", "bold $text-success")
    if status is StageStatus.CANCELLED:
        return Content.styled("■ cancelled", "bold $text-error")
    return Content.styled("✘ FAILED", "bold $text-error")
