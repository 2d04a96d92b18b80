"""Views built ahead of their first visit: the same views, sooner.

``workbench`` builds every view once its first frame is drawn (``warm_up=True``).
These tests check that a view built ahead is the one shown, shows what a view
built on the visit shows, follows a pipeline opened after it was built, is never
built twice, and that the app start-up imports no view it does not show, nor what
checking the pipelines needs.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import RenderableType
from textual.screen import Screen
from textual.widgets import Footer

from workbench.app.app import WorkbenchApp
from workbench.app.screens import VIEWS
from workbench.app.screens.base import WorkbenchScreen
from workbench.app.screens.editor import EditorScreen
from workbench.app.screens.graph import GraphScreen

ALL_MODES = {view.mode for view in VIEWS}


async def settle(pilot: object) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()


def test_every_view_is_built_after_the_first_frame_and_shown_as_built(project: Path) -> None:
    async def go() -> None:
        app = WorkbenchApp(project, watch=False, warm_up=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert all(app.views.is_built(mode) for mode in ALL_MODES)
            built = {s.mode_name: s for s in app.open_screens}
            assert set(built) == ALL_MODES
            for mode in ALL_MODES - {"pipelines"}:
                await app.switch_mode(mode)
                await pilot.pause()
                assert app.screen is built[mode]
            assert len(app.open_screens) == len(ALL_MODES)  # none built twice

    asyncio.run(go())


def test_a_pipeline_opened_after_the_warm_up_reaches_every_view(project: Path) -> None:
    async def go() -> None:
        app = WorkbenchApp(project, watch=False, warm_up=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            app.open_pipeline(project / "pipelines" / "diamond.toml", view="graph")
            await settle(pilot)
            graph = app.screen
            assert isinstance(graph, GraphScreen)
            await pilot.press("e")
            await pilot.pause()
            editor = app.screen
            assert isinstance(editor, EditorScreen)
            assert editor.session is not None
            assert app.pipeline is not None and app.pipeline.name == "diamond"
            assert list(editor.session.spec.stages) == list(app.pipeline.stages)

    asyncio.run(go())


def test_a_view_visited_during_the_warm_up_is_built_once(project: Path) -> None:
    async def go() -> None:
        app = WorkbenchApp(project, project / "pipelines" / "alpha.toml", watch=False, warm_up=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e", "r", "h")  # straight away, while views are being built
            await settle(pilot)
            modes = [s.mode_name for s in app.open_screens]
            assert sorted(modes) == sorted(ALL_MODES)
            assert app.current_mode == "history"

    asyncio.run(go())


def test_a_view_built_ahead_looks_like_one_built_on_the_visit(project: Path) -> None:
    async def picture(warm_up: bool, keys: list[str]) -> str:
        app = WorkbenchApp(project, project / "pipelines" / "diamond.toml", watch=False, warm_up=warm_up)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press(*keys)
            await settle(pilot)
            return app.export_screenshot()

    for keys in (["e"], ["r"], ["s"], ["y"]):
        assert asyncio.run(picture(True, keys)) == asyncio.run(picture(False, keys)), keys


def test_the_pipeline_list_starts_without_importing_the_other_views(project: Path) -> None:
    probe = (
        "import sys\n"
        "from workbench.app.app import WorkbenchApp\n"
        "views = ('graph', 'registry', 'editor', 'run', 'history', 'dry_run')\n"
        "print(sorted(v for v in views if f'workbench.app.screens.{v}' in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


FIRST_FRAME_PROBE = """
import sys
from pathlib import Path
import workbench.app.app as app_module
from workbench.app.app import WorkbenchApp

class Probe(WorkbenchApp):
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def _after_first_frame(self) -> None:
        loaded = ("workbench.engine.pipeline", "workbench.engine.registry", "stages")
        print(sorted(m for m in loaded if m in sys.modules))
        print([entry.name for entry in self.catalog])
        self.exit()

Probe(Path(sys.argv[1]), warm_up=True).run(headless=True, size=(120, 36))
"""


def test_the_first_frame_waits_for_no_stage_discovery_nor_pipeline_check(project: Path) -> None:
    # Discovery imports every stage module and the check builds every pipeline: both come
    # after the list is on screen (the marks follow, see test_pipelines_screen).
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_PROBE, str(project)],
        capture_output=True,
        text=True,
        check=True,
    )
    # (The headless app lets print() through to stdout, after its own output.)
    assert "[]\n['alpha', 'broken', 'diamond']" in done.stdout


def test_screens_know_their_mode_when_built_ahead(project: Path) -> None:
    async def go() -> None:
        app = WorkbenchApp(project, watch=False, warm_up=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            for screen in app.open_screens:
                assert isinstance(screen, WorkbenchScreen)
                assert type(screen).__name__ == next(
                    v.class_name for v in VIEWS if v.mode == screen.mode_name
                )

    asyncio.run(go())


def test_a_view_built_ahead_takes_a_theme_chosen_while_it_was_hidden(project: Path) -> None:
    # A view shown again is not restyled in full unless something app-wide changed: a
    # theme chosen while it was hidden is such a change.
    async def picture(warm_up: bool) -> str:
        app = WorkbenchApp(project, project / "pipelines" / "diamond.toml", watch=False, warm_up=warm_up)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            await pilot.press("g")
            await settle(pilot)
            app.theme = "textual-light"
            await settle(pilot)
            await pilot.press("e")
            await settle(pilot)
            return app.export_screenshot()

    light = asyncio.run(picture(True))
    assert light == asyncio.run(picture(False))
    assert "#1e1e1e" not in light.lower()  # textual-dark's background is gone


@pytest.mark.parametrize("width", [80, 120])
def test_each_frame_of_a_first_visit_shows_a_fitted_footer(project: Path, width: int) -> None:
    # The footer used to be drawn with every key first, cut at the edge, and fitted a
    # frame later: a flash of a cut row of keys on each first visit.
    async def go() -> None:
        app = WorkbenchApp(project, project / "pipelines" / "diamond.toml", watch=False, warm_up=True)
        cut: list[str] = []
        display = app._display

        def composed(screen: Screen[object], renderable: RenderableType | None) -> None:
            footer = screen.query_one(Footer)
            if footer.virtual_size.width > footer.size.width:
                cut.append(type(screen).__name__)
            display(screen, renderable)

        app._display = composed  # type: ignore[method-assign]
        async with app.run_test(size=(width, 36)) as pilot:
            await settle(pilot)
            for view in VIEWS:
                await app.switch_mode(view.mode)
                await settle(pilot)
        assert cut == []

    asyncio.run(go())
