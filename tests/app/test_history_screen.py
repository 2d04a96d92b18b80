"""The history screen: recorded runs listed, and one opened read-only with its logs and context."""

from __future__ import annotations

import asyncio
import sqlite3
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.app.app import WorkbenchApp
from workbench.app.screens.history import HistoryScreen, RecordedRunScreen, RunList
from workbench.app.widgets.run.context_inspector import ContextInspector, TableScreen
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.engine.history.store import DB_NAME, STATE_DIR, HistoryRecorder
from workbench.engine.project import Project
from workbench.engine.run.runner import Runner

REPORT = """
[pipeline]
name = "report"
description = "Load a small table, check it (which fails), save it"

[context]
region = "north"

[stages.load]
uses = "files.load"
config = { path = "data/sales.csv", key = "sales", column_types = { amount = "float" } }

[stages.check]
uses = "shell.run"
depends_on = ["load"]
config = { command = ["sh", "-c", "echo 'checking 4 rows' >&2; echo 'row 3: amount is negative' >&2; exit 2"] }

[stages.save]
uses = "files.save"
depends_on = ["check"]
config = { key = "sales", path = "out/sales.json" }
"""

SALES = """
region,product,amount
north,tea,12.5
south,coffee,8.0
east,tea,-1.0
west,cocoa,4.25
"""

MakeApp = Callable[..., WorkbenchApp]

BASE = 1_700_000_000.0
"""A fixed clock for the pictures: 2023-11-14 22:13:20 UTC."""


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def record(root: Path, pipeline: str) -> None:
    """Run a pipeline of the project with the history recorder attached, as the CLI does."""
    project = Project.open(root)
    loaded = project.load_pipeline(root / "pipelines" / pipeline)

    async def go() -> None:
        runner = Runner(loaded)
        recorder = HistoryRecorder.attach(root, runner, source="cli")
        try:
            await runner.run()
        finally:
            recorder.close()

    asyncio.run(go())


def freeze(root: Path) -> None:
    """Fixed start times and durations, so the pictures do not change from run to run."""
    db = sqlite3.connect(root / STATE_DIR / DB_NAME)
    with db:
        db.execute("UPDATE runs SET started = ? + id * 60, duration = id * 1.25", (BASE,))
        db.execute(
            "UPDATE stages SET started = ? + run_id * 60 + position, duration = 0.5 "
            "WHERE started IS NOT NULL",
            (BASE,),
        )
    db.close()


@pytest.fixture
def recorded(project: Path) -> Path:
    """The test project with two recorded runs: alpha (success), then report (failure)."""
    write(project / "pipelines" / "report.toml", REPORT)
    write(project / "data" / "sales.csv", SALES)
    record(project, "alpha.toml")
    record(project, "report.toml")
    freeze(project)
    return project


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_runs_are_listed_newest_first(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            assert isinstance(app.screen, HistoryScreen)
            runs = app.screen.query_one(RunList)
            assert [(r.pipeline, r.status, r.source) for r in runs.runs.values()] == [
                ("report", "failure", "cli"),
                ("alpha", "success", "cli"),
            ]
            preview = str(app.screen.query_one("#history-preview").render())
            assert "run 2 · report" in preview
            assert "✘ check: sh failed with exit code 2" in preview
            assert "region='north'" in preview

    asyncio.run(go())


def test_opening_a_run_shows_the_failure_first_with_its_log_and_context(
    recorded: Path, make_app: MakeApp
) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RecordedRunScreen)
            stages = screen.query_one(StageStatusList)
            assert stages.order == ["load", "check", "save"]
            assert stages.selected == "check"  # the failure opens first
            log = screen.query_one(LogPane)
            assert log.view.buffer is not None
            lines = log.view.buffer.lines
            assert ("stderr", "checking 4 rows") in lines
            assert ("stderr", "row 3: amount is negative") in lines
            assert log.border_subtitle.endswith("full log: .workbench/logs/2/check.log")
            inspector = screen.query_one(ContextInspector)
            keys = {n.data.name: n.data for n in inspector.root.children if n.data is not None}
            assert keys["sales"].writer == "load" and keys["sales"].change is None
            assert keys["region"].writer is None  # a parameter

            await pilot.press("up")  # load: its change is marked, its table opens
            await settle(pilot)
            keys = {n.data.name: n.data for n in inspector.root.children if n.data is not None}
            assert keys["sales"].change == "added"
            assert len(keys["sales"].value) == 4
            inspector.focus()
            inspector.move_cursor(
                next(n for n in inspector.root.children if n.data.name == "sales")
            )
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TableScreen)
            await pilot.press("escape")
            await pilot.pause()

            await pilot.press("escape")  # back to the list
            await pilot.pause()
            assert isinstance(app.screen, HistoryScreen)

    asyncio.run(go())


def test_a_stage_that_never_ran_has_no_context_after_it(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("down")  # save was skipped
            await settle(pilot)
            inspector = app.screen.query_one(ContextInspector)
            notes = [n.data.name for n in inspector.root.children if n.data is not None]
            assert notes == ["save did not finish in this run."]

    asyncio.run(go())


def test_f_lists_only_the_open_pipelines_runs(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            runs = app.screen.query_one(RunList)
            assert [r.pipeline for r in runs.runs.values()] == ["alpha"]
            assert app.screen.query_one("#history-runs-panel").border_subtitle == "1 run of alpha"
            await pilot.press("f")
            await settle(pilot)
            assert len(runs.runs) == 2

    asyncio.run(go())


def test_a_new_run_shows_up_when_the_screen_is_shown_again(
    recorded: Path, make_app: MakeApp
) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await asyncio.to_thread(record, recorded, "diamond.toml")
            await pilot.press("p")
            await pilot.press("h")
            await settle(pilot)
            runs = app.screen.query_one(RunList)
            assert next(iter(runs.runs.values())).pipeline == "diamond"

    asyncio.run(go())


def test_an_empty_history_says_how_runs_get_there(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            assert app.screen.query_one(RunList).option_count == 0
            assert "No runs recorded yet" in str(app.screen.query_one("#history-preview").render())

    asyncio.run(go())


# -- pictures ------------------------------------------------------------------------------


def test_snapshot_history_list(recorded: Path, make_app: MakeApp, snap_compare: Any) -> None:
    assert snap_compare(make_app(), press=["h"], run_before=settle, terminal_size=(120, 36))


def test_snapshot_recorded_run(recorded: Path, make_app: MakeApp, snap_compare: Any) -> None:
    async def open_run(pilot: Any) -> None:
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), run_before=open_run, terminal_size=(120, 36))
