"""The async runner: stages start as their dependencies finish, within a concurrency limit.

The scheduler is driven by completions, not polling: when a stage finishes, its
children's pending-dependency counts drop and those that reach zero start. The
runner decides *when* an attempt runs; an :class:`~workbench.engine.run.executors.Executor`
decides *how* it runs and how it is stopped (the default runs ``async def run`` on
the loop and a plain ``def run`` on the executor's own threads).

This module is the scheduling; how one stage's attempts run (cache, hooks,
retries, timeouts) is :mod:`~workbench.engine.run.attempts`, step mode is
:mod:`~workbench.engine.run.stepping`, and events reach subscribers (from any
thread) through :mod:`~workbench.engine.run.bridge`.

Every attempt gets its own :class:`~workbench.engine.run.cancellation.CancelToken`
through its context: on a timeout, a cancel or the end of the run the token is
cancelled first (``ctx.cancelled`` turns true, writes are refused) and only then
is the awaiting task cancelled. A retry waits until the previous attempt's code
has really stopped. A thread that ignores cancellation is reported by name and
left behind: it never holds up the run, nor the process (its thread is a daemon).

Nothing a stage does ends the run: ``SystemExit``, ``KeyboardInterrupt`` or any
other ``BaseException`` from stage code fails that stage alone. An unexpected
error in the runner itself ends the run as a failure naming the error
(:attr:`RunResult.error`), never a hang. Every walk over the graph is iterative.

Everything a person can do to a run goes through this object: subscribe to its
events, cancel it, and in step mode pause before stages and step, continue to the
next breakpoint, or run to the end. Before/after hooks (logging, timing,
checkpointing, UI progress) are registered by id and removed the same way.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, Protocol

from workbench.engine.context import ContextStore, ExecutionMode, StageContext
from workbench.engine.errors import HookError, RunStateError
from workbench.engine.events import PipelineFinished, PipelineStarted, StageFinished
from workbench.engine.pipeline import Pipeline, PipelineStage
from workbench.engine.project import importable
from workbench.engine.run.attempts import StageAttempts
from workbench.engine.run.bridge import EventBridge, Subscriber
from workbench.engine.run.executors import Executor, LocalExecutor
from workbench.engine.run.hooks import AfterHook, BeforeHook, Hooks, call_hook, with_file_hooks
from workbench.engine.run.stepping import Stepper
from workbench.engine.secrets import Secrets
from workbench.engine.stage import StageResult, StageStatus, now
from workbench.engine.units import counted
from workbench.engine.upstream import (
    note_missing_optional,
    optional_upstreams,
    upstream_lets_run,
)

__all__ = [
    "AfterHook",
    "BeforeHook",
    "Executor",
    "Hooks",
    "LocalExecutor",
    "RunResult",
    "Runner",
    "StageCache",
    "Subscriber",
]

log = logging.getLogger(__name__)

_YIELD_EVERY = 0.005
"""Seconds a worker may run stages back to back before letting the loop run."""
END_GRACE = 1.0
"""Seconds the end of a run waits for cancelled attempts to stop, in all; then it
reports those still running and ends without them."""


class StageCache(Protocol):
    """What the runner asks before and after each stage (see ``workbench.engine.cache``).

    ``lookup`` returns a finished (``cached``) result after restoring the stage's
    writes, or None to run it; ``record`` is told how every stage that ran ended;
    ``close`` is called once when the run ends. The cache must never fail a run:
    the runner logs what it raises and goes on as if it were not there.
    """

    async def lookup(
        self, sid: str, ps: PipelineStage, ctx: StageContext
    ) -> StageResult | None: ...

    async def record(
        self, sid: str, ps: PipelineStage, ctx: StageContext, result: StageResult
    ) -> None: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class RunResult:
    """A finished run: its overall status and every stage's result, in order."""

    pipeline: str
    status: StageStatus
    results: dict[str, StageResult] = field(repr=False)
    """Left out of the repr: ``asyncio.run`` formats its task's result when it puts the
    SIGINT handler back (twice), and that cost ~8 µs a stage of a cached run."""
    duration: float
    store: ContextStore = field(repr=False)
    error: str | None = None
    """An unexpected error inside the runner that ended the run (status failure)."""
    left_running: tuple[str, ...] = ()
    """Stages whose code was still running when the run ended (it ignored cancellation)."""

    @property
    def ok(self) -> bool:
        return self.status is StageStatus.SUCCESS

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for result in self.results.values():
            out[result.status.value] = out.get(result.status.value, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "pipeline": self.pipeline,
            "status": self.status.value,
            "duration_s": round(self.duration, 6),
            "stages": [
                {
                    "id": stage_id,
                    "status": r.status.value,
                    "duration_s": round(r.duration, 6),
                    "message": r.message,
                    "errors": list(r.errors),
                    "attempts": r.attempts,
                    "count": r.data.get("count"),
                    "unit": r.data.get("unit"),
                    "bytes_written": r.data.get("bytes_written", 0),
                    "data": r.data,
                    "worker": r.worker,
                }
                for stage_id, r in self.results.items()
            ],
        }
        if self.error is not None:
            out["error"] = self.error
        if self.left_running:
            out["left_running"] = list(self.left_running)
        return out


