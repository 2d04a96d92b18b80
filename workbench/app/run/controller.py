"""Textual-free glue between a :class:`Runner` and the run screen.

The runner emits an event for every start, log line, progress tick and finish;
a 1,000-stage run emits thousands of them in a second, and a chatty stage can
emit a hundred thousand log lines. Repainting on each would make the UI slower
than the run. So :class:`RunController` only *records* what each event changed
(cheap dictionary and list updates on the loop thread) and remembers which
stages are dirty; the screen calls :meth:`RunController.drain` from a timer a
few times a second and repaints just those.

It also holds the rules for the screen's re-runs (what "re-run failed" selects,
and how a partial run is seeded with the context the last run recorded), so they
are testable without a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.engine.context import ContextStore, ExecutionMode
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
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.runner import RunResult
from workbench.engine.stage import StageResult, StageStatus, now
from workbench.engine.terminal_text import clean_output

LOG_LINES_KEPT = 10_000
"""Lines of each stage's log kept in memory; the full log is on disk in the history."""


class LogBuffer:
    """The last :data:`LOG_LINES_KEPT` lines of one stage's log, bounded in memory.

    A carriage return redraws a line the way a terminal would: within one message
    only the text after the last ``\\r`` is kept, and a message that *starts* with
    ``\\r`` replaces the previous line when that line held a carriage return too
    (a progress line ticking), instead of being appended.
    """

    __slots__ = ("_redraw", "dropped", "limit", "lines", "version")

    def __init__(self, limit: int = LOG_LINES_KEPT) -> None:
        self.lines: list[tuple[str, str]] = []
        """(stream, text) pairs, oldest first."""
        self.limit = limit
        self.dropped = 0
        """Lines that fell off the front: their numbers are still counted."""
        self.version = 0
        """Bumped on every change, so a view can tell whether it is up to date."""
        self._redraw = False

    def __len__(self) -> int:
        return len(self.lines)

    def append(self, stream: str, message: str) -> None:
        # The app draws plain text: every control sequence goes, colours included.
        message = clean_output(message, keep_colour=False)
        text = message.rstrip("\r")
        redraw = "\r" in message
        if "\r" in text:
            text = text.rsplit("\r", 1)[1]
        if message.startswith("\r") and self._redraw and self.lines:
            self.lines[-1] = (stream, text)
        else:
            self.lines.append((stream, text))
            if len(self.lines) > self.limit + self.limit // 4:
                # Trim in chunks: deleting from the front once per 2,500 lines is cheap.
                cut = len(self.lines) - self.limit
                del self.lines[:cut]
                self.dropped += cut
        self._redraw = redraw
        self.version += 1

    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)


@dataclass(slots=True)
class StageState:
    """What the screen shows for one stage of the current run."""

    status: StageStatus = StageStatus.PENDING
    started: float | None = None
    duration: float | None = None
    progress: tuple[float, float | None] | None = None
    """(done, total) of the last progress report; total is None when unknown."""
    message: str = ""
    """The result message, or the last progress or retry message while running."""
    attempt: int = 1
    log: LogBuffer = field(default_factory=LogBuffer)
    result: StageResult | None = None
    """The stage's full result once it finished (message, errors, data, attempts)."""
    reused: bool = False
    """Not run this time: a partial re-run reuses what the last run left for it."""
    worker: str | None = None
    """The Dask worker that ran the stage ("driver" beside them); None in a local run."""

    def elapsed(self, at: float | None = None) -> float | None:
        if self.duration is not None:
            return self.duration
        if self.started is None:
            return None
        return (at if at is not None else now()) - self.started


@dataclass(frozen=True, slots=True)
class Pause:
    """The run waits before ``stage_id``; ``reads`` are the keys it will read."""

    stage_id: str
    reason: str
    reads: tuple[str, ...]


