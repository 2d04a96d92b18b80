"""A history written by an older version still opens, reads and takes new runs."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from kit.pipelines import PipelineFactory

from workbench.engine.history.previews import OldPreview, PartialList, Withheld
from workbench.engine.history.recorder import HistoryRecorder
from workbench.engine.history.store import History, db_path
from workbench.engine.run.runner import Runner

OLD = Path(__file__).parents[1] / "data" / "history" / "old_previews.sql"


def old_history(root: Path) -> Path:
    path = db_path(root)
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(OLD.read_text(encoding="utf-8"))
    db.close()
    return path


def test_an_old_cut_preview_reads_as_its_raw_text_without_changing_the_file(
    tmp_path: Path,
) -> None:
    path = old_history(tmp_path)
    before = path.read_bytes()
    with History.open(tmp_path, create=False) as history:
        detail = history.get_run(1)
    assert detail is not None
    values = {c.key: c.value for c in detail.changes if c.kind != "removed"}
    assert values["rows"] == OldPreview(
        '[{"region": "r0", "amount": 0.0}, {"region": "r1", "amount": 1.5}, {"region": "r2", "am…'
    )
    assert values["note"] == "hello"
    assert values["total"] == 4
    assert values["api_token"] == Withheld("a secret")
    assert [s.context_mark for s in detail.stages] == [None, None, None]
    assert path.read_bytes() == before  # reading never writes


def test_an_old_run_replays_to_each_stage_from_its_times(tmp_path: Path) -> None:
    old_history(tmp_path)
    with History.open(tmp_path, create=False) as history:
        detail = history.get_run(1)
    assert detail is not None
    log = detail.change_log()
    assert log.finished_at == {"load": 2, "total": 5}  # save never ran
    after_load = log.as_of("load", start=detail.run.params)
    assert set(after_load.values) == {"region", "rows", "note"}
    after_total = log.as_of("total", start=detail.run.params)
    assert set(after_total.values) == {"region", "rows", "api_token", "total"}
    assert after_total.writers == {"rows": "load", "api_token": "total", "total": "total"}


def test_an_old_database_is_brought_up_to_date_and_takes_new_runs(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    old_history(tmp_path)
    rows = [{"n": i, "text": "x" * 40} for i in range(500)]
    table = ", ".join(f'{{ n = {r["n"]}, text = "{r["text"]}" }}' for r in rows)
    runner = Runner(
        make_pipeline(
            f"""
            [stages.write]
            uses = "kit.write"
            config = {{ key = "rows", value = [{table}] }}
            """
        )
    )
    recorder = HistoryRecorder.attach(tmp_path, runner, source="test")
    try:
        asyncio.run(runner.run())
    finally:
        recorder.close()
    assert recorder.warnings == []
    with History.open(tmp_path, create=False) as history:
        old = history.get_run(1)
        new = history.get_run(2)
    assert old is not None and new is not None
    assert isinstance(old.changes[0].value, OldPreview)
    (change,) = new.changes
    assert change.preview_format == "json"
    assert change.preview is not None and len(change.preview) <= 2000
    assert isinstance(change.value, PartialList) and change.value.total == 500
    assert change.value == rows[: len(change.value)]
    assert new.stages[0].context_mark == 1
