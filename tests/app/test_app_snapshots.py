"""Snapshots of every screen, in the dark and the light theme."""

from __future__ import annotations

import pytest
from kit.app import SIZE, list_settled
from textual.pilot import Pilot

THEMES = ["workbench-dark", "workbench-light"]


@pytest.mark.parametrize("theme", THEMES)
def test_pipelines_screen(snap_compare, make_app, theme: str) -> None:
    assert snap_compare(
        make_app(theme=theme), run_before=list_settled, press=["down", "down"], terminal_size=SIZE
    )


@pytest.mark.parametrize("theme", THEMES)
def test_graph_screen(snap_compare, make_app, theme: str) -> None:
    assert snap_compare(
        make_app("diamond.toml", theme=theme), press=["right", "down"], terminal_size=SIZE
    )


@pytest.mark.parametrize("theme", THEMES)
def test_graph_screen_of_a_broken_pipeline(snap_compare, make_app, theme: str) -> None:
    assert snap_compare(make_app("broken.toml", theme=theme), terminal_size=SIZE)


@pytest.mark.parametrize("theme", THEMES)
def test_registry_screen(snap_compare, make_app, theme: str) -> None:
    assert snap_compare(
        make_app(theme=theme), press=["s", "slash", *"noop", "enter"], terminal_size=SIZE
    )


@pytest.mark.parametrize("theme", THEMES)
def test_command_palette(snap_compare, make_app, theme: str) -> None:
    async def open_palette(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p", *"view")
        await pilot.pause()

    assert snap_compare(make_app(theme=theme), run_before=open_palette, terminal_size=SIZE)
