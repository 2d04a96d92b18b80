"""Drive the app like a person: keys, the palette, bad files, files changed on disk."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Awaitable, Callable

from kit.app import SIZE
from textual.pilot import Pilot
from textual.widgets import Input

from workbench.app.app import WorkbenchApp
from workbench.app.config import config_path
from workbench.app.screens.dialogs.stage_dialog import StageDialog
from workbench.app.screens.graph import GraphScreen
from workbench.app.screens.pipelines import PipelinesScreen
from workbench.app.screens.registry import RegistryScreen, StageTree
from workbench.app.widgets.common.pipeline_list import PipelineList
from workbench.app.widgets.common.problem_list import ProblemList
from workbench.app.widgets.common.stage_details import PipelineStageDetails, StageDetails
from workbench.app.widgets.graph.dag_view import DagView

Drive = Callable[[Pilot[None]], Awaitable[None]]


def drive(app: WorkbenchApp, script: Drive) -> None:
    """Run ``script`` against ``app`` in a headless terminal."""

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(main())


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 10
) -> None:
    """Let the app run until ``condition`` holds; the watcher works in real time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


def visible_text(widget) -> str:
    return str(widget.render())


def test_keys_switch_between_the_screens_and_enter_opens_a_pipeline(make_app) -> None:
    app = make_app()

    async def script(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, PipelinesScreen)
        assert [e.name for e in app.catalog] == ["alpha", "broken", "diamond"]
        await pilot.press("s")
        assert isinstance(app.screen, RegistryScreen)
        await pilot.press("g")
        assert isinstance(app.screen, GraphScreen)
        assert app.screen.query_one(DagView).layout_result.nodes == {}
        await pilot.press("p")
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, GraphScreen)
        assert app.pipeline is not None and app.pipeline.name == "diamond"
        assert app.sub_title == "diamond ✔"
        dag = app.screen.query_one(DagView)
        assert list(dag.layout_result.nodes) == ["fetch", "left", "right", "join"]
        assert dag.has_focus

    drive(app, script)


def test_the_graph_details_follow_the_selection(make_app) -> None:
    app = make_app("diamond.toml")

    async def script(pilot: Pilot[None]) -> None:
        screen = app.screen
        dag = screen.query_one(DagView)
        details = screen.query_one(PipelineStageDetails)
        assert dag.selected == "fetch"
        await pilot.press("right", "down")
        await pilot.pause()
        assert dag.selected == "right"
        assert "timeout" in str(details.query_one("Static").render())
        await pilot.press("enter")  # the details in a box of their own
        await pilot.pause()
        assert isinstance(app.screen, StageDialog)
        assert "timeout" in str(app.screen.query_one("#stage-dialog-text").render())
        await pilot.press("escape")
        await pilot.pause()
        assert dag.has_focus

    drive(app, script)


def test_typing_filters_the_registry_and_escape_leaves_the_filter(make_app) -> None:
    app = make_app()

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("s")
        screen = app.screen
        tree = screen.query_one(StageTree)
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
        await pilot.press(*"noop")
        await pilot.pause()
        leaves = [n.data.name for g in tree.root.children for n in g.children if n.data]
        assert leaves == ["core.noop"]
        assert tree.border_subtitle.startswith("1 of ")
        assert "core.noop" in str(screen.query_one(StageDetails).query_one("Static").render())
        # Keys that are also app bindings are text while the filter has focus.
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"zzq")
        await pilot.pause()
        assert isinstance(app.screen, RegistryScreen) and app.is_running
        assert tree.border_subtitle.startswith("0 of ")
        await pilot.press("escape")
        assert tree.has_focus

    drive(app, script)


def test_the_command_palette_opens_pipelines_and_switches_views(make_app) -> None:
    app = make_app()

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p", *"open broken")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.pipeline is not None and app.pipeline.name == "broken"
        assert isinstance(app.screen, GraphScreen)
        await pilot.press("ctrl+p", *"view: stages")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RegistryScreen)
        titles = [c.title for c in app.palette_commands(app.screen)]
        assert "view: Graph" in titles
        assert "pipeline: Open alpha" in titles
        assert "theme: Workbench High Contrast" in titles

    drive(app, script)


def test_a_broken_pipeline_opens_with_its_problems_listed(make_app) -> None:
    app = make_app("broken.toml")

    async def script(pilot: Pilot[None]) -> None:
        screen = app.screen
        assert isinstance(screen, GraphScreen)
        assert app.sub_title == "broken ✘ 3 problems"
        problems = screen.query_one(ProblemList)
        assert problems.option_count == 3
        text = "\n".join(str(problems.get_option_at_index(i).prompt) for i in range(3))
        assert "dependency cycle: a -> b -> c -> a" in text
        assert (
            "pipelines/broken.toml:10:1 [stages.b].uses" in text
            and "did you mean 'core.noop'?" in text
        )
        dag = screen.query_one(DagView)
        assert set(dag.layout_result.nodes) == {"a", "b", "c"}
        assert dag.layout_result.cycle_edges
        problems.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert dag.selected == "b" and dag.has_focus

    drive(app, script)


