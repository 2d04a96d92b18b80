"""The palette runs and dry-runs the open pipeline from any view."""

from __future__ import annotations

import asyncio
from pathlib import Path

from workbench.app.app import WorkbenchApp
from workbench.engine.history.store import History

PIPELINE = '[pipeline]\nname = "tiny"\n\n[stages.only]\nuses = "core.noop"\n'


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines" / "tiny.toml"
    path.write_text(PIPELINE, encoding="utf-8")
    return path


def test_palette_runs_the_open_pipeline_from_the_graph(tmp_path: Path) -> None:
    path = _project(tmp_path)

    async def go() -> str:
        app = WorkbenchApp(tmp_path, path, watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            assert app.current_mode == "graph"
            await pilot.press("ctrl+p", *"run tiny")
            await pilot.pause(0.2)
            await pilot.press("enter")
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            await pilot.pause()
            return app.current_mode

    assert asyncio.run(go()) == "run"
    with History.open(tmp_path) as history:
        runs = history.list_runs()
    assert [(r.pipeline, r.status, r.source) for r in runs] == [("tiny", "success", "app")]


def test_palette_opens_the_dry_run_of_the_open_pipeline(tmp_path: Path) -> None:
    path = _project(tmp_path)

    async def go() -> str:
        app = WorkbenchApp(tmp_path, path, watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("ctrl+p", *"dry run tiny")
            await pilot.pause(0.2)
            await pilot.press("enter")
            await pilot.pause(0.2)
            return app.current_mode

    assert asyncio.run(go()) == "dry-run"
