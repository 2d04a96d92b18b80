"""Snapshots of the editor: a pipeline with a stage's form, a form with errors, the
stage picker, and the dialog shown when the file changed on disk."""

from __future__ import annotations

from pathlib import Path

from kit.app import SIZE
from textual.pilot import Pilot

from workbench.app.screens.dialogs.editor_dialogs import AddStageDialog, ConflictDialog
from workbench.app.screens.editor import TYPING_PAUSE, EditorScreen
from workbench.app.widgets.editor.config_form import ConfigForm


def test_editor_on_a_stage(snap_compare, make_app) -> None:
    assert snap_compare(make_app("diamond.toml"), press=["e", "down"], terminal_size=SIZE)


def test_editor_form_with_inline_errors(snap_compare, make_app) -> None:
    async def break_it(pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, EditorScreen) and editor.session is not None
        added = editor.session.add_stage("files.load", "load")
        editor.selected = added
        editor._refresh(rebuild=True)
        await pilot.pause()
        form = editor.query_one(".config-form", ConfigForm)
        form.focus_field("path")
        await pilot.press(*"data.csv")
        form.focus_field("key")
        await pilot.press("a", "backspace")
        settings = editor.query_one(".stage-form", ConfigForm)
        settings.focus_field("retries")
        await pilot.press("minus", "1")
        await pilot.pause(TYPING_PAUSE + 0.2)  # the preview and problems follow once typing pauses

    assert snap_compare(make_app("alpha.toml"), run_before=break_it, terminal_size=SIZE)


def test_editor_add_stage_picker(snap_compare, make_app) -> None:
    async def add(pilot: Pilot[None]) -> None:
        await pilot.press("e", "a")
        for _ in range(50):  # the dialog opens from a worker: type into it once it is up
            if isinstance(pilot.app.screen, AddStageDialog):
                break
            await pilot.pause(0.05)
        await pilot.press(*"save")
        await pilot.pause()

    assert snap_compare(make_app("alpha.toml"), run_before=add, terminal_size=SIZE)


def test_editor_conflict_dialog(snap_compare, make_app, project: Path) -> None:
    path = project / "pipelines" / "alpha.toml"

    async def conflict(pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.pause()
        editor = pilot.app.screen
        assert isinstance(editor, EditorScreen) and editor.session is not None
        editor.session.set_stage_settings("start", retries=3)
        path.write_text(path.read_text().replace("Three stages", "Changed"), encoding="utf-8")
        pilot.app.catalog = []
        pilot.app.open_pipeline(path)
        for _ in range(50):  # the dialog comes from a worker: wait for it, however busy
            if isinstance(pilot.app.screen, ConflictDialog):
                break
            await pilot.pause(0.05)
        # The key, not a click: a clicked button stays lit for a moment, and
        # under load the snapshot could catch it either way.
        await pilot.press("v")
        diff = pilot.app.screen.query_one("#conflict-diff")
        for _ in range(50):
            if diff.display:
                break
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(make_app("alpha.toml"), run_before=conflict, terminal_size=SIZE)
