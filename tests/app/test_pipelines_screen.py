"""The pipeline list acts on the highlighted row and shows each pipeline's last run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import SIZE, MakeApp
from textual.widgets import Input

from workbench.app.screens.dialogs.editor_dialogs import ChoiceDialog, FileNameDialog
from workbench.app.screens.pipelines import PipelinesScreen, renamed
from workbench.app.screens.run import RunScreen
from workbench.app.widgets.common.pipeline_list import PipelineList
from workbench.engine.history.store import History


async def highlight(pilot, name: str) -> PipelineList:  # type: ignore[no-untyped-def]
    listing = pilot.app.screen.query_one(PipelineList)
    while listing.highlighted_entry is None or listing.highlighted_entry.name != name:
        await pilot.press("down")
    return listing


def test_run_keys_act_on_the_highlighted_row_not_the_open_pipeline(
    make_app: MakeApp, project: Path
) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.open_pipeline(project / "pipelines" / "alpha.toml")  # opened earlier
            await pilot.press("p")
            await pilot.pause()
            await highlight(pilot, "diamond")
            await pilot.press("r")
            await pilot.pause()
            assert isinstance(app.screen, RunScreen)
            assert app.pipeline is not None and app.pipeline.name == "diamond"
            await pilot.press("p")
            await pilot.pause()
            await highlight(pilot, "alpha")
            await pilot.press("R")
            await app.workers.wait_for_complete()
            await pilot.pause()
            run = app.screen
            assert isinstance(run, RunScreen)
            assert (
                run.session.last_result is not None and run.session.last_result.pipeline == "alpha"
            )
            await pilot.press("p")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            listing = app.screen.query_one(PipelineList)
            shown = {str(o.id): str(o.prompt) for o in listing.options}
            alpha = shown[str(project / "pipelines" / "alpha.toml")]
            assert "succeeded" in alpha and "just now" in alpha
            assert "never run" in shown[str(project / "pipelines" / "diamond.toml")]

    asyncio.run(go())
    with History.open(project) as history:
        assert [r.pipeline for r in history.list_runs()] == ["alpha"]


def test_duplicate_and_delete_the_highlighted_file(make_app: MakeApp, project: Path) -> None:
    folder = project / "pipelines"

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, PipelinesScreen)
            await highlight(pilot, "diamond")
            await pilot.press("D")
            await pilot.pause()
            assert isinstance(app.screen, FileNameDialog)
            assert app.screen.query_one(Input).value == "diamond-copy.toml"
            await pilot.press("enter")
            await pilot.pause()
            await pilot.pause()
            copy = folder / "diamond-copy.toml"
            assert copy.is_file()
            names = [e.name for e in app.catalog]
            assert "diamond-copy" in names and "diamond" in names
            listing = app.screen.query_one(PipelineList)
            assert listing.highlighted_entry is not None
            assert listing.highlighted_entry.name == "diamond-copy"
            await pilot.press("delete")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceDialog)
            await pilot.press("enter")  # the first button keeps the file
            await pilot.pause()
            assert copy.exists()
            await pilot.press("delete")
            await pilot.pause()
            app.screen.query_one("#choice-delete").press()  # type: ignore[attr-defined]
            await pilot.pause()
            await pilot.pause()
            assert not copy.exists()
            assert "diamond-copy" not in [e.name for e in app.catalog]

    asyncio.run(go())


def test_a_duplicate_gets_its_own_name_and_keeps_comments() -> None:
    text = '# a comment\n[pipeline]\nname = "sales"\n\n[stages.a]\nuses = "core.noop"\nname = "x"\n'
    assert renamed(text, "sales-copy") == text.replace('name = "sales"', 'name = "sales-copy"')
