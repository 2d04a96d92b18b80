"""Pictures of the run screen: mid-run, paused in step mode, after a failure.

Every clock the screen reads is frozen and the stages are the test's own, so the
pictures are the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.app import finish, frozen_clock, gate, make_project, open_app, screen, status, until
from textual.pilot import Pilot

from workbench.engine.stage import StageStatus

SIZE = (120, 36)

pytestmark = pytest.mark.usefixtures("frozen_clock")
__all__ = ["frozen_clock"]


@pytest.fixture
def run_project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "runs")


def test_run_screen_mid_run(snap_compare, run_project: Path) -> None:
    app = open_app(run_project, "gated")

    async def mid_run(pilot: Pilot[None]) -> None:
        await pilot.press("r", "R")
        await until(pilot, lambda: status(app, "wait") is StageStatus.RUNNING)
        await pilot.press("down")  # the waiting stage's log
        await until(pilot, lambda: len(screen(app).controller.states["wait"].log) == 1)

    assert snap_compare(app, run_before=mid_run, terminal_size=SIZE)
    gate(app, "wait").set()


def test_run_screen_paused_in_step_mode(snap_compare, run_project: Path) -> None:
    app = open_app(run_project, "chain")

    async def paused(pilot: Pilot[None]) -> None:
        await pilot.press("r", "t", "R")
        run = screen(app)
        await until(pilot, lambda: run.paused)
        await pilot.press("space")
        await until(pilot, lambda: run.paused and run.controller.pause.stage_id == "second")

    assert snap_compare(app, run_before=paused, terminal_size=SIZE)


def test_run_screen_after_a_failure(snap_compare, run_project: Path) -> None:
    app = open_app(run_project, "flaky")

    async def failed(pilot: Pilot[None]) -> None:
        await pilot.press("r", "R")
        await finish(pilot)

    assert snap_compare(app, run_before=failed, terminal_size=SIZE)
