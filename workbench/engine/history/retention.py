"""Retention: the oldest runs pruned to the project's ``[history]`` limits.

After each run the recorder prunes to ``keep_runs`` runs and ``max_mb`` of database
and logs together (``workbench history --prune`` does the same on demand). The
newest run is always kept, and a run still running is never deleted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3

from workbench.engine.history.store import History


def prune(history: History, keep_runs: int, max_bytes: int) -> list[int]:
    """Delete the oldest finished runs (and their logs) beyond ``keep_runs`` runs or
    ``max_bytes`` of database and logs together. The newest run is always kept.

    Returns the ids of the runs deleted.
    """
    rows = history.db.execute(
        "SELECT id, status, length(params) FROM runs ORDER BY id DESC"
    ).fetchall()
    if not rows:
        return []
    doomed = [run_id for run_id, status, _ in rows[keep_runs:] if status != "running"]
    kept = [(run_id, status, size) for run_id, status, size in rows[:keep_runs]]
    total = size_bytes(history)
    if total > max_bytes and len(kept) > 1:
        weights = _run_weights(history, [r[0] for r in kept])
        for run_id, status, _ in reversed(kept[1:]):
            if total <= max_bytes:
                break
            if status == "running":
                continue
            doomed.append(run_id)
            total -= weights.get(run_id, 0)
    if not doomed:
        return []
    with history._transaction():
        history.db.executemany("DELETE FROM changes WHERE run_id = ?", [(r,) for r in doomed])
        history.db.executemany("DELETE FROM stages WHERE run_id = ?", [(r,) for r in doomed])
        history.db.executemany("DELETE FROM runs WHERE id = ?", [(r,) for r in doomed])
    for run_id in doomed:
        shutil.rmtree(history.logs_dir / str(run_id), ignore_errors=True)
    with contextlib.suppress(sqlite3.Error):
        history.db.execute("PRAGMA incremental_vacuum")
        history.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sorted(doomed)


def size_bytes(history: History) -> int:
    """Bytes of the database (with its WAL) and the stage logs."""
    total = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            total += os.stat(f"{history.path}{suffix}").st_size
    for folder, _, files in os.walk(history.logs_dir):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(folder, name)).st_size
    return total


def _run_weights(history: History, run_ids: list[int]) -> dict[int, int]:
    """Roughly what each run costs on disk: its stored text and its logs."""
    weights: dict[int, int] = {}
    for run_id in run_ids:
        stored = history.db.execute(
            "SELECT (SELECT length(params) FROM runs WHERE id = ?1) + "
            "(SELECT coalesce(sum(length(preview) + length(before) + length(after) + 64), 0) "
            "FROM changes WHERE run_id = ?1) + "
            "(SELECT coalesce(sum(length(message) + length(errors) + 128), 0) "
            "FROM stages WHERE run_id = ?1)",
            (run_id,),
        ).fetchone()[0]
        logs = 0
        for folder, _, files in os.walk(history.logs_dir / str(run_id)):
            for name in files:
                with contextlib.suppress(OSError):
                    logs += os.stat(os.path.join(folder, name)).st_size
        weights[run_id] = int(stored or 0) + logs
    return weights
