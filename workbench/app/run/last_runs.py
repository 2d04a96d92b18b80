"""The last recorded run of each pipeline, for the pipeline list, and how to say when.

Read from the project's history database without creating it: browsing a
project that never ran must not leave a ``.workbench/`` folder behind. A broken
or locked database reads as "no runs", never as an error in the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.engine.glyphs import INTERRUPTED_GLYPH, STATUS_GLYPHS
from workbench.engine.units import format_seconds

if TYPE_CHECKING:
    from workbench.engine.history.store import RunRecord

STATUS_STYLES: dict[str, str] = {
    "success": "$text-success",
    "failure": "$text-error bold",
    "partial": "$text-warning",
    "cancelled": "$text-warning",
    "interrupted": "$text-error",
    "running": "$text-primary",
    "skipped": "$foreground-muted",
    "cached": "$text-secondary",
}
"""The theme colour of a recorded run's status."""
RUN_MARKS = {
    **{status.value: glyph for status, glyph in STATUS_GLYPHS.items()},
    "interrupted": INTERRUPTED_GLYPH,
}
"""The mark of a recorded run's status (the stage marks, plus interrupted runs); read from
the engine's table rather than the graph widget, which the pipelines list does not need."""

RECENT = 500
"""How many recent runs are read to find each pipeline's last one."""


@dataclass(frozen=True, slots=True)
class LastRuns:
    """Each pipeline's last run (by file path, else by name) and the project's latest runs."""

    by_path: dict[str, RunRecord]
    by_name: dict[str, RunRecord]
    recent: list[RunRecord]
    read: bool = True
    """False until the history has been read: the list then says neither "never run" nor
    anything else about a pipeline's runs."""

    def of(self, path: Path, name: str) -> RunRecord | None:
        # (Resolving the path is the slow part: a project that never ran skips it.)
        by_path = self.by_path.get(path_key(path)) if self.by_path else None
        return by_path or self.by_name.get(name)


NO_RUNS = LastRuns({}, {}, [])
"""A project that has recorded no run."""
NOT_READ = LastRuns({}, {}, [], read=False)
"""The history has not been read yet (it is read in a thread once the list is on screen)."""


def path_key(path: Path) -> str:
    """The file's resolved path; a symlink loop or an unreadable folder keeps it as given."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path.absolute())


def read_last_runs(root: Path) -> LastRuns:
    """The last run of every pipeline that ran (a few milliseconds; call it off the UI loop).

    The history module is imported here, in that thread, not when the list is first drawn.
    """
    from workbench.engine.history.store import DB_NAME, STATE_DIR, History

    if not (root / STATE_DIR / DB_NAME).is_file():
        return NO_RUNS
    try:
        with History.open(root) as history:
            runs = history.list_runs(limit=RECENT)
    except Exception:  # a locked or damaged database: the list shows no runs
        return NO_RUNS
    by_path: dict[str, RunRecord] = {}
    by_name: dict[str, RunRecord] = {}
    for run in runs:  # newest first: keep the first seen
        if run.path:
            by_path.setdefault(path_key(Path(run.path)), run)
        by_name.setdefault(run.pipeline, run)
    return LastRuns(by_path, by_name, runs[:5])


def ago(timestamp: float, now: float | None = None) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``yesterday``, ``4 days ago``, then the date."""
    moment = now if now is not None else dt.datetime.now().timestamp()
    seconds = max(0.0, moment - timestamp)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d")


def run_summary(run: RunRecord, now: float | None = None) -> str:
    """``failed 3 min ago · 2.1s``: status, when, how long."""
    words = {"success": "succeeded", "failure": "failed"}
    status = words.get(run.status, run.status)
    took = f" · {format_seconds(run.duration)}" if run.duration is not None else ""
    return f"{status} {ago(run.started, now)}{took}"
