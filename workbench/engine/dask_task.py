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
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.engine.context import ContextStore, ExecutionMode, StageContext
from workbench.engine.errors import StageError
from workbench.engine.stage import Stage, StageResult

FLUSH_EVERY = 0.1
"""Seconds between two batches of log lines sent from a worker."""
INLINE_LIMIT = 64 * 1024
"""Results up to this size ride the event stream; larger ones are fetched from the worker."""

_CANCELLED: set[str] = set()
"""Attempts the driver has cancelled, in this worker process."""
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


class RemoteStore(ContextStore):
    """A worker's context: the values sent with the attempt, cancelled when the driver says so."""

    def __init__(self, attempt_id: str, params: dict[str, Any], mode: ExecutionMode) -> None:
        super().__init__(params, mode)
        self.attempt_id = attempt_id

    @property
    def cancelled(self) -> bool:
        return self.attempt_id in _CANCELLED


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
    with _LOCK:
        _CANCELLED.discard(spec.attempt_id)
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
    store = RemoteStore(spec.attempt_id, params, ExecutionMode(spec.mode))
    store.preload({key: loads(blob) for key, blob in values.items()})
    ctx = store.for_stage(spec.stage_id, channel.log, channel.report)
    result = _call(stage, ctx, spec.attempt_id)
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


def _call(stage: Stage, ctx: StageContext, attempt_id: str) -> StageResult | None:
    """Run the stage as the local executor would, turning errors into a failed result."""
    try:
        if type(stage).runs_in_thread():
            value = stage.run(ctx)
        else:
            value = _run_async(stage, ctx, attempt_id)
        return as_result(value)
    except asyncio.CancelledError:
        return StageResult.cancelled("cancelled while running")
    except StageError as exc:
        ctx.log(exc.message, "error", "stderr")
        return StageResult.failure(exc.message)
    except Exception as exc:
        text = "".join(traceback.format_exception(exc)).rstrip()
        for line in text.splitlines():
            ctx.log(line, "error", "stderr")
        return StageResult.failure(f"{type(exc).__name__}: {exc}", text)


def _run_async(stage: Stage, ctx: StageContext, attempt_id: str) -> Any:
    """An ``async def run`` on this task thread's own loop, reachable by a cancel."""
    loop: asyncio.AbstractEventLoop | None = getattr(_LOCAL, "loop", None)
    if loop is None or loop.is_closed():
        loop = _LOCAL.loop = asyncio.new_event_loop()
    task: asyncio.Task[Any] = loop.create_task(stage.run(ctx))  # type: ignore[arg-type]
    with _LOCK:
        _RUNNING[attempt_id] = (loop, task)
        if attempt_id in _CANCELLED:
            task.cancel()
    try:
        return loop.run_until_complete(task)
    finally:
        with _LOCK:
            _RUNNING.pop(attempt_id, None)


def cancel_attempts(attempt_ids: Sequence[str]) -> int:
    """Run on every worker by the driver: mark attempts cancelled and interrupt async ones."""
    hit = 0
    with _LOCK:
        for attempt_id in attempt_ids:
            _CANCELLED.add(attempt_id)
            running = _RUNNING.get(attempt_id)
            if running is not None:
                loop, task = running
                loop.call_soon_threadsafe(task.cancel)
                hit += 1
    return hit


def as_result(value: Any) -> StageResult:
    """What ``run`` returned, as a result: the same rules as the runner's."""
    if isinstance(value, StageResult):
        return value
    if value is None:
        return StageResult.success()
    return StageResult.success(str(value))


def _add_paths(paths: tuple[str, ...]) -> None:
    """Let the stage import what the driver could: the project and its test or tool folders."""
    if paths in _PATHS_SEEN:
        return
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    _PATHS_SEEN.add(paths)
