"""The editor's "new pipeline" writes a template as `workbench new` does, comments kept
(issue 12), and the pipeline settings choose the executor (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from kit.app import MakeApp
from textual.pilot import Pilot
from textual.widgets import Input, Select

from workbench.app.app import WorkbenchApp
from workbench.app.screens.editor import EditorScreen
from workbench.app.widgets.editor.config_form import ConfigForm
from workbench.app.widgets.editor.toml_preview import TomlPreview
from workbench.engine.spec import load_spec, parse_spec
from workbench.engine.templates import render

Scenario = Callable[[WorkbenchApp, Pilot[None], EditorScreen], Awaitable[None]]


def drive(app: WorkbenchApp, scenario: Scenario) -> None:
    async def go() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            assert isinstance(editor, EditorScreen)
            await scenario(app, pilot, editor)

    asyncio.run(go())


def test_a_new_pipeline_from_a_template_keeps_the_templates_comments(
    make_app: MakeApp, project: Path
) -> None:
    wanted = render("load-transform-save", "word counts")  # what `workbench new` writes
    assert "# the text file to read" in wanted

    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#new-name", Input).value = "word counts"
        app.screen.query_one("#new-template", Select).value = "load-transform-save"
        await pilot.pause()
        await pilot.click("#new-ok")
        await pilot.pause()
        assert editor.session is not None and editor.session.dirty
        assert editor.session.text == wanted
        assert "# the text file to read" in editor.query_one(TomlPreview).text_shown
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(make_app(), scenario)
    assert (project / "pipelines" / "word-counts.toml").read_text(encoding="utf-8") == wanted


def test_an_edit_to_a_new_pipeline_from_a_template_keeps_its_comments(
    make_app: MakeApp, project: Path
) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#new-name", Input).value = "counts"
        app.screen.query_one("#new-template", Select).value = "load-transform-save"
        await pilot.pause()
        await pilot.click("#new-ok")
        await pilot.pause()
        session = editor.session
        assert session is not None
        session.set_config("transform", {**session.spec.stages["transform"].config, "top": 3})
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(make_app(), scenario)
    text = (project / "pipelines" / "counts.toml").read_text(encoding="utf-8")
    assert "# the text file to read" in text
    assert "# how many frequent words to keep" in text
    loaded = parse_spec(text)
    assert loaded.spec is not None and loaded.spec.stages["transform"].config["top"] == 3


def test_the_pipeline_settings_choose_the_executor(make_app: MakeApp, project: Path) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("home")
        await pilot.pause()
        form = editor.query_one(".pipeline-form", ConfigForm)
        assert "executor" not in form.values  # not set: workbench.toml's [executor], else local
        assert form.focus_field("executor", at_end=True)
        await pilot.press("r", "a", "y")
        await pilot.pause(0.3)
        assert form.errors["executor"].startswith("write local (this process) or dask")
        assert editor.session is not None and editor.session.spec.pipeline.executor is None
        await pilot.press("backspace", "backspace", "backspace", "d", "a", "s", "k")
        await pilot.pause(0.3)
        assert editor.session is not None
        assert editor.session.spec.pipeline.executor == "dask"
        assert 'executor = "dask"' in editor.session.text
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()

    drive(make_app("alpha.toml"), scenario)
    saved = load_spec(project / "pipelines" / "alpha.toml")
    assert saved.spec is not None and saved.spec.pipeline.executor == "dask"


def test_choosing_dask_where_it_is_not_installed_says_how_to_install_it(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.engine.run.dask_executor as dask_executor

    monkeypatch.setattr(dask_executor, "dask_available", lambda: False)
    shown: list[str] = []

    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("home")
        await pilot.pause()
        form = editor.query_one(".pipeline-form", ConfigForm)
        assert form.focus_field("executor", at_end=True)
        await pilot.press("d", "a", "s", "k")
        await pilot.pause(0.3)
        shown.extend(str(n.message) for n in app._notifications)

    drive(make_app("alpha.toml"), scenario)
    assert any("Dask is not installed" in m and "stage-workbench[dask]" in m for m in shown)


def test_a_file_naming_an_unknown_executor_is_told_the_choices_in_words() -> None:
    loaded = parse_spec('[pipeline]\nname = "x"\nexecutor = "ray"\n', "p.toml")
    [problem] = loaded.problems
    assert problem.line == 3 and problem.field == "pipeline.executor"
    assert problem.message.startswith("'executor' must be \"local\" or \"dask\", found 'ray'")
    assert "Dask cluster" in problem.message
