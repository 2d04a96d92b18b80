"""The async runner: concurrency, failures, retries, timeouts, cancel, hooks, events, stepping."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from kit.pipelines import PipelineFactory

from workbench.engine.context import ContextKey, ContextStore
from workbench.engine.errors import RunStateError
from workbench.engine.events import (
    PipelineFinished,
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StagePaused,
    StageProgress,
    StageResumed,
    StageRetrying,
    StageStarted,
)
from workbench.engine.pipeline import Pipeline, PipelineStage
from workbench.engine.run.runner import Hooks, Runner, RunResult
from workbench.engine.stage import StageResult, StageStatus


def run(pipeline: Pipeline, **options: Any) -> RunResult:
    return asyncio.run(Runner(pipeline, **options).run())


def statuses(result: RunResult) -> dict[str, str]:
    return {sid: r.status.value for sid, r in result.results.items()}


def fan(n: int, seconds: float = 0.02) -> str:
    return "".join(
        f'[stages.s{i}]\nuses = "kit.sleep"\nconfig = {{ seconds = {seconds} }}\n' for i in range(n)
    )


# -- scheduling --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3])
def test_concurrency_limit_is_never_exceeded(make_pipeline: PipelineFactory, limit: int) -> None:
    pipeline = make_pipeline(fan(8), max_concurrency=limit)
    tracker: dict[str, int] = {}

    result = run(pipeline, params={"tracker": tracker})

    assert result.ok
    assert tracker["peak"] == limit


def test_the_concurrency_option_overrides_the_pipeline(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(fan(6), max_concurrency=1)
    tracker: dict[str, int] = {}

    run(pipeline, params={"tracker": tracker}, concurrency=4)

    assert tracker["peak"] == 4


def test_a_failure_skips_downstream_with_the_reason_and_other_branches_finish(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.bad]
        uses = "kit.fail"
        [stages.after_bad]
        uses = "core.noop"
        depends_on = ["bad"]
        [stages.later]
        uses = "core.noop"
        depends_on = ["after_bad"]
        [stages.other]
        uses = "kit.sleep"
        config = { seconds = 0.01 }
        [stages.after_other]
        uses = "core.noop"
        depends_on = ["other"]
        """,
        max_concurrency=2,
    )

    result = run(pipeline)

    assert result.status is StageStatus.FAILURE
    assert statuses(result) == {
        "bad": "failure",
        "after_bad": "skipped",
        "later": "skipped",
        "other": "success",
        "after_other": "success",
    }
    assert result.results["bad"].message == "it broke"
    assert result.results["after_bad"].message == "upstream 'bad' failed"
    assert result.results["later"].message == "upstream 'bad' failed"


def test_continue_on_error_lets_dependents_run(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.bad]
        uses = "kit.fail"
        continue_on_error = true
        [stages.next]
        uses = "core.noop"
        depends_on = ["bad"]
        """
    )

    result = run(pipeline)

    assert statuses(result) == {"bad": "failure", "next": "success"}
    assert result.status is StageStatus.SUCCESS


def test_an_exception_fails_the_stage_with_its_message_and_traceback(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.bad]
        uses = "kit.fail"
        config = { raise_error = true, message = "disk on fire" }
        """
    )
    lines: list[str] = []
    runner = Runner(pipeline)
    runner.subscribe(lambda e: lines.append(e.message) if isinstance(e, StageLog) else None)

    result = asyncio.run(runner.run()).results["bad"]

    assert result.status is StageStatus.FAILURE
    assert result.message == "ValueError: disk on fire"
    assert "Traceback" in result.errors[0]
    assert any("disk on fire" in line for line in lines)


def test_retries_back_off_exponentially_then_succeed(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [pipeline]
        name = "retry"
        retry_delay = "20ms"

        [stages.flaky]
        uses = "kit.flaky"
        config = { fail_times = 2 }
        retries = 2
        """
    )
    events: list[RunEvent] = []
    runner = Runner(pipeline)
    runner.subscribe(events.append)

    result = asyncio.run(runner.run()).results["flaky"]

    assert result.status is StageStatus.SUCCESS
    assert result.attempts == 3
    retrying = [e for e in events if isinstance(e, StageRetrying)]
    assert [(e.attempt, e.delay) for e in retrying] == [(2, 0.02), (3, 0.04)]
    assert retrying[0].error == "attempt 1 failed"
    assert [e.attempt for e in events if isinstance(e, StageStarted)] == [1, 2, 3]
    calls = pipeline.stages["flaky"].stage.calls  # type: ignore[union-attr]
    assert calls[1] - calls[0] >= 0.02
    assert calls[2] - calls[1] >= 0.04


def test_retries_give_up_with_the_last_failure(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [pipeline]
        name = "retry"
        retry_delay = "1ms"

        [stages.flaky]
        uses = "kit.flaky"
        config = { fail_times = 5 }
        retries = 1
        """
    )

    result = run(pipeline).results["flaky"]

    assert result.status is StageStatus.FAILURE
    assert result.attempts == 2
    assert result.message == "attempt 2 failed"


