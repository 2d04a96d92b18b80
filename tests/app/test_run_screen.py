"""Drive the run screen like a person: run, step, break, cancel, re-run, read logs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import SIZE, finish, open_app, screen, status, until
from textual.widgets import Input

from workbench.app.widgets.graph.dag_view import DagView
from workbench.app.widgets.run.context_inspector import ContextInspector
from workbench.app.widgets.run.log_view import LogPane, LogView
from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.engine.history.store import History
from workbench.engine.stage import StageStatus


def test_a_run_colours_list_and_graph_and_is_recorded(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            assert run.session.last_result is not None and run.session.last_result.ok
            dag = run.query_one(DagView)
            for sid in ("first", "second", "third"):
                assert status(app, sid) is StageStatus.SUCCESS
                assert dag.status_of(sid) == "success"
            assert "succeeded" in str(run.sub_title)
            assert run.query_one("#run-banner").has_class("-ok")

    asyncio.run(go())
    with History.open(run_project) as history:
        runs = history.list_runs()
    assert [(r.pipeline, r.source, r.status) for r in runs] == [("chain", "app", "success")]


def test_step_mode_pauses_before_each_stage_and_shows_what_it_reads(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "t", "R")
            run = screen(app)
            await until(pilot, lambda: run.paused)
            assert run.session.controller.pause is not None
            assert run.session.controller.pause.stage_id == "first"
            assert status(app, "first") is StageStatus.PAUSED
            panel = run.query_one("#run-next")
            assert panel.has_class("-shown")
            assert "greeting" in str(panel.render())
            assert run.query_one("#run-banner").has_class("-paused")
            await pilot.press("space")
            await until(
                pilot, lambda: run.paused and run.session.controller.pause.stage_id == "second"
            )
            assert status(app, "first") is StageStatus.SUCCESS
            stages = run.query_one(StageStatusList)
            await until(pilot, lambda: stages.selected == "second")  # the next stage
            # The context inspector is live while paused, and does not take the keys.
            await pilot.press("i")
            inspector = run.query_one(ContextInspector)
            assert inspector.display
            keys = {node.data.name for node in inspector.root.children if node.data}
            assert {"greeting", "seen", "ran.first"} <= keys
            assert status(app, "third") is StageStatus.PENDING
            await pilot.press("G")  # run to the end
            await finish(pilot)
            assert run.session.last_result is not None and run.session.last_result.ok

    asyncio.run(go())


def test_continue_stops_at_the_next_breakpoint(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            run = screen(app)
            stages = run.query_one(StageStatusList)
            await pilot.press("down", "down", "b")  # a breakpoint on third, in the list
            assert run.session.breakpoints == {"third"}
            assert "third" in stages.breakpoints
            await pilot.press("t", "R")
            await until(pilot, lambda: run.paused)
            await pilot.press("c")  # continue: runs first and second, stops before third
            await until(
                pilot, lambda: run.paused and run.session.controller.pause.stage_id == "third"
            )
            assert status(app, "second") is StageStatus.SUCCESS
            assert not run.session.step_mode
            await pilot.press("c")
            await finish(pilot)
            assert status(app, "third") is StageStatus.SUCCESS

    asyncio.run(go())


def test_a_breakpoint_set_in_the_graph(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            run = screen(app)
            run.query_one(DagView).focus()
            await pilot.press("right", "b")
            assert run.session.breakpoints == {"second"}
            assert run.query_one(StageStatusList).selected == "second"
            await pilot.press("R")
            await until(pilot, lambda: run.paused)
            assert run.session.controller.pause is not None
            assert run.session.controller.pause.reason == "breakpoint"
            assert run.session.controller.pause.stage_id == "second"
            await pilot.press("x")
            await finish(pilot)
            assert run.session.last_result is not None
            assert run.session.last_result.status is StageStatus.CANCELLED

    asyncio.run(go())


def test_cancel_stops_a_waiting_stage(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "gated")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await until(pilot, lambda: status(app, "wait") is StageStatus.RUNNING)
            run = screen(app)
            assert run.running
            await pilot.press("x")
            await finish(pilot)
            assert not run.running
            assert status(app, "wait") is StageStatus.CANCELLED
            assert status(app, "after") is StageStatus.CANCELLED
            assert run.query_one("#run-banner").has_class("-cancelled")
            assert "cancelled" in str(run.sub_title)

    asyncio.run(go())


def test_a_failed_stage_opens_its_log_and_re_run_failed_reuses_the_context(
    run_project: Path,
) -> None:
    async def go() -> None:
        app = open_app(run_project, "flaky")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            assert run.session.last_result is not None
            assert run.session.last_result.status is StageStatus.FAILURE
            # The failed stage is selected and its log is open, stderr included.
            assert run.query_one(StageStatusList).selected == "check"
            view = run.query_one(LogView)
            assert view.buffer is not None
            assert ("stderr", "ValueError: the input is broken") in view.buffer.lines
            assert "check" in str(run.query_one(LogPane).border_title)
            assert run.query_one("#run-banner").has_class("-failed")
            assert "FAILED" in str(run.sub_title)
            # Fix the input in the parameters form, then re-run only what failed.
            await pilot.press("P")
            form_input = next(i for i in run.query(Input) if i.name == "fixed")
            form_input.value = "true"
            await pilot.pause()
            assert run.session.overrides == {"fixed": True}
            await pilot.press("F")
            await finish(pilot)
            result = run.session.last_result
            assert result is not None and result.ok
            assert list(result.results) == ["check", "report"]
            # report joined load's and side's outputs recorded by the last run.
            seen = result.store.get("seen")
            assert set(seen) == {"load", "side", "report"}
            assert result.store.writers()["ran.side"] == "side"

    asyncio.run(go())


def test_run_from_a_stage_and_re_run_all(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            run = screen(app)
            await pilot.press("down", "f")  # nothing has run yet: refused
            await pilot.pause()
            assert run.session.last_result is None
            await pilot.press("R")
            await finish(pilot)
            await pilot.press("f")  # from second: second and third
            await finish(pilot)
            result = run.session.last_result
            assert result is not None and result.ok
            assert list(result.results) == ["second", "third"]
            assert result.store.get("ran.first") is True  # from the last run
            assert set(result.store.get("seen")) == {"first", "second", "third"}
            await pilot.press("R")
            await finish(pilot)
            assert list(run.session.last_result.results) == ["first", "second", "third"]

    asyncio.run(go())
    with History.open(run_project) as history:
        assert len(history.list_runs()) == 3


def test_parameters_set_before_a_run_reach_the_context(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "P")
            run = screen(app)
            field = next(i for i in run.query(Input) if i.name == "greeting")
            assert field.value == '"hello"'
            field.focus()
            await pilot.press("home", "ctrl+k", *"bonjour")  # plain text works like --set
            await pilot.pause()
            assert run.session.overrides == {"greeting": "bonjour"}
            await pilot.press("escape")
            run.query_one(StageStatusList).focus()
            await pilot.press("R")
            await finish(pilot)
            assert run.session.last_result is not None
            assert run.session.last_result.store.get("seen")["first"] == "bonjour"
            assert run.session.last_result.store.params["greeting"] == "bonjour"

    asyncio.run(go())


def test_carriage_return_progress_is_redrawn_in_place_and_the_log_is_searchable(
    run_project: Path,
) -> None:
    async def go() -> None:
        app = open_app(run_project, "progress")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            view = run.query_one(LogView)
            assert view.buffer is not None
            assert [t for _, t in view.buffer.lines] == [
                "starting",
                "downloading 100%",
                "three",
                "done",
            ]
            await pilot.press("slash", *"three", "enter")
            assert view.current == 2
            await pilot.press("escape")
            assert view.search_text == ""

    asyncio.run(go())


SECRET_CHAIN = """
[pipeline]
name = "secret"

