"""RunSession without a terminal: step mode, breakpoints, overrides, partial runs,
the last result and a composite's children, driven as the run view drives them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.app.run.session import RunRefused, RunSession
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.stage import StageStatus

# first -> check -> report, and side beside them; check passes only when ok is true.
PIPELINE = """
[pipeline]
name = "checked"

[context]
ok = true

[stages.first]
uses = "core.noop"

[stages.check]
uses = "gate.check"
depends_on = ["first"]
config = { conditions = [{ key = "ok", op = "eq", value = true }] }

[stages.report]
uses = "core.noop"
depends_on = ["check"]

[stages.side]
uses = "core.noop"
"""

COMPOSITE = """
[pipeline]
name = "grouped"

[stages.group]
uses = "pipeline.call"

[stages.group.config.stages.one]
uses = "core.noop"

[stages.group.config.stages.two]
uses = "gate.check"
depends_on = ["one"]
continue_on_error = true
config = { conditions = [{ key = "missing_key", op = "exists" }] }

[stages.after]
uses = "core.noop"
depends_on = ["group"]
"""


CACHED_COMPOSITE = """
[pipeline]
name = "cachedgroup"

[stages.group]
uses = "pipeline.call"
config = { stages = { one = { uses = "core.noop" }, two = { uses = "core.noop", depends_on = ["one"] } } }
"""


@pytest.fixture(scope="module")
def registry() -> StageRegistry:
    found = StageRegistry()
    found.discover()
    return found


@pytest.fixture
def load(tmp_path: Path, registry: StageRegistry) -> Callable[[str], Pipeline]:
    def load(text: str) -> Pipeline:
        (tmp_path / "pipelines").mkdir(exist_ok=True)
        path = tmp_path / "pipelines" / "p.toml"
        path.write_text(text, encoding="utf-8")
        pipeline = Pipeline.load(path, registry)
        assert pipeline.valid, pipeline.problems
        return pipeline

    return load


@pytest.fixture
def session(load: Callable[[str], Pipeline]) -> RunSession:
    session = RunSession()
    session.cache_mode = "off"  # every run really runs; nothing is written to the project
    session.show_pipeline(load(PIPELINE))
    return session


def run_to_end(session: RunSession) -> None:
    """Start the session's plan for a whole run and drive it to the end, as the screen does."""
    runner = session.start(session.plan_all())
    session.finish(asyncio.run(runner.run()))


def statuses(session: RunSession) -> dict[str, StageStatus]:
    assert session.last_result is not None
    return {sid: r.status for sid, r in session.last_result.results.items()}


def test_a_whole_run_leaves_its_result_and_the_stages_it_shows(session: RunSession) -> None:
    assert session.last_result is None
    assert sorted(session.controller.order) == ["check", "first", "report", "side"]
    run_to_end(session)
    assert not session.running
    assert session.last_result is not None and session.last_result.ok
    assert session.controller.result is session.last_result
    assert {s.status for s in session.controller.states.values()} == {StageStatus.SUCCESS}


def test_a_second_run_is_refused_while_one_is_going(session: RunSession) -> None:
    session.start(session.plan_all())
    with pytest.raises(RunRefused, match="cancel it first"):
        session.start(session.plan_all())


def test_overrides_reach_the_run_and_a_wrong_type_is_refused(session: RunSession) -> None:
    session.set_overrides({"ok": False})
    run_to_end(session)
    assert statuses(session)["check"] is StageStatus.FAILURE
    assert statuses(session)["report"] is StageStatus.SKIPPED
    assert session.last_result is not None
    assert session.last_result.store.params["ok"] is False


def test_rerun_failed_selects_what_failed_and_its_downstream_on_the_last_context(
    session: RunSession,
) -> None:
    with pytest.raises(RunRefused, match="Nothing has run yet"):
        session.plan_failed()
    session.set_overrides({"ok": False})
    run_to_end(session)
    session.set_overrides({"ok": True})
    plan = session.plan_failed()
    assert plan.only == ["check", "report"]
    assert plan.store is not None and plan.store.params["ok"] is True
    runner = session.start(plan)
    # Every stage is shown; those not run again are marked reused.
    assert session.controller.reused == ["first", "side"]
    session.finish(asyncio.run(runner.run()))
    assert statuses(session) == {"check": StageStatus.SUCCESS, "report": StageStatus.SUCCESS}
    with pytest.raises(RunRefused, match="Every stage succeeded"):
        session.plan_failed()


def test_run_from_a_stage_needs_a_last_run_and_forces_that_stage(session: RunSession) -> None:
    with pytest.raises(RunRefused, match="Run the pipeline once first"):
        session.plan_from("check")
    run_to_end(session)
    plan = session.plan_from("check")
    assert plan.only == ["check", "report"]
    assert plan.force == {"check"}
    with pytest.raises(RunRefused, match="not a stage"):
        session.plan_from("nowhere")


def test_run_from_is_refused_when_an_upstream_did_not_succeed(session: RunSession) -> None:
    session.set_overrides({"ok": False})
    run_to_end(session)
    with pytest.raises(RunRefused, match="check did not succeed in the last run"):
        session.plan_from("report")


