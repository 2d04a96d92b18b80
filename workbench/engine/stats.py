"""Execution statistics across recorded runs: per stage, how long it takes and how often it fails.

Read from the history database, for `workbench history stats PIPELINE`: over the
newest runs of a pipeline, each stage's median and 95th-percentile duration
(of attempts that ran: successes, failures, partial results), its failure rate
and its last outcome. Skipped stages did not run, so they count towards neither
durations nor the failure rate, only as a last outcome.
"""

from __future__ import annotations

import math
import sqlite3
import statistics
from dataclasses import dataclass
from typing import Any

_RAN = ("success", "failure", "partial", "cancelled")


@dataclass(frozen=True, slots=True)
class StageStats:
    stage_id: str
    runs: int
    """Recorded runs in which the stage ran (not skipped)."""
    median_s: float | None
    p95_s: float | None
    failures: int
    last_status: str

    @property
    def failure_rate(self) -> float | None:
        return self.failures / self.runs if self.runs else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "runs": self.runs,
            "median_s": self.median_s,
            "p95_s": self.p95_s,
            "failures": self.failures,
            "failure_rate": self.failure_rate,
            "last_status": self.last_status,
        }


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: a duration that really happened, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def stage_stats(db: sqlite3.Connection, pipeline: str, recent: int = 100) -> list[StageStats]:
    """Statistics of each stage of ``pipeline`` over its ``recent`` newest runs, in stage order."""
    rows = db.execute(
        "SELECT s.stage_id, s.status, s.duration, s.run_id, s.position FROM stages s "
        "JOIN (SELECT id FROM runs WHERE pipeline = ? ORDER BY id DESC LIMIT ?) r "
        "ON s.run_id = r.id ORDER BY s.run_id DESC, s.position",
        (pipeline, recent),
    ).fetchall()
    order: dict[str, int] = {}
    durations: dict[str, list[float]] = {}
    ran: dict[str, int] = {}
    failures: dict[str, int] = {}
    last: dict[str, str] = {}
    for stage_id, status, duration, _run_id, position in rows:
        order.setdefault(stage_id, position)
        last.setdefault(stage_id, status)
        if status in _RAN:
            ran[stage_id] = ran.get(stage_id, 0) + 1
            if status in ("failure", "cancelled"):
                failures[stage_id] = failures.get(stage_id, 0) + 1
            if duration is not None:
                durations.setdefault(stage_id, []).append(float(duration))
    out: list[StageStats] = []
    for stage_id in sorted(order, key=order.__getitem__):
        times = durations.get(stage_id, [])
        out.append(
            StageStats(
                stage_id,
                ran.get(stage_id, 0),
                statistics.median(times) if times else None,
                percentile(times, 0.95) if times else None,
                failures.get(stage_id, 0),
                last[stage_id],
            )
        )
    return out