[context]
greeting = { secret = true, value = "classified-hello" }

[stages.first]
uses = "test.step"
"""


def test_a_secret_parameter_is_hidden_in_the_form_the_log_the_results_and_the_inspector(
    run_project: Path,
) -> None:
    (run_project / "pipelines" / "secret.toml").write_text(SECRET_CHAIN)

    async def go() -> None:
        app = open_app(run_project, "secret")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "P")
            run = screen(app)
            field = next(i for i in run.query(Input) if i.name == "greeting")
            assert field.password
            await pilot.press("escape")
            run.query_one(StageStatusList).focus()
            await pilot.press("R")
            await finish(pilot)
            assert run.session.last_result is not None and run.session.last_result.ok
            assert run.session.last_result.results["first"].message == "greeting ••••"
            view = run.query_one(LogView)
            assert view.buffer is not None
            assert ("log", "first says ••••") in view.buffer.lines
            await pilot.press("i")
            await pilot.pause()
            inspector = run.query_one(ContextInspector)
            shown = {n.data.name: n.data.summary for n in inspector.root.children if n.data}
            assert shown["greeting"] == "••••"
            assert "classified" not in str(shown)

    asyncio.run(go())
    with History.open(run_project) as history:
        (run,) = history.list_runs()
    assert run.params["greeting"] == "••••"


def test_a_garbage_history_file_warns_once_and_the_run_goes_on(run_project: Path) -> None:
    state = run_project / ".workbench"
    state.mkdir()
    (state / "history.sqlite3").write_bytes(b"\x00garbage" * 500)

    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            assert run.session.last_result is not None and run.session.last_result.ok
            warnings = [n for n in app._notifications if n.title == "History"]
            assert len(warnings) == 1 and "moved it to" in warnings[0].message

    asyncio.run(go())
    assert len(list(state.glob("history.sqlite3.damaged-*"))) == 1
    with History.open(run_project) as history:
        assert len(history.list_runs()) == 1
