"""Where a stage is in a run: the one table of statuses.

Its own module, apart from the stage model, so that what only shows a status (the
glyphs, the app's pipeline list) reads it without building the stage model's
pydantic classes; :mod:`workbench.engine.stage` exports it too.
"""

from __future__ import annotations

from enum import StrEnum


class StageStatus(StrEnum):
    """Where a stage is in a run. The first four are states; the rest are outcomes."""

    PENDING = "pending"
    WAITING = "waiting"
    PAUSED = "paused"
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"
    PARTIAL = "partial"
    CANCELLED = "cancelled"
    CACHED = "cached"
    """Up to date: not run, its writes restored from the cache."""

    @property
    def finished(self) -> bool:
        return self in _FINISHED

    @property
    def ok(self) -> bool:
        """True for outcomes that let dependents run."""
        return self in (StageStatus.SUCCESS, StageStatus.PARTIAL, StageStatus.CACHED)


_FINISHED = frozenset(
    {
        StageStatus.SUCCESS,
        StageStatus.FAILURE,
        StageStatus.SKIPPED,
        StageStatus.PARTIAL,
        StageStatus.CANCELLED,
        StageStatus.CACHED,
    }
)
