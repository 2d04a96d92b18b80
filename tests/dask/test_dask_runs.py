"""Runs on a Dask cluster of worker processes behave as local runs do."""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from kit.dask import make_pipeline, run_locally, run_on

from workbench.engine.events import RunEvent, StageLog, StageProgress, StageRetrying
from workbench.engine.registry import StageRegistry
from workbench.engine.run.runner import Runner
from workbench.engine.stage import StageStatus

REPO = Path(__file__).resolve().parents[2]


def test_stages_run_in_worker_processes_and_writes_come_back(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        registry,
        tmp_path,
        """
        [stages.a]
        uses = "dtest.pid"
        config = { key = "a" }
        [stages.b]
        uses = "dtest.pid_sync"
        config = { key = "b" }
        depends_on = ["a"]
        [stages.here]
        uses = "dtest.driver_pid"
        config = { key = "here" }
        depends_on = ["b"]
        """,
    )
    result = run_on(address, pipeline)
    assert result.ok, result.to_json()
    values = result.store.snapshot()
    assert values["a"] != os.getpid() and values["b"] != os.getpid()
    assert values["here"] == os.getpid()
    assert result.results["a"].worker.startswith("tcp://127.0.0.1:")
    assert result.results["here"].worker == "driver"
    assert [(c.stage, c.key, c.kind) for c in result.store.changes] == [
        ("a", "a", "added"),
        ("b", "b", "added"),
        ("here", "here", "added"),
    ]


def test_only_the_values_a_stage_reads_travel(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        registry,
        tmp_path,
        """
        [context]
        x = 2
        [stages.one]
        uses = "dtest.pid"
        config = { key = "one" }
        [stages.other]
        uses = "dtest.pid"
        config = { key = "other" }
        [stages.total]
        uses = "dtest.sum"
        config = { key = "total", reads = ["x", "x"] }
        depends_on = ["one"]
        [stages.sees]
        uses = "dtest.sees"
        config = { key = "seen" }
        depends_on = ["one"]
        """,
        max_concurrency=1,
    )
    events: list[RunEvent] = []
    result = run_on(address, pipeline, lambda e, r: events.append(e))
    assert result.ok, result.to_json()
    assert result.store.get("total") == 4
    # No declared reads: the parameters and what its upstream wrote, not 'other' or 'total'.
    assert result.store.get("seen") == ["one", "project_dir", "x"]
    assert any(isinstance(e, StageProgress) and e.stage_id == "total" for e in events)


