"""The worker side of the Dask executor: one attempt of one stage, run as one Dask task.

This module is what a Dask worker imports, so it stays small: the stage arrives
pickled with the values it reads, runs against a context of its own, and what it
wrote comes back as an ordered list of changes that the driver applies to the
run's real context. Log lines and progress go back to the driver while the stage
runs, batched, through Dask's event topics (``Worker.log_event``); the last batch
travels with the result on the same stream, so no line can arrive after it.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.engine.context import ContextStore, ExecutionMode, StageContext
from workbench.engine.run.cancellation import CancelToken
from workbench.engine.run.outcomes import as_result, failed_by
from workbench.engine.stage import Stage, StageResult

FLUSH_EVERY = 0.1
"""Seconds between two batches of log lines sent from a worker."""
INLINE_LIMIT = 64 * 1024
"""Results up to this size ride the event stream; larger ones are fetched from the worker."""

_CANCELLED: dict[str, str] = {}
"""Attempts the driver cancelled before they started here, with the reason."""
_REMEMBERED = 10_000
"""Cancels of attempts not running here that a worker keeps, at most."""
_TOKENS: dict[str, CancelToken] = {}
"""The token of every attempt running in this process: a cancel from the driver sets it."""
_RUNNING: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = {}
"""Async attempts running in this process, so a cancel can reach their task."""
_LOCK = threading.Lock()
_PATHS_SEEN: set[tuple[str, ...]] = set()
_LOCAL = threading.local()


@dataclass(frozen=True, slots=True)
class AttemptSpec:
    """Everything a worker needs for one attempt, apart from the pickled stage and values."""

    attempt_id: str
    stage_id: str
    topic: str
    mode: str
    params: bytes
    paths: tuple[str, ...]


class EventChannel:
    """Log lines and progress of one attempt, sent to the driver in batches.

    A stage may log from its own threads, so the buffer has a lock. A background
    timer starts on the first line, so a stage that logs nothing costs nothing.
    """

    def __init__(self, spec: AttemptSpec, worker: Any) -> None:
        self.spec = spec
        self.worker = worker
        self.lines: list[tuple[str, str, str]] = []
        self.progress: tuple[float, float | None, str] | None = None
        self.batches = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    def log(self, stage: str, level: str, message: str, stream: str) -> None:
        with self._lock:
            self.lines.append((level, message, stream))
        self._ensure_timer()

    def report(self, stage: str, done: float, total: float | None, message: str) -> None:
        with self._lock:
            self.progress = (done, total, message)
        self._ensure_timer()

    def _ensure_timer(self) -> None:
        if self._timer is None and self.worker is not None:
            with self._lock:
                if self._timer is None:
                    self._timer = threading.Thread(
                        target=self._flush_loop, name="workbench-log-flush", daemon=True
                    )
                    self._timer.start()

    def _flush_loop(self) -> None:
        while not self._stop.wait(FLUSH_EVERY):
            self.flush()

    def take(self) -> tuple[list[tuple[str, str, str]], tuple[float, float | None, str] | None]:
        with self._lock:
            lines, self.lines = self.lines, []
            progress, self.progress = self.progress, None
        return lines, progress

    def flush(self) -> None:
        lines, progress = self.take()
        if not lines and progress is None:
            return
        self.worker.log_event(
            self.spec.topic,
            {"a": self.spec.attempt_id, "lines": lines, "progress": progress},
        )

    def close(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()


def run_attempt(payload: bytes) -> bytes | None:
    """The Dask task: run one attempt and send its outcome to the driver.

    ``payload`` is the pickled ``(AttemptSpec, stage blob, {key: value blob})``.
    Small outcomes go back on the event topic with the last log lines and the task
    returns None; a large one is returned, to be fetched straight from the worker.
    """
    from distributed import get_worker
    from distributed.protocol.pickle import dumps

    spec: AttemptSpec
    stage_blob: bytes
    values: dict[str, bytes]
    spec, stage_blob, values = pickle.loads(payload)
    worker = get_worker()
    channel = EventChannel(spec, worker)
    outcome = _run(spec, stage_blob, values, channel, worker.address)
    channel.close()
    lines, progress = channel.take()
    blob = dumps(outcome)
    inline = len(blob) <= INLINE_LIMIT
    worker.log_event(
        spec.topic,
        {
            "a": spec.attempt_id,
            "lines": lines,
            "progress": progress,
            "done": True,
            "outcome": blob if inline else None,
        },
    )
    return None if inline else blob


def _run(
    spec: AttemptSpec,
    stage_blob: bytes,
    values: dict[str, bytes],
    channel: EventChannel,
    worker: str,
) -> dict[str, Any]:
    """The attempt's outcome: its result, its changes in order, and where it ran."""
    from distributed.protocol.pickle import dumps, loads

    _add_paths(spec.paths)
    started = time.perf_counter()
    outcome: dict[str, Any] = {"worker": worker, "pid": os.getpid(), "changes": []}
    try:
        stage: Stage = loads(stage_blob)
    except Exception as exc:
        outcome["result"] = StageResult.failure(
            f"the stage cannot be loaded on worker {worker}: {type(exc).__name__}: {exc} "
            "(install the stage's package where the workers run)"
        )
        return outcome
    params = loads(spec.params)
    project = params.get("project_dir")
    if isinstance(project, str):
        _add_paths((project,))  # `module:function` settings import the project's own modules
    store = ContextStore(params, ExecutionMode(spec.mode))
    store.preload({key: loads(blob) for key, blob in values.items()})
    token = CancelToken()
    with _LOCK:
        _TOKENS[spec.attempt_id] = token
        reason = _CANCELLED.pop(spec.attempt_id, None)
    if reason is not None:
        token.cancel(reason)
    ctx = store.for_stage(spec.stage_id, channel.log, channel.report, token)
    try:
        result = _call(stage, ctx, spec.attempt_id)
    finally:
        with _LOCK:
            _TOKENS.pop(spec.attempt_id, None)
    changes: list[tuple[str, str, bytes | None]] = []
    for change in store.changes:
        if change.kind == "removed":
            changes.append(("removed", change.key, None))
            continue
        try:
            changes.append((change.kind, change.key, dumps(change.value)))
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            text = f"context value {change.key!r} cannot be sent back from the worker: {reason}"
            ctx.log(text, "error", "stderr")
            result = StageResult.failure(text)
            break
    outcome["changes"] = changes
    outcome["result"] = result
    outcome["seconds"] = time.perf_counter() - started
    return outcome


