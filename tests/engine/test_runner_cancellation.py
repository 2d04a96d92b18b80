"""The runner under real pipelines: thread stages that time out, retries that must not
overlap, a pool that never queues, writes from threads, long chains, stages that exit."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from kit.pipelines import PipelineFactory

from workbench.engine.events import RunEvent, StageLog
from workbench.engine.history.store import History, HistoryRecorder
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.runner import Runner, RunResult
from workbench.engine.stage import StageStatus


def run(pipeline: Pipeline, seconds: float = 10, **options: Any) -> RunResult:
    """Run with a deadline, so a runner that hangs fails the test instead of stalling it."""
    return asyncio.run(asyncio.wait_for(Runner(pipeline, **options).run(), seconds))


def probe() -> dict[str, Any]:
    return {"stopped": threading.Event()}


# -- thread stages and their timeouts -------------------------------------------------------------


def test_a_timed_out_thread_sees_cancelled_at_once_and_cannot_write(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.stuck]
        uses = "kit.stubborn"
        config = { seconds = 0.3 }
        timeout = "50ms"
        """
    )
    seen = probe()

    started = time.perf_counter()
    result = run(pipeline, params={"probe": seen})
    assert seen["stopped"].wait(5)

    stuck = result.results["stuck"]
    assert stuck.status is StageStatus.FAILURE
    assert stuck.message == "timed out after 0.05s"
    assert stuck.duration < 0.25  # the stage ended at its timeout, not when the thread did
    assert seen["saw_cancelled"] is True
    assert seen["write_refused"] == "StageCancelled"
    assert "late" not in result.store
    assert result.left_running == ()  # it stopped within the end-of-run grace
    assert time.perf_counter() - started < 2


def test_a_waiting_thread_wakes_the_moment_its_timeout_passes(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.wait]
        uses = "kit.patient"
        timeout = "80ms"
        """
    )
    seen = probe()

    result = run(pipeline, params={"probe": seen})
    assert seen["stopped"].wait(5)

    assert result.results["wait"].message == "timed out after 0.08s"
    assert seen["cancelled"] is True
    assert 0.02 < seen["waited"] < 0.5  # woke at the timeout, not after its 30 s


def test_retries_of_a_timed_out_thread_never_overlap(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [pipeline]
        name = "retries"
        retry_delay = "1ms"

        [stages.stuck]
        uses = "kit.stubborn"
        config = { seconds = 0.15 }
        timeout = "30ms"
        retries = 2
        """
    )
    seen = probe()

    result = run(pipeline, params={"probe": seen})

    stuck = result.results["stuck"]
    assert stuck.status is StageStatus.FAILURE
    assert stuck.attempts == 3
    assert seen["attempts"] == 3
    assert seen["peak"] == 1  # each retry waited for the previous attempt's thread
    assert seen["saw_cancelled"] is True
    assert "late" not in result.store


def test_a_cancelled_run_reaches_every_thread_attempt(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.wait]
        uses = "kit.patient"
        """
    )
    seen = probe()
    runner = Runner(pipeline, params={"probe": seen})

    async def main() -> RunResult:
        asyncio.get_running_loop().call_later(0.05, runner.cancel)
        return await asyncio.wait_for(runner.run(), 5)

    result = asyncio.run(main())

    assert result.status is StageStatus.CANCELLED
    assert seen["stopped"].wait(5)
    assert seen["cancelled"] is True
    assert seen["waited"] < 1


def test_a_thread_that_ignores_cancellation_is_named_and_left_behind(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.stuck]
        uses = "kit.stubborn"
        config = { seconds = 1.25 }
        timeout = "20ms"
        """
    )
    seen = probe()
    runner = Runner(pipeline, params={"probe": seen})
    lines: list[str] = []
    runner.subscribe(lambda e: lines.append(e.message) if isinstance(e, StageLog) else None)

    started = time.perf_counter()
    result = asyncio.run(runner.run())
    ended = time.perf_counter() - started

    assert ended < 1.5  # the end-of-run grace is 1 s, not the thread's 1.25 s
    assert result.left_running == ("stuck",)
    assert any(line.startswith("stage 'stuck' still running") for line in lines)
    assert seen["stopped"].wait(5)
    assert seen["write_refused"] == "StageCancelled"
    assert "late" not in result.store


def test_twelve_thread_stages_run_at_once_without_queueing(make_pipeline: PipelineFactory) -> None:
    stages = "".join(
        f'[stages.n{i}]\nuses = "kit.nap"\nconfig = {{ seconds = 0.6 }}\ntimeout = "1s"\n'
        for i in range(12)
    )
    pipeline = make_pipeline(stages, max_concurrency=12)

    started = time.perf_counter()
    result = run(pipeline)

    assert {sid: r.status for sid, r in result.results.items()} == {
        f"n{i}": StageStatus.SUCCESS for i in range(12)
    }
    assert time.perf_counter() - started < 1.0


def test_a_store_carried_into_a_second_run_takes_its_writes_but_not_the_first_runs(
    make_pipeline: PipelineFactory,
) -> None:
    first = Runner(make_pipeline('[stages.w]\nuses = "kit.write"\n'))
    asyncio.run(first.run())
    old_attempt = first.store.for_stage("w")
    second = Runner(
        make_pipeline('[stages.w]\nuses = "kit.write"\nconfig = { value = 2 }\n'),
        store=first.store,
    )

    result = asyncio.run(second.run())

    assert result.ok
    assert result.store.get("value") == 2
    assert old_attempt.cancelled
    with pytest.raises(asyncio.CancelledError):
        old_attempt.set("value", 3)


