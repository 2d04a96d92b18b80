"""How a stage's attempts run and how they are stopped: the executor seam.

The runner decides *when* an attempt runs (dependencies, concurrency, step mode,
retries, timeouts); an executor decides *how*: on the event loop, on its own
threads, or on another engine. :class:`Executor` is the contract every executor
keeps; :class:`LocalExecutor` is the default one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections.abc import Awaitable, Callable
from queue import SimpleQueue
from typing import Any, Protocol, TypeVar

from workbench.engine.context import StageContext
from workbench.engine.run.cancellation import CancelToken
from workbench.engine.stage import Stage

T = TypeVar("T")


class Executor(Protocol):
    """Where and how a stage's attempts run, and how an attempt is stopped.

    For one run the runner calls, in this order:

    ``start(concurrency)``
        once, before the first attempt. At most ``concurrency`` attempts are
        awaited at once; an executor should be able to run that many without
        queueing (queueing would count as stage time and eat into timeouts).
    ``await execute(stage, ctx)``
        for every attempt: return what ``stage.run(ctx)`` returned or raise what it
        raised, *any* ``BaseException`` included (``SystemExit`` from stage code is
        the runner's to turn into a failed stage; it must never reach the event
        loop). ``execute`` returns an awaitable: an ``async def`` will do, or, as
        :class:`LocalExecutor` does to save a coroutine a stage, a plain method
        returning the stage's own coroutine or a future. ``ctx.token`` is the
        attempt's own :class:`~workbench.engine.run.cancellation.CancelToken`, a child
        of the run's (``ctx.store.token``). To stop an attempt the runner first
        cancels a token (the attempt's on its timeout; the run's on a cancel, a
        runner error or the end of the run), so the stage sees ``ctx.cancelled``
        at once, then cancels the task awaiting ``execute``: ``execute`` must then
        give control back promptly (re-raise ``CancelledError``) even if the
        stage's code goes on. An executor running stages elsewhere should carry
        ``ctx.cancelled`` to them (poll it, or wait on ``ctx.token.wait``).
    ``await wait_stopped(ctx, timeout)``
        True once the code of that attempt has really stopped, False if it is
        still running after ``timeout`` seconds. The runner calls it before a
        retry (a retry never overlaps its previous attempt) and when the run
        ends (to report, by name, attempts that ignore cancellation).
    ``close()``
        once, after the run. It must not wait for stage code that ignores
        cancellation: such code may run on, but never keeps the process alive.
    """

    def start(self, concurrency: int) -> None: ...

    def execute(self, stage: Stage, ctx: StageContext) -> Awaitable[Any]: ...

    async def wait_stopped(self, ctx: StageContext, timeout: float) -> bool: ...

    def close(self) -> None: ...


class LocalExecutor:
    """``async def run`` on the running loop; a plain ``def run`` on this executor's threads.

    The threads are its own (not asyncio's default pool, which is capped at a few
    threads and shared with everything else): as many as the run's concurrency
    are kept, a new one starts whenever none is idle (so an attempt never queues,
    even while threads of timed-out attempts are still busy), and they are daemon
    threads, so a stage that ignores cancellation never keeps the process alive.
    """

    def __init__(self) -> None:
        self._in_thread: dict[type[Stage], bool] = {}
        self._pool: _ThreadPool | None = None
        self._running: dict[CancelToken, _Job] = {}
        """Thread attempts whose code has not returned yet, by their token."""

    def start(self, concurrency: int) -> None:
        if self._pool is not None:
            self._pool.close()
        self._pool = _ThreadPool(max(1, concurrency))

    def execute(self, stage: Stage, ctx: StageContext) -> Awaitable[Any]:
        kind = type(stage)
        in_thread = self._in_thread.get(kind)
        if in_thread is None:
            in_thread = self._in_thread[kind] = kind.runs_in_thread()
        if not in_thread:
            return stage.run(ctx)  # type: ignore[return-value]  # the coroutine itself
        pool = self._pool
        if pool is None:
            pool = self._pool = _ThreadPool(4)
        job = _Job(stage.run, ctx, asyncio.get_running_loop(), self._running)
        self._running[ctx.token] = job
        pool.submit(job)
        return job.future

    async def wait_stopped(self, ctx: StageContext, timeout: float) -> bool:
        job = self._running.get(ctx.token)
        if job is None:
            return True
        if job.stopped is None:
            job.stopped = asyncio.get_running_loop().create_future()
        await asyncio.wait({job.stopped}, timeout=timeout)
        return job.finished

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class _Job:
    """One attempt handed to a thread, and how its outcome gets back to the loop."""

    __slots__ = ("ctx", "finished", "fn", "future", "loop", "running", "stopped")

    def __init__(
        self,
        fn: Callable[[StageContext], Any],
        ctx: StageContext,
        loop: asyncio.AbstractEventLoop,
        running: dict[CancelToken, _Job],
    ) -> None:
        self.fn = fn
        self.ctx = ctx
        self.loop = loop
        self.running = running
        self.future: asyncio.Future[Any] = loop.create_future()
        self.finished = False
        self.stopped: asyncio.Future[None] | None = None

    def run(self) -> Callable[[], None]:
        """Run the stage code on this thread; returns the hand-over to call on the loop."""
        try:
            value = self.fn(self.ctx)
        except BaseException as exc:  # SystemExit too: the runner decides what it means
            error = exc
            return lambda: self._deliver(None, error)
        return lambda: self._deliver(value, None)

    def _deliver(self, value: Any, error: BaseException | None) -> None:
        self.finished = True
        self.running.pop(self.ctx.token, None)
        future = self.future
        if not future.done():
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)
        if self.stopped is not None and not self.stopped.done():
            self.stopped.set_result(None)


_names = itertools.count(1)


async def run_in_daemon_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Await ``fn(*args, **kwargs)`` run on a daemon thread of its own.

    For an ``async def run`` with blocking work to hand off (``transform.call`` with
    a plain function). Unlike :func:`asyncio.to_thread`, whose pool
    ``asyncio.run`` waits for on the way out, a call that outlives its stage's
    timeout or cancel never keeps the process alive. Whatever ``fn`` raises,
    ``SystemExit`` included, is raised here, in the stage.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)

    def work() -> None:
        try:
            value, error = fn(*args, **kwargs), None
        except BaseException as exc:
            value, error = None, exc
        with contextlib.suppress(RuntimeError):  # a closed loop: the run is long over
            loop.call_soon_threadsafe(deliver, value, error)

    threading.Thread(target=work, name=f"workbench-call-{next(_names)}", daemon=True).start()
    return await future


class _ThreadPool:
    """Daemon threads that each take one job at a time; never queues a job.

    Submitting takes an idle thread or starts a new one. A thread that finishes
    goes back to the idle list unless ``size`` threads are idle already, so a run
    keeps at most its concurrency of threads once stuck attempts end.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: list[_Worker] = []
        self.closed = False

    def submit(self, job: _Job) -> None:
        try:
            worker = self.idle.pop()
        except IndexError:
            worker = _Worker(self)
        worker.jobs.put(job)

    def close(self) -> None:
        self.closed = True
        while self.idle:
            try:
                self.idle.pop().jobs.put(None)
            except IndexError:  # a worker took itself off the list meanwhile
                break


class _Worker:
    __slots__ = ("jobs", "pool")

    def __init__(self, pool: _ThreadPool) -> None:
        self.pool = pool
        self.jobs: SimpleQueue[_Job | None] = SimpleQueue()
        threading.Thread(
            target=self._serve, name=f"workbench-stage-{next(_names)}", daemon=True
        ).start()

    def _serve(self) -> None:
        pool = self.pool
        while (job := self.jobs.get()) is not None:
            hand_over = job.run()
            # Back on the idle list *before* the loop hears of the result, so the
            # stage the loop starts next finds this thread free instead of starting one.
            keep = not pool.closed and len(pool.idle) < pool.size
            if keep:
                pool.idle.append(self)
            with contextlib.suppress(RuntimeError):  # a closed loop: the run is long over
                job.loop.call_soon_threadsafe(hand_over)
            if not keep:
                return
            if pool.closed:
                try:
                    pool.idle.remove(self)
                except ValueError:
                    continue  # close() already sent this worker its stop
                return
