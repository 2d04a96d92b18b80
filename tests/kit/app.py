"""Driving the app in tests: opening it on a project, waiting for it, reading the run screen.

Waits are bounded loops of pilot pauses, never sleeps. The projects these open
are in :mod:`kit.projects`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.reactive import reactive
from textual.widgets import Input

from workbench.app.app import WorkbenchApp
from workbench.app.screens.run import RunScreen
from workbench.engine.stage import StageStatus

MakeApp = Callable[..., WorkbenchApp]
"""The type of the app tests' ``make_app`` fixture."""

SIZE = (120, 36)
"""The terminal size of the app tests and snapshots (narrow ones use 80x24)."""


def isolate(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> None:
    """Keep the person's own settings out of reach and stop the cursor blinking,
    so snapshots are the same on every run."""
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(config_dir))
    steady: reactive[bool] = reactive(False, init=False)
    steady.__set_name__(Input, "cursor_blink")
    monkeypatch.setattr(Input, "cursor_blink", steady)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock the run screen reads stands still, so times and spinners are steady."""
    import workbench.app.run.controller as controller
    import workbench.app.widgets.run.stage_pane as pane
    import workbench.engine.run.runner as runner

    for module in (controller, pane, runner):
        monkeypatch.setattr(module, "now", lambda: 1000.0)


def open_app(root: Path, pipeline: str | None = None, *, watch: bool = False) -> WorkbenchApp:
    """The app on project ``root``, opened on ``pipelines/<pipeline>.toml`` when given."""
    path = root / "pipelines" / f"{pipeline}.toml" if pipeline else None
    return WorkbenchApp(root, path, watch=watch)


def screen(app: WorkbenchApp) -> RunScreen:
    """The run screen, which must be the current one."""
    assert isinstance(app.screen, RunScreen)
    return app.screen


def gate(app: WorkbenchApp, stage_id: str) -> asyncio.Event:
    """The event a ``test.gate`` stage (see :func:`kit.projects.run_project`) waits on."""
    pipeline = app.pipeline
    assert pipeline is not None
    stage = pipeline.stages[stage_id].stage
    return type(stage).gate(stage_id)  # type: ignore[attr-defined]


async def until(pilot: Pilot[Any], check: Callable[[], bool], tries: int = 200) -> None:
    """Let the app work until ``check()`` holds (a bounded number of pauses, no sleeps)."""
    for _ in range(tries):
        if check():
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never got there")


async def list_settled(pilot: Pilot[Any]) -> None:
    """Wait for what the pipeline list shows once it is drawn: every file checked (its
    validity mark) and the history read (each file's last run)."""
    app = pilot.app
    assert isinstance(app, WorkbenchApp)
    await until(pilot, lambda: all(entry.checked for entry in app.catalog), tries=1000)
    await app.workers.wait_for_complete()
    await pilot.pause()


def status(app: WorkbenchApp, stage_id: str) -> StageStatus:
    """A stage's status as the run screen holds it."""
    return screen(app).session.controller.states[stage_id].status


async def finish(pilot: Pilot[Any]) -> None:
    """Wait for the run worker, then for the screen to repaint what it did."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
