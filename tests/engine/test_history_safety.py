"""The history never blocks a run, stays private and bounded, and reads never create."""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest
from kit.pipelines import PipelineFactory

from workbench.engine.history.store import (
    DB_NAME,
    STATE_DIR,
    History,
    HistoryRecorder,
    HistoryUnavailable,
    db_path,
)
from workbench.engine.run.runner import Runner, RunResult
from workbench.engine.settings import HistorySettings
from workbench.engine.stage import StageStatus

TWO = """
[stages.a]
uses = "kit.chatty"
[stages.b]
uses = "kit.write"
config = { key = "rows", value = [1, 2] }
depends_on = ["a"]
"""


def run_recorded(
    root: Path, pipeline_factory: PipelineFactory, settings: HistorySettings | None = None
) -> tuple[RunResult, list[str], int | None]:
    runner = Runner(pipeline_factory(TWO))
    warnings: list[str] = []
    recorder = HistoryRecorder.attach(
        root, runner, source="test", warn=warnings.append, settings=settings
    )
    try:
        result = asyncio.run(runner.run())
    finally:
        recorder.close()
    return result, warnings, recorder.run_id


def test_a_history_of_random_bytes_is_moved_aside_and_a_fresh_one_started(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    db = db_path(tmp_path)
    db.parent.mkdir()
    db.write_bytes(os.urandom(8192))

    result, warnings, run_id = run_recorded(tmp_path, make_pipeline)

    assert result.status is StageStatus.SUCCESS
    assert len(warnings) == 1 and "damaged" in warnings[0] and "moved it to" in warnings[0]
    (moved,) = db.parent.glob(f"{DB_NAME}.damaged-*")
    assert moved.name in warnings[0]
    with History.open(tmp_path) as history:
        assert [r.id for r in history.list_runs()] == [run_id]


def test_a_history_with_malformed_pages_is_moved_aside(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    for _ in range(3):
        run_recorded(tmp_path, make_pipeline)
    db = db_path(tmp_path)
    data = bytearray(db.read_bytes())
    page = 4096
    data[page * 2 : page * 3] = os.urandom(page)  # a table page, not the header
    db.write_bytes(bytes(data))

    result, warnings, _ = run_recorded(tmp_path, make_pipeline)

    assert result.status is StageStatus.SUCCESS
    assert len(warnings) == 1 and "damaged" in warnings[0]
    assert list(db.parent.glob(f"{DB_NAME}.damaged-*"))


def test_a_directory_where_the_database_should_be_means_one_warning_and_no_record(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    db_path(tmp_path).mkdir(parents=True)

    result, warnings, run_id = run_recorded(tmp_path, make_pipeline)

    assert result.status is StageStatus.SUCCESS
    assert len(warnings) == 1 and "not recorded" in warnings[0]
    assert run_id is None
    assert db_path(tmp_path).is_dir()


def test_an_unwritable_project_means_one_warning_and_the_run_goes_on(
    tmp_path: Path, make_pipeline: PipelineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        if self.name == STATE_DIR:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", refuse)

    result, warnings, _ = run_recorded(tmp_path, make_pipeline)

    assert result.status is StageStatus.SUCCESS
    assert warnings == [
        f"this run is not recorded: cannot use {db_path(tmp_path)}: Permission denied"
    ]


def test_a_full_disk_mid_run_gives_one_warning_and_the_run_keeps_its_status(
    tmp_path: Path, make_pipeline: PipelineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(History, "stage_finished", full)

    result, warnings, _ = run_recorded(tmp_path, make_pipeline)

    assert result.status is StageStatus.SUCCESS
    assert len(warnings) == 1 and "stopped recording" in warnings[0]


def test_history_files_and_folders_are_private(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    old = os.umask(0o022)
    try:
        run_recorded(tmp_path, make_pipeline)
    finally:
        os.umask(old)

    state = tmp_path / STATE_DIR
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE(db_path(tmp_path).stat().st_mode) == 0o600
    logs = list((state / "logs").rglob("*.log"))
    assert logs
    for path in logs:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in [state / "logs", *[p for p in (state / "logs").rglob("*") if p.is_dir()]]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_retention_keeps_the_last_n_runs_and_their_logs(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    settings = HistorySettings(keep_runs=2)
    ids = [run_recorded(tmp_path, make_pipeline, settings)[2] for _ in range(4)]

    with History.open(tmp_path) as history:
        assert [r.id for r in history.list_runs()] == ids[:1:-1]
    logs = tmp_path / STATE_DIR / "logs"
    assert sorted(p.name for p in logs.iterdir()) == sorted(str(i) for i in ids[2:])


def test_retention_by_size_drops_the_oldest_runs(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    for _ in range(5):
        run_recorded(tmp_path, make_pipeline)
    with History.open(tmp_path) as history:
        removed = history.prune(keep_runs=100, max_bytes=1)
        left = history.list_runs()

    assert removed == [1, 2, 3, 4]
    assert [r.id for r in left] == [5]


def test_a_huge_parameter_is_stored_bounded(tmp_path: Path, make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(TWO), params={"blob": "x" * 5_000_000})
    recorder = HistoryRecorder.attach(tmp_path, runner, source="test")
    try:
        asyncio.run(runner.run())
    finally:
        recorder.close()

    with History.open(tmp_path) as history:
        (run,) = history.list_runs()
    assert len(run.params["blob"]) <= 2000
    assert db_path(tmp_path).stat().st_size < 200_000


def test_a_run_whose_pid_was_reused_is_marked_interrupted(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    _, _, run_id = run_recorded(tmp_path, make_pipeline)
    other = subprocess.Popen(["sleep", "30"])
    try:
        with sqlite3.connect(db_path(tmp_path)) as db:
            # The run's process died and its pid now names a live, unrelated process.
            db.execute(
                "UPDATE runs SET status = 'running', pid = ?, pid_start = 'a-process-long-gone' "
                "WHERE id = ?",
                (other.pid, run_id),
            )
        with History.open(tmp_path) as history:
            (run,) = history.list_runs()
    finally:
        other.kill()
        other.wait()

    assert run.status == "interrupted"


def test_a_running_run_of_a_live_process_stays_running(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    from workbench.engine.procinfo import start_identity

    _, _, run_id = run_recorded(tmp_path, make_pipeline)
    other = subprocess.Popen(["sleep", "30"])
    try:
        deadline = time.monotonic() + 5
        while start_identity(other.pid) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        with sqlite3.connect(db_path(tmp_path)) as db:
            db.execute(
                "UPDATE runs SET status = 'running', pid = ?, pid_start = ? WHERE id = ?",
                (other.pid, start_identity(other.pid), run_id),
            )
        with History.open(tmp_path) as history:
            (run,) = history.list_runs()
    finally:
        other.kill()
        other.wait()

    assert run.status == "running"


def test_reading_a_missing_history_creates_nothing(tmp_path: Path) -> None:
    where = tmp_path / "typo"

    with pytest.raises(HistoryUnavailable, match="no run history"):
        History.open(where, create=False)

    assert not where.exists()
