"""Snapshots of the dry-run view: one report with a conflict, two side by side, the
plan against a recorded run, and a composite's child operations shown and folded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from kit.app import SIZE
from kit.projects import dry_run_project, record_plan_run, write_group
from textual.pilot import Pilot

from workbench.app.app import WorkbenchApp


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return dry_run_project(tmp_path / "project")


def keys(*steps: Sequence[str]):  # type: ignore[no-untyped-def]
    """Press each group of keys, letting the report workers finish after each."""

    async def run_before(pilot: Pilot[None]) -> None:
        for group in steps:
            await pilot.press(*group)
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


def app_on(root: Path) -> WorkbenchApp:
    return WorkbenchApp(root, root / "pipelines" / "plan.toml", watch=False)


def test_single_report_with_a_conflict(snap_compare, root: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_on(root), run_before=keys(["y"]), terminal_size=SIZE)


def test_side_by_side(snap_compare, root: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_on(root), run_before=keys(["y"], ["c", "o"], ["enter"], ["down"]), terminal_size=SIZE
    )


def test_plan_against_a_past_run(snap_compare, root: Path) -> None:  # type: ignore[no-untyped-def]
    record_plan_run(root)
    assert snap_compare(
        app_on(root), run_before=keys(["y"], ["c", "h"], ["enter"]), terminal_size=SIZE
    )


@pytest.mark.parametrize("presses", [[], ["o"]], ids=["children_shown", "children_folded"])
def test_a_composites_child_operations(  # type: ignore[no-untyped-def]
    snap_compare, root: Path, presses: list[str]
) -> None:
    app = WorkbenchApp(root, write_group(root), watch=False)
    assert snap_compare(app, run_before=keys(["y"], presses), terminal_size=SIZE)
