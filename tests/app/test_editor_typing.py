"""Typing into the editor's forms at full speed: no keystroke lost, one undo step per
field, the cursor back where the edit was, and no graph layout per keystroke."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from kit.projects import write
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

import workbench.app.screens.editor as editor_module
import workbench.app.widgets.graph.dag_view as dag_view
from workbench.app.app import WorkbenchApp
from workbench.app.screens.editor import TYPING_PAUSE, EditorScreen
from workbench.app.widgets.editor.config_form import ConfigForm

LOADER = """
[pipeline]
name = "loader"

[stages.load]
uses = "files.load"
config = { path = "in.csv" }

[stages.after]
uses = "core.noop"
depends_on = ["load"]
"""

BURST = "abcdefghijklmnopqrstuvwxyz0123"
SPINS = 1

Scenario = Callable[[Pilot[None], EditorScreen], Awaitable[None]]


def drive(root: Path, scenario: Scenario) -> None:
    write(root / "pipelines" / "loader.toml", LOADER)

    async def go() -> None:
        app = WorkbenchApp(root, root / "pipelines" / "loader.toml", watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            assert isinstance(editor, EditorScreen)
            await pilot.press("home", "down")  # from the pipeline's settings to `load`
            await pilot.pause()
            assert editor.selected == "load"
            await scenario(pilot, editor)

    asyncio.run(go())


async def burst(pilot: Pilot[None], text: str) -> None:
    """Keys as a fast typist delivers them: each sent without waiting for the screen.

    Between keys the loop turns only once, so the field takes a key while the
    editor is still handling the edits of the keys before it.
    """
    app = pilot.app
    assert app._driver is not None
    for char in text:
        key = events.Key(char, char)
        key.set_sender(app)
        app._driver.send_message(key)
        for _ in range(SPINS):
            await asyncio.sleep(0)
    for _ in range(5):
        await pilot.pause()


async def focus(pilot: Pilot[None], form: ConfigForm, field: str) -> Input:
    form.focus_field(field)
    await pilot.pause()
    widget = pilot.app.focused
    assert isinstance(widget, Input)
    widget.cursor_position = len(widget.value)
    return widget


@pytest.mark.parametrize(
    ("form_class", "field"), [(".config-form", "key"), (".stage-form", "description")]
)
def test_a_burst_of_thirty_keys_loses_none(tmp_path: Path, form_class: str, field: str) -> None:
    async def scenario(pilot: Pilot[None], editor: EditorScreen) -> None:
        form = editor.query_one(form_class, ConfigForm)
        box = await focus(pilot, form, field)
        await burst(pilot, BURST)
        assert box.value == BURST
        assert editor.session is not None
        stage = editor.session.spec.stages["load"]
        held = stage.config.get(field) if form_class == ".config-form" else stage.description
        assert held == BURST
        assert f'"{BURST}"' in editor.session.text

    drive(tmp_path / "project", scenario)


def test_each_field_is_its_own_undo_step_and_the_cursor_returns_there(tmp_path: Path) -> None:
    async def scenario(pilot: Pilot[None], editor: EditorScreen) -> None:
        config = editor.query_one(".config-form", ConfigForm)
        path = await focus(pilot, config, "path")
        await burst(pilot, "x")
        key = await focus(pilot, config, "key")
        await burst(pilot, "rows")
        assert editor.session is not None
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.session.spec.stages["load"].config == {"path": "in.csvx"}
        key = editor.query_one(".config-form", ConfigForm).input_of("key")
        assert isinstance(key, Input)
        assert key.value == "" and key.has_focus  # the undone field, not the list
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert editor.session.spec.stages["load"].config == {"path": "in.csv"}
        path = editor.query_one(".config-form", ConfigForm).input_of("path")
        assert isinstance(path, Input)
        assert path.value == "in.csv" and path.has_focus
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert path.value == "in.csvx" and path.has_focus
        assert path.cursor_position == len("in.csvx")  # at the edit, not the start

    drive(tmp_path / "project", scenario)


def test_typing_a_config_value_does_not_lay_the_graph_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[int] = []
    real = dag_view.compute_layout

    def counted(*args: Any, **kwargs: Any) -> Any:
        layouts.append(1)
        return real(*args, **kwargs)

    async def scenario(pilot: Pilot[None], editor: EditorScreen) -> None:
        form = editor.query_one(".config-form", ConfigForm)
        await focus(pilot, form, "key")
        monkeypatch.setattr(dag_view, "compute_layout", counted)
        await burst(pilot, "rows")
        assert editor.session is not None
        assert editor.session.spec.stages["load"].config["key"] == "rows"
        assert layouts == []

    drive(tmp_path / "project", scenario)


def test_typing_a_value_lays_out_nothing_but_repaints_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key repaints the field; laying the whole screen out again took most of a key's time."""
    from textual.screen import Screen

    layouts: list[str] = []
    real = Screen._refresh_layout

    def counted(screen: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(type(screen).__name__)
        real(screen, *args, **kwargs)

    async def scenario(pilot: Pilot[None], editor: EditorScreen) -> None:
        form = editor.query_one(".config-form", ConfigForm)
        box = await focus(pilot, form, "key")
        # The first edit marks the file as edited (the title changes), and a long value
        # gives the TOML preview a scrollbar: those do move things. Let them settle.
        first = "r" * 40
        await burst(pilot, first)
        await asyncio.sleep(TYPING_PAUSE + 0.05)
        await pilot.app.workers.wait_for_complete()  # the list's check, if still running
        await pilot.pause()
        # Only the keys are counted: the catch-up once typing pauses (which may show or
        # hide the preview's scrollbar) is held off, however slow a busy machine is.
        monkeypatch.setattr(editor_module, "TYPING_PAUSE", 60.0)
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        await burst(pilot, BURST)
        assert box.value == first + BURST
        assert box.cursor_position == len(box.value)
        assert layouts == []
        # The text scrolled with the cursor: its end is on screen.
        assert box.scroll_x == box.max_scroll_x > 0

    drive(tmp_path / "project", scenario)
