"""Typed events a run emits, for the command line, the app and the history database.

Subscribers receive them in order, on the event loop's thread (lines logged from
a stage running in a worker thread are handed over to the loop first), so a
subscriber never needs a lock and never polls.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.run.runner import RunResult
    from workbench.engine.stage import StageResult


@dataclass(frozen=True, slots=True)
class RunEvent:
    """Base of every run event."""


@dataclass(frozen=True, slots=True)
class PipelineStarted(RunEvent):
    pipeline: str
    order: tuple[str, ...]
    concurrency: int
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class StageStarted(RunEvent):
    stage_id: str
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class StageLog(RunEvent):
    stage_id: str
    level: str
    message: str
    stream: str = "log"
    """log, stdout or stderr."""


@dataclass(frozen=True, slots=True)
class StageProgress(RunEvent):
    stage_id: str
    done: float
    total: float | None
    message: str = ""


@dataclass(frozen=True, slots=True)
class StagePaused(RunEvent):
    """The runner waits before this stage until it is told to step or continue."""

    stage_id: str
    reason: str
    """step or breakpoint."""
    reads: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StageResumed(RunEvent):
    stage_id: str


@dataclass(frozen=True, slots=True)
class StageRetrying(RunEvent):
    stage_id: str
    attempt: int
    delay: float
    error: str


@dataclass(frozen=True, slots=True)
class StageFinished(RunEvent):
    stage_id: str
    result: StageResult


@dataclass(frozen=True, slots=True)
class PipelineFinished(RunEvent):
    result: RunResult


def describe(event: RunEvent) -> dict[str, Any]:
    """A JSON-friendly form of an event, for logs and tests."""
    out: dict[str, Any] = {"event": type(event).__name__}
    for item in fields(event):
        value = getattr(event, item.name)
        out[item.name] = value.to_json() if hasattr(value, "to_json") else value
    return out
