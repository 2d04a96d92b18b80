"""The recorder: one run written into the history as its events arrive.

Each stage's result and the context changes it made are committed as the stage
finishes, so a run killed half-way keeps what it recorded. Stage logs go to plain
files beside the database, one per stage. Whatever goes wrong with the history is
said once and recording stops; the run goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
from pathlib import Path
from typing import IO, TYPE_CHECKING

from workbench.engine import resume
from workbench.engine.events import (
    PipelineFinished,
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StageStarted,
)
from workbench.engine.history.previews import jsonable, preview
from workbench.engine.history.retention import prune
from workbench.engine.history.store import (
    FILE_MODE,
    History,
    StoredChange,
    Warn,
    make_private_dir,
    open_for_run,
    os_reason,
    sqlite_reason,
)
from workbench.engine.secrets import MASK, Secrets

if TYPE_CHECKING:
    from workbench.engine.changelog import ChangeRecord
    from workbench.engine.run.runner import Runner
    from workbench.engine.settings import HistorySettings

log = logging.getLogger(__name__)


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
        reason = sqlite_reason(exc) if isinstance(exc, sqlite3.Error) else os_reason(exc)
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
                self.secrets.mask_params(jsonable(self.runner.store.params)),
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
                self.runner.store.finished_at.get(event.stage_id),
            )
        elif isinstance(event, PipelineFinished):
            self.history.finish_run(self.run_id, event.result.status.value, event.result.duration)
            if self.settings is not None:
                prune(self.history, self.settings.keep_runs, int(self.settings.max_mb * 1e6))

    def _take_changes(self) -> list[ChangeRecord]:
        """Changes recorded since the last stage finished (concurrent stages' included)."""
        # Count what was taken, not len(changes) afterwards: a thread stage may append
        # between the two, and that record would never be stored.
        fresh = self.runner.store.changes[self._seen_changes :]
        self._seen_changes += len(fresh)
        return fresh

    def _summaries(self, fresh: list[ChangeRecord]) -> list[StoredChange]:
        """The changes as stored: a bounded JSON preview of each value written, masked
        (a secret key's value is only the mask; a removal has no preview)."""
        secrets = self.secrets
        out: list[StoredChange] = []
        for c in fresh:
            shown: str | None
            if c.kind == "removed":
                shown, form = None, None
            elif secrets.is_secret(c.key):
                shown, form = MASK, "masked"
            else:
                shown, form = preview(c.value, secrets), "json"
            out.append((c.seq, c.stage, c.key, c.kind, c.before, c.after, shown, form))
        return out

    def _log_file(self, stage_id: str) -> IO[str]:
        handle = self._logs.get(stage_id)
        if handle is None:
            assert self.history is not None
            make_private_dir(self.history.logs_dir)
            folder = self.history.logs_dir / str(self.run_id)
            make_private_dir(folder)
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


_NAME_LIMIT = 100
"""Longest log file name kept readable; file systems stop at 255 bytes."""


def _safe_name(stage_id: str) -> str:
    """A file name for a stage's log: the id itself, or a prefix and a hash when too long."""
    name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in stage_id)
    if len(name.encode()) <= _NAME_LIMIT:
        return name
    digest = hashlib.sha1(stage_id.encode()).hexdigest()[:16]
    return f"{name[:48]}-{digest}"
