"""The app's run options: pick Dask, run on a cluster, see where the stages ran."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from workbench.app.app import WorkbenchApp
from workbench.app.screens.run import RunScreen
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.run_executor import RunExecutor
from workbench.engine.run import dask_executor

REPO = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pipelines").mkdir(parents=True)
    shutil.copy(REPO / "pipelines" / "hello.toml", root / "pipelines")
    shutil.copytree(REPO / "pipelines" / "data" / "hello", root / "pipelines" / "data" / "hello")
    return root


def test_the_run_options_send_a_run_to_a_dask_cluster(tmp_path: Path, address: str) -> None:
    root = _project(tmp_path)

    async def go() -> None:
        app = WorkbenchApp(root, root / "pipelines" / "hello.toml", watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r", "P")
            run = app.screen
            assert isinstance(run, RunScreen)
            options = run.query_one(RunExecutor)
            assert options.display
            cluster = options.query_one("#executor-cluster", Static)
            assert "local: stages run in this process" in str(cluster.render())
            options.query_one("#executor-kind", Select).value = "dask"
            await pilot.pause()
            scheduler = options.query_one("#executor-scheduler", Input)
            assert scheduler.display
            scheduler.value = address
            await pilot.pause()
            assert run.executor_choice is not None
            assert run.executor_choice.scheduler == address
            await pilot.press("R")
            await app.workers.wait_for_complete()
            await pilot.pause()
            result = run.last_result
            assert result is not None and result.ok, result and result.to_json()
            assert all(r.worker and r.worker.startswith("tcp://") for r in result.results.values())
            shown = str(cluster.render())
            assert f"Dask cluster at {address}" in shown
            log = run.query_one(LogPane)
            worker = result.results["load"].worker
            assert log.border_title == f"Log · load · on {worker}"

    asyncio.run(go())


def test_dask_chosen_without_dask_installed_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    hello = root / "pipelines" / "hello.toml"
    hello.write_text(
        hello.read_text("utf-8").replace("[pipeline]\n", '[pipeline]\nexecutor = "dask"\n'),
        encoding="utf-8",
    )
    monkeypatch.setattr(dask_executor, "dask_available", lambda: False)

    async def go() -> None:
        app = WorkbenchApp(root, hello, watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r", "R")
            await pilot.pause()
            run = app.screen
            assert isinstance(run, RunScreen)
            assert run.runner is None and run.last_result is None
            messages = [n.message for n in app._notifications]
            assert any('pip install "stage-workbench[dask]"' in m for m in messages), messages

    asyncio.run(go())


def test_the_history_view_names_the_worker_of_a_stage() -> None:
    from workbench.app.screens.history import stage_result
    from workbench.engine.history.store import StageRecord

    record = StageRecord(
        "load",
        "files.load",
        "success",
        0.0,
        0.2,
        "10 lines",
        [],
        1,
        None,
        worker="tcp://10.0.0.7:4001",
    )
    assert "on tcp://10.0.0.7:4001" in stage_result(record).plain
    local = StageRecord("load", "files.load", "success", 0.0, 0.2, "10 lines", [], 1, None)
    assert " on " not in stage_result(local).plain