# -- the context from threads --------------------------------------------------------------------


def test_concurrent_writes_from_threads_get_unique_sequence_numbers(
    make_pipeline: PipelineFactory,
) -> None:
    stages = "".join(f'[stages.w{i}]\nuses = "kit.scribble"\n' for i in range(4))
    pipeline = make_pipeline(stages, max_concurrency=4)

    result = run(pipeline)

    changes = result.store.changes
    assert result.ok
    assert len(changes) == 80_000
    assert [c.seq for c in changes] == list(range(80_000))
    assert {result.store.get(f"count_w{i}") for i in range(4)} == {19_999}


def test_history_keeps_every_write_threads_make_while_other_stages_finish(
    make_pipeline: PipelineFactory, tmp_path: Path
) -> None:
    stages = "".join(
        f'[stages.w{i}]\nuses = "kit.scribble"\nconfig = {{ writes = {5_000 * (i + 1)} }}\n'
        for i in range(4)
    )
    pipeline = make_pipeline(stages, max_concurrency=4)
    runner = Runner(pipeline)
    recorder = HistoryRecorder.attach(tmp_path, runner, source="test")

    asyncio.run(asyncio.wait_for(runner.run(), 10))
    recorder.close()

    with History.open(tmp_path) as history:
        (run,) = history.list_runs()
        detail = history.get_run(run.id)
    assert detail is not None
    assert sorted(c.seq for c in detail.changes) == list(range(50_000))


# -- graph walks and runner errors ---------------------------------------------------------------


def test_a_long_chain_failing_at_its_head_skips_the_rest_promptly(
    make_pipeline: PipelineFactory,
) -> None:
    n = 1_500
    stages = ['[stages.s0]\nuses = "kit.fail"\n'] + [
        f'[stages.s{i}]\nuses = "core.noop"\ndepends_on = ["s{i - 1}"]\n' for i in range(1, n)
    ]
    pipeline = make_pipeline("".join(stages))

    result = run(pipeline, seconds=5)

    assert result.status is StageStatus.FAILURE
    assert result.results["s0"].status is StageStatus.FAILURE
    skipped = [r for sid, r in result.results.items() if sid != "s0"]
    assert len(skipped) == n - 1
    assert {r.status for r in skipped} == {StageStatus.SKIPPED}
    assert result.results["s1"].message == "upstream 's0' failed"
    assert result.results[f"s{n - 1}"].message == "upstream 's0' failed"


def test_an_unexpected_error_in_the_runner_ends_the_run_naming_it(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "core.noop"
        [stages.b]
        uses = "core.noop"
        depends_on = ["a"]
        [stages.c]
        uses = "core.noop"
        depends_on = ["b"]
        """
    )
    runner = Runner(pipeline)
    mark = runner.store.mark_finished

    def broken(stage: str) -> None:
        if stage == "b":
            raise RuntimeError("bookkeeping broke")
        mark(stage)

    runner.store.mark_finished = broken  # type: ignore[method-assign]

    result = asyncio.run(asyncio.wait_for(runner.run(), 5))

    assert result.status is StageStatus.FAILURE
    assert result.error == "RuntimeError: bookkeeping broke"
    assert result.to_json()["error"] == "RuntimeError: bookkeeping broke"
    assert result.results["a"].status is StageStatus.SUCCESS
    assert (
        result.results["c"].message
        == "not run: the runner failed (RuntimeError: bookkeeping broke)"
    )


# -- stage code that exits -----------------------------------------------------------------------


@pytest.mark.parametrize("uses", ["kit.exit", "kit.exit_thread"])
def test_sys_exit_in_a_stage_fails_that_stage_alone(
    make_pipeline: PipelineFactory, uses: str
) -> None:
    pipeline = make_pipeline(
        f"""
        [stages.quits]
        uses = "{uses}"
        [stages.after]
        uses = "core.noop"
        depends_on = ["quits"]
        [stages.other]
        uses = "kit.sleep"
        config = {{ seconds = 0.05 }}
        """,
        max_concurrency=2,
    )

    result = run(pipeline)

    assert result.results["quits"].status is StageStatus.FAILURE
    assert result.results["quits"].message == "stage called sys.exit(2)"
    assert result.results["after"].status is StageStatus.SKIPPED
    assert result.results["other"].status is StageStatus.SUCCESS
    assert result.status is StageStatus.FAILURE


def test_keyboard_interrupt_raised_by_a_stage_fails_only_that_stage(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.boom]
        uses = "kit.interrupt"
        [stages.other]
        uses = "core.noop"
        """
    )
    events: list[RunEvent] = []
    runner = Runner(pipeline)
    runner.subscribe(events.append)

    result = asyncio.run(asyncio.wait_for(runner.run(), 5))

    assert result.results["boom"].message == "stage raised KeyboardInterrupt"
    assert result.results["other"].status is StageStatus.SUCCESS
    assert result.status is StageStatus.FAILURE
