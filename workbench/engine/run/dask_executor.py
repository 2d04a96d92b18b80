"""The Dask executor: each attempt of a stage is one task on a Dask cluster.

The runner still decides *when* a stage runs (dependencies, ``max_concurrency``,
step mode, breakpoints, retries, timeouts); this executor decides *where*. An
attempt travels as the pickled stage (config included), the pipeline parameters
and only the context values the stage reads: its declared reads, or, when it
declares none, the values written by the stages upstream of it. The worker sends
back, in order, what the stage wrote; the changes are applied here, to the run's
one context, so the change records are those of a local run. Log lines and
progress arrive while the stage runs (see :mod:`workbench.engine.run.dask_task`).

A stage class with ``runs_on_driver = True`` (a gate waiting on the shared
context, the workbench's lifecycle stages) runs in this process beside the
remote ones. A worker that dies mid-stage fails that attempt, and the stage's
retries apply: the embedded cluster lets Dask itself re-run nothing
(``allowed_failures = 0``); a cluster started by the user keeps its own setting.

Dask is imported only when a run uses it: ``import workbench`` stays fast and
works without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import logging
import os
import pickle
import sys
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from workbench.engine.context import StageContext
from workbench.engine.errors import ExecutorError, UsageError
from workbench.engine.run.cancellation import CancelToken
from workbench.engine.run.dask_task import (
    AttemptSpec,
    as_result,
    cancel_attempts,
    run_attempt,
)
from workbench.engine.run.executors import LocalExecutor
from workbench.engine.stage import Stage, StageResult
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline

log = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "stage-workbench[dask]" (or pip install "dask[distributed]")'
CONNECT_TIMEOUT = 3.0
"""Seconds to reach a scheduler the user started before giving up."""
DRIVER = "driver"
"""The worker recorded for a stage that ran in the workbench's own process."""
_RELEASE_BATCH = 64
"""Finished attempts whose (tiny) task results are released from the cluster together."""
_LOCAL_MODULES = "workbench_local_stages."
"""Project stage modules are loaded from files, so workers get them by value."""


def dask_available() -> bool:
    return importlib.util.find_spec("distributed") is not None


def require_dask() -> None:
    """Raise a usage error saying how to install Dask when it is missing."""
    if not dask_available():
        raise UsageError(f"--executor dask needs Dask, which is not installed: {INSTALL_HINT}")


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """What a person needs to know about the cluster a run uses."""

    scheduler: str
    workers: int
    embedded: bool
    dashboard: str | None

    def describe(self) -> str:
        where = "embedded LocalCluster" if self.embedded else "Dask cluster"
        text = f"{where} at {self.scheduler}, {counted(self.workers, 'worker')}"
        if self.dashboard:
            return f"{text}, dashboard {self.dashboard}"
        if self.embedded:
            return f"{text}, no dashboard (pip install bokeh for one)"
        return text


@dataclass(slots=True)
class _Attempt:
    """One remote attempt, from its submission until its code has stopped on the worker."""

    id: str
    ctx: StageContext
    outcome: asyncio.Future[dict[str, Any]]
    """Resolved by the worker's last message (its outcome), whatever became of the await."""
    waiting: bool = True
    """True while ``execute`` awaits it; its log lines are delivered only then."""
    token: CancelToken | None = None
    """Its cancellation, once cancelled: :meth:`DaskExecutor.wait_stopped` finds it by that."""