def test_a_timeout_cancels_the_stage(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.nap]
        uses = "kit.sleep"
        config = { seconds = 30 }
        timeout = "50ms"
        [stages.after]
        uses = "core.noop"
        depends_on = ["nap"]
        """
    )

    result = run(pipeline)

    assert result.results["nap"].status is StageStatus.FAILURE
    assert result.results["nap"].message == "timed out after 0.05s"
    assert result.results["nap"].duration < 5
    assert result.results["after"].status is StageStatus.SKIPPED


def test_cancel_stops_running_stages_and_marks_the_rest_cancelled(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "kit.sleep"
        config = { seconds = 30 }
        [stages.b]
        uses = "kit.sleep"
        config = { seconds = 30 }
        [stages.c]
        uses = "core.noop"
        [stages.d]
        uses = "core.noop"
        depends_on = ["a"]
        """,
        max_concurrency=2,
    )
    runner = Runner(pipeline)
    started: list[str] = []

    def on_event(event: RunEvent) -> None:
        if isinstance(event, StageStarted):
            started.append(event.stage_id)
            if len(started) == 2:
                asyncio.get_running_loop().call_later(0.02, runner.cancel)

    runner.subscribe(on_event)
    result = asyncio.run(asyncio.wait_for(runner.run(), 5))

    assert result.status is StageStatus.CANCELLED
    assert statuses(result) == dict.fromkeys("abcd", "cancelled")
    assert result.results["a"].message == "cancelled while running"
    assert result.results["c"].message == "not started: the run was cancelled"
    assert result.duration < 5
    assert runner.store.cancelled


def test_cancelling_the_task_running_the_runner_cancels_its_stages(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(fan(2, seconds=30))
    runner = Runner(pipeline)

    async def main() -> None:
        task = asyncio.create_task(runner.run())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())

    assert {r.status for r in runner.results.values()} == {StageStatus.CANCELLED}
    assert set(runner.results) == {"s0", "s1"}


# -- hooks ---------------------------------------------------------------------------------------


def test_hooks_run_before_and_after_each_stage_and_can_be_removed(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "core.noop"
        [stages.b]
        uses = "core.noop"
        depends_on = ["a"]
        """
    )
    calls: list[str] = []
    hooks = Hooks()

    def before(ps: PipelineStage, ctx: Any) -> None:
        calls.append(f"before {ps.id}")

    async def after(ps: PipelineStage, ctx: Any, result: StageResult) -> None:
        calls.append(f"after {ps.id} {result.status.value}")

    before_id = hooks.add_before(before)
    after_id = hooks.add_after(after, id="timing")
    assert after_id == "timing"
    assert len(hooks) == 2

    run(pipeline, hooks=hooks)
    assert calls == ["before a", "after a success", "before b", "after b success"]

    hooks.remove(before_id)
    calls.clear()
    run(pipeline, hooks=hooks)
    assert calls == ["after a success", "after b success"]

    with pytest.raises(KeyError, match="no hook with id 'nope'"):
        hooks.remove("nope")


def test_a_failing_hook_fails_its_stage_naming_the_hook(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "core.noop"
        [stages.b]
        uses = "core.noop"
        depends_on = ["a"]
        """
    )
    hooks = Hooks()

    def checkpoint(ps: PipelineStage, ctx: Any, result: StageResult) -> None:
        if ps.id == "a":
            raise RuntimeError("disk full")

    hooks.add_after(checkpoint, id="checkpoint")

    result = run(pipeline, hooks=hooks)

    assert result.results["a"].status is StageStatus.FAILURE
    assert result.results["a"].message == "hook 'checkpoint' failed: RuntimeError: disk full"
    assert result.results["b"].status is StageStatus.SKIPPED


# -- threads and events ---------------------------------------------------------------------------


