"""Run history in SQLite: runs, stage results, log locations and context changes.

The database lives in the project at ``.workbench/history.sqlite3`` in WAL mode.
Each stage's result is committed as soon as the stage finishes, so a run killed
half-way keeps everything it recorded; the next time the database is opened, a
run still marked running whose process is gone is marked ``interrupted``.
Full stage logs are plain files beside it (``.workbench/logs/<run>/<stage>.log``),
so a long log costs disk, not memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from workbench.engine.events import (
    PipelineFinished,
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StageStarted,
)

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.runner import Runner

STATE_DIR = ".workbench"
DB_NAME = "history.sqlite3"
PREVIEW_LIMIT = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    pipeline TEXT NOT NULL,
    path TEXT,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    duration REAL,
    params TEXT NOT NULL DEFAULT '{}',
    pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    stage_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    uses TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL,
    duration REAL,
    message TEXT NOT NULL DEFAULT '',
    errors TEXT NOT NULL DEFAULT '[]',
    attempts INTEGER NOT NULL DEFAULT 1,
    log_path TEXT,
    worker TEXT,
    PRIMARY KEY (run_id, stage_id)
);
CREATE TABLE IF NOT EXISTS changes (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    stage_id TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    preview TEXT,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS stages_by_kind ON stages (uses, config_hash, status);
"""


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    pipeline: str
    path: str | None
    source: str
    status: str
    started: float
    duration: float | None
    params: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pipeline": self.pipeline,
            "path": self.path,
            "source": self.source,
            "status": self.status,
            "started": self.started,
            "duration_s": self.duration,
            "params": self.params,
        }