def test_a_log_line_arrives_while_the_stage_is_still_running(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    pipeline = make_pipeline(
        registry,
        tmp_path,
        f"""
        [stages.wait]
        uses = "dtest.wait_for_file"
        config = {{ path = "{go}" }}
        """,
    )
    seen: list[str] = []

    def on_event(event: RunEvent, runner: Runner) -> None:
        if isinstance(event, StageLog):
            seen.append(event.message)
            if event.message == "waiting for the go file":
                go.write_text("go")  # the stage waits for this: only a live line releases it

    result = run_on(address, pipeline, on_event)
    assert result.results["wait"].status is StageStatus.SUCCESS, result.to_json()
    assert seen == ["waiting for the go file", "go file seen"]


def test_a_failing_stage_fails_with_its_traceback_and_its_downstream_is_skipped(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        registry,
        tmp_path,
        """
        [stages.bad]
        uses = "dtest.fail"
        [stages.after]
        uses = "dtest.pid"
        depends_on = ["bad"]
        [stages.fine]
        uses = "dtest.pid"
        config = { key = "fine" }
        """,
        max_concurrency=2,
    )
    lines: list[str] = []
    result = run_on(
        address,
        pipeline,
        lambda e, r: lines.append(e.message) if isinstance(e, StageLog) else None,
    )
    assert result.status is StageStatus.FAILURE
    bad = result.results["bad"]
    assert bad.status is StageStatus.FAILURE
    assert bad.message == "ValueError: broken on purpose"
    assert bad.worker and bad.worker.startswith("tcp://")
    assert result.results["after"].status is StageStatus.SKIPPED
    assert result.results["after"].message == "upstream 'bad' failed"
    assert result.results["fine"].status is StageStatus.SUCCESS
    assert "about to fail" in lines
    assert any("Traceback" in line for line in lines)


def test_a_worker_killed_mid_stage_fails_the_attempt_and_the_retry_runs(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    marker = tmp_path / "died"
    pipeline = make_pipeline(
        registry,
        tmp_path,
        f"""
        [pipeline]
        name = "test"
        retry_delay = "50ms"
        [stages.fragile]
        uses = "dtest.die_once"
        retries = 1
        config = {{ path = "{marker}", key = "pid" }}
        """,
    )
    retries: list[StageRetrying] = []
    result = run_on(
        address,
        pipeline,
        lambda e, r: retries.append(e) if isinstance(e, StageRetrying) else None,
    )
    fragile = result.results["fragile"]
    assert fragile.status is StageStatus.SUCCESS, result.to_json()
    assert fragile.attempts == 2
    assert len(retries) == 1
    assert retries[0].error.startswith("worker tcp://127.0.0.1:")
    assert retries[0].error.endswith("lost while running the stage")
    assert result.store.get("pid") != int(marker.read_text())


def test_cancel_mid_run_stops_the_tasks_on_the_cluster(
    cluster: Any, address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    saw = tmp_path / "saw-cancel"
    pipeline = make_pipeline(
        registry,
        tmp_path,
        f"""
        [stages.spin]
        uses = "dtest.spin"
        config = {{ path = "{saw}" }}
        [stages.sleep]
        uses = "dtest.sleep_async"
        [stages.later]
        uses = "dtest.pid"
        depends_on = ["spin"]
        """,
        max_concurrency=2,
    )
    started: set[str] = set()

    def on_event(event: RunEvent, runner: Runner) -> None:
        if isinstance(event, StageLog):
            started.add(event.stage_id)
            if started == {"spin", "sleep"}:
                runner.cancel()

    began = time.monotonic()
    result = run_on(address, pipeline, on_event)
    assert result.status is StageStatus.CANCELLED
    assert time.monotonic() - began < 15
    assert result.results["spin"].status is StageStatus.CANCELLED
    assert result.results["sleep"].status is StageStatus.CANCELLED
    assert result.results["later"].status is StageStatus.CANCELLED
    _wait_until(saw.exists, "the thread stage never saw ctx.cancelled")
    client = cluster.get_client()
    _wait_until(
        lambda: not any(client.run(lambda dask_worker: dask_worker.state.executing_count).values()),
        "a task is still executing on the cluster",
    )
    _wait_until(
        lambda: client.run_on_scheduler(_stage_tasks) == 0,
        "the scheduler still holds stage tasks",
    )


def _stage_tasks(dask_scheduler: Any) -> int:
    return sum(1 for key in dask_scheduler.tasks if str(key).startswith("stage:"))


def test_a_timeout_on_the_cluster_fails_the_stage_as_locally(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        registry,
        tmp_path,
        """
        [stages.slow]
        uses = "dtest.sleep_async"
        timeout = "300ms"
        """,
    )
    result = run_on(address, pipeline)
    assert result.results["slow"].status is StageStatus.FAILURE
    assert result.results["slow"].message == "timed out after 0.3s"


def test_a_value_that_cannot_be_sent_fails_its_stage_naming_the_key(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        registry,
        tmp_path,
        """
        [stages.lock]
        uses = "dtest.driver_lock"
        config = { key = "handle" }
        [stages.use]
        uses = "dtest.sum"
        config = { reads = ["handle"] }
        depends_on = ["lock"]
        [stages.back]
        uses = "dtest.remote_lock"
        config = { key = "remote_handle" }
        """,
        max_concurrency=2,
    )
    result = run_on(address, pipeline)
    use = result.results["use"]
    assert use.status is StageStatus.FAILURE
    assert use.message == (
        "context value 'handle' cannot be sent to the cluster: "
        "TypeError: cannot pickle '_thread.lock' object"
    )
    back = result.results["back"]
    assert back.status is StageStatus.FAILURE
    assert back.message == (
        "context value 'remote_handle' cannot be sent back from the worker: "
        "TypeError: cannot pickle '_thread.lock' object"
    )
    assert "remote_handle" not in result.store


def test_max_concurrency_bounds_the_stages_in_flight(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    stages = "".join(
        f'[stages.w{i}]\nuses = "dtest.window"\nconfig = {{ key = "w{i}", seconds = 0.3 }}\n'
        for i in range(3)
    )
    pipeline = make_pipeline(registry, tmp_path, stages, max_concurrency=1)
    result = run_on(address, pipeline)
    assert result.ok
    windows = sorted(result.store.get(f"w{i}") for i in range(3))
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start >= end - 0.01, windows


def test_step_mode_pauses_before_submitting(
    cluster: Any, address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    from workbench.engine.events import StagePaused

    pipeline = make_pipeline(
        registry,
        tmp_path,
        """
        [stages.a]
        uses = "dtest.pid"
        config = { key = "a" }
        [stages.b]
        uses = "dtest.pid"
        config = { key = "b" }
        depends_on = ["a"]
        """,
    )
    client = cluster.get_client()
    pauses: list[tuple[str, int]] = []

    def on_event(event: RunEvent, runner: Runner) -> None:
        if isinstance(event, StagePaused):
            pauses.append((event.stage_id, len(runner.store.changes)))
            runner.step()

    result = run_on(address, pipeline, on_event, step=True)
    assert result.ok
    assert pauses == [("a", 0), ("b", 1)]
    assert client.run_on_scheduler(_stage_tasks) == 0


def test_the_examples_give_the_same_results_and_context_as_locally(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.engine.project import Project

    root = tmp_path / "project"
    shutil.copytree(REPO / "pipelines", root / "pipelines")
    licences = root / "pipelines" / "licence-similarity.toml"
    text = licences.read_text("utf-8").replace("permutations = 768", "permutations = 32")
    licences.write_text(text, "utf-8")
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == "pipelines" or m.startswith("pipelines.")]:
        monkeypatch.delitem(sys.modules, name)
    project = Project.open(root)
    for name in ("hello", "sales-report", "vocabulary", "ingest", "licence-similarity"):
        pipeline = project.load_pipeline(root / "pipelines" / f"{name}.toml")
        local = run_locally(pipeline)
        assert local.ok, (name, local.to_json())
        remote = run_on(address, pipeline)
        assert remote.ok, (name, remote.to_json())
        assert _outcomes(remote.results) == _outcomes(local.results), name
        assert _context(remote) == _context(local), name
        # Each stage's writes in the order it made them (concurrent stages interleave freely).
        assert _changes(remote) == _changes(local), name
        workers = {r.worker for r in remote.results.values()}
        assert any(w and w.startswith("tcp://") for w in workers), name


def _changes(result: Any) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for c in result.store.changes:
        out.setdefault(c.stage, []).append((c.key, c.kind, c.after))
    return out


def _outcomes(results: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    return {sid: (r.status.value, r.data) for sid, r in results.items()}


def _context(result: Any) -> dict[str, Any]:
    return {k: v for k, v in result.store.snapshot().items() if not k.startswith("app.")}


def _wait_until(check: Any, message: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def test_a_timed_out_attempt_is_cancelled_on_its_worker_and_the_retry_waits_for_it(
    address: str, registry: StageRegistry, tmp_path: Path
) -> None:
    pipeline = make_pipeline(
        registry,
        tmp_path,
        f"""
        [pipeline]
        name = "test"
        retry_delay = "10ms"
        [stages.slow]
        uses = "dtest.slow_to_stop"
        timeout = "1s"
        retries = 1
        config = {{ path = "{tmp_path}" }}
        """,
    )
    result = run_on(address, pipeline)
    slow = result.results["slow"]
    assert slow.status is StageStatus.SUCCESS, result.to_json()
    assert slow.attempts == 2
    ended, woke = (tmp_path / "first-ended").read_text().split()
    assert woke == "True"  # the timeout reached the worker: wait_cancelled woke early
    began = float((tmp_path / "first-began").read_text())
    assert float(ended) - began < 10
    assert float((tmp_path / "second-began").read_text()) >= float(ended)
