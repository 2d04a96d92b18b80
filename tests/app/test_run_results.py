"""The Run view says everything a stage's result says, and counts time honestly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from kit.app import SIZE, finish, open_app, screen, until
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

import workbench.app.run.controller as run_controller
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.stage_pane import StageStatusList, fit_row
from workbench.app.widgets.run.stage_result import StageResultHeader


def header_text(app: object) -> str:
    return screen(app).query_one(StageResultHeader).plain  # type: ignore[arg-type]


def test_the_result_header_shows_message_errors_and_what_a_stage_wrote(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "flaky")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            stages = run.query_one(StageStatusList)
            stages.selected = "check"  # the failure opens first anyway
            await pilot.pause()
            text = header_text(app)
            assert "check" in text and "✘ failed" in text
            assert "the input is broken" in text
            stages.selected = "load"
            await pilot.pause()
            text = header_text(app)
            assert "✔ succeeded" in text
            assert "greeting hi" in text  # the full message
            assert "wrote" in text and "seen" in text and "ran.load" in text

    asyncio.run(go())


def test_a_cut_row_ends_with_an_ellipsis() -> None:
    row = Strip([Segment("✔ check  0.1s  "), Segment("sh failed with exit code 3", Style())])
    assert fit_row(row, 20, Style()).text == "✔ check  0.1s  sh f…"
    assert fit_row(row, 60, Style()).text.rstrip() == "✔ check  0.1s  sh failed with exit code 3"


def test_re_run_failed_shows_every_stage_and_what_it_reused(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "flaky")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            await pilot.press("F")
            await finish(pilot)
            controller = run.session.controller
            assert controller.order == ["load", "side", "check", "report"]
            assert controller.reused == ["load", "side"]
            banner = str(run.query_one("#run-banner").render())
            assert "2 reused from the last run" in banner
            stages = run.query_one(StageStatusList)
            stages.selected = "side"
            await pilot.pause()
            assert "reused from the last run" in header_text(app)

    asyncio.run(go())


def test_time_spent_paused_is_not_run_time(
    run_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(run_controller, "now", lambda: clock[0])

    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "t", "R")
            run = screen(app)
            await until(pilot, lambda: run.paused)
            clock[0] += 29.0  # the person reads the context for half a minute
            await pilot.press("G")
            await finish(pilot)
            assert run.session.controller.paused_for == pytest.approx(29.0)
            banner = str(run.query_one("#run-banner").render())
            assert "29.0s paused, not counted" in banner

    asyncio.run(go())


def test_z_lets_the_log_fill_the_view_and_back(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "z")
            run = screen(app)
            assert run.maximized is run.query_one(LogPane)
            await pilot.press("z")
            assert run.maximized is None

    asyncio.run(go())
