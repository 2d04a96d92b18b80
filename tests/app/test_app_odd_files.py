"""Odd files in a project never stop the app: each is listed with its problem instead."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.pilot import Pilot

from workbench.app.app import WorkbenchApp
from workbench.app.screens.graph import GraphScreen
from workbench.app.widgets.common.problem_list import ProblemList

DEEP = (
    "[pipeline]\nname = 'deep'\n[stages.a]\nuses = 'core.noop'\nconfig = { v = "
    + ("[" * 500 + "]" * 500)
    + " }\n"
)


def _odd_project(project: Path) -> Path:
    folder = project / "pipelines"
    (folder / "deep.toml").write_text(DEEP)
    os.symlink(folder / "loop.toml", folder / "loop.toml")
    (folder / "folder.toml").mkdir()
    (project / "workbench.toml").write_text('stage_paths = ["mine"]\ncolour = "red"\n')
    themes = project / "themes"
    themes.mkdir()
    (themes / "deep.toml").write_text("name = 'deep'\nv = " + "[" * 500 + "]" * 500 + "\n")
    os.symlink(themes / "loop.toml", themes / "loop.toml")
    return folder


def _run(app: WorkbenchApp, script) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(main())


def test_the_app_starts_with_deep_nesting_a_symlink_loop_and_bad_settings(project: Path) -> None:
    folder = _odd_project(project)
    app = WorkbenchApp(project, watch=False)

    async def script(pilot: Pilot[None]) -> None:
        names = {entry.path.name: entry for entry in app.catalog}
        assert {"deep.toml", "loop.toml", "folder.toml", "alpha.toml"} <= set(names)
        assert not names["folder.toml"].valid
        assert not names["deep.toml"].valid and not names["loop.toml"].valid
        messages = [n.message for n in app._notifications]
        assert any("workbench.toml:2" in m and "colour" in m for m in messages), messages
        assert any("deep.toml" in m and "nested too deep" in m for m in messages), messages
        assert any("loop.toml" in m and "symbolic links" in m for m in messages), messages

        app.open_pipeline(folder / "loop.toml", view="graph")
        await pilot.pause()
        assert isinstance(app.screen, GraphScreen)
        problems = app.screen.query_one(ProblemList)
        text = str(problems.get_option_at_index(0).prompt)
        assert "loop.toml" in text and "symbolic link" in text

        app.open_pipeline(folder / "deep.toml", view="graph")
        await pilot.pause()
        text = str(app.screen.query_one(ProblemList).get_option_at_index(0).prompt)
        assert "deep.toml:5" in text and "nested" in text

    _run(app, script)