@dataclass(frozen=True, slots=True)
class StageRecord:
    stage_id: str
    uses: str
    status: str
    started: float | None
    duration: float | None
    message: str
    errors: list[str]
    attempts: int
    log_path: str | None
    worker: str | None = None
    """The Dask worker that ran the stage ("driver" beside them); None in a local run."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "uses": self.uses,
            "status": self.status,
            "duration_s": self.duration,
            "message": self.message,
            "errors": self.errors,
            "attempts": self.attempts,
            "log_path": self.log_path,
            "worker": self.worker,
        }


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    seq: int
    stage_id: str
    key: str
    kind: str
    before: str
    after: str
    preview: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "stage": self.stage_id,
            "key": self.key,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "preview": self.preview,
        }


@dataclass(frozen=True, slots=True)
class RunDetail:
    run: RunRecord
    stages: list[StageRecord] = field(default_factory=list)
    changes: list[ChangeSummary] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.run.to_json(),
            "stages": [s.to_json() for s in self.stages],
            "changes": [c.to_json() for c in self.changes],
        }


class History:
    """The history database of one project folder."""

    def __init__(self, root: Path, connection: sqlite3.Connection) -> None:
        self.root = root
        self.db = connection

    @classmethod
    def open(cls, root: str | Path) -> History:
        root = Path(root)
        state = root / STATE_DIR
        state.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(state / DB_NAME, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(_SCHEMA)
        _add_missing_columns(db)
        history = cls(root, db)
        history.mark_interrupted()
        return history

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def logs_dir(self) -> Path:
        return self.root / STATE_DIR / "logs"

    # -- writing -------------------------------------------------------------------------------
    def mark_interrupted(self) -> int:
        """Runs left 'running' by a process that no longer exists become 'interrupted'."""
        rows = self.db.execute("SELECT id, pid FROM runs WHERE status = 'running'").fetchall()
        dead = [run_id for run_id, pid in rows if not _alive(pid)]
        with self._transaction():
            for run_id in dead:
                self.db.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?", (run_id,))
                self.db.execute(
                    "UPDATE stages SET status = 'interrupted' WHERE run_id = ? "
                    "AND status IN ('running', 'pending', 'waiting', 'paused')",
                    (run_id,),
                )
        return len(dead)

    def start_run(
        self, pipeline: Pipeline, source: str, params: dict[str, Any], order: list[str]
    ) -> int:
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (pipeline, path, source, status, started, params, pid) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                (
                    pipeline.name,
                    str(pipeline.path) if pipeline.path else None,
                    source,
                    time.time(),
                    json.dumps(params, default=str),
                    os.getpid(),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            self.db.executemany(
                "INSERT INTO stages (run_id, stage_id, position, uses, config_hash, status) "
                "VALUES (?, ?, ?, ?, ?, 'pending')",
                [
                    (run_id, sid, i, pipeline.stages[sid].uses, config_hash(pipeline, sid))
                    for i, sid in enumerate(order)
                ],
            )
        return run_id

    def stage_started(self, run_id: int, stage_id: str) -> None:
        self.db.execute(
            "UPDATE stages SET status = 'running', started = ? WHERE run_id = ? AND stage_id = ?",
            (time.time(), run_id, stage_id),
        )

    def stage_finished(
        self,
        run_id: int,
        stage_id: str,
        status: str,
        duration: float,
        message: str,
        errors: list[str],
        attempts: int,
        log_path: str | None,
        changes: list[tuple[int, str, str, str, str, str, str | None]],
        worker: str | None = None,
    ) -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE stages SET status = ?, duration = ?, message = ?, errors = ?, attempts = ?, "
                "log_path = ?, worker = ? WHERE run_id = ? AND stage_id = ?",
                (
                    status,
                    duration,
                    message,
                    json.dumps(errors),
                    attempts,
                    log_path,
                    worker,
                    run_id,
                    stage_id,
                ),
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *change) for change in changes],
            )

    def finish_run(self, run_id: int, status: str, duration: float) -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET status = ?, finished = ?, duration = ? WHERE id = ?",
                (status, time.time(), duration, run_id),
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------------
    def list_runs(self, limit: int = 50, pipeline: str | None = None) -> list[RunRecord]:
        query = "SELECT id, pipeline, path, source, status, started, duration, params FROM runs"
        args: tuple[Any, ...] = ()
        if pipeline is not None:
            query += " WHERE pipeline = ?"
            args = (pipeline,)
        query += " ORDER BY id DESC LIMIT ?"
        return [_run(row) for row in self.db.execute(query, (*args, limit))]

    def get_run(self, run_id: int) -> RunDetail | None:
        row = self.db.execute(
            "SELECT id, pipeline, path, source, status, started, duration, params FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return None
        stages = [
            StageRecord(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], r[9])
            for r in self.db.execute(
                "SELECT stage_id, uses, status, started, duration, message, errors, attempts, "
                "log_path, worker FROM stages WHERE run_id = ? ORDER BY position",
                (run_id,),
            )
        ]
        changes = [
            ChangeSummary(*r)
            for r in self.db.execute(
                "SELECT seq, stage_id, key, kind, before, after, preview FROM changes "
                "WHERE run_id = ? ORDER BY seq",
                (run_id,),
            )
        ]
        return RunDetail(_run(row), stages, changes)

    def estimates(self, pipeline: Pipeline, recent: int = 10) -> dict[str, float]:
        """Median seconds of each stage's recent successful runs with the same type and config."""
        out: dict[str, float] = {}
        for sid, ps in pipeline.stages.items():
            rows = self.db.execute(
                "SELECT duration FROM stages WHERE uses = ? AND config_hash = ? AND status = 'success' "
                "AND duration IS NOT NULL ORDER BY run_id DESC LIMIT ?",
                (ps.uses, config_hash(pipeline, sid), recent),
            ).fetchall()
            if rows:
                out[sid] = statistics.median(r[0] for r in rows)
        return out


