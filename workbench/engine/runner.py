"""The async runner: stages start as their dependencies finish, within a concurrency limit.

The scheduler is driven by completions, not polling: when a stage finishes, its
children's pending-dependency counts drop and those that reach zero start. One
asyncio task per running stage; a plain ``def run`` goes to a worker thread so
the event loop (and the app on it) never blocks.

Everything a person can do to a run goes through this object: subscribe to its
events, cancel it, and in step mode pause before stages and step, continue to the
next breakpoint, or run to the end. Before/after hooks (logging, timing,
checkpointing, UI progress) are registered by id and removed the same way.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from workbench.engine.context import ContextStore, ExecutionMode, StageContext
from workbench.engine.errors import HookError, RunStateError, StageError
from workbench.engine.events import (
    PipelineFinished,
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StagePaused,
    StageProgress,
    StageResumed,
    StageRetrying,
    StageStarted,
)
from workbench.engine.pipeline import Pipeline, PipelineStage
from workbench.engine.project import importable
from workbench.engine.stage import Stage, StageResult, StageStatus, now

log = logging.getLogger(__name__)

_BATCH = 500
"""Thread events emitted per loop turn at most."""
_YIELD_EVERY = 0.005
"""Seconds a worker may run stages back to back before letting the loop run."""

Subscriber = Callable[[RunEvent], None]
BeforeHook = Callable[[PipelineStage, StageContext], "Awaitable[None] | None"]
AfterHook = Callable[[PipelineStage, StageContext, StageResult], "Awaitable[None] | None"]


class Executor(Protocol):
    """Where a stage's work runs. The seam for running stages on another engine."""

    async def execute(self, stage: Stage, ctx: StageContext) -> Any: ...


class LocalExecutor:
    """Runs ``async def run`` on this loop and a plain ``def run`` in a worker thread."""

    def __init__(self) -> None:
        self._in_thread: dict[type[Stage], bool] = {}

    async def execute(self, stage: Stage, ctx: StageContext) -> Any:
        kind = type(stage)
        in_thread = self._in_thread.get(kind)
        if in_thread is None:
            in_thread = self._in_thread[kind] = kind.runs_in_thread()
        if in_thread:
            return await asyncio.to_thread(stage.run, ctx)
        return await stage.run(ctx)  # type: ignore[misc]


class Hooks:
    """Before/after hooks by id, run in the order they were added."""

    def __init__(self) -> None:
        self.before: dict[str, BeforeHook] = {}
        self.after: dict[str, AfterHook] = {}
        self._ids = itertools.count(1)

    def add_before(self, hook: BeforeHook, id: str | None = None) -> str:
        hook_id = id or f"before-{next(self._ids)}"
        self.before[hook_id] = hook
        return hook_id

    def add_after(self, hook: AfterHook, id: str | None = None) -> str:
        hook_id = id or f"after-{next(self._ids)}"
        self.after[hook_id] = hook
        return hook_id

    def remove(self, hook_id: str) -> None:
        if self.before.pop(hook_id, None) is None and self.after.pop(hook_id, None) is None:
            raise KeyError(f"no hook with id {hook_id!r}")

    def __len__(self) -> int:
        return len(self.before) + len(self.after)


