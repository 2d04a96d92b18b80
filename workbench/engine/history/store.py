"""Run history in SQLite: runs, stage results, log locations and context changes.

The database lives in the project at ``.workbench/history.sqlite3`` in WAL mode.
Each stage's result is committed as soon as the stage finishes, so a run killed
half-way keeps everything it recorded; the next time the database is opened, a
run still marked running whose process is gone (or whose pid now names another
process) is marked ``interrupted``. Full stage logs are plain files beside it
(``.workbench/logs/<run>/<stage>.log``), so a long log costs disk, not memory.

The history never stops a run: :func:`open_for_run` moves a damaged database
aside (``history.sqlite3.damaged-<time>``) and starts a fresh one, and when the
folder cannot be written (read-only, a directory in the way, a full disk) the run
goes on unrecorded after one warning. Reading never creates anything.

What is stored is bounded and masked: secret values never reach the file (see
:mod:`workbench.engine.secrets`), each parameter and preview is cut at
:data:`PREVIEW_LIMIT` characters, and after each run the oldest runs are pruned
to the project's ``[history]`` limits (``keep_runs``, ``max_mb``). The folder is
created 0700 and its files 0600: parameters and logs are nobody else's business.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from workbench.engine import resume
from workbench.engine.errors import WorkbenchError
from workbench.engine.events import (
    PipelineFinished,
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StageStarted,
)
from workbench.engine.procinfo import is_alive, start_identity
from workbench.engine.secrets import MASK, Secrets

if TYPE_CHECKING:
    from workbench.engine.context import ChangeRecord
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.run.runner import Runner
    from workbench.engine.settings import HistorySettings

log = logging.getLogger(__name__)

STATE_DIR = ".workbench"
DB_NAME = "history.sqlite3"
PREVIEW_LIMIT = 2000
"""Characters kept of a context change's preview, and of each stored parameter."""
PARAMS_LIMIT = 64_000
"""Characters of a run's stored parameters, at most: the rest are named, not kept."""
DIR_MODE = 0o700
FILE_MODE = 0o600

Warn = Callable[[str], None]
"""Where the history says it could not do something (once per problem)."""

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
    pid INTEGER NOT NULL,
    pid_start TEXT
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
CREATE TABLE IF NOT EXISTS stage_data (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    stage_id TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, stage_id)
);
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
    data: dict[str, Any] = field(default_factory=dict)
    """The result's data: output counts (``count``, ``unit``, ``bytes_written``), children."""
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
            "count": self.data.get("count"),
            "unit": self.data.get("unit"),
            "bytes_written": self.data.get("bytes_written", 0),
            "data": self.data,
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


class HistoryUnavailable(WorkbenchError):
    """The history database cannot be opened or written here (the run goes on without it)."""

    title = "History unavailable"


class HistoryDamaged(HistoryUnavailable):
    """The history file is not a database, or its pages are malformed."""

    title = "History damaged"


