"""The editor driven like a person: build, configure, connect, rename, remove, undo, save,
and the guards that keep unsaved work safe."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from kit.app import MakeApp
from kit.projects import ALPHA
from textual.pilot import Pilot
from textual.widgets import Input, Static

from workbench.app.app import WorkbenchApp
from workbench.app.screens.editor import EditorScreen
from workbench.app.widgets.editor.config_form import ConfigForm
from workbench.app.widgets.graph.dag_view import DagView
from workbench.engine.spec import load_spec

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


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*[{" ": "space"}.get(c, c) for c in text])
    await pilot.pause()


async def fill(pilot: Pilot[None], form: ConfigForm, field: str, text: str) -> None:
    """Click into a field of a form and type, as a person would."""
    form.focus_field(field)
    await pilot.pause()
    await type_text(pilot, text)


EXPECTED = """\
[pipeline]
name = "built"
description = "Made in the editor"

[stages.load]
uses = "files.load"

[stages.load.config]
path = "data/in.csv"
key = "rows"

[stages.after]
uses = "core.noop"
depends_on = [
    "load",
]
retries = 2
"""


def test_build_a_pipeline_from_nothing_and_save_it(make_app: MakeApp, project: Path) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "built")
        await pilot.press("tab")
        await type_text(pilot, "Made in the editor")
        await pilot.press("enter")
        await pilot.pause()
        assert editor.session is not None and editor.session.dirty
        # add a files.load stage: filter, pick, keep the proposed id
        await pilot.press("a")
        await pilot.pause()
        await type_text(pilot, "files.lo")
        await pilot.press("enter")  # picks the type, moves to the id
        await pilot.pause()
        assert app.screen.query_one("#add-id", Input).value == "load"
        await pilot.press("enter")
        await pilot.pause()
        assert editor.selected == "load"
        config = editor.query_one(".config-form", ConfigForm)
        await fill(pilot, config, "path", "data/in.csv")
        await fill(pilot, config, "key", "rows")
        # a second stage with an id of our own
        await pilot.press("escape", "a")
        await pilot.pause()
        await type_text(pilot, "noop")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "after")
        await pilot.press("enter")
        await pilot.pause()
        assert editor.selected == "after"
        settings = editor.query_one(".stage-form", ConfigForm)
        await fill(pilot, settings, "retries", "2")
        # connect on the graph: select load, c, move to after, Enter
        await pilot.press("escape")
        await pilot.press("up")
        await pilot.pause()
        assert editor.selected == "load"
        await pilot.press("c")
        await pilot.pause()
        dag = editor.query_one(DagView)
        assert dag.has_focus
        dag.selected = "after"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()

    app = make_app()
    drive(app, scenario)
    saved = project / "pipelines" / "built.toml"
    assert saved.read_text(encoding="utf-8") == EXPECTED
    assert load_spec(saved).spec is not None


def test_rename_remove_with_dependents_and_undo(make_app: MakeApp, project: Path) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        session = editor.session
        assert session is not None and list(session.spec.stages) == ["start", "middle", "finish"]
        assert editor.selected == "start"  # the first stage is selected on opening
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "middle")
        assert "taken" in str(app.screen.query_one("#rename-reason", Static).content)
        await pilot.press("ctrl+u")
        await type_text(pilot, "begin")
        await pilot.press("enter")
        await pilot.pause()
        assert session.spec.stages["middle"].depends_on == ["begin"]
        # remove middle: finish depends on it, so the editor asks first
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        assert editor.selected == "middle"
        await pilot.press("delete")
        await pilot.pause()
        assert app.screen.id == "confirm-remove"
        await pilot.press("escape")
        await pilot.pause()
        assert "middle" in session.spec.stages
        await pilot.press("delete")
        await pilot.pause()
        await pilot.click("#choice-remove")
        await pilot.pause()
        assert "middle" not in session.spec.stages
        assert session.spec.stages["finish"].depends_on == []
        # undo both, redo one
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert session.spec.stages["finish"].depends_on == ["middle"]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert list(session.spec.stages) == ["start", "middle", "finish"]
        assert not session.dirty
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert "begin" in session.spec.stages

    drive(make_app("alpha.toml"), scenario)


def test_a_cycle_is_refused_and_named(make_app: MakeApp) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("down", "down")  # from start to finish
        await pilot.pause()
        assert editor.selected == "finish"
        await pilot.press("c")
        await pilot.pause()
        editor.query_one(DagView).selected = "start"
        await pilot.press("enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("cycle: finish -> start -> middle -> finish" in m for m in messages)
        assert editor.session is not None and not editor.session.dirty

    drive(make_app("alpha.toml"), scenario)


def test_inline_validation_as_you_type(make_app: MakeApp) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        settings = editor.query_one(".stage-form", ConfigForm)
        await fill(pilot, settings, "retries", "-1")
        assert "retries" in settings.errors
        assert settings.query(".-invalid")
        session = editor.session
        assert session is not None and session.spec.stages["start"].retries == 0
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "3")
        assert not settings.errors
        assert session.spec.stages["start"].retries == 3
        assert "retries = 3" in session.text

    drive(make_app("alpha.toml"), scenario)


def test_quitting_with_unsaved_changes_asks_first(make_app: MakeApp) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        assert editor.session is not None
        editor.session.set_stage_settings("start", retries=1)
        await pilot.press("g")  # another view
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.screen.id == "confirm-unsaved"
        assert app.current_mode == "editor"
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        await pilot.click("#choice-discard")
        await pilot.pause()
        assert not app.is_running or app._exit_renderables is not None

    drive(make_app("alpha.toml"), scenario)


def test_opening_another_pipeline_keeps_unsaved_edits(make_app: MakeApp, project: Path) -> None:
    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        session = editor.session
        assert session is not None
        session.set_stage_settings("start", retries=1)
        app.open_pipeline(project / "pipelines" / "diamond.toml")
        await pilot.pause()
        assert editor.session is session and "start" in session.spec.stages
        await pilot.press("o")
        await pilot.pause()
        assert app.screen.id == "confirm-unsaved"
        await pilot.click("#choice-discard")
        await pilot.pause()
        assert editor.session is not None and "fetch" in editor.session.spec.stages

    drive(make_app("alpha.toml"), scenario)


def test_external_change_with_unsaved_edits_offers_a_choice(
    make_app: MakeApp, project: Path
) -> None:
    path = project / "pipelines" / "alpha.toml"

    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        session = editor.session
        assert session is not None
        session.set_stage_settings("start", retries=4)
        path.write_text(ALPHA.replace("Three stages", "Changed elsewhere"), encoding="utf-8")
        app.catalog = []  # as a rescan would, so the reload reads the new text
        app.open_pipeline(path)
        await pilot.pause()
        assert app.screen.id == "conflict"
        await pilot.click("#conflict-view")
        await pilot.pause()
        assert app.screen.query_one("#conflict-diff").display
        await pilot.click("#conflict-keep")
        await pilot.pause()
        assert session.spec.stages["start"].retries == 4
        assert "Changed elsewhere" in path.read_text(encoding="utf-8")  # not overwritten
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "retries = 4" in path.read_text(encoding="utf-8")

    drive(make_app("alpha.toml"), scenario)


def test_saving_a_commented_file_keeps_it_and_asks_nothing(
    make_app: MakeApp, project: Path
) -> None:
    path = project / "pipelines" / "alpha.toml"
    body = path.read_text(encoding="utf-8").replace("[pipeline]\n", "[pipeline]  # step #1\n", 1)
    original = "# kept by hand\n\n" + body
    path.write_text(original, encoding="utf-8")

    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        assert editor.session is not None
        editor.session.set_stage_settings("start", retries=1)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor  # no dialog: nothing is dropped
        assert not editor.session.dirty

    drive(make_app("alpha.toml"), scenario)
    saved = path.read_text(encoding="utf-8")
    assert saved.startswith("# kept by hand\n\n[pipeline]  # step #1\n")
    assert "retries = 1" in saved
    assert [line for line in saved.splitlines() if "retries" not in line] == original.splitlines()
    assert not list(path.parent.glob("*.orig*"))


def test_a_file_that_is_not_toml_asks_before_it_is_written_afresh(
    make_app: MakeApp, project: Path
) -> None:
    path = project / "pipelines" / "alpha.toml"
    text = path.read_text(encoding="utf-8")

    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        assert editor.session is not None
        path.write_text(text + "\n[stages.broken\n", encoding="utf-8")
        editor.session.reload(path.read_text(encoding="utf-8"))
        editor.session.set_pipeline_settings(description="fresh")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen.id == "confirm-rewrite"
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert "[stages.broken" in path.read_text(encoding="utf-8")

    drive(make_app("alpha.toml"), scenario)


def test_new_pipeline_from_a_template_is_valid_and_saves(make_app: MakeApp, project: Path) -> None:
    from textual.widgets import Select

    async def scenario(app: WorkbenchApp, pilot: Pilot[None], editor: EditorScreen) -> None:
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "word counts")
        template = app.screen.query_one("#new-template", Select)
        template.value = "load-transform-save"
        await pilot.pause()
        await pilot.click("#new-ok")
        await pilot.pause()
        session = editor.session
        assert session is not None and session.dirty
        assert list(session.spec.stages) == ["load", "transform", "save"]
        assert session.pipeline.valid, session.pipeline.problems
        assert session.spec.context["input"] == "pipelines/data/hello/greeting.txt"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = load_spec(project / "pipelines" / "word-counts.toml")
        assert saved.spec is not None
        assert saved.spec.stages["save"].config["path"] == "out/word-counts/stats.json"

    drive(make_app(), scenario)