def test_a_plain_def_stage_runs_in_a_thread_without_blocking_the_loop(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.block]
        uses = "kit.blocking"
        config = { seconds = 0.3 }
        """
    )
    runner = Runner(pipeline)

    async def main() -> int:
        ticks = 0
        task = asyncio.create_task(runner.run())
        while not task.done():
            await asyncio.sleep(0.01)
            ticks += 1
        await task
        return ticks

    ticks = asyncio.run(main())

    assert runner.results["block"].status is StageStatus.SUCCESS
    assert ticks >= 10, "the loop kept turning while the stage blocked"
    assert runner.store.get("thread") != threading.get_ident()


def test_events_arrive_in_order(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.talk]
        uses = "kit.chatty"
        [stages.block]
        uses = "kit.blocking"
        depends_on = ["talk"]
        """
    )
    events: list[RunEvent] = []
    runner = Runner(pipeline)
    runner.subscribe(events.append)
    asyncio.run(runner.run())

    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "PipelineStarted",
        "StageStarted",
        "StageLog",
        "StageProgress",
        "StageLog",
        "StageProgress",
        "StageFinished",
        "StageStarted",
        "StageLog",  # logged from the worker thread, delivered on the loop
        "StageFinished",
        "PipelineFinished",
    ]
    first = events[0]
    assert isinstance(first, PipelineStarted) and first.order == ("talk", "block")
    logs = [e for e in events if isinstance(e, StageLog)]
    assert [(e.stage_id, e.message, e.stream) for e in logs] == [
        ("talk", "first line", "log"),
        ("talk", "second line", "stderr"),
        ("block", "done blocking", "log"),
    ]
    progress = [e for e in events if isinstance(e, StageProgress)]
    assert [(e.done, e.total, e.message) for e in progress] == [(1, 2, "half"), (2, 2, "all")]
    last = events[-1]
    assert isinstance(last, PipelineFinished) and last.result.ok


def test_a_broken_subscriber_does_not_break_the_run(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(fan(2, seconds=0))
    runner = Runner(pipeline)
    seen: list[RunEvent] = []

    def broken(event: RunEvent) -> None:
        raise RuntimeError("subscriber bug")

    runner.subscribe(broken)
    unsubscribe = runner.subscribe(seen.append)

    assert asyncio.run(runner.run()).ok
    assert isinstance(seen[-1], PipelineFinished)
    unsubscribe()


# -- stepping --------------------------------------------------------------------------------------


def chain(n: int = 3) -> str:
    text = '[stages.s0]\nuses = "core.noop"\n'
    for i in range(1, n):
        text += f'[stages.s{i}]\nuses = "core.noop"\ndepends_on = ["s{i - 1}"]\n'
    return text


def drive(runner: Runner, on_pause: Callable[[Runner, StagePaused], None]) -> list[RunEvent]:
    """Run, calling ``on_pause`` (from the loop, as the app would) whenever the run pauses."""
    events: list[RunEvent] = []

    def on_event(event: RunEvent) -> None:
        events.append(event)
        if isinstance(event, StagePaused):
            asyncio.get_running_loop().call_soon(on_pause, runner, event)

    runner.subscribe(on_event)
    asyncio.run(asyncio.wait_for(runner.run(), 5))
    return events


def test_step_mode_pauses_before_every_stage(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(3)), step=True)
    seen: list[tuple[str, str | None, list[str]]] = []

    def on_pause(r: Runner, event: StagePaused) -> None:
        seen.append((event.stage_id, r.paused_at, sorted(r.results)))
        assert r.status[event.stage_id] is StageStatus.PAUSED
        r.step()

    events = drive(runner, on_pause)

    assert seen == [("s0", "s0", []), ("s1", "s1", ["s0"]), ("s2", "s2", ["s0", "s1"])]
    assert all(e.reason == "step" for e in events if isinstance(e, StagePaused))
    resumed = [e.stage_id for e in events if isinstance(e, StageResumed)]
    assert resumed == ["s0", "s1", "s2"]
    assert runner.paused_at is None


def test_resume_leaves_step_mode(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(4)), step=True)

    events = drive(runner, lambda r, e: r.resume())

    assert [e.stage_id for e in events if isinstance(e, StagePaused)] == ["s0"]
    assert all(r.status is StageStatus.SUCCESS for r in runner.results.values())


def test_breakpoints_pause_only_there(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(4)), breakpoints=["s2"])
    assert runner.toggle_breakpoint("s3") is True
    assert runner.toggle_breakpoint("s3") is False

    def on_pause(r: Runner, event: StagePaused) -> None:
        assert sorted(r.results) == ["s0", "s1"]
        r.resume()

    events = drive(runner, on_pause)

    paused = [e for e in events if isinstance(e, StagePaused)]
    assert [(e.stage_id, e.reason) for e in paused] == [("s2", "breakpoint")]


def test_run_to_end_ignores_the_remaining_breakpoints(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(4)), breakpoints=["s1", "s3"])

    events = drive(runner, lambda r, e: r.run_to_end())

    assert [e.stage_id for e in events if isinstance(e, StagePaused)] == ["s1"]
    assert len(runner.results) == 4


