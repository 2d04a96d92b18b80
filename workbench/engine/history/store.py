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
:mod:`workbench.engine.secrets`), each parameter and preview is bounded (see
:mod:`~workbench.engine.history.previews`), and after each run the oldest runs are
pruned to the project's ``[history]`` limits (:mod:`~workbench.engine.history.retention`).
The folder is created 0700 and its files 0600: parameters and logs are nobody
else's business. Runs are written by :mod:`~workbench.engine.history.recorder`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from workbench.engine import resume
from workbench.engine.changelog import ChangeKind, ChangeLog, ChangeRecord
from workbench.engine.errors import WorkbenchError
from workbench.engine.history.previews import bounded_params, read_preview, unmark
from workbench.engine.procinfo import is_alive, start_identity

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline

log = logging.getLogger(__name__)

STATE_DIR = ".workbench"
DB_NAME = "history.sqlite3"
DIR_MODE = 0o700
FILE_MODE = 0o600

StoredChange = tuple[int, str, str, str, str, str, str | None, str | None]
"""A change as stored: seq, stage, key, kind, before, after, preview, preview format."""

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
    context_mark INTEGER,
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
    preview_format TEXT,
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
    context_mark: int | None = None
    """How many context changes the run had made when this stage finished (its position
    in the run's change log); None when it never finished, or in a run recorded before
    marks were kept."""

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
    """The stored preview's text (see :mod:`~workbench.engine.history.previews`)."""
    preview_format: str | None = None
    """``"json"`` (bounded JSON), ``"masked"`` (a secret), or None for a row written
    before previews were bounded, whose text may be JSON cut mid-text."""

    @property
    def value(self) -> Any:
        """The value the preview stands for, partial where the preview was cut."""
        if self.kind == "removed":
            return None
        return read_preview(self.preview, self.preview_format)

    def record(self) -> ChangeRecord:
        """This change as a record of the run's change log, holding its preview's value."""
        kind = cast("ChangeKind", self.kind)
        return ChangeRecord(
            self.seq, self.stage_id, self.key, kind, self.before, self.after, self.value
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "stage": self.stage_id,
            "key": self.key,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "preview": self.preview,
            "preview_format": self.preview_format,
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

    def change_log(self) -> ChangeLog:
        """The run's context changes as a change log, with each finished stage's mark.

        A run recorded before marks were kept gets one from the stage times: a
        stage's mark is just past the last change of any stage that had finished
        by the time it did.
        """
        log = ChangeLog(c.record() for c in self.changes)
        ends = {
            s.stage_id: s.started + s.duration
            for s in self.stages
            if s.started is not None and s.duration is not None
        }
        last_change: dict[str, int] = {}
        for change in self.changes:
            last_change[change.stage_id] = change.seq + 1
        for stage in self.stages:
            if stage.context_mark is not None:
                log.mark_finished(stage.stage_id, stage.context_mark)
            elif stage.stage_id in ends:
                end = ends[stage.stage_id]
                done = [last_change.get(sid, 0) for sid, e in ends.items() if e <= end]
                log.mark_finished(stage.stage_id, max(done, default=0))
        return log


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
                make_private_dir(path.parent)
                _touch_private(path)
            elif not path.is_file():
                raise HistoryUnavailable(
                    f"there is no run history in {root} ({path} does not exist)"
                )
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
        except OSError as exc:
            raise HistoryUnavailable(f"cannot use {path}: {os_reason(exc)}") from None
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
                raise HistoryUnavailable(f"cannot use {path}: {os_reason(exc)}") from None
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
        changes: list[StoredChange],
        data: dict[str, Any] | None = None,
        worker: str | None = None,
        context_mark: int | None = None,
    ) -> None:
        """Record a finished stage, the changes made since the last one, and its mark."""
        with self._transaction():
            self.db.execute(
                "UPDATE stages SET status = ?, duration = ?, message = ?, errors = ?, attempts = ?, "
                "log_path = ?, worker = ?, context_mark = ? WHERE run_id = ? AND stage_id = ?",
                (
                    status,
                    duration,
                    message,
                    json.dumps(errors),
                    attempts,
                    log_path,
                    worker,
                    context_mark,
                    run_id,
                    stage_id,
                ),
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO changes "
                "(run_id, seq, stage_id, key, kind, before, after, preview, preview_format) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        # A database written by an older version, read without changing it, may lack
        # the newer columns: they read as NULL.
        worker, mark = self._columns("stages", "worker", "context_mark")
        (form,) = self._columns("changes", "preview_format")
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
                r[10],
            )
            for r in self.db.execute(
                "SELECT stage_id, uses, status, started, duration, message, errors, attempts, "
                f"log_path, {worker}, {mark} FROM stages WHERE run_id = ? ORDER BY position",
                (run_id,),
            )
        ]
        changes = [
            ChangeSummary(*r)
            for r in self.db.execute(
                f"SELECT seq, stage_id, key, kind, before, after, preview, {form} FROM changes "
                "WHERE run_id = ? ORDER BY seq",
                (run_id,),
            )
        ]
        return RunDetail(_run(row), stages, changes)

    def _columns(self, table: str, *names: str) -> list[str]:
        """Each column name as it is, or ``NULL`` where this database's table lacks it."""
        have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
        return [name if name in have else "NULL" for name in names]

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
            reason = again.message if isinstance(again, HistoryUnavailable) else os_reason(again)
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


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Bring a database written by an older workbench up to the current columns."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(stages)")}
    if "worker" not in columns:
        db.execute("ALTER TABLE stages ADD COLUMN worker TEXT")
    if "context_mark" not in columns:
        db.execute("ALTER TABLE stages ADD COLUMN context_mark INTEGER")
    if "preview_format" not in {row[1] for row in db.execute("PRAGMA table_info(changes)")}:
        db.execute("ALTER TABLE changes ADD COLUMN preview_format TEXT")


def _run(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], unmark(json.loads(row[7] or "{}"))
    )


def make_private_dir(folder: Path) -> None:
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
    return HistoryUnavailable(f"cannot use {path}: {sqlite_reason(exc)}")


def sqlite_reason(exc: sqlite3.Error) -> str:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == sqlite3.SQLITE_FULL:
        return "the disk is full"
    return str(exc)


def os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)