class History:
    """The history database of one project folder. Open with :meth:`open`."""

    def __init__(self, root: Path, connection: sqlite3.Connection) -> None:
        self.root = root
        self.db = connection

    @classmethod
    def open(cls, root: str | Path, *, create: bool = True) -> History:
        """Open (and with ``create``, make) the database under ``root``.

        Raises :class:`HistoryDamaged` for a damaged file and
        :class:`HistoryUnavailable` when it cannot be opened or made; never a raw
        ``sqlite3`` or ``OSError``. Without ``create`` a missing database is
        :class:`HistoryUnavailable` too, and nothing is written on disk.
        """
        root = Path(root)
        path = db_path(root)
        try:
            if create:
                _make_private_dir(path.parent)
                _touch_private(path)
            elif not path.is_file():
                raise HistoryUnavailable(
                    f"there is no run history in {root} ({path} does not exist)"
                )
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
        except OSError as exc:
            raise HistoryUnavailable(f"cannot use {path}: {_os_reason(exc)}") from None
        except sqlite3.Error as exc:
            raise _unavailable(path, exc) from None
        try:
            history = cls(root, db)
            history._prepare(create)
            return history
        except BaseException as exc:
            db.close()
            if isinstance(exc, sqlite3.Error):
                raise _unavailable(path, exc) from None
            if isinstance(exc, OSError):
                raise HistoryUnavailable(f"cannot use {path}: {_os_reason(exc)}") from None
            raise

    def _prepare(self, create: bool) -> None:
        db = self.db
        if create:
            # A new file only: an existing database keeps the vacuum mode it was made with.
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        if create:
            # Before a run writes into it: a damaged file is found now, not mid-run
            # (~25 ms for 4 MB; reads skip it and fail on the page they need).
            check = db.execute("PRAGMA quick_check(1)").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check})")
            db.executescript(_SCHEMA)
            db.executescript(resume.SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
            if "pid_start" not in columns:  # a database from before pid start times
                db.execute("ALTER TABLE runs ADD COLUMN pid_start TEXT")
            _add_missing_columns(db)
            self.mark_interrupted()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return db_path(self.root)

    @property
    def logs_dir(self) -> Path:
        return self.root / STATE_DIR / "logs"

    # -- writing -------------------------------------------------------------------------------
    def mark_interrupted(self) -> int:
        """Runs left 'running' by a process that is gone (or whose pid was reused) become
        'interrupted'."""
        rows = self.db.execute(
            "SELECT id, pid, pid_start FROM runs WHERE status = 'running'"
        ).fetchall()
        dead = [run_id for run_id, pid, started in rows if not is_alive(pid, started)]
        if not dead:
            return 0
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
        self, pipeline: Pipeline, source: str, params: Mapping[str, Any], order: list[str]
    ) -> int:
        """Record a run as started. ``params`` should already be masked; they are bounded here."""
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (pipeline, path, source, status, started, params, pid, pid_start) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                (
                    pipeline.name,
                    str(pipeline.path) if pipeline.path else None,
                    source,
                    time.time(),
                    bounded_params(params),
                    os.getpid(),
                    start_identity(os.getpid()),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            hashes = config_hashes(pipeline, order)
            self.db.executemany(
                "INSERT INTO stages (run_id, stage_id, position, uses, config_hash, status) "
                "VALUES (?, ?, ?, ?, ?, 'pending')",
                [
                    (run_id, sid, i, pipeline.stages[sid].uses, hashes[sid])
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
        data: dict[str, Any] | None = None,
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
            if data:
                self.db.execute(
                    "INSERT OR REPLACE INTO stage_data VALUES (?, ?, ?)",
                    (run_id, stage_id, json.dumps(data, default=str)),
                )

    def finish_run(self, run_id: int, status: str, duration: float) -> None:
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET status = ?, finished = ?, duration = ? WHERE id = ?",
                (status, time.time(), duration, run_id),
            )

    # -- retention -----------------------------------------------------------------------------
    def prune(self, keep_runs: int, max_bytes: int) -> list[int]:
        """Delete the oldest finished runs (and their logs) beyond ``keep_runs`` runs or
        ``max_bytes`` of database and logs together. The newest run is always kept.

        Returns the ids of the runs deleted.
        """
        rows = self.db.execute(
            "SELECT id, status, length(params) FROM runs ORDER BY id DESC"
        ).fetchall()
        if not rows:
            return []
        doomed = [run_id for run_id, status, _ in rows[keep_runs:] if status != "running"]
        kept = [(run_id, status, size) for run_id, status, size in rows[:keep_runs]]
        total = self.size_bytes()
        if total > max_bytes and len(kept) > 1:
            weights = self._run_weights([r[0] for r in kept])
            for run_id, status, _ in reversed(kept[1:]):
                if total <= max_bytes:
                    break
                if status == "running":
                    continue
                doomed.append(run_id)
                total -= weights.get(run_id, 0)
        if not doomed:
            return []
        with self._transaction():
            self.db.executemany("DELETE FROM changes WHERE run_id = ?", [(r,) for r in doomed])
            self.db.executemany("DELETE FROM stages WHERE run_id = ?", [(r,) for r in doomed])
            self.db.executemany("DELETE FROM runs WHERE id = ?", [(r,) for r in doomed])
        for run_id in doomed:
            shutil.rmtree(self.logs_dir / str(run_id), ignore_errors=True)
        with contextlib.suppress(sqlite3.Error):
            self.db.execute("PRAGMA incremental_vacuum")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sorted(doomed)

    def size_bytes(self) -> int:
        """Bytes of the database (with its WAL) and the stage logs."""
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                total += os.stat(f"{self.path}{suffix}").st_size
        for folder, _, files in os.walk(self.logs_dir):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(folder, name)).st_size
        return total

    def _run_weights(self, run_ids: list[int]) -> dict[int, int]:
        """Roughly what each run costs on disk: its stored text and its logs."""
        weights: dict[int, int] = {}
        for run_id in run_ids:
            stored = self.db.execute(
                "SELECT (SELECT length(params) FROM runs WHERE id = ?1) + "
                "(SELECT coalesce(sum(length(preview) + length(before) + length(after) + 64), 0) "
                "FROM changes WHERE run_id = ?1) + "
                "(SELECT coalesce(sum(length(message) + length(errors) + 128), 0) "
                "FROM stages WHERE run_id = ?1)",
                (run_id,),
            ).fetchone()[0]
            logs = 0
            for folder, _, files in os.walk(self.logs_dir / str(run_id)):
                for name in files:
                    with contextlib.suppress(OSError):
                        logs += os.stat(os.path.join(folder, name)).st_size
            weights[run_id] = int(stored or 0) + logs
        return weights

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
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
        try:
            data = dict(
                self.db.execute("SELECT stage_id, data FROM stage_data WHERE run_id = ?", (run_id,))
            )
        except sqlite3.OperationalError:  # a database no run of this version has written to
            data = {}
        stages = [
            StageRecord(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                json.loads(r[6]),
                r[7],
                r[8],
                json.loads(data.get(r[0], "{}")),
                r[9],
            )
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
        """Median seconds of each stage's recent successful runs with the same type and config.

        One query for the whole pipeline (a 10,000-stage dry run must not make
        10,000 round trips): the wanted (type, config) pairs travel as one JSON array.
        """
        wanted: dict[tuple[str, str], list[str]] = {}
        hashes = config_hashes(pipeline, pipeline.stages)
        for sid, ps in pipeline.stages.items():
            wanted.setdefault((ps.uses, hashes[sid]), []).append(sid)
        if not wanted:
            return {}
        rows = self.db.execute(
            "WITH wanted(uses, hash) AS ("
            "  SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
            ") "
            "SELECT uses, config_hash, duration FROM ("
            "  SELECT s.uses, s.config_hash, s.duration, row_number() OVER ("
            "    PARTITION BY s.uses, s.config_hash ORDER BY s.run_id DESC) AS n "
            "  FROM stages AS s JOIN wanted AS w ON s.uses = w.uses AND s.config_hash = w.hash "
            "  WHERE s.status = 'success' AND s.duration IS NOT NULL"
            ") WHERE n <= ?",
            (json.dumps([list(pair) for pair in wanted]), recent),
        ).fetchall()
        durations: dict[tuple[str, str], list[float]] = {}
        for uses, hashed, duration in rows:
            durations.setdefault((uses, hashed), []).append(duration)
        out: dict[str, float] = {}
        for pair, seconds in durations.items():
            median = statistics.median(seconds)
            for sid in wanted.get(pair, ()):
                out[sid] = median
        return out


def db_path(root: Path) -> Path:
    return root / STATE_DIR / DB_NAME


def open_for_run(root: Path, warn: Warn) -> History | None:
    """The history to record a run in, or None (after one warning) when there can be none.

    A damaged database is moved aside and a fresh one started; a folder that cannot
    be written means this run is not recorded. Never raises for what is on disk.
    """
    try:
        return History.open(root)
    except HistoryDamaged as exc:
        path = db_path(root)
        try:
            moved = move_aside(path)
            history = History.open(root)
        except (OSError, HistoryUnavailable) as again:
            reason = again.message if isinstance(again, HistoryUnavailable) else _os_reason(again)
            warn(f"{exc.message}; it could not be replaced ({reason}), so this run is not recorded")
            return None
        warn(f"{exc.message}; moved it to {moved.name} and started a fresh history")
        return history
    except HistoryUnavailable as exc:
        warn(f"this run is not recorded: {exc.message}")
        return None


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL files) to ``<name>.damaged-<time>``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            with contextlib.suppress(OSError):
                os.replace(side, Path(f"{target}{suffix}"))
    return target


class HistoryRecorder:
    """Records one run into the history as its events arrive (a run subscriber).

    Whatever goes wrong with the history (a full disk, a file that turns bad) is
    said once through ``warn`` and recording stops; the run itself goes on and its
    exit status is the stages', never the history's.
    """

    def __init__(
        self,
        history: History | None,
        runner: Runner,
        source: str,
        own: bool = False,
        *,
        warn: Warn | None = None,
        settings: HistorySettings | None = None,
    ) -> None:
        self.history = history
        self.runner = runner
        self.source = source
        self.own = own
        self.settings = settings
        self.warnings: list[str] = []
        self._warn_to = warn
        self.run_id: int | None = None
        self._logs: dict[str, IO[str]] = {}
        self._log_paths: dict[str, str] = {}
        self._seen_changes = 0
        self._unsubscribe = runner.subscribe(self.on_event)

    @classmethod
    def attach(
        cls,
        root: Path,
        runner: Runner,
        source: str,
        *,
        warn: Warn | None = None,
        settings: HistorySettings | None = None,
    ) -> HistoryRecorder:
        """A recorder on the history under ``root``; one that records nothing (after a
        warning) when there can be no history there."""
        if settings is None:
            from workbench.engine.settings import settings_of

            settings = settings_of(root).history
        warnings: list[str] = []
        history = open_for_run(root, warnings.append)
        recorder = cls(history, runner, source, own=True, warn=warn, settings=settings)
        for message in warnings:
            recorder.warn(message)
        return recorder

    @property
    def secrets(self) -> Secrets:
        return self.runner.secrets

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn_to is not None:
            self._warn_to(message)
        else:
            log.warning("history: %s", message)

    def on_event(self, event: RunEvent) -> None:
        if self.history is None:
            return
        try:
            self._record(event)
        except (sqlite3.Error, OSError) as exc:
            self._give_up(exc)

    def _give_up(self, exc: sqlite3.Error | OSError) -> None:
        """Stop recording this run, saying why once."""
        where = self.history.path if self.history is not None else "the history"
        reason = _sqlite_reason(exc) if isinstance(exc, sqlite3.Error) else _os_reason(exc)
        self.warn(f"stopped recording this run in {where}: {reason}; the run goes on")
        self._close_logs()
        if self.history is not None and self.own:
            with contextlib.suppress(sqlite3.Error):
                self.history.close()
        self.history = None

    def _record(self, event: RunEvent) -> None:
        assert self.history is not None
        if isinstance(event, PipelineStarted):
            self.run_id = self.history.start_run(
                self.runner.pipeline,
                self.source,
                self.secrets.mask_params(_jsonable(self.runner.store.params)),
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
            fresh = self._take_changes()
            if fresh:
                with self.history._transaction():
                    resume.save_values(
                        self.history.db, self.run_id, self.runner.store, fresh, self.secrets
                    )
            self.history.stage_finished(
                self.run_id,
                event.stage_id,
                r.status.value,
                r.duration,
                r.message,
                r.errors,
                r.attempts,
                self._log_paths.get(event.stage_id),
                self._summaries(fresh),
                r.data,
                r.worker,
            )
        elif isinstance(event, PipelineFinished):
            self.history.finish_run(self.run_id, event.result.status.value, event.result.duration)
            if self.settings is not None:
                self.history.prune(self.settings.keep_runs, int(self.settings.max_mb * 1e6))

    def _take_changes(self) -> list[ChangeRecord]:
        """Changes recorded since the last stage finished (concurrent stages' included)."""
        # Count what was taken, not len(changes) afterwards: a thread stage may append
        # between the two, and that record would never be stored.
        fresh = self.runner.store.changes[self._seen_changes :]
        self._seen_changes += len(fresh)
        return fresh

    def _summaries(
        self, fresh: list[ChangeRecord]
    ) -> list[tuple[int, str, str, str, str, str, str | None]]:
        """The changes as stored: a secret key's preview masked, secret text in others too."""
        secrets = self.secrets
        return [
            (
                c.seq,
                c.stage,
                c.key,
                c.kind,
                c.before,
                c.after,
                MASK if secrets.is_secret(c.key) else secrets.mask_text(preview(c.value) or ""),
            )
            for c in fresh
        ]

    def _log_file(self, stage_id: str) -> IO[str]:
        handle = self._logs.get(stage_id)
        if handle is None:
            assert self.history is not None
            _make_private_dir(self.history.logs_dir)
            folder = self.history.logs_dir / str(self.run_id)
            _make_private_dir(folder)
            path = folder / f"{_safe_name(stage_id)}.log"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
            handle = open(fd, "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115
            self._logs[stage_id] = handle
            self._log_paths[stage_id] = str(path.relative_to(self.history.root))
        return handle

    def _close_logs(self) -> None:
        for handle in self._logs.values():
            with contextlib.suppress(OSError):
                handle.close()
        self._logs.clear()

    def close(self) -> None:
        self._unsubscribe()
        try:
            for handle in list(self._logs.values()):
                handle.close()
        except OSError as exc:
            self._give_up(exc)
        self._close_logs()
        if self.own and self.history is not None:
            self.history.close()
            self.history = None


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


def config_hashes(pipeline: Pipeline, ids: Iterable[str]) -> dict[str, str]:
    """:func:`config_hash` of many stages; stages written alike (same type, same config
    in the file) are hashed once, which is most of a generated 10,000-stage file."""
    memo: dict[tuple[str, str], str] = {}
    out: dict[str, str] = {}
    for sid in ids:
        ps = pipeline.stages[sid]
        key = (ps.uses, repr(ps.spec.config))
        hashed = memo.get(key)
        if hashed is None:
            hashed = memo[key] = config_hash(pipeline, sid)
        out[sid] = hashed
    return out


def preview(value: Any) -> str | None:
    """A JSON preview of a value, cut at :data:`PREVIEW_LIMIT` characters.

    A large value is cut before it is serialised whole where that is cheap (text,
    bytes); other values are serialised once and cut.
    """
    if isinstance(value, str) and len(value) > PREVIEW_LIMIT:
        value = value[:PREVIEW_LIMIT]
    elif isinstance(value, (bytes, bytearray)) and len(value) > PREVIEW_LIMIT:
        value = bytes(value[:PREVIEW_LIMIT])
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > PREVIEW_LIMIT:
        text = text[: PREVIEW_LIMIT - 1] + "…"
    return text


def bounded_params(params: Mapping[str, Any]) -> str:
    """The parameters as JSON, each value over :data:`PREVIEW_LIMIT` characters replaced
    by its cut preview and the whole kept under :data:`PARAMS_LIMIT` (the rest are
    counted under ``"…"``): a 50 MB parameter must not be stored with every run."""
    out: dict[str, Any] = {}
    used = 2
    left_out = 0
    for key, value in params.items():
        text = json.dumps(value, default=str)
        if len(text) > PREVIEW_LIMIT:
            value = preview(value)
            text = json.dumps(value)
        cost = len(key) + len(text) + 6
        if used + cost > PARAMS_LIMIT:
            left_out += 1
            continue
        out[key] = value
        used += cost
    if left_out:
        out["…"] = f"{left_out} more parameter(s) not stored"
    return json.dumps(out, default=str)


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _small(value) for key, value in params.items()}


def _small(value: Any) -> Any:
    """A JSON-friendly value; a big one as its preview (never serialised whole twice)."""
    if isinstance(value, (str, bytes, bytearray)) and len(value) > PREVIEW_LIMIT:
        return preview(value)
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)[:PREVIEW_LIMIT]
    if len(text) > PREVIEW_LIMIT:
        return preview(value)
    return json.loads(text)


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a database written by an older workbench up to the current columns."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(stages)")}
    if "worker" not in columns:
        db.execute("ALTER TABLE stages ADD COLUMN worker TEXT")


