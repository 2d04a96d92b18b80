"""Keys that must not bite: typing lands in fields, quitting a run asks, copy works
from any pane, and `?` lists every key of a view."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import MakeApp
from kit.app import gate, make_project, open_app, screen, until
from textual.widgets import Button, Input

from workbench.app.screens.dialogs.editor_dialogs import ChoiceDialog
from workbench.app.screens.dialogs.keys_help import KeysHelp
from workbench.app.screens.editor import EditorScreen
from workbench.app.widgets.editor.config_form import ConfigForm
from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.engine.history.store import History

SIZE = (120, 36)


def test_after_adding_a_stage_typing_fills_its_first_required_field(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            assert isinstance(editor, EditorScreen)
            await pilot.press("a", *"files.lo", "enter", "enter")
            await pilot.pause()
            await pilot.pause()
            assert editor.selected == "load"
            # Letters that are actions elsewhere (a add, t preview, v graph, q quit).
            await pilot.press(*"data/a.tvq")
            await pilot.pause()
            assert app.is_running and app.screen is editor  # no dialog, no quit
            field = editor.query_one(".config-form", ConfigForm).input_of("path")
            assert isinstance(field, Input) and field.has_focus
            assert field.value == "data/a.tvq"
            assert editor.query_one("#editor-preview").display
            assert editor.query_one("#editor-graph").display
            assert editor.session is not None
            assert editor.session.spec.stages["load"].config["path"] == "data/a.tvq"

    asyncio.run(go())


def test_q_during_a_run_asks_and_cancelling_quits(tmp_path: Path) -> None:
    root = make_project(tmp_path / "runs")

    async def go() -> None:
        app = open_app(root, "gated")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            run = screen(app)
            await until(pilot, lambda: run.controller.states["wait"].status.value == "running")
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
            assert app.screen.id == "confirm-quit-run"
            await pilot.press("enter")  # the first button keeps the run going
            await pilot.pause()
            assert app.is_running and run.running
            await pilot.press("q")
            await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
            app.screen.query_one("#choice-quit", Button).press()
            await until(pilot, lambda: not app.is_running)
        assert not gate(app, "wait").is_set()

    asyncio.run(go())
    with History.open(root) as history:
        runs = history.list_runs()
    assert [(r.pipeline, r.status) for r in runs] == [("gated", "cancelled")]


def test_ctrl_c_copies_the_selected_stage_log_whichever_pane_has_focus(tmp_path: Path) -> None:
    root = make_project(tmp_path / "runs")

    async def go() -> None:
        app = open_app(root, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await app.workers.wait_for_complete()
            await pilot.pause()
            run = screen(app)
            stages = run.query_one(StageStatusList)
            stages.focus()
            stages.selected = "second"
            await pilot.pause()
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert app.clipboard == "second says hello"

    asyncio.run(go())


def test_question_mark_lists_every_key_of_the_view_hidden_ones_too(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("e")
            await pilot.pause()
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, KeysHelp)
            text = "\n".join(str(s.render()) for s in app.screen.query(".keys-section"))
            for key, what in [
                ("S", "Save as"),
                ("n", "New pipeline"),
                ("o", "Open"),
                ("t", "TOML preview"),
                ("v", "graph"),
                ("a", "Add"),
                ("ctrl+z".replace("ctrl+", "^"), "Undo"),
                ("q", "Quit"),
                ("space", "Cycle dependency"),
            ]:
                assert any(
                    line.split() and line.split()[0] == key and what in line
                    for line in text.splitlines()
                ), f"{key} {what} missing from:\n{text}"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, EditorScreen)

    asyncio.run(go())
