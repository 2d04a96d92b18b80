"""The pipeline list acts on the highlighted row and shows each pipeline's last run."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from kit.app import SIZE, MakeApp, until
from kit.history import run_and_record
from textual.widgets import Input, Static
from watchfiles import Change

import workbench.app.app as app_module
import workbench.app.screens.pipelines as pipelines_module
from workbench.app.app import WorkbenchApp
from workbench.app.catalog import PipelineEntry
from workbench.app.run.last_runs import LastRuns
from workbench.app.screens.dialogs.editor_dialogs import ChoiceDialog, FileNameDialog
from workbench.app.screens.pipelines import PipelinesScreen, renamed
from workbench.app.screens.run import RunScreen
from workbench.app.widgets.common.pipeline_list import PipelineList
from workbench.engine.history.store import History
from workbench.engine.project import Project


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


def rows(app: WorkbenchApp) -> list[str]:
    """The pipeline list's rows as text, top to bottom."""
    return [str(option.prompt) for option in app.screen.query_one(PipelineList).options]


def preview_text(app: WorkbenchApp) -> str:
    return str(app.screen.query_one("#pipeline-preview").query_one(Static).render())


def test_marks_and_last_runs_appear_once_the_list_is_drawn(
    make_app: MakeApp, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first frame shows every file by name, claiming nothing it has not checked yet;
    the validity marks and the last runs follow without a key being pressed."""
    alpha = Project.open(project).load_pipeline(project / "pipelines" / "alpha.toml")
    run_and_record(project, alpha, source="cli")
    # Hold the check and the history read back, so the first frame is seen as it is drawn.
    checked, read = threading.Event(), threading.Event()
    scan, read_last_runs = app_module.scan, pipelines_module.read_last_runs

    def held_scan(project: Project) -> list[PipelineEntry]:
        assert checked.wait(10)
        return scan(project)

    def held_read(root: Path) -> LastRuns:
        assert read.wait(10)
        return read_last_runs(root)

    monkeypatch.setattr(app_module, "scan", held_scan)
    monkeypatch.setattr(pipelines_module, "read_last_runs", held_read)

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            first = rows(app)
            assert [row.split()[1] for row in first] == ["alpha", "broken", "diamond"]
            for row in first:
                assert row.startswith("·") and "…" in row
                assert not {"✔", "✘", "never run", "problem", "succeeded"} & set(row.split())
            assert "checking the pipeline" in preview_text(app)

            checked.set()
            read.set()
            await until(pilot, lambda: all(e.checked for e in app.catalog), tries=1000)
            await app.workers.wait_for_complete()
            await until(pilot, lambda: "…" not in " ".join(rows(app)), tries=1000)
            alpha_row, broken_row, diamond_row = rows(app)
            assert alpha_row.startswith("✔ alpha") and "succeeded just now" in alpha_row
            assert broken_row.startswith("✘ broken") and "problems" in broken_row
            assert "never run" in broken_row
            assert diamond_row.startswith("✔ diamond") and "never run" in diamond_row
            assert "valid: ready to run" in preview_text(app)  # alpha, highlighted
            assert "last run #1" in preview_text(app)

    asyncio.run(go())


def test_a_change_on_disk_during_the_check_is_not_undone_by_it(
    make_app: MakeApp, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads the folder once; a file added while it runs stays in the list."""
    scanned, finished = threading.Event(), threading.Event()
    scan = app_module.scan

    def slow_check(project: Project) -> list[PipelineEntry]:
        entries = scan(project)  # the folder as it was
        if threading.current_thread() is not threading.main_thread():
            scanned.set()
            assert finished.wait(10)
        return entries

    monkeypatch.setattr(app_module, "scan", slow_check)

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            assert await asyncio.to_thread(scanned.wait, 10)
            added = project / "pipelines" / "zeta.toml"
            added.write_text('[pipeline]\nname = "zeta"\n', encoding="utf-8")
            app.apply_changes([(Change.added, str(added))])  # as the watcher would
            finished.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [e.name for e in app.catalog] == ["alpha", "broken", "diamond", "zeta"]
            assert all(e.checked for e in app.catalog)
            assert [row.split()[1] for row in rows(app)] == ["alpha", "broken", "diamond", "zeta"]

    asyncio.run(go())


def test_a_check_that_fails_says_so(make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_check(project: Project) -> list[PipelineEntry]:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(app_module, "scan", broken_check)

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: bool(app._notifications), tries=1000)
            said = [(n.title, n.message) for n in app._notifications]
            assert ("Pipelines not checked", "RuntimeError: the disk went away") in said
            assert [row.split()[1] for row in rows(app)] == ["alpha", "broken", "diamond"]

    asyncio.run(go())
