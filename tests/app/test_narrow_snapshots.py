"""Every view at 80x24, the smallest terminal the workbench promises to be usable in.

Below 100 columns side panes fold away or move under the main pane (see each
view's .tcss); these pictures show that every view still shows its main content
and its keys. The same views at 120x36 are in the other snapshot modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kit.app import finish, frozen_clock, list_settled, open_app
from kit.projects import dry_run_project, run_project
from test_history_screen import recorded, settle, utc
from textual.pilot import Pilot

from workbench.app.app import WorkbenchApp
from workbench.app.screens.editor import EditorScreen

NARROW = (80, 24)
__all__ = ["frozen_clock", "recorded", "utc"]


def test_pipelines_at_80x24(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), run_before=list_settled, press=["down"], terminal_size=NARROW)


def test_graph_at_80x24(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app("diamond.toml"), press=["right"], terminal_size=NARROW)


def test_registry_at_80x24(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(), press=["s", "slash", *"noop", "enter"], terminal_size=NARROW)


def test_editor_at_80x24(snap_compare: Any, make_app: Any) -> None:
    async def on_a_stage(pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, EditorScreen)
        await pilot.press("home", "down", "down")
        await pilot.pause()

    assert snap_compare(make_app("diamond.toml"), run_before=on_a_stage, terminal_size=NARROW)


@pytest.mark.usefixtures("frozen_clock")
def test_run_after_a_failure_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    app = open_app(run_project(tmp_path / "runs"), "flaky")

    async def failed(pilot: Pilot[None]) -> None:
        await pilot.press("r", "R")
        await finish(pilot)

    assert snap_compare(app, run_before=failed, terminal_size=NARROW)


def test_history_at_80x24(recorded: Path, make_app: Any, snap_compare: Any) -> None:
    assert snap_compare(make_app(), press=["h"], run_before=settle, terminal_size=NARROW)


def test_recorded_run_at_80x24(recorded: Path, make_app: Any, snap_compare: Any) -> None:
    async def open_run(pilot: Any) -> None:
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), run_before=open_run, terminal_size=NARROW)


def test_dry_run_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    root = dry_run_project(tmp_path / "project")
    app = WorkbenchApp(root, root / "pipelines" / "plan.toml", watch=False)
    assert snap_compare(app, press=["y"], run_before=settle, terminal_size=NARROW)


@pytest.mark.parametrize("size", [NARROW, (120, 36)], ids=["80x24", "120x36"])
def test_keys_overlay(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app("alpha.toml"), press=["r", "question_mark"], terminal_size=size)
