"""The cache in the app: cached stages apart in the run view, what will run on the graph
with its reasons, and the run options (cache mode, forcing a stage)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import SIZE, finish, open_app, screen, status

from workbench.app.screens.graph import GraphScreen
from workbench.app.widgets.common.stage_details import PipelineStageDetails
from workbench.app.widgets.graph.dag_view import DagView
from workbench.engine.stage import StageStatus

CHAIN = ("first", "second", "third")


def test_a_second_run_shows_cached_stages_apart(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            await pilot.press("R")
            await finish(pilot)
            run = screen(app)
            dag = run.query_one(DagView)
            for sid in CHAIN:
                assert status(app, sid) is StageStatus.CACHED
                assert dag.status_of(sid) == "cached"
            assert "≡ 3" in run._summary
            assert run.session.last_result is not None and run.session.last_result.ok
            await pilot.press("C")  # force all
            assert run.session.cache_mode == "force" and "force all" in run._summary
            await pilot.press("R")
            await finish(pilot)
            assert [status(app, sid) for sid in CHAIN] == [StageStatus.SUCCESS] * 3
            await pilot.press("C", "C")  # off, then back to using the cache
            assert run.session.cache_mode == "use"
            run._select("second")
            await pilot.press("exclamation_mark")
            assert run.session.force_stages == {"second"}
            await pilot.press("R")
            await finish(pilot)
            assert [status(app, sid) for sid in CHAIN] == [
                StageStatus.CACHED,
                StageStatus.SUCCESS,
                StageStatus.CACHED,  # second wrote what it wrote before: early cutoff
            ]

    asyncio.run(go())


def test_the_graph_marks_what_will_run_and_says_why(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            path = run_project / "pipelines" / "chain.toml"
            path.write_text(path.read_text().replace('greeting = "hello"', 'greeting = "hi"'))
            app.open_pipeline(path)
            await pilot.press("g")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            graph = app.screen
            assert isinstance(graph, GraphScreen)
            dag = graph.query_one(DagView)
            assert {sid: dag.status_of(sid) for sid in CHAIN} == dict.fromkeys(CHAIN, "will_run")
            dag.selected = "first"
            await pilot.pause()
            details = str(graph.query_one(PipelineStageDetails).query_one("Static").render())
            assert "will run" in details
            assert "input changed" in details and "key greeting has other content" in details

    asyncio.run(go())