def test_step_mode_pauses_before_every_stage_and_can_be_left(session: RunSession) -> None:
    assert session.toggle_step_mode() is True
    runner = session.start(session.plan_all())

    async def drive() -> list[str]:
        task = asyncio.create_task(runner.run())
        paused: list[str] = []
        while len(paused) < 2:
            pause = session.controller.pause
            if pause is not None and pause.stage_id not in paused:
                paused.append(pause.stage_id)
                session.step()
            await asyncio.sleep(0)
        session.toggle_step_mode()  # off: the rest runs without pausing
        session.finish(await task)
        return paused

    paused = asyncio.run(drive())
    assert paused[0] == runner.order[0] and len(set(paused)) == 2
    assert not session.step_mode
    assert session.last_result is not None and session.last_result.ok


def test_a_breakpoint_is_kept_once_and_reaches_the_run_going_on(session: RunSession) -> None:
    assert session.toggle_breakpoint("report") is True
    runner = session.start(session.plan_all())
    assert runner.breakpoints is session.breakpoints  # one set, never copied
    session.toggle_breakpoint("report")  # cleared during the run: the run sees it at once
    assert "report" not in runner.breakpoints
    session.toggle_breakpoint("check")  # set during the run: it pauses there

    async def drive() -> str:
        task = asyncio.create_task(runner.run())
        while not session.paused:
            await asyncio.sleep(0)
        assert session.controller.pause is not None
        where = session.controller.pause.stage_id
        session.resume()
        session.finish(await task)
        return where

    assert asyncio.run(drive()) == "check"
    assert session.breakpoints == {"check"}


def test_breakpoints_and_forced_stages_of_removed_stages_are_dropped(
    session: RunSession, load: Callable[[str], Pipeline]
) -> None:
    session.toggle_breakpoint("side")
    session.toggle_breakpoint("check")
    session.toggle_force("side")
    session.show_pipeline(load(PIPELINE.replace('[stages.side]\nuses = "core.noop"\n', "")))
    assert session.breakpoints == {"check"}
    assert session.force_stages == set()


def test_cancel_ends_the_run_as_cancelled(session: RunSession) -> None:
    session.toggle_breakpoint("check")
    runner = session.start(session.plan_all())

    async def drive() -> None:
        task = asyncio.create_task(runner.run())
        while not session.paused:
            await asyncio.sleep(0)
        session.cancel()
        session.finish(await task)

    asyncio.run(drive())
    assert session.last_result is not None
    assert session.last_result.status is StageStatus.CANCELLED


def test_the_cache_mode_cycles_and_forcing_toggles(session: RunSession) -> None:
    session.cache_mode = "use"
    assert [session.cycle_cache_mode() for _ in range(3)] == ["force", "off", "use"]
    assert session.toggle_force("first") is True
    assert session.toggle_force("first") is False


def test_an_invalid_pipeline_is_refused_with_its_problem_count(
    tmp_path: Path, registry: StageRegistry
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[pipeline]\nname = "bad"\n[stages.a]\nuses = "no.such"\n', encoding="utf-8")
    session = RunSession()
    session.show_pipeline(Pipeline.load(path, registry))
    with pytest.raises(RunRefused, match=r"bad has 1 problem;") as refused:
        session.start(session.plan_all())
    assert refused.value.severity == "error"
    assert not session.running


def test_no_pipeline_is_refused(registry: StageRegistry) -> None:
    session = RunSession()
    with pytest.raises(RunRefused, match="No pipeline is open"):
        session.start(session.plan_all())


def test_a_composites_children_are_listed_before_the_run_and_followed_live(
    load: Callable[[str], Pipeline],
) -> None:
    session = RunSession()
    session.cache_mode = "off"
    session.show_pipeline(load(COMPOSITE))
    runner = session.start(session.plan_all())
    group = session.controller.states["group"]
    assert [(c.id, c.status) for c in group.children] == [
        ("one", StageStatus.PENDING),
        ("two", StageStatus.PENDING),
    ]
    seen: list[tuple[str, StageStatus]] = []

    def watch(_event: object) -> None:  # after the controller: what the view would draw
        seen.extend((c.id, c.status) for c in group.children if c.status is StageStatus.RUNNING)

    runner.subscribe(watch)
    session.finish(asyncio.run(runner.run()))
    assert ("one", StageStatus.RUNNING) in seen
    assert [(c.id, c.status) for c in group.children] == [
        ("one", StageStatus.SUCCESS),
        ("two", StageStatus.FAILURE),
    ]
    assert group.status is StageStatus.PARTIAL
    assert "missing_key" in group.children[1].message
    assert statuses(session)["after"] is StageStatus.SUCCESS


def test_a_composite_restored_from_the_cache_shows_its_children_as_cached(
    load: Callable[[str], Pipeline],
) -> None:
    session = RunSession()
    session.show_pipeline(load(CACHED_COMPOSITE))
    run_to_end(session)
    run_to_end(session)
    group = session.controller.states["group"]
    assert group.status is StageStatus.CACHED
    assert [c.status for c in group.children] == [StageStatus.CACHED, StageStatus.CACHED]