class HistoryRecorder:
    """Records one run into the history as its events arrive (a run subscriber)."""

    def __init__(self, history: History, runner: Runner, source: str, own: bool = False) -> None:
        self.history = history
        self.runner = runner
        self.source = source
        self.own = own
        self.run_id: int | None = None
        self._logs: dict[str, IO[str]] = {}
        self._log_paths: dict[str, str] = {}
        self._seen_changes = 0
        self._unsubscribe = runner.subscribe(self.on_event)

    @classmethod
    def attach(cls, root: Path, runner: Runner, source: str) -> HistoryRecorder:
        return cls(History.open(root), runner, source, own=True)

    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, PipelineStarted):
            self.run_id = self.history.start_run(
                self.runner.pipeline,
                self.source,
                _jsonable(self.runner.store.params),
                list(event.order),
            )
        elif self.run_id is None:
            return
        elif isinstance(event, StageLog):
            # One record a line: a message with newlines (a traceback) becomes several.
            handle = self._log_file(event.stage_id)
            for line in event.message.split("\n"):
                handle.write(f"{event.stream}\t{line}\n")
        elif isinstance(event, StageStarted):
            if event.attempt == 1:
                self.history.stage_started(self.run_id, event.stage_id)
        elif isinstance(event, StageFinished):
            if event.stage_id in self._logs:
                self._logs.pop(event.stage_id).close()
            r = event.result
            self.history.stage_finished(
                self.run_id,
                event.stage_id,
                r.status.value,
                r.duration,
                r.message,
                r.errors,
                r.attempts,
                self._log_paths.get(event.stage_id),
                self._new_changes(),
                r.worker,
            )
        elif isinstance(event, PipelineFinished):
            self.history.finish_run(self.run_id, event.result.status.value, event.result.duration)

    def _new_changes(self) -> list[tuple[int, str, str, str, str, str, str | None]]:
        """Changes recorded since the last stage finished (concurrent stages' included)."""
        # Count what was taken, not len(changes) afterwards: a thread stage may append
        # between the two, and that record would never be stored.
        fresh = self.runner.store.changes[self._seen_changes :]
        self._seen_changes += len(fresh)
        return [(c.seq, c.stage, c.key, c.kind, c.before, c.after, preview(c.value)) for c in fresh]

    def _log_file(self, stage_id: str) -> IO[str]:
        handle = self._logs.get(stage_id)
        if handle is None:
            folder = self.history.logs_dir / str(self.run_id)
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{_safe_name(stage_id)}.log"
            handle = path.open("a", encoding="utf-8", buffering=1 << 16)
            self._logs[stage_id] = handle
            self._log_paths[stage_id] = str(path.relative_to(self.history.root))
        return handle

    def close(self) -> None:
        self._unsubscribe()
        for handle in self._logs.values():
            handle.close()
        self._logs.clear()
        if self.own:
            self.history.close()


def read_log(root: Path, log_path: str, last: int | None = None) -> list[tuple[str, str]]:
    """(stream, line) pairs of a recorded stage log; the last ``last`` lines when given."""
    path = root / log_path
    if not path.is_file():
        return []
    from collections import deque

    lines: deque[tuple[str, str]] = deque(maxlen=last)
    # newline="\n": a carriage return inside a line (a progress redraw) is kept, not a break.
    with path.open(encoding="utf-8", errors="replace", newline="\n") as handle:
        for line in handle:
            stream, _, text = line.rstrip("\n").partition("\t")
            lines.append((stream, text))
    return list(lines)


def config_hash(pipeline: Pipeline, stage_id: str) -> str:
    ps = pipeline.stages[stage_id]
    config = ps.stage.config.model_dump(mode="json") if ps.stage is not None else ps.spec.config
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def preview(value: Any) -> str | None:
    """A JSON preview of a value, cut at :data:`PREVIEW_LIMIT` characters."""
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > PREVIEW_LIMIT:
        text = text[: PREVIEW_LIMIT - 1] + "…"
    return text


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=str))


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a database written by an older workbench up to the current columns."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(stages)")}
    if "worker" not in columns:
        db.execute("ALTER TABLE stages ADD COLUMN worker TEXT")


def _run(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7] or "{}")
    )


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_NAME_LIMIT = 100
"""Longest log file name kept readable; file systems stop at 255 bytes."""


def _safe_name(stage_id: str) -> str:
    """A file name for a stage's log: the id itself, or a prefix and a hash when too long."""
    name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in stage_id)
    if len(name.encode()) <= _NAME_LIMIT:
        return name
    digest = hashlib.sha1(stage_id.encode()).hexdigest()[:16]
    return f"{name[:48]}-{digest}"