class RunController:
    """Keeps the per-stage state of one run up to date from its events.

    Subscribe :meth:`on_event` to a runner; call :meth:`drain` from a timer to get
    what changed since the last call.
    """

    def __init__(
        self, order: Iterable[str] = (), reused: dict[str, StageResult] | None = None
    ) -> None:
        """``reused``: for a partial re-run, the last run's result of each stage that
        does not run again; those stages are shown with it, marked as reused."""
        self.order: list[str] = list(order)
        self.states: dict[str, StageState] = {sid: StageState() for sid in self.order}
        for sid, result in (reused or {}).items():
            if sid in self.states:
                self.states[sid] = StageState(
                    status=result.status,
                    duration=result.duration,
                    message=f"reused from the last run: {result.message}".rstrip(": "),
                    result=result,
                    reused=True,
                )
        self.started: float | None = None
        self.result: RunResult | None = None
        self.pause: Pause | None = None
        self.first_failure: str | None = None
        """The first stage that failed in this run: its log is opened first."""
        self.paused_for = 0.0
        """Seconds the run spent paused (step mode, breakpoints): not counted as run time."""
        self._paused_since: float | None = None
        self._dirty: set[str] = set()
        self._news = False

    # -- events (loop thread) ----------------------------------------------------------
    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, StageLog):
            state = self.states.get(event.stage_id)
            if state is not None:
                state.log.append(event.stream, event.message)
                self._dirty.add(event.stage_id)
            return
        if isinstance(event, PipelineStarted):
            if not set(event.order) <= set(self.order):
                self.order = list(event.order)
                self.states = {sid: StageState() for sid in self.order}
            self.started = now()
            self._news = True
            return
        if isinstance(event, PipelineFinished):
            self.result = event.result
            self.pause = None
            self._end_pause()
            self._news = True
            return
        stage_id: str = getattr(event, "stage_id", "")
        state = self.states.get(stage_id)
        if state is None:
            return
        self._dirty.add(stage_id)
        if isinstance(event, StageStarted):
            state.status = StageStatus.RUNNING
            state.attempt = event.attempt
            if state.started is None:
                state.started = now()
        elif isinstance(event, StageProgress):
            state.progress = (event.done, event.total)
            if event.message:
                state.message = clean_output(event.message, keep_colour=False)
        elif isinstance(event, StageFinished):
            result = event.result
            state.status = result.status
            state.duration = result.duration if state.started is not None else None
            state.message = clean_output(result.message, keep_colour=False)
            state.result = result
            state.worker = result.worker
            if result.status is StageStatus.FAILURE and self.first_failure is None:
                self.first_failure = stage_id
        elif isinstance(event, StagePaused):
            state.status = StageStatus.PAUSED
            self.pause = Pause(stage_id, event.reason, event.reads)
            if self._paused_since is None:
                self._paused_since = now()
            self._news = True
        elif isinstance(event, StageResumed):
            state.status = StageStatus.WAITING
            if self.pause is not None and self.pause.stage_id == stage_id:
                self.pause = None
            self._end_pause()
            self._news = True
        elif isinstance(event, StageRetrying):
            state.message = clean_output(
                f"retrying (attempt {event.attempt}) after: {event.error}", keep_colour=False
            )

    # -- draining (timer) --------------------------------------------------------------
    def drain(self) -> tuple[set[str], bool]:
        """(stages changed since the last call, whether the run's own state changed)."""
        dirty, news = self._dirty, self._news
        self._dirty, self._news = set(), False
        return dirty, news

    # -- reading -----------------------------------------------------------------------
    @property
    def running(self) -> list[str]:
        return [sid for sid, s in self.states.items() if s.status is StageStatus.RUNNING]

    def counts(self) -> dict[StageStatus, int]:
        out: dict[StageStatus, int] = {}
        for state in self.states.values():
            out[state.status] = out.get(state.status, 0) + 1
        return out

    def _end_pause(self) -> None:
        if self._paused_since is not None:
            self.paused_for += max(0.0, now() - self._paused_since)
            self._paused_since = None

    def paused_seconds(self) -> float:
        """Time spent paused so far, the pause going on now included."""
        going = now() - self._paused_since if self._paused_since is not None else 0.0
        return self.paused_for + max(0.0, going)

    def elapsed(self) -> float | None:
        """Run time without the time spent paused: what the stages and scheduling took."""
        if self.result is not None:
            return max(0.0, self.result.duration - self.paused_for)
        if self.started is None:
            return None
        return max(0.0, now() - self.started - self.paused_seconds())

    @property
    def reused(self) -> list[str]:
        """Stages shown from the last run (a partial re-run does not run them)."""
        return [sid for sid, s in self.states.items() if s.reused]


# -- re-runs ------------------------------------------------------------------------------


def failed_and_downstream(pipeline: Pipeline, result: RunResult) -> list[str]:
    """The stages that did not finish well in ``result``, and everything downstream of them.

    Failed and cancelled stages are the roots; skipped stages are downstream of
    one of those anyway. In pipeline order.
    """
    roots = {
        sid
        for sid, r in result.results.items()
        if r.status in (StageStatus.FAILURE, StageStatus.CANCELLED, StageStatus.SKIPPED)
        and sid in pipeline.stages
    }
    keep = set(roots)
    for sid in roots:
        keep |= pipeline.graph.downstream(sid)
    return pipeline.graph.subgraph_order(keep)


def from_stage(pipeline: Pipeline, stage_id: str) -> list[str]:
    """A stage and everything downstream of it, in pipeline order."""
    return pipeline.select(stage_id)


def missing_inputs(pipeline: Pipeline, result: RunResult, selection: Iterable[str]) -> list[str]:
    """Stages outside ``selection`` that a selected stage depends on and that did not
    succeed in ``result``: their context cannot be reused."""
    chosen = set(selection)
    out: set[str] = set()
    for sid in chosen:
        for parent in pipeline.graph.parents(sid):
            if parent in chosen:
                continue
            previous = result.results.get(parent)
            if previous is None or not previous.status.ok:
                out.add(parent)
    return [sid for sid in pipeline.graph.order if sid in out]


def seeded_store(
    last: ContextStore, params: dict[str, Any], selection: Iterable[str]
) -> ContextStore:
    """A fresh store for a partial run, holding what the last run left in its context.

    The last run's writes are replayed in order, attributed to the stages that made
    them, except those of the stages about to run (they will write again). For a
    run from one stage this holds everything :meth:`ContextStore.as_of` its
    parents holds, and also what independent branches wrote, which a join further
    down needs. Parameters come from the form, not the last run.
    """
    chosen = set(selection)
    store = ContextStore(params, ExecutionMode.LIVE)
    for change in last.changes:
        if change.stage in chosen:
            continue
        if change.kind == "removed":
            if change.key in store:
                store.remove(change.stage, change.key)
        else:
            store.write(change.stage, change.key, change.value)
    return store
