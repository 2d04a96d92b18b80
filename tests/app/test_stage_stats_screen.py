"""The history screen's stage statistics (``S``): the app's view of `workbench history stats`."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from test_history_screen import BASE, MakeApp, freeze, record, recorded, settle, utc
from textual.widgets import OptionList

from workbench.app.screens.dialogs.keys_help import KeysHelp
from workbench.app.screens.history import HistoryScreen
from workbench.app.screens.stage_stats import StageStatsScreen
from workbench.engine.history.store import DB_NAME, STATE_DIR
from workbench.engine.stats import stage_stats

__all__ = ["recorded", "utc"]
NARROW = (80, 24)


@pytest.fixture
def three_reports(recorded: Path) -> Path:
    """``report`` recorded three times (its check stage fails each time), ``alpha`` once,
    with stage durations that differ from run to run."""
    record(recorded, "report.toml")
    record(recorded, "report.toml")
    freeze(recorded)
    db = sqlite3.connect(recorded / STATE_DIR / DB_NAME)
    with db:
        db.execute(
            "UPDATE stages SET duration = run_id * 0.5 + position * 2.0, started = ? + run_id * 60 "
            "WHERE started IS NOT NULL",
            (BASE,),
        )
    db.close()
    return recorded


def rows(screen: StageStatsScreen) -> list[str]:
    options = screen.query_one("#stats-stages", OptionList)
    return [" ".join(str(options.get_option_at_index(i).prompt).split()) for i in range(options.option_count)]


def test_s_shows_each_stages_figures_for_the_highlighted_runs_pipeline(
    three_reports: Path, make_app: MakeApp
) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")  # the open pipeline is not the highlighted run's
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            assert isinstance(app.screen, HistoryScreen)
            await pilot.press("S")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, StageStatsScreen)
            assert screen.pipeline == "report"
            head = str(screen.query_one("#stats-head").render())
            assert "report" in head and "over its last 3 runs" in head
            # Runs 2-4: load took 1.0, 1.5 and 2.0 s, check 3.0, 3.5 and 4.0 s and failed
            # every time; save never ran.
            assert rows(screen) == [
                "load 3 1.5 s 2.0 s 0% (0/3) ✔ success",
                "check 3 3.5 s 4.0 s 100% (3/3) ✘ failure",
                "save 0 — — — ⊘ skipped",
            ]
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HistoryScreen)

    asyncio.run(go())


def test_the_app_shows_the_figures_the_command_line_prints(
    three_reports: Path, make_app: MakeApp
) -> None:
    db = sqlite3.connect(three_reports / STATE_DIR / DB_NAME)
    expected = stage_stats(db, "report")
    db.close()

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("S")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, StageStatsScreen)
            assert screen.stats is not None and screen.stats.stages == expected

    asyncio.run(go())


def test_a_new_run_is_counted_on_refresh(three_reports: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("S")
            await settle(pilot)
            await asyncio.to_thread(record, three_reports, "report.toml")
            await pilot.press("f5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, StageStatsScreen)
            assert "over its last 4 runs" in str(screen.query_one("#stats-head").render())
            assert rows(screen)[1].startswith("check 4 ")

    asyncio.run(go())


def test_without_runs_or_a_pipeline_s_says_what_to_do(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("S")
            await pilot.pause()
            assert isinstance(app.screen, HistoryScreen)
            assert any("Open a pipeline or highlight a run" in str(n.message) for n in app._notifications)

    asyncio.run(go())


def test_a_pipeline_never_run_says_how_runs_get_there(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("S")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, StageStatsScreen)
            assert "No recorded runs of alpha" in str(screen.query_one("#stats-head").render())
            assert rows(screen) == []

    asyncio.run(go())


def test_the_keys_overlay_lists_stage_stats(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, KeysHelp)
            text = " ".join(str(s.render()) for s in app.screen.query("Static"))
            assert "Stage stats" in text and "Run list" in text
            await pilot.press("escape", "S")
            await settle(pilot)
            assert isinstance(app.screen, StageStatsScreen)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, KeysHelp)
            text = " ".join(str(s.render()) for s in app.screen.query("Static"))
            assert "Back to runs" in text and "Stage statistics" in text

    asyncio.run(go())


# -- pictures ------------------------------------------------------------------------------


async def open_stats(pilot: Any) -> None:
    await pilot.press("h")
    await settle(pilot)
    await pilot.press("S")
    await settle(pilot)


def test_snapshot_stage_stats(three_reports: Path, make_app: MakeApp, snap_compare: Any) -> None:
    assert snap_compare(make_app(), run_before=open_stats, terminal_size=(120, 36))


def test_snapshot_stage_stats_at_80x24(
    three_reports: Path, make_app: MakeApp, snap_compare: Any
) -> None:
    assert snap_compare(make_app(), run_before=open_stats, terminal_size=NARROW)