@dataclass(slots=True)
class RunResult:
    """A finished run: its overall status and every stage's result, in order."""

    pipeline: str
    status: StageStatus
    results: dict[str, StageResult]
    duration: float
    store: ContextStore = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.status is StageStatus.SUCCESS

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for result in self.results.values():
            out[result.status.value] = out.get(result.status.value, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {
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
                    "worker": r.worker,
                }
                for stage_id, r in self.results.items()
            ],
        }


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
    ) -> None:
        if not pipeline.valid:
            raise RunStateError(
                f"pipeline {pipeline.name!r} has {len(pipeline.problems)} problem(s); "
                "fix them before running (`workbench validate` lists them)"
            )
        self.pipeline = pipeline
        self.concurrency = max(1, concurrency or pipeline.max_concurrency)
        self.hooks = hooks or Hooks()
        self.executor: Executor = executor or LocalExecutor()
        self.store = store or ContextStore(
            pipeline.parameters(params), ExecutionMode.LIVE, record=record_changes
        )
        selected = set(only) if only is not None else None
        self.order: list[str] = [
            s for s in pipeline.graph.order if selected is None or s in selected
        ]
        self.status: dict[str, StageStatus] = dict.fromkeys(self.order, StageStatus.PENDING)
        self.results: dict[str, StageResult] = {}
        self.step_mode = step
        self.breakpoints: set[str] = set(breakpoints)
        self._subscribers: list[Subscriber] = []
        self._workers: dict[asyncio.Task[None], str | None] = {}
        """Each worker task and the stage it is running (None between stages)."""
        self._last_yield = 0.0
        self._cancelled = False
        self._started = False
        self._resume: asyncio.Event | None = None
        self._paused_at: str | None = None
        self._ignore_breakpoints = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._done: asyncio.Future[None] | None = None
        self._started_at = 0.0
        self._began: dict[str, float] = {}
        """When each stage started running (for the duration of a cancelled one)."""
        self._queue: list[RunEvent] = []
        self._queue_lock = threading.Lock()
        self._flush_scheduled = False

    # -- subscribing ---------------------------------------------------------------------
    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event; returns a function that unsubscribes."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def _emit(self, event: RunEvent) -> None:
        for subscriber in tuple(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a broken subscriber must not break the run
                log.exception("run event subscriber %r failed on %s", subscriber, event)

    def _emit_threadsafe(self, event: RunEvent) -> None:
        """Emit now on the loop's thread; from a worker thread, queue for the loop.

        Lines from a thread are handed over in batches, one loop callback per batch
        rather than per line, so a stage printing 100,000 lines cannot flood the
        loop (and the app on it) with callbacks.
        """
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._emit(event)
            return
        with self._queue_lock:
            self._queue.append(event)
            if self._flush_scheduled:
                return
            self._flush_scheduled = True
        self._loop.call_soon_threadsafe(self._flush_queue)

    def _flush_queue(self) -> None:
        """Emit up to a batch of queued thread events; the rest wait for the next turn."""
        with self._queue_lock:
            batch = self._queue[:_BATCH]
            del self._queue[:_BATCH]
            more = bool(self._queue)
            if not more:
                self._flush_scheduled = False
        for event in batch:
            self._emit(event)
        if more and self._loop is not None:
            self._loop.call_soon(self._flush_queue)

    def _drain_queue(self) -> None:
        """Emit every queued thread event now, so a stage's lines precede its finish."""
        with self._queue_lock:
            batch, self._queue = self._queue, []
        for event in batch:
            self._emit(event)

    def _log_sink(self, stage: str, level: str, message: str, stream: str) -> None:
        self._emit_threadsafe(StageLog(stage, level, message, stream))

    def _progress_sink(self, stage: str, done: float, total: float | None, message: str) -> None:
        self._emit_threadsafe(StageProgress(stage, done, total, message))

    # -- control -------------------------------------------------------------------------
    @property
    def paused_at(self) -> str | None:
        """The stage the run is waiting before, in step mode or at a breakpoint."""
        return self._paused_at

    def toggle_breakpoint(self, stage_id: str) -> bool:
        """Returns whether the stage now has a breakpoint."""
        if stage_id in self.breakpoints:
            self.breakpoints.discard(stage_id)
            return False
        self.breakpoints.add(stage_id)
        return True

    def step(self) -> None:
        """Run the stage we are paused before, then pause before the next one."""
        self.step_mode = True
        self._release()

    def resume(self) -> None:
        """Leave step mode and run until the next breakpoint."""
        self.step_mode = False
        self._release()

    def run_to_end(self) -> None:
        """Leave step mode and ignore breakpoints for the rest of the run."""
        self.step_mode = False
        self._ignore_breakpoints = True
        self._release()

    def _release(self) -> None:
        if self._resume is not None:
            self._resume.set()

    def cancel(self) -> None:
        """Cancel running stages; stages not started yet end as cancelled."""
        if self._cancelled:
            return
        self._cancelled = True
        self.store.cancel()
        for task in self._workers:
            task.cancel()
        self._release()
        if self._loop is not None and self._done is not None and not self._workers:
            self._finish_pending()

    # -- running -------------------------------------------------------------------------
    async def run(self) -> RunResult:
        if self._started:
            raise RunStateError("a runner runs once; create a new Runner to run again")
        self._started = True
        importable(self.pipeline.project_dir)
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._done = self._loop.create_future()
        self._started_at = now()
        selected = set(self.order)
        graph = self.pipeline.graph
        self._position = {sid: i for i, sid in enumerate(self.order)}
        self._children = {
            sid: [c for c in graph.children(sid) if c in selected] for sid in self.order
        }
        self._waiting_on = {
            sid: sum(1 for p in graph.parents(sid) if p in selected) for sid in self.order
        }
        self._ready: list[int] = [self._position[s] for s in self.order if not self._waiting_on[s]]
        heapq.heapify(self._ready)
        self._remaining = len(self.order)
        self._emit(PipelineStarted(self.pipeline.name, tuple(self.order), self.concurrency))
        if self._remaining:
            self._launch()
            try:
                await asyncio.shield(self._done)
            except asyncio.CancelledError:
                # The task running us was cancelled (Ctrl+C): end every stage, tell
                # the subscribers how the run ended, then let the cancel go on.
                self.cancel()
                await asyncio.gather(*self._workers, return_exceptions=True)
                self._finish_pending()
                self._emit(PipelineFinished(self.result()))
                raise
        result = self.result()
        self._emit(PipelineFinished(result))
        return result

    def result(self) -> RunResult:
        """The run as it stands: final once :meth:`run` has returned or been cancelled."""
        return RunResult(
            self.pipeline.name,
            self._overall(),
            {sid: self.results[sid] for sid in self.order if sid in self.results},
            now() - self._started_at,
            self.store,
        )

    def _overall(self) -> StageStatus:
        if self._cancelled:
            return StageStatus.CANCELLED
        for sid, result in self.results.items():
            if result.status is StageStatus.SKIPPED:
                return StageStatus.FAILURE
            failed = result.status in (StageStatus.FAILURE, StageStatus.CANCELLED)
            if failed and not self.pipeline.stages[sid].continue_on_error:
                return StageStatus.FAILURE
        return StageStatus.SUCCESS

    def _launch(self) -> None:
        """Start workers for ready stages, up to the concurrency limit."""
        while self._ready and len(self._workers) < self.concurrency and not self._cancelled:
            sid = self.order[heapq.heappop(self._ready)]
            self.status[sid] = StageStatus.WAITING
            task = asyncio.create_task(self._worker(sid), name=f"stage:{sid}")
            self._workers[task] = sid
            task.add_done_callback(self._worker_done)

    async def _worker(self, sid: str | None) -> None:
        """Run a stage, then take the next ready one, until none is ready.

        A worker that goes straight on to the next stage saves a task and a turn of
        the event loop per stage, most of what a no-op stage costs; it still yields
        to the loop every few milliseconds so the app stays responsive.
        """
        task = asyncio.current_task()
        assert task is not None
        while sid is not None:
            self._workers[task] = sid
            result = await self._run_stage(sid)
            self._workers[task] = None
            self._finish(sid, result)
            sid = self._next_ready()
            if sid is not None and now() - self._last_yield > _YIELD_EVERY:
                self.status[sid] = StageStatus.WAITING
                await asyncio.sleep(0)
                self._last_yield = now()

    def _next_ready(self) -> str | None:
        if not self._ready or self._cancelled:
            return None
        sid = self.order[heapq.heappop(self._ready)]
        self.status[sid] = StageStatus.WAITING
        return sid

    async def _run_stage(self, sid: str) -> StageResult:
        ps = self.pipeline.stages[sid]
        try:
            if self._should_pause(sid):
                await self._pause(sid, ps)
            return await self._attempts(sid, ps)
        except asyncio.CancelledError:
            if self.status[sid] is not StageStatus.RUNNING:
                return StageResult.cancelled("cancelled")
            result = StageResult.cancelled("cancelled while running")
            result.duration = now() - self._began.get(sid, now())
            return result

    def _worker_done(self, task: asyncio.Task[None]) -> None:
        """A worker ended: finish a stage it never got to (cancelled before it ran)."""
        sid = self._workers.pop(task, None)
        if sid is not None and sid not in self.results:
            if task.cancelled():
                result = StageResult.cancelled("cancelled before it started")
            else:
                exc = task.exception()
                result = StageResult.failure(f"runner error: {type(exc).__name__}: {exc}")
            self._finish(sid, result)
        if self._cancelled and not self._workers:
            self._finish_pending()
        elif not self._cancelled:
            self._launch()

    def _should_pause(self, sid: str) -> bool:
        if self._cancelled:
            return False
        if self.step_mode:
            return True
        return sid in self.breakpoints and not self._ignore_breakpoints

    async def _pause(self, sid: str, ps: PipelineStage) -> None:
        # Only one stage pauses at a time: the others wait their turn here.
        while self._paused_at is not None:
            assert self._resume is not None
            await self._resume.wait()
            if not self._should_pause(sid):
                return
        self._paused_at = sid
        self._resume = asyncio.Event()
        self.status[sid] = StageStatus.PAUSED
        reads = ps.stage.keys_read() if ps.stage else ()
        self._emit(StagePaused(sid, "step" if self.step_mode else "breakpoint", tuple(reads)))
        try:
            await self._resume.wait()
        finally:
            self._paused_at = None
        self._emit(StageResumed(sid))

    async def _attempts(self, sid: str, ps: PipelineStage) -> StageResult:
        assert ps.stage is not None  # a valid pipeline has every stage resolved
        ctx = self.store.for_stage(sid, self._log_sink, self._progress_sink)
        self.status[sid] = StageStatus.RUNNING
        attempts = ps.retries + 1
        started = self._began[sid] = now()
        attempt = 1
        while True:
            self._emit(StageStarted(sid, attempt))
            result = await self._attempt(ps, ctx)
            result.attempts = attempt
            if result.status is not StageStatus.FAILURE or attempt == attempts:
                break
            delay = self.pipeline.spec.pipeline.retry_delay * 2 ** (attempt - 1)
            self._emit(StageRetrying(sid, attempt + 1, delay, result.message))
            await asyncio.sleep(delay)
            attempt += 1
        result.duration = now() - started
        return result

    async def _attempt(self, ps: PipelineStage, ctx: StageContext) -> StageResult:
        assert ps.stage is not None
        try:
            for hook_id, hook in self.hooks.before.items():
                await _call_hook(hook_id, hook, ps, ctx)
            if ps.timeout is None:
                value = await self.executor.execute(ps.stage, ctx)
            else:
                try:
                    async with asyncio.timeout(ps.timeout):
                        value = await self.executor.execute(ps.stage, ctx)
                except TimeoutError:
                    text = f"timed out after {_seconds(ps.timeout)}"
                    ctx.log(text, "error", "stderr")
                    return StageResult.failure(text)
            result = _as_result(value)
            for hook_id, after in self.hooks.after.items():
                await _call_hook(hook_id, after, ps, ctx, result)
            return result
        except asyncio.CancelledError:
            raise
        except HookError as exc:
            ctx.log(exc.message, "error", "stderr")
            return StageResult.failure(exc.message)
        except StageError as exc:
            ctx.log(exc.message, "error", "stderr")
            return StageResult.failure(exc.message)
        except Exception as exc:
            text = "".join(traceback.format_exception(exc)).rstrip()
            for line in text.splitlines():
                ctx.log(line, "error", "stderr")
            return StageResult.failure(f"{type(exc).__name__}: {exc}", text)

    def _finish(self, sid: str, result: StageResult) -> None:
        if self._queue:
            self._drain_queue()
        self.results[sid] = result
        self.status[sid] = result.status
        self.store.mark_finished(sid)
        self._remaining -= 1
        self._emit(StageFinished(sid, result))
        passes = result.status.ok or (
            result.status is StageStatus.FAILURE and self.pipeline.stages[sid].continue_on_error
        )
        for child in self._children[sid]:
            if self.status[child] is not StageStatus.PENDING:
                continue
            if passes:
                self._waiting_on[child] -= 1
                if not self._waiting_on[child]:
                    heapq.heappush(self._ready, self._position[child])
            elif self._cancelled:
                continue  # left pending: _finish_pending marks it cancelled, not skipped
            else:
                cause = f"upstream {sid!r} {_verb(result.status)}"
                if result.status is StageStatus.SKIPPED:
                    cause = result.message
                self._finish(child, StageResult.skipped(cause))
        if self._cancelled:
            return
        self._launch()
        if self._remaining == 0 and self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _finish_pending(self) -> None:
        running = set(self._workers.values())
        for sid in self.order:
            if sid not in self.results and sid not in running:
                self.results[sid] = StageResult.cancelled("not started: the run was cancelled")
                self.status[sid] = StageStatus.CANCELLED
                self.store.mark_finished(sid)
                self._emit(StageFinished(sid, self.results[sid]))
        self._remaining = 0
        if self._done is not None and not self._done.done():
            self._done.set_result(None)


async def _call_hook(hook_id: str, hook: Callable[..., Any], *args: Any) -> None:
    try:
        value = hook(*args)
        if asyncio.iscoroutine(value):
            await value
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise HookError(f"hook {hook_id!r} failed: {type(exc).__name__}: {exc}") from exc


def _as_result(value: Any) -> StageResult:
    if isinstance(value, StageResult):
        return value
    if value is None:
        return StageResult.success()
    return StageResult.success(str(value))


def _verb(status: StageStatus) -> str:
    return {StageStatus.FAILURE: "failed", StageStatus.CANCELLED: "was cancelled"}.get(
        status, status.value
    )


def _seconds(value: float) -> str:
    from workbench.engine.spec import format_duration

    return str(format_duration(value))