def test_a_pipeline_file_that_is_not_toml_is_listed_not_fatal(make_app, project, write) -> None:
    write(project / "pipelines" / "garbled.toml", "[pipeline\nname = ")
    app = make_app("garbled.toml")

    async def script(pilot: Pilot[None]) -> None:
        assert app.pipeline is not None and not app.pipeline.valid
        assert isinstance(app.screen, GraphScreen)
        assert app.screen.query_one(ProblemList).option_count >= 1

    drive(app, script)


def test_a_broken_theme_is_reported_and_skipped(make_app, project, write) -> None:
    write(project / "themes" / "bad-colour.toml", 'name = "bad-colour"\nprimary = "blurple"\n')
    write(project / "themes" / "bad-toml.toml", "name = \n")
    write(project / "themes" / "mine.toml", 'name = "mine"\nprimary = "#884400"\ndark = false\n')
    app = make_app()

    async def script(pilot: Pilot[None]) -> None:
        assert "mine" in app.available_themes
        assert "bad-colour" not in app.available_themes
        messages = [n.message for n in app._notifications]
        assert any("bad-colour.toml" in m and "blurple" in m for m in messages)
        assert any("bad-toml.toml" in m and "not valid TOML" in m for m in messages)
        assert app.theme == "workbench-dark"

    drive(app, script)


def test_the_chosen_theme_is_remembered(make_app) -> None:
    app = make_app()

    async def script(pilot: Pilot[None]) -> None:
        app.theme = "workbench-light"
        await pilot.pause()

    drive(app, script)
    assert tomllib.loads(config_path().read_text()) == {"theme": "workbench-light"}
    assert make_app().theme == "workbench-light"


def test_a_pipeline_changed_on_disk_shows_up_without_restarting(make_app, project, write) -> None:
    app = make_app("alpha.toml", watch=True)
    pipelines = project / "pipelines"

    async def script(pilot: Pilot[None]) -> None:
        await pilot.pause(0.3)  # let the watcher start
        write(
            pipelines / "zeta.toml",
            '[pipeline]\nname = "zeta"\n[stages.only]\nuses = "core.noop"\n',
        )
        await wait_until(pilot, lambda: any(e.name == "zeta" for e in app.catalog))
        await pilot.press("p")
        names = [o.id for o in app.screen.query_one(PipelineList).options]
        assert str(pipelines / "zeta.toml") in names

        text = (
            (pipelines / "alpha.toml")
            .read_text()
            .replace('uses = "core.noop"', 'uses = "core.oops"', 1)
        )
        (pipelines / "alpha.toml").write_text(text)
        await wait_until(pilot, lambda: app.pipeline is not None and not app.pipeline.valid)
        assert app.sub_title == "alpha ✘ 1 problems"

        (pipelines / "zeta.toml").unlink()
        await wait_until(pilot, lambda: all(e.name != "zeta" for e in app.catalog))

    drive(app, script)


def test_the_watcher_re_arms_when_the_project_folder_is_deleted_and_recreated(
    make_app, project, write
) -> None:
    import shutil

    app = make_app("alpha.toml", watch=True)
    pipelines = project / "pipelines"
    saved = {p.name: p.read_text() for p in pipelines.glob("*.toml")}

    def messages() -> list[str]:
        return [n.message for n in app._notifications]

    async def script(pilot: Pilot[None]) -> None:
        await pilot.pause(0.3)  # let the watcher start
        shutil.rmtree(pipelines)
        pipelines.mkdir()
        write(
            pipelines / "beta.toml", '[pipeline]\nname = "beta"\n[stages.b]\nuses = "core.noop"\n'
        )
        await wait_until(pilot, lambda: any(e.name == "beta" for e in app.catalog))

        shutil.rmtree(project)
        await wait_until(pilot, lambda: any("is gone; watching" in m for m in messages()))
        for name, text in saved.items():
            write(pipelines / name, text)
        write(
            pipelines / "gamma.toml", '[pipeline]\nname = "gamma"\n[stages.g]\nuses = "core.noop"\n'
        )
        await wait_until(pilot, lambda: any("is back" in m for m in messages()))
        await wait_until(pilot, lambda: any(e.name == "gamma" for e in app.catalog))

        write(
            pipelines / "delta.toml", '[pipeline]\nname = "delta"\n[stages.d]\nuses = "core.noop"\n'
        )
        await wait_until(pilot, lambda: any(e.name == "delta" for e in app.catalog))

    drive(app, script)
