"""Run history: what a run records, and a run killed half-way."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kit.pipelines import KIT, PipelineFactory

from workbench.engine.history.store import History, HistoryRecorder, read_log
from workbench.engine.run.runner import Runner

RECORDED = """
[stages.talk]
uses = "kit.chatty"
[stages.write]
uses = "kit.write"
config = { key = "rows", value = [1, 2] }
depends_on = ["talk"]
[stages.bad]
uses = "kit.fail"
depends_on = ["write"]
[stages.never]
uses = "core.noop"
depends_on = ["bad"]
"""


def record(tmp_path: Path, make_pipeline: PipelineFactory, text: str = RECORDED) -> int:
    runner = Runner(make_pipeline(text))
    recorder = HistoryRecorder.attach(tmp_path, runner, source="test")
    try:
        asyncio.run(runner.run())
    finally:
        recorder.close()
    assert recorder.run_id is not None
    return recorder.run_id


def test_a_run_is_recorded_with_stages_messages_logs_and_changes(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    run_id = record(tmp_path, make_pipeline)

    with History.open(tmp_path) as history:
        (run,) = history.list_runs()
        detail = history.get_run(run_id)

    assert run.id == run_id
    assert (run.pipeline, run.source, run.status) == ("test", "test", "failure")
    assert run.duration is not None and run.duration >= 0
    assert "project_dir" in run.params
    assert detail is not None
    stages = {s.stage_id: s for s in detail.stages}
    assert [s.stage_id for s in detail.stages] == ["talk", "write", "bad", "never"]
    assert {k: s.status for k, s in stages.items()} == {
        "talk": "success",
        "write": "success",
        "bad": "failure",
        "never": "skipped",
    }
    assert stages["bad"].message == "it broke"
    assert stages["bad"].errors == ["it broke"]
    assert stages["never"].message == "upstream 'bad' failed"
    assert stages["talk"].message == "chatted"
    log_path = stages["talk"].log_path
    assert log_path is not None
    assert read_log(tmp_path, log_path) == [("log", "first line"), ("stderr", "second line")]
    assert read_log(tmp_path, log_path, last=1) == [("stderr", "second line")]
    assert [(c.stage_id, c.key, c.kind, c.after, c.preview) for c in detail.changes] == [
        ("write", "rows", "added", "list[2]", "[1, 2]")
    ]
    assert detail.to_json()["stages"][2]["errors"] == ["it broke"]


def test_runs_are_listed_newest_first_and_give_estimates(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    text = '[stages.nap]\nuses = "kit.sleep"\nconfig = { seconds = 0.01 }\n'
    first = record(tmp_path, make_pipeline, text)
    second = record(tmp_path, make_pipeline, text)

    with History.open(tmp_path) as history:
        assert [r.id for r in history.list_runs()] == [second, first]
        assert [r.id for r in history.list_runs(limit=1)] == [second]
        assert history.list_runs(pipeline="other") == []
        assert history.get_run(999) is None
        estimates = history.estimates(make_pipeline(text))
        other_config = history.estimates(
            make_pipeline('[stages.nap]\nuses = "kit.sleep"\nconfig = { seconds = 5 }\n')
        )

    assert 0.005 < estimates["nap"] < 1
    assert other_config == {}


PROJECT_PIPELINE = """
[pipeline]
name = "killed"

[stages.first]
uses = "kit.write"
config = { key = "rows", value = [1, 2, 3] }

[stages.nap]
uses = "kit.sleep"
config = { seconds = 60 }
depends_on = ["first"]
"""


def test_a_run_killed_mid_run_is_marked_interrupted_and_keeps_what_finished(
    tmp_path: Path,
) -> None:
    (tmp_path / "workbench.toml").write_text(f'stage_paths = ["{KIT.as_posix()}"]\n')
    (tmp_path / "pipelines").mkdir()
    pipeline = tmp_path / "pipelines" / "killed.toml"
    pipeline.write_text(PROJECT_PIPELINE)
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "run", str(pipeline)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        db = tmp_path / ".workbench" / "history.sqlite3"
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the first stage was never recorded"
            if db.exists() and _status(db, "nap") == "running":
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    with History.open(tmp_path) as history:
        (run,) = history.list_runs()
        detail = history.get_run(run.id)

    assert run.status == "interrupted"
    assert detail is not None
    assert {s.stage_id: s.status for s in detail.stages} == {
        "first": "success",
        "nap": "interrupted",
    }
    assert [(c.stage_id, c.key) for c in detail.changes] == [("first", "rows")]


def _status(db: Path, stage: str) -> str | None:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute("SELECT status FROM stages WHERE stage_id = ?", (stage,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None