def test_cancel_while_paused_ends_the_run(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(3)), step=True)

    drive(runner, lambda r, e: r.cancel())

    assert {r.status for r in runner.results.values()} == {StageStatus.CANCELLED}


# -- the context ------------------------------------------------------------------------------------


def test_writes_are_recorded_with_the_writer_and_as_of_rebuilds_the_context(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [context]
        input = "a.csv"

        [stages.first]
        uses = "kit.write"
        config = { key = "rows", value = [1, 2, 3] }
        [stages.second]
        uses = "kit.write"
        config = { key = "rows", value = [4] }
        depends_on = ["first"]
        [stages.third]
        uses = "kit.write"
        config = { key = "total", value = 4 }
        depends_on = ["second"]
        """
    )

    result = run(pipeline)
    store = result.store

    assert [(c.stage, c.key, c.kind, c.before, c.after) for c in store.changes] == [
        ("first", "rows", "added", "—", "list[3]"),
        ("second", "rows", "changed", "list[3]", "list[1]"),
        ("third", "total", "added", "—", "4"),
    ]
    assert store.writers() == {"rows": "second", "total": "third"}
    after_first = store.as_of("first")
    assert after_first["rows"] == [1, 2, 3]
    assert "total" not in after_first
    assert after_first["input"] == "a.csv"
    assert store.as_of("second")["rows"] == [4]
    assert store.as_of("third")["total"] == 4
    # values are shared, not copied
    assert store.as_of("first")["rows"] is store.changes[0].value
    assert store.as_of("third")["rows"] is store.get("rows")
    assert [c.key for c in store.changes_by("third")] == ["total"]
    with pytest.raises(KeyError, match="has not finished"):
        store.as_of("nope")


def test_write_recording_can_be_turned_off(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline('[stages.w]\nuses = "kit.write"\n')

    result = run(pipeline, record_changes=False)

    assert result.store.changes == []
    assert result.store.get("value") == 1


def test_context_keys_give_typed_access_and_refuse_the_wrong_type() -> None:
    count = ContextKey("count", int, "rows counted")
    store = ContextStore({"start": 1})
    ctx = store.for_stage("counter")

    ctx.set(count, 3)
    assert ctx.get(count) == 3
    assert ctx["count"] == 3
    assert count in ctx and "count" in ctx
    assert store.get("count") == 3
    with pytest.raises(TypeError, match="'count' holds int, stage 'counter' tried to set a str"):
        ctx.set(count, "three")
    assert ctx.get(ContextKey("missing", int), 7) == 7
    with pytest.raises(KeyError, match="context has no key 'missing'"):
        ctx.get("missing")
    ctx.delete(count)
    assert "count" not in ctx
    assert [c.kind for c in store.changes] == ["added", "removed"]
    assert ctx.params == {"start": 1}
    assert sorted(ctx) == ["start"]


def test_a_stage_cancelled_flag_is_visible_to_thread_stages() -> None:
    store = ContextStore()
    ctx = store.for_stage("s")
    ctx.raise_if_cancelled()
    store.cancel()
    assert ctx.cancelled
    with pytest.raises(asyncio.CancelledError):
        ctx.raise_if_cancelled()


# -- runner state ----------------------------------------------------------------------------------


def test_an_invalid_pipeline_cannot_run(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline('[stages.a]\nuses = "core.nope"\n')

    with pytest.raises(RunStateError, match="1 problem"):
        Runner(pipeline)


def test_a_runner_runs_once(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(1)))

    async def twice() -> None:
        await runner.run()
        await runner.run()

    with pytest.raises(RunStateError, match="runs once"):
        asyncio.run(twice())


def test_only_runs_the_selected_stages(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(chain(4))

    result = run(pipeline, only=pipeline.select("s2"))

    assert list(result.results) == ["s2", "s3"]
    assert result.ok
    assert result.to_json()["stages"][0]["id"] == "s2"
    assert result.counts() == {"success": 2}


def test_an_empty_pipeline_succeeds_at_once(make_pipeline: PipelineFactory) -> None:
    result = run(make_pipeline(""))

    assert result.ok
    assert result.results == {}


def test_stage_finished_events_carry_each_result(make_pipeline: PipelineFactory) -> None:
    runner = Runner(make_pipeline(chain(2)))
    finished: list[str] = []
    runner.subscribe(
        lambda e: finished.append(e.stage_id) if isinstance(e, StageFinished) else None
    )

    asyncio.run(runner.run())

    assert finished == ["s0", "s1"]