def _run(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7] or "{}")
    )


def _make_private_dir(folder: Path) -> None:
    """Make the history's own ``folder`` 0700 (a folder left open by an older version is
    tightened). Only the history's folders are passed here, never the project's."""
    if not folder.is_dir():
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    elif not folder.stat().st_mode & 0o077:
        return
    with contextlib.suppress(OSError):
        os.chmod(folder, DIR_MODE)


def _touch_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does (SQLite gives its WAL the same mode)."""
    if path.is_file():
        with contextlib.suppress(OSError):
            if path.stat().st_mode & 0o077:
                os.chmod(path, FILE_MODE)
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)


def _unavailable(path: Path, exc: sqlite3.Error) -> HistoryUnavailable:
    code = getattr(exc, "sqlite_errorcode", None)
    damaged = code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    if damaged or (type(exc) is sqlite3.DatabaseError and code is None):
        return HistoryDamaged(f"the history database {path} is damaged ({exc})")
    return HistoryUnavailable(f"cannot use {path}: {_sqlite_reason(exc)}")


def _sqlite_reason(exc: sqlite3.Error) -> str:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return "the disk is full"
    return str(exc)


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)


_NAME_LIMIT = 100
"""Longest log file name kept readable; file systems stop at 255 bytes."""


def _safe_name(stage_id: str) -> str:
    """A file name for a stage's log: the id itself, or a prefix and a hash when too long."""
    name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in stage_id)
    if len(name.encode()) <= _NAME_LIMIT:
        return name
    digest = hashlib.sha1(stage_id.encode()).hexdigest()[:16]
    return f"{name[:48]}-{digest}"
