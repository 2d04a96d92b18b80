"""A run's events as log records, for ``--log-file`` and ``--log-format json``.

:class:`EventLogger` subscribes to a runner and turns every event (stage started,
each log line, retrying, finished, the run's start and end) into a record of the
``workbench.run`` logger with structured fields: run id, stage, attempt, event,
counts. :class:`JsonLineFormatter` writes any record as one JSON object per line
(time, level, logger, event, message, run_id, stage, attempt, counts), so a log
can be read with ``jq`` or loaded into a log store. Nothing here writes a file:
the command line decides where records go with ordinary ``logging`` handlers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from workbench.engine.events import (
    PipelineFinished,
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StagePaused,
    StageRetrying,
    StageStarted,
)
from workbench.engine.stage import StageStatus
from workbench.engine.terminal_text import clean_output

LOGGER = "workbench.run"
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
FIELDS = ("run_id", "stage", "attempt", "event", "counts")
"""The structured fields an event record carries (as ``extra``)."""


class EventLogger:
    """Logs every event of one run to the ``workbench.run`` logger."""

    def __init__(self, run_id: Callable[[], int | str | None] = lambda: None) -> None:
        self.log = logging.getLogger(LOGGER)
        self.run_id = run_id
        self.attempts: dict[str, int] = {}

    def __call__(self, event: RunEvent) -> None:
        level, stage, message, counts = self._describe(event)
        if not self.log.isEnabledFor(level):
            return
        extra = {
            "run_id": self.run_id(),
            "stage": stage,
            "attempt": self.attempts.get(stage) if stage else None,
            "event": type(event).__name__,
            "counts": counts,
        }
        # Someone will `cat` the file: control sequences go, as on the terminal.
        self.log.log(level, "%s", clean_output(message, keep_colour=False), extra=extra)

    def _describe(self, event: RunEvent) -> tuple[int, str | None, str, dict[str, Any] | None]:
        if isinstance(event, StageLog):
            level = _LEVELS.get(event.level.lower(), logging.INFO)
            if event.stream == "stderr" and level < logging.WARNING:
                level = logging.WARNING
            return level, event.stage_id, f"{event.stage_id} | {event.message}", None
        if isinstance(event, StageStarted):
            self.attempts[event.stage_id] = event.attempt
            text = f"{event.stage_id} started" + (
                f" (attempt {event.attempt})" if event.attempt > 1 else ""
            )
            return logging.INFO, event.stage_id, text, None
        if isinstance(event, StageRetrying):
            return (
                logging.WARNING,
                event.stage_id,
                f"{event.stage_id} retrying: attempt {event.attempt} in {event.delay:g}s "
                f"({event.error})",
                None,
            )
        if isinstance(event, StagePaused):
            return logging.INFO, event.stage_id, f"{event.stage_id} paused ({event.reason})", None
        if isinstance(event, StageFinished):
            r = event.result
            level = logging.ERROR if r.status is StageStatus.FAILURE else logging.INFO
            counts = output_counts(r.data)
            text = f"{event.stage_id} finished: {r.status.value} in {r.duration:.3f}s"
            if r.message:
                text += f": {r.message}"
            return level, event.stage_id, text, counts or None
        if isinstance(event, PipelineStarted):
            return (
                logging.INFO,
                None,
                f"{event.pipeline} started: {len(event.order)} stages, "
                f"concurrency {event.concurrency}",
                None,
            )
        if isinstance(event, PipelineFinished):
            result = event.result
            level = logging.INFO if result.ok else logging.ERROR
            return (
                level,
                None,
                f"{result.pipeline} {result.status.value} in {result.duration:.3f}s",
                result.counts(),
            )
        return logging.DEBUG, getattr(event, "stage_id", None), type(event).__name__, None


def output_counts(data: dict[str, Any]) -> dict[str, Any]:
    """The counts a stage reported in its result (``count``, ``unit``, bytes)."""
    return {k: data[k] for k in ("count", "unit", "bytes", "bytes_written") if k in data}


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message and the event fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": getattr(record, "event", None),
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if name != "event":
                out[name] = getattr(record, name, None)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)
