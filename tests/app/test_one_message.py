"""One message per event: a file changed on disk is announced once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import MakeApp
from kit.projects import ALPHA
from watchfiles import Change

from workbench.app.screens.editor import EditorScreen


def toasts(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


def test_unsaved_edits_and_a_change_on_disk_show_the_conflict_dialog_alone(
    make_app: MakeApp, project: Path
) -> None:
    path = project / "pipelines" / "alpha.toml"

    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            assert isinstance(editor, EditorScreen) and editor.session is not None
            editor.session.set_stage_settings("start", retries=4)
            path.write_text(ALPHA.replace("Three stages", "Changed elsewhere"), encoding="utf-8")
            app.apply_changes([(Change.modified, str(path))])  # what the watcher does
            for _ in range(20):
                await pilot.pause()
                if app.screen.id == "conflict":
                    break
            assert app.screen.id == "conflict"
            assert not [t for t in toasts(app) if "reloaded" in t or "changed on disk" in t]

    asyncio.run(go())


def test_a_change_on_disk_without_edits_is_announced_once(make_app: MakeApp, project: Path) -> None:
    path = project / "pipelines" / "alpha.toml"

    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            path.write_text(ALPHA.replace("Three stages", "Changed elsewhere"), encoding="utf-8")
            app.apply_changes([(Change.modified, str(path))])
            await pilot.pause()
            about = [t for t in toasts(app) if "alpha.toml" in t]
            assert about == ["alpha.toml changed on disk and was reloaded"]
            editor = app.screen
            assert isinstance(editor, EditorScreen) and editor.session is not None
            assert editor.session.spec.pipeline.description == "Changed elsewhere in a row"

    asyncio.run(go())