class DaskExecutor:
    """Runs stages as Dask tasks, on an embedded LocalCluster or a user's scheduler.

    Use it as an async context manager around the run: entering starts (or
    connects to) the cluster, leaving closes what it started. In between, the
    runner drives it through the :class:`~workbench.engine.run.executors.Executor`
    protocol (``start``, ``execute``, ``wait_stopped``, ``close``), once per run.
    """

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        workers: int | None = None,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.pipeline = pipeline
        self.info: ClusterInfo | None = None
        self.client: Any = None
        self._cluster: Any = None
        self._local = LocalExecutor()
        self._topic = f"workbench-{uuid.uuid4().hex[:12]}"
        self._ids = itertools.count(1)
        self._attempts: dict[str, _Attempt] = {}
        """Remote attempts by id, until the worker reports their code has stopped."""
        self._by_token: dict[CancelToken, _Attempt] = {}
        self._cancels: set[asyncio.Task[None]] = set()
        self._blobs: dict[int, tuple[Stage, bytes]] = {}
        self._params: tuple[dict[str, Any], bytes] | None = None
        """The run's parameters and their pickle: they travel with every attempt."""
        self._ancestors: dict[str, frozenset[str]] = {}
        self._ancestors_of: Pipeline | None = pipeline
        self._paths: tuple[str, ...] = ()
        self._finished: list[Any] = []
        """Futures of finished attempts, released to the scheduler in batches."""

    # -- the cluster ----------------------------------------------------------------------
    async def __aenter__(self) -> DaskExecutor:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()

    async def open(self) -> ClusterInfo:
        """Start the embedded cluster or connect to the scheduler; fail fast with the fix."""
        require_dask()
        from distributed import Client

        if self.scheduler:
            self.client = await self._connect(self.scheduler)
        else:
            self._cluster = await _embedded_cluster(self.workers)
            self.client = await Client(self._cluster, asynchronous=True)
        _send_promptly(self.client)
        self.client.subscribe_topic(self._topic, self._on_event)
        self._paths = tuple(p for p in sys.path if p and os.path.isdir(p))
        identity = await self.client.scheduler.identity()
        embedded = self._cluster is not None
        self.info = ClusterInfo(
            scheduler=self.client.scheduler.address,
            workers=len(identity.get("workers", {})),
            embedded=embedded,
            dashboard=_dashboard(self.client, identity, embedded),
        )
        return self.info

    async def _connect(self, address: str) -> Any:
        from distributed import Client

        fix = (
            f"check the address, start a scheduler there with `dask scheduler` and workers "
            f"with `dask worker {address}`, or leave out --scheduler to use an embedded cluster"
        )
        try:
            client = await asyncio.wait_for(
                Client(address, asynchronous=True, timeout=CONNECT_TIMEOUT),
                CONNECT_TIMEOUT + 1,
            )
        except (OSError, TimeoutError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {address}: {reason}; {fix}"
            ) from None
        try:
            await client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            await client.close()
            raise ExecutorError(
                f"the Dask scheduler at {address} has no workers after {CONNECT_TIMEOUT:g}s; "
                f"start one with `dask worker {address}`"
            ) from None
        return client

    async def shutdown(self) -> None:
        """Close the client, and the cluster when this executor started it."""
        self._finished.clear()
        for attempt in self._attempts.values():
            if not attempt.outcome.done():
                attempt.outcome.cancel()
        self._attempts.clear()
        self._by_token.clear()
        client, self.client = self.client, None
        cluster, self._cluster = self._cluster, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(self._topic)
            with contextlib.suppress(Exception):
                await client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                await cluster.close()

    def describe(self) -> str:
        if self.info is not None:
            return "dask: " + self.info.describe()
        if self.scheduler:
            return f"dask: the scheduler at {self.scheduler}"
        return f"dask: an embedded LocalCluster of {self.workers} workers"

    # -- the executor protocol, once per run ----------------------------------------------
    def start(self, concurrency: int) -> None:
        """A run begins: stages that must stay here get threads for ``concurrency`` attempts."""
        self._local.start(concurrency)

    def close(self) -> None:
        """A run ended. The cluster stays up until the ``async with`` block ends."""
        self._local.close()

    async def wait_stopped(self, ctx: StageContext, timeout: float) -> bool:
        """True once the attempt's code has stopped, here or on its worker."""
        attempt = self._by_token.get(ctx.token)
        if attempt is None:
            return await self._local.wait_stopped(ctx, timeout)
        await asyncio.wait({attempt.outcome}, timeout=timeout)
        return attempt.outcome.done()

    # -- one attempt ----------------------------------------------------------------------
    async def execute(self, stage: Stage, ctx: StageContext) -> Any:
        if type(stage).runs_on_driver:
            result = as_result(await self._local.execute(stage, ctx))
            result.worker = DRIVER
            return result
        if self.client is None:
            raise ExecutorError("the Dask executor was not opened (use `async with executor:`)")
        try:
            stage_blob = self._stage_blob(stage)
            values = self._values_for(stage, ctx)
            params = self._params_blob(ctx)
        except _NotSendable as exc:
            ctx.log(exc.message, "error", "stderr")
            return StageResult.failure(exc.message)
        attempt_id = f"{ctx.stage_id}-{next(self._ids)}-{self._topic[-6:]}"
        spec = AttemptSpec(
            attempt_id, ctx.stage_id, self._topic, ctx.mode.value, params, self._paths
        )
        attempt = _Attempt(attempt_id, ctx, asyncio.get_running_loop().create_future())
        self._attempts[attempt_id] = attempt
        # One bytes argument: Dask then measures and sends it without walking it.
        payload = pickle.dumps((spec, stage_blob, values), protocol=5)
        future = self.client.submit(run_attempt, payload, key=f"stage:{attempt_id}", pure=False)
        try:
            outcome = await self._outcome(future, attempt.outcome)
        except asyncio.CancelledError:
            # Give control back at once; the workers hear of it in the background, and
            # wait_stopped says when the stage's code has really stopped there.
            attempt.waiting = False
            attempt.token = ctx.token
            self._by_token[ctx.token] = attempt
            reason = ctx.token.reason or "cancelled"
            task = asyncio.get_running_loop().create_task(
                self._cancel_remote(future, attempt, reason)
            )
            self._cancels.add(task)
            task.add_done_callback(self._cancels.discard)
            raise
        self._forget(attempt)
        self._release_later(future)
        if isinstance(outcome, StageResult):
            return outcome
        return self._apply(outcome, ctx)

    def _forget(self, attempt: _Attempt) -> None:
        self._attempts.pop(attempt.id, None)
        if attempt.token is not None:
            self._by_token.pop(attempt.token, None)

    async def _outcome(
        self, future: Any, outcome: asyncio.Future[dict[str, Any]]
    ) -> dict[str, Any] | StageResult:
        """The attempt's outcome from the event stream, or the task's failure."""
        from distributed import wait

        finished = asyncio.ensure_future(wait([future]))
        try:
            await asyncio.wait({outcome, finished}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not finished.done():
                finished.cancel()
        if outcome.done():
            message = outcome.result()
            if message.get("outcome") is not None:
                return _loads_outcome(message["outcome"])
            return _loads_outcome(await future)
        if future.status == "finished":
            blob = await future
            if blob is not None:
                return _loads_outcome(blob)
            # The outcome rode the event stream; it is on its way.
            message = await asyncio.wait_for(outcome, 30)
            return _loads_outcome(message["outcome"] or await future)
        if future.status == "cancelled":
            return StageResult.cancelled("the task was cancelled on the cluster")
        return _task_failure(await future.exception())

    def _release_later(self, future: Any) -> None:
        """Drop finished futures in batches: a release sent after every task would hold
        the next submission back by the client's batching interval (10 ms)."""
        self._finished.append(future)
        if len(self._finished) >= _RELEASE_BATCH:
            self._finished.clear()

    def _apply(self, outcome: dict[str, Any], ctx: StageContext) -> StageResult:
        """Apply the worker's writes here, in the order the stage made them."""
        from distributed.protocol.pickle import loads

        result: StageResult = outcome["result"]
        for kind, key, blob in outcome["changes"]:
            if kind == "removed":
                ctx.delete(key)
                continue
            try:
                value = loads(blob)
            except Exception as exc:
                text = f"context value {key!r} from the worker cannot be read here: {_reason(exc)}"
                ctx.log(text, "error", "stderr")
                result = StageResult.failure(text)
                break
            ctx.set(key, value)
        result.worker = outcome["worker"]
        return result

    async def _cancel_remote(self, future: Any, attempt: _Attempt, reason: str) -> None:
        """Cancel the attempt on the workers, then drop its task from the cluster.

        An attempt no worker is running (still queued, or over) counts as stopped;
        one that is running stops when its worker sends its last message.
        """
        client = self.client
        if client is None:
            return
        running = True
        try:
            replies = await asyncio.wait_for(
                client.run(cancel_attempts, [attempt.id], reason), CONNECT_TIMEOUT
            )
            running = any(replies.values())
        except Exception:
            log.debug("could not reach the workers to cancel %s", attempt.id, exc_info=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.cancel([future], force=True), CONNECT_TIMEOUT)
        if not running:
            self._stopped(attempt)

    def _stopped(self, attempt: _Attempt) -> None:
        if not attempt.outcome.done():
            attempt.outcome.set_result({})
        self._forget(attempt)

    def _on_event(self, event: tuple[float, dict[str, Any]]) -> None:
        """Log lines, progress and outcomes from the workers, on this loop."""
        message = event[1]
        attempt = self._attempts.get(message.get("a", ""))
        if attempt is None:
            return  # an attempt of another run, or long over
        if not attempt.waiting:  # cancelled or timed out here: only its end matters now
            if message.get("done"):
                self._stopped(attempt)
            return
        ctx = attempt.ctx
        for level, line, stream in message.get("lines", ()):
            ctx.log(line, level, stream)
        progress = message.get("progress")
        if progress is not None:
            ctx.progress(progress[0], progress[1], progress[2])
        if message.get("done") and not attempt.outcome.done():
            attempt.outcome.set_result(message)

    # -- what travels ---------------------------------------------------------------------
    def _stage_blob(self, stage: Stage) -> bytes:
        cached = self._blobs.get(id(stage))
        if cached is not None and cached[0] is stage:
            return cached[1]
        from distributed.protocol.pickle import dumps

        _by_value_if_local(type(stage))
        try:
            blob = dumps(stage)
        except Exception as exc:
            raise _NotSendable(
                f"stage {stage.id!r} ({type(stage).__name__}) cannot be sent to the cluster: "
                f"{_reason(exc)}; mark the class `runs_on_driver = True` to run it here"
            ) from None
        self._blobs[id(stage)] = (stage, blob)
        return blob

    def _params_blob(self, ctx: StageContext) -> bytes:
        params = ctx.params
        if self._params is None or self._params[0] is not params:
            from distributed.protocol.pickle import dumps

            try:
                self._params = (params, dumps(params))
            except Exception as exc:
                raise _NotSendable(
                    f"the pipeline parameters cannot be sent to the cluster: {_reason(exc)}"
                ) from None
        return self._params[1]

    def _values_for(self, stage: Stage, ctx: StageContext) -> dict[str, bytes]:
        """The context values the stage reads, each pickled on its own to name a bad one."""
        from distributed.protocol.pickle import dumps

        store = ctx.store
        params = store.params
        out: dict[str, bytes] = {}
        for key in self._keys_read(stage, ctx):
            if key not in store:
                continue
            value = store.get(key)
            if key in params and params[key] is value:
                continue  # parameters travel once, with every attempt
            try:
                out[key] = dumps(value)
            except Exception as exc:
                raise _NotSendable(
                    f"context value {key!r} cannot be sent to the cluster: {_reason(exc)}"
                ) from None
        return out

    def _keys_read(self, stage: Stage, ctx: StageContext) -> Iterable[str]:
        declared = stage.keys_read()
        if declared:
            return declared
        writers = ctx.store.writers()
        if not writers:
            return ()  # nothing written yet: the parameters travel anyway
        upstream = self._upstream(ctx.stage_id)
        if upstream is None:
            return ctx.store.keys()
        return [key for key, writer in writers.items() if writer in upstream]

    def _upstream(self, stage_id: str) -> frozenset[str] | None:
        """Every stage this one depends on, directly or not (None without a pipeline).

        Built from the parents' own sets, iteratively (user pipelines can be chains
        of thousands of stages), and kept for the executor's life.
        """
        if self.pipeline is None or stage_id not in self.pipeline.stages:
            return None
        if self._ancestors_of is not self.pipeline:  # the executor serves another pipeline now
            self._ancestors, self._ancestors_of = {}, self.pipeline
        graph = self.pipeline.graph
        todo = [stage_id]
        while todo:
            sid = todo[-1]
            if sid in self._ancestors:
                todo.pop()
                continue
            missing = [p for p in graph.parents(sid) if p not in self._ancestors]
            if missing:
                todo.extend(missing)
                continue
            todo.pop()
            parents = graph.parents(sid)
            self._ancestors[sid] = frozenset(parents).union(*(self._ancestors[p] for p in parents))
        return self._ancestors[stage_id]


class _NotSendable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _loads_outcome(blob: bytes) -> dict[str, Any]:
    from distributed.protocol.pickle import loads

    outcome: dict[str, Any] = loads(blob)
    return outcome


def _task_failure(exc: BaseException | None) -> StageResult:
    """A task that Dask itself failed: a lost worker, or arguments a worker cannot load."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        address = exc.last_worker.address
        result = StageResult.failure(f"worker {address} lost while running the stage")
        result.worker = address
        return result
    return StageResult.failure(f"the cluster could not run the stage: {_reason(exc)}")


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _by_value_if_local(kind: type) -> None:
    """Stage classes loaded from a project's files have no importable module on a worker."""
    module = kind.__module__
    if module.startswith(_LOCAL_MODULES):
        import cloudpickle

        with contextlib.suppress(ValueError):  # already registered
            cloudpickle.register_pickle_by_value(sys.modules[module])


def _send_promptly(client: Any) -> None:
    """Send each message to the scheduler at once, not up to 10 ms after the last one.

    The client batches what it sends the scheduler (Dask's ``BatchedSend``, 10 ms
    apart). A graph submitted in one go fits one batch, but the runner submits one
    stage at a time, each after the last one's outcome came back, so on a chain of
    short stages that wait landed on nearly every submission (500 no-op stages in
    turns under load: 1.55x -> 1.19x a bare submit chain). Only this executor's own
    client changes; the cluster's batching stays as Dask sets it.
    """
    comm = getattr(client, "scheduler_comm", None)
    if comm is not None and hasattr(comm, "interval"):
        comm.interval = 0.0


def _dashboard(client: Any, identity: dict[str, Any], embedded: bool) -> str | None:
    """The dashboard's address when the scheduler serves one (it needs bokeh)."""
    if "dashboard" not in identity.get("services", {}):
        return None
    if embedded and importlib.util.find_spec("bokeh") is None:
        return None
    link: str | None = client.dashboard_link
    return link


async def _embedded_cluster(workers: int) -> Any:
    """The embedded cluster of a run (see :func:`local_cluster`), started on this loop."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(_cluster_config()):
        return await LocalCluster(**_cluster_options(workers), asynchronous=True)


def local_cluster(workers: int) -> Any:
    """A LocalCluster like a run's embedded one, on its own thread: for tests and benchmarks."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(_cluster_config()):
        return LocalCluster(**_cluster_options(workers))


def _cluster_config() -> dict[str, Any]:
    """Worker processes are forked when this process has no other thread (the command
    line), which starts them in well under a second; otherwise they come from a fork
    server, which is safe beside threads. Dask re-runs nothing itself
    (``allowed_failures = 0``): a lost worker fails the attempt, and the stage's own
    retries decide."""
    method = "fork" if threading.active_count() == 1 and sys.platform == "linux" else "forkserver"
    if sys.platform not in ("linux", "darwin"):
        method = "spawn"
    return {
        "distributed.worker.multiprocessing-method": method,
        "distributed.scheduler.allowed-failures": 0,
        "distributed.worker.daemon": True,
    }


def _cluster_options(workers: int) -> dict[str, Any]:
    """Worker processes of one thread each (stages are often CPU-bound Python), on loopback."""
    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        # Any free port: the scheduler's HTTP server (the dashboard when bokeh is
        # installed) runs either way, and a fixed 8787 clashes with other clusters.
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
    }