def _call(stage: Stage, ctx: StageContext, attempt_id: str) -> StageResult:
    """Run the stage as the runner would locally, turning what it raises into a result.

    ``SystemExit`` and the like fail the stage alone, as locally: they must never
    end the worker.
    """
    try:
        if type(stage).runs_in_thread():
            value = stage.run(ctx)
        else:
            value = _run_async(stage, ctx, attempt_id)
        return as_result(value)
    except asyncio.CancelledError:
        return StageResult.cancelled(ctx.token.reason or "cancelled while running")
    except (
        BaseException
    ) as exc:  # SystemExit, KeyboardInterrupt too: this stage's, not the worker's
        return failed_by(exc, ctx)


def _run_async(stage: Stage, ctx: StageContext, attempt_id: str) -> Any:
    """An ``async def run`` on this task thread's own loop, reachable by a cancel."""
    loop: asyncio.AbstractEventLoop | None = getattr(_LOCAL, "loop", None)
    if loop is None or loop.is_closed():
        loop = _LOCAL.loop = asyncio.new_event_loop()
    task: asyncio.Task[Any] = loop.create_task(stage.run(ctx))  # type: ignore[arg-type]
    with _LOCK:
        _RUNNING[attempt_id] = (loop, task)
        if ctx.cancelled:
            task.cancel()
    try:
        return loop.run_until_complete(task)
    finally:
        with _LOCK:
            _RUNNING.pop(attempt_id, None)


def cancel_attempts(attempt_ids: Sequence[str], reason: str) -> list[str]:
    """Run on every worker by the driver: cancel attempts, and say which run here.

    The attempt's token is cancelled (``ctx.cancelled`` turns true, a
    ``ctx.wait_cancelled`` wakes) and an async attempt's task is cancelled too. An
    attempt not started yet is remembered, so it starts cancelled if it ever does.
    """
    running: list[str] = []
    with _LOCK:
        for attempt_id in attempt_ids:
            token = _TOKENS.get(attempt_id)
            if token is None:
                _CANCELLED[attempt_id] = reason
                if len(_CANCELLED) > _REMEMBERED:  # ended here already, or never came
                    del _CANCELLED[next(iter(_CANCELLED))]
                continue
            running.append(attempt_id)
            token.cancel(reason)
            task = _RUNNING.get(attempt_id)
            if task is not None:
                loop, job = task
                loop.call_soon_threadsafe(job.cancel)
    return running


def _add_paths(paths: tuple[str, ...]) -> None:
    """Let the stage import what the driver could: the project and its test or tool folders."""
    if paths in _PATHS_SEEN:
        return
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    _PATHS_SEEN.add(paths)
