"""How one stage runs once the scheduler has started it: its attempts and what surrounds them.

In order: the cache may answer for the stage (its writes restored, nothing runs);
before-hooks run once; then attempts, one after the other and never two at once,
each handed to the executor with its own context (and so its own cancellation),
each bounded by the stage's timeout; a failed attempt is retried after a delay
that doubles each time, but only once the previous attempt's code has really
stopped; the cache is told the outcome; after-hooks see it last.

Every way an attempt can end becomes a :class:`~workbench.engine.stage.StageResult`:
a return value, an exception, ``SystemExit`` or ``KeyboardInterrupt`` from stage
code (that stage's failure, not the run's), a timeout. Only the run's own
cancellation propagates, so the scheduler can end the run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

from workbench.engine.context import ContextStore, StageContext
from workbench.engine.errors import HookError
from workbench.engine.events import StageRetrying, StageStarted
from workbench.engine.pipeline import Pipeline, PipelineStage
from workbench.engine.run.bridge import EventBridge
from workbench.engine.run.executors import Executor
from workbench.engine.run.hooks import Hooks, call_hook
from workbench.engine.run.outcomes import as_result, failed_by
from workbench.engine.stage import StageResult, StageStatus

if TYPE_CHECKING:
    from workbench.engine.run.runner import StageCache

log = logging.getLogger(__name__)

LINGER_REPORT = 5.0
"""Seconds a cancelled attempt may keep running before it is reported by name
(and before its stage gives up on a retry that would overlap it)."""

_TIMED_OUT: Any = object()


class StageAttempts:
    """Runs stages of one run, attempt by attempt. Lives as long as the run.

    The scheduler owns :attr:`status` (this object sets a stage running) and says
    when the run is stopping; this object keeps the attempts stopped from outside
    (:attr:`interrupted`), whose code the end of the run waits for.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        store: ContextStore,
        executor: Executor,
        hooks: Hooks,
        cache: StageCache | None,
        events: EventBridge,
        status: dict[str, StageStatus],
        stopping: Callable[[], bool],
    ) -> None:
        self.pipeline = pipeline
        self.store = store
        self.executor = executor
        self.hooks = hooks
        self.cache = cache
        self.events = events
        self.status = status
        self.interrupted: list[tuple[str, StageContext, float]] = []
        """Attempts stopped from outside (stage, context, ``perf_counter()`` then) whose code
        may still run."""
        self._stopping = stopping
        self._stages = pipeline.stages
        self._retry_delay = pipeline.spec.pipeline.retry_delay
        self._watchers: set[asyncio.Task[None]] = set()
        self._log_sink = events.log_sink
        self._progress_sink = events.progress_sink

    def context(self, sid: str) -> StageContext:
        """A fresh context for ``sid``, logging and reporting progress through the run."""
        return StageContext(self.store, sid, self._log_sink, self._progress_sink)

    async def run(self, sid: str) -> StageResult:
        """Every attempt of one stage, one after the other; never two at once."""
        ps = self._stages[sid]
        stage = ps.stage
        assert stage is not None  # a valid pipeline has every stage resolved
        status = self.status
        hooks = self.hooks
        try:
            if self.cache is not None:
                hit = await self._cached(sid, ps)
                if hit is not None:
                    return hit
            status[sid] = StageStatus.RUNNING
            started = perf_counter()
            spec = ps.spec
            attempts = spec.retries + 1
            timeout = spec.timeout
            events = self.events
            attempt = 1
            ctx = StageContext(self.store, sid, self._log_sink, self._progress_sink)
            if hooks.before:
                failed = await self._before_stage(ps, ctx)
                if failed is not None:
                    failed.duration = perf_counter() - started
                    return await self._after_stage(ps, failed)
            while True:
                if attempt > 1:
                    ctx = StageContext(self.store, sid, self._log_sink, self._progress_sink)
                ctx.attempt = attempt
                events.emit(StageStarted(sid, attempt))
                if timeout is None:
                    try:
                        value = await self.executor.execute(stage, ctx)
                        result = value if type(value) is StageResult else as_result(value)
                    except asyncio.CancelledError as exc:
                        if self._stopped_from_outside(sid, ctx):
                            raise
                        result = _cancelled_by_itself(ctx, exc)
                    except BaseException as exc:  # SystemExit too: this stage's, not the run's
                        result = failed_by(exc, ctx)
                else:
                    result = await self._timed_attempt(sid, ps, ctx, timeout)
                result.attempts = attempt
                if result.status is not StageStatus.FAILURE or attempt == attempts:
                    if timeout is not None and ctx.token.cancelled:
                        self._watch(sid, ctx)
                    break
                if ctx.token.cancelled and not await self.executor.wait_stopped(ctx, LINGER_REPORT):
                    # Never two attempts at once: no retry while the last one runs on.
                    text = f"stage {sid!r} still running {LINGER_REPORT:g} s after its timeout"
                    events.report(sid, text + "; not retried while it runs")
                    result.message += f"; not retried: {text}"
                    result.errors.append(text)
                    break
                delay = self._retry_delay * 2 ** (attempt - 1)
                error = events.secrets.mask_text(result.message)
                events.emit(StageRetrying(sid, attempt + 1, delay, error))
                await asyncio.sleep(delay)
                attempt += 1
            result.duration = perf_counter() - started
            if self.cache is not None:
                await self._record_in_cache(sid, ps, ctx, result)
        except asyncio.CancelledError:
            if status[sid] is not StageStatus.RUNNING:
                return StageResult.cancelled("cancelled")
            result = StageResult.cancelled("cancelled while running")
            result.duration = perf_counter() - started  # set when the stage began running
        if hooks.after:
            return await self._after_stage(ps, result)
        return result

    def _stopped_from_outside(self, sid: str, ctx: StageContext) -> bool:
        """An attempt ended by ``CancelledError``: was it the run (or a timeout) stopping it?

        If so the attempt is noted as interrupted (its code may still run) and the
        cancellation must go on; otherwise the stage raised it by itself.
        """
        task = asyncio.current_task()
        if self._stopping() or (task is not None and task.cancelling()):
            self.interrupted.append((sid, ctx, perf_counter()))
            return True
        return False

    async def _timed_attempt(
        self, sid: str, ps: PipelineStage, ctx: StageContext, seconds: float
    ) -> StageResult:
        """One attempt bounded by the stage's timeout; a failure when the deadline passed."""
        try:
            value = await self._timed(seconds, ctx, ps)
            if value is _TIMED_OUT:
                self.interrupted.append((sid, ctx, perf_counter()))
                text = f"timed out after {_seconds(seconds)}"
                ctx.log(text, "error", "stderr")
                return StageResult.failure(text)
            return value if type(value) is StageResult else as_result(value)
        except asyncio.CancelledError as exc:
            if self._stopped_from_outside(sid, ctx):
                raise
            return _cancelled_by_itself(ctx, exc)
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too: this stage's
            return failed_by(exc, ctx)

    async def _timed(self, seconds: float, ctx: StageContext, ps: PipelineStage) -> Any:
        """Execute an attempt; at its deadline cancel its token, then its await.

        Returns :data:`_TIMED_OUT` when the deadline passed, whatever the stage did
        with its cancellation (raised, swallowed it, or raised something else).
        """
        assert ps.stage is not None
        task = asyncio.current_task()
        assert task is not None
        base = task.cancelling()
        fired = False

        def expire() -> None:
            nonlocal fired
            fired = True
            ctx.token.cancel(f"timed out after {_seconds(seconds)}")
            task.cancel()

        handle = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            value = await self.executor.execute(ps.stage, ctx)
        except BaseException:
            if fired and task.uncancel() <= base:
                return _TIMED_OUT
            raise
        finally:
            handle.cancel()
        if fired:  # the stage swallowed its cancellation and returned anyway
            task.uncancel()
            return _TIMED_OUT
        return value

    async def _before_stage(self, ps: PipelineStage, ctx: StageContext) -> StageResult | None:
        """Before-hooks, once per stage (not per attempt); a failure when one fails."""
        try:
            for hook_id, hook in tuple(self.hooks.before.items()):
                await call_hook(hook_id, hook, ps, ctx)
        except HookError as exc:
            ctx.log(exc.message, "error", "stderr")
            return StageResult.failure(exc.message)
        return None

    async def _after_stage(self, ps: PipelineStage, result: StageResult) -> StageResult:
        """After-hooks for every outcome of a stage that started; a failing one fails it.

        They get a fresh context: the last attempt's may be cancelled (a timeout).
        """
        ctx = self.context(ps.id)
        ctx.attempt = result.attempts
        for hook_id, hook in tuple(self.hooks.after.items()):
            try:
                await call_hook(hook_id, hook, ps, ctx, result)
            except HookError as exc:
                ctx.log(exc.message, "error", "stderr")
                failed = StageResult.failure(exc.message)
                failed.duration, failed.attempts = result.duration, result.attempts
                return failed
            except asyncio.CancelledError:
                return result
        return result

    async def _cached(self, sid: str, ps: PipelineStage) -> StageResult | None:
        """The stage's cached result (its writes restored), or None to run it."""
        assert self.cache is not None
        try:
            return await self.cache.lookup(sid, ps, self.context(sid))
        except asyncio.CancelledError:
            raise
        except Exception:  # the cache must never fail a run
            log.exception("cache lookup failed for %s", sid)
            return None

    async def _record_in_cache(
        self, sid: str, ps: PipelineStage, ctx: StageContext, result: StageResult
    ) -> None:
        assert self.cache is not None
        try:
            await self.cache.record(sid, ps, ctx, result)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("cache record failed for %s", sid)

    def _watch(self, sid: str, ctx: StageContext) -> None:
        """Report by name a timed-out attempt still running :data:`LINGER_REPORT` s later."""
        watcher = asyncio.get_running_loop().create_task(self._watch_attempt(sid, ctx))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)

    async def _watch_attempt(self, sid: str, ctx: StageContext) -> None:
        if not await self.executor.wait_stopped(ctx, LINGER_REPORT) and not self.events.ended:
            self.events.report(
                sid, f"stage {sid!r} still running {LINGER_REPORT:g} s after its timeout"
            )

    def stop_watching(self) -> None:
        """The run ends: no more reports of timed-out attempts still running."""
        for watcher in tuple(self._watchers):
            watcher.cancel()


def _cancelled_by_itself(ctx: StageContext, exc: asyncio.CancelledError) -> StageResult:
    """A stage raised ``CancelledError`` while nobody cancelled it: its own failure."""
    text = f"stage raised {type(exc).__name__} without being cancelled"
    ctx.log(text, "error", "stderr")
    return StageResult.failure(text)


def _seconds(value: float) -> str:
    from workbench.engine.spec import format_duration

    return str(format_duration(value))