class Runner:
    """Runs one pipeline once. Create a new runner for each run."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        params: Mapping[str, Any] | None = None,
        concurrency: int | None = None,
        hooks: Hooks | None = None,
        only: Iterable[str] | None = None,
        step: bool = False,
        breakpoints: Iterable[str] = (),
        executor: Executor | None = None,
        store: ContextStore | None = None,
        record_changes: bool = True,
        cache: StageCache | None = None,
    ) -> None:
        pipeline = pipeline.with_parameters(params)
        if not pipeline.valid:
            raise RunStateError(
                f"pipeline {pipeline.name!r} has {counted(len(pipeline.problems), 'problem')}; "
                "fix them before running (`workbench validate` lists them): "
                + "; ".join(p.describe() for p in pipeline.problems[:3])
            )
        self.pipeline = pipeline
        self.concurrency = max(1, concurrency or pipeline.max_concurrency)
        self.hooks = hooks or Hooks()
        self.executor: Executor = executor or LocalExecutor()
        self.cache = cache
        if store is None:
            values = pipeline.parameters(params)
            store = ContextStore(
                values,
                ExecutionMode.LIVE,
                record=record_changes,
                secrets=Secrets.for_pipeline(pipeline, values),
            )
        self.store = store
        self.secrets = store.secrets
        """Masks secret values in every log line, message and error the run emits."""
        if only is None:
            self.order: list[str] = list(pipeline.graph.order)
        else:
            selected = set(only)
            self.order = [s for s in pipeline.graph.order if s in selected]
        self.status: dict[str, StageStatus] = dict.fromkeys(self.order, StageStatus.PENDING)
        self.results: dict[str, StageResult] = {}
        self.events = EventBridge(self.secrets)
        """The run's subscribers, and lines from stage threads on their way to them."""
        self._emit = self.events.emit
        self.stepper = Stepper(self.status, self._emit, step=step, breakpoints=breakpoints)
        """Step mode and breakpoints."""
        self._attempts: StageAttempts | None = None
        self._workers: dict[asyncio.Task[None], str | None] = {}
        """Each worker task and the stage it is running (None between stages)."""
        self._last_yield = 0.0
        self._cancelled = False
        self._stopping = False
        """Cancelled or failed: start nothing more."""
        self._error: str | None = None
        self._started = False
        self._done: asyncio.Future[None] | None = None
        self._started_at = 0.0
        self._remaining = len(self.order)
        self._left_running: list[str] = []
        self._optional = optional_upstreams(pipeline)
        """stage id -> upstream ids it needs only optionally (their failure does not skip it)."""
        self._missing_optional: dict[str, dict[str, StageStatus]] = {}

    # -- subscribing ---------------------------------------------------------------------
    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event; returns a function that unsubscribes."""
        return self.events.subscribe(subscriber)

    # -- control -------------------------------------------------------------------------
    @property
    def step_mode(self) -> bool:
        """Pause before every stage (the app turns it on and off during a run)."""
        return self.stepper.step_mode

    @step_mode.setter
    def step_mode(self, value: bool) -> None:
        self.stepper.step_mode = value

    @property
    def breakpoints(self) -> set[str]:
        """Stages the run pauses before."""
        return self.stepper.breakpoints

    @breakpoints.setter
    def breakpoints(self, value: set[str]) -> None:
        self.stepper.breakpoints = value

    @property
    def paused_at(self) -> str | None:
        """The stage the run is waiting before, in step mode or at a breakpoint."""
        return self.stepper.paused_at

    def toggle_breakpoint(self, stage_id: str) -> bool:
        """Returns whether the stage now has a breakpoint."""
        return self.stepper.toggle_breakpoint(stage_id)

    def step(self) -> None:
        """Run the stage we are paused before, then pause before the next one."""
        self.stepper.step()

    def resume(self) -> None:
        """Leave step mode and run until the next breakpoint."""
        self.stepper.resume()

    def run_to_end(self) -> None:
        """Leave step mode and ignore breakpoints for the rest of the run."""
        self.stepper.run_to_end()

    def cancel(self) -> None:
        """Cancel running stages; stages not started yet end as cancelled.

        Every running attempt sees ``ctx.cancelled`` at once (the run's token is
        cancelled before any task is), then its task is cancelled.
        """
        if self._cancelled:
            return
        self._cancelled = True
        self.store.cancel()
        self._stop()

    def _abort(self, exc: BaseException) -> None:
        """An unexpected error in the runner: end the run as a failure that names it."""
        if self._error is None:
            self._error = f"{type(exc).__name__}: {exc}"
            log.error("the runner failed: %s", self._error)
            log.debug("the runner failed", exc_info=exc)
        self.store.token.cancel(f"the runner failed ({self._error})")
        self._stop()

    def _stop(self) -> None:
        self._stopping = True
        for task in self._workers:
            task.cancel()
        self.stepper.stop()
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    # -- running -------------------------------------------------------------------------
    async def run(self) -> RunResult:
        if self._started:
            raise RunStateError("a runner runs once; create a new Runner to run again")
        self._started = True
        importable(self.pipeline.project_dir)
        self.hooks = with_file_hooks(self.hooks, self.pipeline)
        self._attempts = StageAttempts(
            self.pipeline,
            self.store,
            self.executor,
            self.hooks,
            self.cache,
            self.events,
            self.status,
            lambda: self._stopping,
        )
        for hook_id, hook in self.hooks.before_run.items():
            await call_hook(hook_id, hook, self.pipeline, self.store)
        loop = asyncio.get_running_loop()
        self.events.attach(loop)
        self._done = loop.create_future()
        self._started_at = now()
        interrupted: asyncio.CancelledError | None = None
        try:
            self.store.begin_run()
            self._prepare()
            self.executor.start(self.concurrency)
            self._emit(PipelineStarted(self.pipeline.name, tuple(self.order), self.concurrency))
            if self._remaining and not self._stopping:
                self._launch()
                await asyncio.shield(self._done)
        except asyncio.CancelledError as exc:
            # The task running us was cancelled (Ctrl+C): end every stage, tell the
            # subscribers how the run ended, then let the cancel go on.
            interrupted = exc
            self.cancel()
        except Exception as exc:
            self._abort(exc)
        try:
            await self._wind_down()
        except asyncio.CancelledError as exc:  # cancelled again while ending: end now
            interrupted = interrupted or exc
            self.cancel()
            self._finish_pending()
        except Exception as exc:
            self._abort(exc)
            self._finish_pending()
        self._close_cache()
        self.events.ended = True
        result = self.result()
        await self._after_run(result)
        self._emit(PipelineFinished(result))
        if interrupted is not None:
            raise interrupted
        return result

    async def _after_run(self, result: RunResult) -> None:
        """After-run hooks see the final result; one that fails is logged, not fatal."""
        for hook_id, hook in self.hooks.after_run.items():
            try:
                await call_hook(hook_id, hook, self.pipeline, result)
            except HookError as exc:
                log.error("%s", exc.message)
            except asyncio.CancelledError:
                log.error("after-run hook %r was cancelled", hook_id)

    def _prepare(self) -> None:
        """The scheduling state, by node number: who waits on how many, who is still open.

        Plain lists indexed by the graph's node numbers (no dict per stage), so a
        10,000-stage run starts in a couple of milliseconds.
        """
        graph = self.pipeline.graph
        self._names = names = graph.nodes
        self._index = graph.index
        n = len(names)
        rank = [-1] * n
        """Node -> its position in :attr:`order` (the ready heap's key), -1 when not run."""
        if len(self.order) == n:
            order_index = graph.order_index
            for position, node in enumerate(order_index):
                rank[node] = position
            self._children = graph.child_index
            self._waiting = list(map(len, graph.parent_index))
            self._open = bytearray(b"\x01") * n
        else:
            index = graph.index
            order_index = [index[sid] for sid in self.order]
            for position, node in enumerate(order_index):
                rank[node] = position
            parents = graph.parent_index
            self._children = [
                [c for c in kids if rank[c] >= 0] if rank[i] >= 0 else []
                for i, kids in enumerate(graph.child_index)
            ]
            self._waiting = [sum(1 for p in ps if rank[p] >= 0) for ps in parents]
            self._open = bytearray(n)
            for node in order_index:
                self._open[node] = 1
        self._rank = rank
        self._order_index = order_index
        self._ready: list[int] = [rank[i] for i in order_index if not self._waiting[i]]
        """Ranks of the stages ready to start: a heap, so ties go by order."""
        self._remaining = len(self.order)

    def _take_ready(self) -> str:
        """Pop the first ready stage and mark it waiting for its worker."""
        node = self._order_index[heapq.heappop(self._ready)]
        self._open[node] = 0
        sid = self._names[node]
        self.status[sid] = StageStatus.WAITING
        return sid

    async def _wind_down(self) -> None:
        """End what still runs, mark what never ran, give cancelled attempts a moment to stop.

        Runs on every way out of :meth:`run`. Attempts whose code is still running
        after :data:`END_GRACE` are reported by name and left behind: the store is
        closed first, so they see ``ctx.cancelled`` and can no longer write.
        """
        deadline = now() + END_GRACE
        if self._workers:
            for task in self._workers:
                task.cancel()
            _, stuck = await asyncio.wait(set(self._workers), timeout=END_GRACE)
            for task in stuck:  # an async stage that swallows its cancellation
                sid = self._workers.pop(task, None)
                if sid is not None and sid not in self.results:
                    self._left_running.append(sid)
                    self.events.report(sid, f"stage {sid!r} still running after it was cancelled")
                    self._record(
                        sid, StageResult.cancelled("left running: it ignores cancellation")
                    )
        self._finish_pending()
        attempts = self._attempts
        assert attempts is not None
        attempts.stop_watching()
        self.store.close()
        for sid, ctx, since in attempts.interrupted:
            if await self.executor.wait_stopped(ctx, max(0.0, deadline - now())):
                continue
            if sid not in self._left_running:
                self._left_running.append(sid)
            after = (
                "its timeout"
                if (ctx.token.reason or "").startswith("timed out")
                else ("it was cancelled")
            )
            self.events.report(
                sid,
                f"stage {sid!r} still running {perf_counter() - since:.1f} s after {after}, at the end "
                "of the run; left behind (it does not check ctx.cancelled)",
            )
        self.executor.close()

    def result(self) -> RunResult:
        """The run as it stands: final once :meth:`run` has returned or been cancelled."""
        return RunResult(
            self.pipeline.name,
            self._overall(),
            self._ordered_results(),
            now() - self._started_at,
            self.store,
            self._error,
            tuple(self._left_running),
        )

    def _ordered_results(self) -> dict[str, StageResult]:
        """Every result so far, in the run's order."""
        results = self.results
        if len(results) == len(self.order):
            return {sid: results[sid] for sid in self.order}
        return {sid: results[sid] for sid in self.order if sid in results}

    def _overall(self) -> StageStatus:
        if self._error is not None:
            return StageStatus.FAILURE
        if self._cancelled:
            return StageStatus.CANCELLED
        if _NOT_PASSED.isdisjoint(self.status.values()):
            return StageStatus.SUCCESS  # the usual case, without a look at each result
        for sid, result in self.results.items():
            if result.status is StageStatus.SKIPPED:
                return StageStatus.FAILURE
            failed = result.status in (StageStatus.FAILURE, StageStatus.CANCELLED)
            if failed and not self.pipeline.stages[sid].continue_on_error:
                return StageStatus.FAILURE
        return StageStatus.SUCCESS

    def _launch(self, keep: int = 0) -> None:
        """Start workers for ready stages, up to the concurrency limit.

        ``keep`` ready stages are left for the worker calling (it goes on to one
        itself rather than hand it to a new task).
        """
        workers = self._workers
        while len(self._ready) > keep and len(workers) < self.concurrency and not self._stopping:
            sid = self._take_ready()
            task = asyncio.create_task(self._worker(sid), name=f"stage:{sid}")
            workers[task] = sid
            task.add_done_callback(self._worker_done)

    async def _worker(self, sid: str) -> None:
        """Run a stage, then take the next ready one, until none is ready.

        A worker that goes straight on to the next stage saves a task and a turn of
        the event loop per stage, most of what a no-op stage costs; it still yields
        to the loop every few milliseconds so the app stays responsive.
        """
        task = asyncio.current_task()
        assert task is not None
        workers = self._workers
        attempts = self._attempts
        assert attempts is not None
        stepper = self.stepper
        try:
            while True:
                workers[task] = sid  # left in place once finished: results say so
                if (stepper.step_mode or stepper.breakpoints) and stepper.should_pause(sid):
                    result = await self._gate(sid)
                    if result is None:
                        result = await attempts.run(sid)
                else:
                    result = await attempts.run(sid)
                self._finish(sid, result, keep=1)
                if perf_counter() - self._last_yield > _YIELD_EVERY and not self._stopping:
                    # Yield holding no stage: whichever worker runs next takes the
                    # first ready stage in the run's order, so the stages run in
                    # order across chains rather than one chain per worker.
                    await asyncio.sleep(0)
                    self._last_yield = perf_counter()
                if not self._ready or self._stopping:
                    return
                sid = self._take_ready()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._abort(exc)

    async def _gate(self, sid: str) -> StageResult | None:
        """Wait before ``sid`` in step mode or at its breakpoint; None once it may run."""
        ps = self.pipeline.stages[sid]
        try:
            await self.stepper.pause(sid, tuple(ps.stage.keys_read() if ps.stage else ()))
        except asyncio.CancelledError:
            return StageResult.cancelled("cancelled")
        return None

    def _close_cache(self) -> None:
        if self.cache is not None:
            try:
                self.cache.close()
            except Exception:
                log.exception("closing the cache failed")

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        """A worker ended: finish a stage it never got to (cancelled before it ran)."""
        try:
            sid = self._workers.pop(task, None)
            if sid is not None and sid not in self.results and self._error is None:
                if task.cancelled():
                    self._finish(sid, StageResult.cancelled("cancelled before it started"))
                elif (exc := task.exception()) is not None:
                    text = f"runner error: {type(exc).__name__}: {exc}"
                    self._finish(sid, StageResult.failure(text))
                # else the worker stopped the run itself: _finish_pending says why
            if not self._stopping:
                self._launch()
        except Exception as exc:
            self._abort(exc)

    def _record(self, sid: str, result: StageResult) -> None:
        if self.secrets.active:
            result.message = self.secrets.mask_text(result.message)
            result.errors = [self.secrets.mask_text(e) for e in result.errors]
            result.data = self.secrets.mask_data(result.data)
        self.results[sid] = result
        self.status[sid] = result.status
        self.store.mark_finished(sid)
        self._remaining -= 1
        self._emit(StageFinished(sid, result))

    def _finish(self, sid: str, result: StageResult, keep: int = 0) -> None:
        """Record how a stage ended, release or skip its children, start what is ready.

        ``keep`` is 1 when a worker calls: it takes the next ready stage itself.
        """
        if self.events.queued:
            self.events.drain()
        if self._missing_optional:
            note_missing_optional(result, self._missing_optional.pop(sid, {}))
        self._record(sid, result)
        status = result.status
        if (
            status is StageStatus.SUCCESS
            or status is StageStatus.CACHED
            or status is StageStatus.PARTIAL
            or (status is StageStatus.FAILURE and self.pipeline.stages[sid].continue_on_error)
        ):
            is_open, waiting, rank, ready = self._open, self._waiting, self._rank, self._ready
            for child in self._children[self._index[sid]]:
                if is_open[child]:
                    left = waiting[child] = waiting[child] - 1
                    if not left:
                        heapq.heappush(ready, rank[child])
        elif not self._stopping:
            # left pending when stopping: _finish_pending marks it cancelled, not skipped
            self._skip_downstream(sid, result)
        if self._stopping:
            return
        if len(self._ready) > keep and len(self._workers) < self.concurrency:
            self._launch(keep)
        if self._remaining == 0 and self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _skip_downstream(self, sid: str, result: StageResult) -> None:
        """Skip everything below a stage that did not pass: a loop, never recursion."""
        is_open, names, children = self._open, self._names, self._children
        todo = [(self._index[sid], result)]
        while todo:
            parent, outcome = todo.pop()
            cause = (
                outcome.message
                if outcome.status is StageStatus.SKIPPED
                else f"upstream {names[parent]!r} {_verb(outcome.status)}"
            )
            skipped = []
            for child in children[parent]:
                if is_open[child] and self._optional and self._runs_anyway(parent, child, outcome):
                    continue
                if is_open[child]:
                    is_open[child] = 0
                    child_result = StageResult.skipped(cause)
                    self._record(names[child], child_result)
                    skipped.append((child, child_result))
            todo.extend(reversed(skipped))

    def _runs_anyway(self, parent: int, child: int, outcome: StageResult) -> bool:
        """An optional upstream that did not pass still lets its dependent run (noted)."""
        parent_id, child_id = self._names[parent], self._names[child]
        if parent_id not in self._optional.get(child_id, ()):
            return False
        continues = self.pipeline.stages[parent_id].continue_on_error
        if not upstream_lets_run(outcome, continues, optional=not self._stopping):
            return False
        self._missing_optional.setdefault(child_id, {})[parent_id] = outcome.status
        left = self._waiting[child] = self._waiting[child] - 1
        if not left:
            heapq.heappush(self._ready, self._rank[child])
        return True

    def _finish_pending(self) -> None:
        if len(self.results) < len(self.order):
            running = {sid for sid in self._workers.values() if sid not in self.results}
            message = (
                f"not run: the runner failed ({self._error})"
                if self._error is not None
                else "not started: the run was cancelled"
            )
            for sid in self.order:
                if sid not in self.results and sid not in running:
                    self._record(sid, StageResult.cancelled(message))
        self._remaining = 0
        if self._done is not None and not self._done.done():
            self._done.set_result(None)


_NOT_PASSED = frozenset({StageStatus.FAILURE, StageStatus.CANCELLED, StageStatus.SKIPPED})
"""Statuses that may fail a run (a failure may not, with ``continue_on_error``)."""


def _verb(status: StageStatus) -> str:
    return {StageStatus.FAILURE: "failed", StageStatus.CANCELLED: "was cancelled"}.get(
        status, status.value
    )
