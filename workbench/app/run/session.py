"""RunSession: the run view's state and policy, free of Textual.

The run screen draws a :class:`RunSession` and sends it commands; everything a
person can decide about a run lives here, so it is testable without a terminal:

- the options of the next runs: step mode, breakpoints, parameter overrides,
  the cache mode and the stages forced to rerun, the executor picked;
- which stages a run covers: the whole pipeline, what failed last time and its
  downstream (:meth:`RunSession.plan_failed`), or a stage and its downstream
  (:meth:`RunSession.plan_from`), both seeded with the context the last run left;
- the run going on (its :class:`Runner` and :class:`RunController`) and the last
  finished run, the source of those partial runs.

Breakpoints are kept once: the session's set is the one the running runner
reads, so a breakpoint set or cleared while a run goes on takes effect at once
and is never copied back and forth.

A command that cannot be carried out raises :class:`RunRefused` with the words
the screen shows; nothing is changed then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench.app.run.controller import (
    RunController,
    failed_and_downstream,
    from_stage,
    missing_inputs,
    seeded_store,
)
from workbench.engine.cache.session import RunCache
from workbench.engine.context import ContextStore
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.runner import Runner, RunResult
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.run.executor_choice import ExecutorChoice
    from workbench.engine.run.executors import Executor

CacheMode = Literal["use", "force", "off"]
CACHE_MODES: dict[CacheMode, str] = {
    "use": "Up-to-date stages are reused from the cache.",
    "force": "Every stage reruns; results are still recorded.",
    "off": "The cache is neither read nor written.",
}
"""What each cache mode does, in the words the run view says when it is chosen."""

NO_PIPELINE = "No pipeline is open. Press p to choose one."

Severity = Literal["information", "warning", "error"]
"""How loudly a refusal is said (the app's notification levels)."""


class RunRefused(Exception):
    """A run command that cannot be carried out now, with what to tell the person."""

    def __init__(self, title: str, message: str, severity: Severity = "warning") -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.severity = severity


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What a run will cover: ``only`` None for the whole pipeline; ``store`` the seeded
    context of a partial run; ``force`` stages rerun even when cached."""

    label: str
    only: list[str] | None = None
    store: ContextStore | None = None
    force: frozenset[str] = field(default_factory=frozenset)


class RunSession:
    """One pipeline's runs in the app: options, the run going on, the last result."""

    def __init__(self) -> None:
        self.pipeline: Pipeline | None = None
        """The open pipeline (it may be invalid: it then cannot run)."""
        self.controller = RunController()
        """Per-stage state of the run going on, or of the last one, or of none yet."""
        self.runner: Runner | None = None
        """The run going on; None between runs."""
        self.last_result: RunResult | None = None
        """The last finished run of this session, the source of partial re-runs."""
        self.overrides: dict[str, Any] = {}
        """Parameter values set in the form, applied to every run."""
        self.step_mode = False
        """Pause before every stage."""
        self.breakpoints: set[str] = set()
        """Stages to pause before; the very set a running runner reads."""
        self.cache_mode: CacheMode = "use"
        """``use`` reuses up-to-date stages; ``force`` reruns all (and records); ``off``."""
        self.force_stages: set[str] = set()
        """Stages the next runs rerun even when cached (``--force-stage``)."""
        self.executor_choice: ExecutorChoice | None = None
        """The executor a person picked in the run options; None follows the files."""
        self.collapsed: set[str] = set()
        """Composite stages whose children the view folds away (shown by default)."""
        self.failure: str | None = None
        """Why the last run stopped without a result (it raised: a before-run hook, the
        executor's set-up); None when it ended with one."""

    # -- the open pipeline ---------------------------------------------------------------
    def show_pipeline(self, pipeline: Pipeline | None) -> bool:
        """Follow the open pipeline. Returns whether the stages shown were reset.

        Breakpoints on stages that are gone are dropped. A run in progress keeps its
        own stages until it ends.
        """
        self.pipeline = pipeline
        if pipeline is None:
            self.breakpoints.clear()
            return False
        self.breakpoints &= set(pipeline.stages)
        self.force_stages &= set(pipeline.stages)
        self.collapsed &= set(pipeline.stages)
        if self.running:
            return False
        self.controller = RunController(self.order_of(pipeline))
        self.controller.watch_composites(pipeline)
        return True

    @staticmethod
    def order_of(pipeline: Pipeline) -> list[str]:
        """The stages in run order; file order when a cycle leaves no run order."""
        if pipeline.graph.cycle is None:
            return list(pipeline.graph.order)
        return list(pipeline.stages)

    # -- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.runner is not None

    @property
    def paused(self) -> bool:
        return self.runner is not None and self.controller.pause is not None

    # -- options -----------------------------------------------------------------------------
    def toggle_step_mode(self) -> bool:
        """Step mode on or off; turned off while paused, the run goes on. Returns the new mode."""
        self.step_mode = not self.step_mode
        runner = self.runner
        if runner is not None:
            if self.step_mode:
                runner.step_mode = True
            elif runner.paused_at is not None:
                runner.resume()
            else:
                runner.step_mode = False
        return self.step_mode

    def toggle_breakpoint(self, stage_id: str) -> bool:
        """Set or clear a breakpoint, for the run going on too. Returns whether it is set."""
        if stage_id in self.breakpoints:
            self.breakpoints.discard(stage_id)
            return False
        self.breakpoints.add(stage_id)
        return True

    def toggle_children(self, stage_id: str) -> bool:
        """Fold a composite's children away or show them again. Returns whether shown.

        Only a composite stage has children; for any other stage nothing changes.
        """
        state = self.controller.states.get(stage_id)
        if state is None or not state.children:
            return False
        self.collapsed ^= {stage_id}
        return stage_id not in self.collapsed

    def has_children(self, stage_id: str | None) -> bool:
        state = self.controller.states.get(stage_id or "")
        return state is not None and bool(state.children)

    def cycle_cache_mode(self) -> CacheMode:
        """use -> force -> off -> use: for the next runs."""
        order: list[CacheMode] = ["use", "force", "off"]
        self.cache_mode = order[(order.index(self.cache_mode) + 1) % len(order)]
        return self.cache_mode

    def toggle_force(self, stage_id: str) -> bool:
        """Rerun a stage on the next runs even when it is up to date, or stop. Returns forced."""
        self.force_stages ^= {stage_id}
        return stage_id in self.force_stages

    def set_overrides(self, overrides: dict[str, Any]) -> None:
        self.overrides = dict(overrides)

    # -- controlling the run going on ---------------------------------------------------------
    def step(self) -> None:
        if self.runner is not None:
            self.runner.step()

    def resume(self) -> None:
        """Continue to the next breakpoint (step mode ends)."""
        if self.runner is not None:
            self.step_mode = False
            self.runner.resume()

    def run_to_end(self) -> None:
        """Run on, past every breakpoint (step mode ends)."""
        if self.runner is not None:
            self.step_mode = False
            self.runner.run_to_end()

    def cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()

    # -- what a run covers -------------------------------------------------------------------
    def plan_all(self) -> RunPlan:
        return RunPlan("Run")

    def plan_failed(self) -> RunPlan:
        """What failed in the last run and its downstream, on the context the last run left."""
        label = "Re-run failed"
        pipeline, last = self.pipeline, self.last_result
        if pipeline is None or last is None:
            raise RunRefused(label, "Nothing has run yet in this session.", "information")
        selection = failed_and_downstream(pipeline, last)
        if not selection:
            raise RunRefused(label, "Every stage succeeded in the last run.", "information")
        return self._partial(pipeline, last, selection, label)

    def plan_from(self, stage_id: str) -> RunPlan:
        """A stage and its downstream, on the context the last run left; the stage reruns."""
        label = f"Run from {stage_id}"
        pipeline, last = self.pipeline, self.last_result
        if pipeline is None or stage_id not in pipeline.stages:
            raise RunRefused(label, f"{stage_id} is not a stage of the open pipeline.")
        if last is None:
            raise RunRefused(
                "Run from here",
                "Run the pipeline once first: a run from a stage reuses the context the "
                "last run left.",
            )
        selection = from_stage(pipeline, stage_id)
        return self._partial(pipeline, last, selection, label, frozenset({stage_id}))

    def _partial(
        self,
        pipeline: Pipeline,
        last: RunResult,
        selection: list[str],
        label: str,
        force: frozenset[str] = frozenset(),
    ) -> RunPlan:
        missing = missing_inputs(pipeline, last, selection)
        if missing:
            raise RunRefused(
                label,
                f"{', '.join(missing)} did not succeed in the last run, so its context "
                "cannot be reused. Run the whole pipeline (R).",
            )
        store = seeded_store(last.store, pipeline.parameters(self.overrides), selection)
        return RunPlan(label, selection, store, force)

    # -- starting and ending ----------------------------------------------------------------
    def start(
        self,
        plan: RunPlan,
        *,
        executor: Executor | None = None,
        cache_max_bytes: int | None = None,
    ) -> Runner:
        """Build the runner for ``plan`` and a fresh controller subscribed to it.

        Raises :class:`RunRefused` when a run is going on, no pipeline is open, the
        pipeline has problems or a parameter does not fit its field. The caller
        drives ``runner.run()`` and calls :meth:`finish` with its result.
        """
        label = plan.label
        pipeline = self.pipeline
        if self.running:
            raise RunRefused(label, "A run is in progress; cancel it first (x).", "information")
        if pipeline is None:
            raise RunRefused(label, NO_PIPELINE)
        if not pipeline.valid:
            raise RunRefused(
                label,
                f"{pipeline.name} has {counted(len(pipeline.problems), 'problem')}; "
                "the graph view lists them.",
                "error",
            )
        bound = pipeline.with_parameters(self.overrides)
        if not bound.valid:  # a parameter of the wrong type for a config field
            raise RunRefused("Parameters", bound.problems[0].describe(), "error")
        cache = None
        if self.cache_mode != "off":
            cache = RunCache.for_pipeline(
                bound,
                max_bytes=cache_max_bytes,
                force=self.cache_mode == "force",
                force_stages=(self.force_stages | plan.force) & set(pipeline.stages),
            )
        runner = Runner(
            pipeline,
            params=self.overrides,
            only=plan.only,
            step=self.step_mode,
            store=plan.store,
            cache=cache,
            executor=executor,
        )
        runner.breakpoints = self.breakpoints  # one set: toggles reach the run at once
        if plan.only is not None and self.last_result is not None:
            # A partial re-run still shows every stage: the others with what they left.
            chosen = set(runner.order)
            reused = {s: r for s, r in self.last_result.results.items() if s not in chosen}
            order = [s for s in pipeline.graph.order if s in chosen or s in reused]
            self.controller = RunController(order, reused)
        else:
            self.controller = RunController(runner.order)
        self.controller.watch_composites(runner.pipeline)
        runner.subscribe(self.controller.on_event)
        self.runner = runner
        self.failure = None
        return runner

    def finish(self, result: RunResult | None, failure: str | None = None) -> None:
        """The run ended with ``result``, or without one because of ``failure`` (it raised)."""
        self.runner = None
        self.failure = failure if result is None else None
        if result is not None:
            self.last_result = result
            if self.controller.result is None:
                self.controller.result = result

    # -- reading ------------------------------------------------------------------------------
    @property
    def store(self) -> ContextStore | None:
        """The context of the run going on, else of the last run."""
        if self.runner is not None:
            return self.runner.store
        if self.last_result is not None:
            return self.last_result.store
        return None

    def written_by(self, stage_id: str) -> list[str]:
        """The keys a finished stage wrote, first write first."""
        store = self.store
        state = self.controller.states.get(stage_id)
        if store is None or state is None or not state.status.finished:
            return []
        return list(dict.fromkeys(c.key for c in store.changes_by(stage_id)))
