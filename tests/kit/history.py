"""Runs in a project's history: recorded as the command line records them, or made up.

A made-up run has fixed statuses and durations, so pictures and comparisons
against it do not change from one test run to the next.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.engine.history.recorder import HistoryRecorder
from workbench.engine.history.store import History
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.runner import Runner, RunResult


def record_run(
    root: Path,
    pipeline: Pipeline,
    rows: Mapping[str, tuple[str, float]],
    *,
    source: str = "test",
    params: Mapping[str, Any] | None = None,
    status: str = "failure",
    seconds: float = 9.0,
    message: str = "{sid} {status}",
    errors: Mapping[str, list[str]] | None = None,
) -> int:
    """Write a finished run of ``pipeline`` with each stage's ``(status, seconds)``; its id.

    ``message`` is formatted with the stage id and status; ``errors`` gives a
    stage's error lines. Stages not in ``rows`` never ran.
    """
    with History.open(root) as history:
        run_id = history.start_run(pipeline, source, dict(params or {}), list(pipeline.graph.order))
        for sid, (stage_status, stage_seconds) in rows.items():
            history.stage_started(run_id, sid)
            history.stage_finished(
                run_id,
                sid,
                stage_status,
                stage_seconds,
                message.format(sid=sid, status=stage_status),
                list((errors or {}).get(sid, [])),
                1,
                None,
                [],
            )
        history.finish_run(run_id, status, seconds)
    return run_id


def run_and_record(
    root: Path, pipeline: Pipeline, *, source: str = "test", **recorder_options: Any
) -> tuple[RunResult, int | None]:
    """Run ``pipeline`` with the history recorder attached, as the command line does.

    Returns the run's result and the id the recorder gave it (``None`` when the
    history could not be written).
    """
    runner = Runner(pipeline)
    recorder = HistoryRecorder.attach(root, runner, source=source, **recorder_options)
    try:
        result = asyncio.run(runner.run())
    finally:
        recorder.close()
    return result, recorder.run_id
