"""Incremental runs of the real sales-report pipeline: what reruns, what is reused, and why.

Each test works on a copy of the pipeline and its data in ``tmp_path``; the cache
lives in the copy's ``.workbench/cache``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from workbench.engine.cache.reasons import ReasonKind
from workbench.engine.cache.session import RunCache
from workbench.engine.cache.status import PipelineStatus, pipeline_status
from workbench.engine.cache.store import CacheStore
from workbench.engine.events import RunEvent, StageLog
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.run.runner import Runner, RunResult

REPO = Path(__file__).parents[2]
ALL = [
    "load",
    "validate",
    "select",
    "by_region",
    "by_product",
    "totals",
    "summary",
    "write_json",
    "write_markdown",
]


@pytest.fixture(scope="module")
def installed() -> StageRegistry:
    registry = StageRegistry()
    registry.discover()
    return registry


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pipelines" / "data").mkdir(parents=True)
    shutil.copy(REPO / "pipelines" / "sales-report.toml", tmp_path / "pipelines")
    shutil.copytree(
        REPO / "pipelines" / "data" / "sales", tmp_path / "pipelines" / "data" / "sales"
    )
    return tmp_path


def load(project: Path, registry: StageRegistry) -> Pipeline:
    pipeline = Pipeline.load(project / "pipelines" / "sales-report.toml", registry)
    assert pipeline.valid, pipeline.problems
    return pipeline


def run(pipeline: Pipeline, events: list[RunEvent] | None = None, **options: Any) -> RunResult:
    cache = RunCache.for_pipeline(pipeline, **options)
    runner = Runner(pipeline, cache=cache)
    if events is not None:
        runner.subscribe(events.append)
    result = asyncio.run(runner.run())
    assert result.ok, result.to_json()
    return result


def ran(result: RunResult) -> list[str]:
    return [sid for sid, r in result.results.items() if r.status.value == "success"]


def cached(result: RunResult) -> list[str]:
    return [sid for sid, r in result.results.items() if r.status.value == "cached"]


def kinds(status: PipelineStatus, sid: str) -> set[ReasonKind]:
    return {r.kind for r in status.stage(sid).reasons}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_second_run_reuses_everything_and_restores_the_same_values(
    project: Path, installed: StageRegistry
) -> None:
    first = run(load(project, installed))
    assert ran(first) == ALL
    manifests = CacheStore.for_project(project).root / "manifests"
    written = {p.name: p.stat().st_mtime_ns for p in manifests.iterdir()}
    second = run(load(project, installed))
    assert {p.name: p.stat().st_mtime_ns for p in manifests.iterdir()} == written, (
        "an unchanged run rewrites no manifest"
    )
    assert cached(second) == ALL
    for key in ("sales", "by_region", "by_product", "totals", "summary"):
        assert second.store.get(key) == first.store.get(key)
    assert "restored 'sales'" in second.results["load"].message
    assert pipeline_status(load(project, installed)).will_run == []


def test_a_config_change_reruns_that_stage_and_its_downstream_with_reasons(
    project: Path, installed: StageRegistry
) -> None:
    run(load(project, installed))
    edit(project / "pipelines" / "sales-report.toml", "descending = true", "descending = false")
    pipeline = load(project, installed)
    status = pipeline_status(pipeline)
    assert status.will_run == ["by_region", "summary", "write_json", "write_markdown"]
    (reason,) = status.stage("by_region").reasons
    assert reason.kind is ReasonKind.CONFIG_CHANGED
    assert reason.data["changes"] == [{"field": "descending", "before": True, "after": False}]
    assert reason.detail == "descending: True → False"
    assert kinds(status, "summary") == {ReasonKind.UPSTREAM_WILL_RUN}
    assert status.stage("summary").reasons[0].data == {"stage": "by_region"}
    assert kinds(status, "write_json") == {ReasonKind.UPSTREAM_WILL_RUN}
    result = run(pipeline)
    assert ran(result) == ["by_region", "summary", "write_json", "write_markdown"]
    assert cached(result) == ["load", "validate", "select", "by_product", "totals"]


def test_touching_an_input_without_changing_it_reruns_nothing(
    project: Path, installed: StageRegistry
) -> None:
    run(load(project, installed))
    csv = project / "pipelines" / "data" / "sales" / "sales.csv"
    os.utime(csv, ns=(10**18, 10**18))
    assert pipeline_status(load(project, installed)).will_run == []
    assert cached(run(load(project, installed))) == ALL


def test_changing_an_input_file_reruns_its_readers(project: Path, installed: StageRegistry) -> None:
    run(load(project, installed))
    csv = project / "pipelines" / "data" / "sales" / "sales.csv"
    lines = csv.read_text().splitlines()
    csv.write_text("\n".join(lines[:-1]) + "\n")  # one order fewer
    status = pipeline_status(load(project, installed))
    assert status.will_run[0] == "load"
    (reason,) = status.stage("load").reasons
    assert reason.kind is ReasonKind.INPUT_CHANGED
    assert reason.data["file"].endswith("sales.csv")
    result = run(load(project, installed))
    assert "load" in ran(result) and "by_region" in ran(result)


def test_a_deleted_output_file_reruns_only_its_writer(
    project: Path, installed: StageRegistry
) -> None:
    run(load(project, installed))
    output = project / "out" / "sales-report" / "summary.json"
    written = output.read_text()
    output.unlink()
    status = pipeline_status(load(project, installed))
    assert status.will_run == ["write_json"]
    (reason,) = status.stage("write_json").reasons
    assert reason.kind is ReasonKind.OUTPUT_MISSING and reason.data["file"] == str(output)
    result = run(load(project, installed))
    assert ran(result) == ["write_json"]
    assert output.read_text() == written


def test_a_new_stage_version_reruns_its_uses_and_early_cutoff_keeps_the_rest(
    project: Path, installed: StageRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(load(project, installed))
    monkeypatch.setattr(installed.get("csv.aggregate"), "version", "2")
    pipeline = load(project, installed)
    status = pipeline_status(pipeline)
    for sid in ("by_region", "by_product", "totals"):
        assert kinds(status, sid) == {ReasonKind.VERSION_CHANGED}
        assert status.stage(sid).reasons[0].data == {"before": "1", "after": "2"}
    result = run(pipeline)
    # The three reran and wrote exactly what they wrote before: nothing downstream reruns.
    assert ran(result) == ["by_region", "by_product", "totals"]
    assert cached(result) == [
        "load",
        "validate",
        "select",
        "summary",
        "write_json",
        "write_markdown",
    ]


def test_force_stage_reruns_that_stage_and_its_downstream_only_if_its_writes_change(
    project: Path, installed: StageRegistry
) -> None:
    run(load(project, installed))
    status = pipeline_status(load(project, installed), force_stages=["validate"])
    assert status.will_run == [
        "validate",
        "select",
        "by_region",
        "by_product",
        "totals",
        "summary",
        "write_json",
        "write_markdown",
    ]
    assert kinds(status, "validate") == {ReasonKind.FORCED}
    result = run(load(project, installed), force_stages=["by_region"])
    assert ran(result) == ["by_region"]
    assert run(load(project, installed), force=True).results.keys() == set(ALL)
    assert ran(run(load(project, installed), force=True)) == ALL


def test_a_corrupted_cache_entry_is_a_miss_with_a_warning(
    project: Path, installed: StageRegistry
) -> None:
    run(load(project, installed))
    store = CacheStore.for_project(project)
    entries = [p for p in (store.root / "entries").rglob("*") if p.is_file()]
    load_entry = next(p for p in entries if store.get(p.name).stage_id == "load")  # type: ignore[union-attr]
    load_entry.write_bytes(load_entry.read_bytes()[:-7] + b"garbage")
    events: list[RunEvent] = []
    result = run(load(project, installed), events)
    assert ran(result) == ["load"], "the damaged entry is a miss; the rest stays cached"
    warnings = [e for e in events if isinstance(e, StageLog) and e.level == "warning"]
    assert warnings and warnings[0].stage_id == "load" and "damaged" in warnings[0].message
    assert cached(run(load(project, installed))) == ALL, "the rerun repaired the entry"


def test_two_runs_at_once_leave_a_consistent_cache(project: Path, installed: StageRegistry) -> None:
    results: list[RunResult] = []
    barrier = threading.Barrier(3)

    def one() -> None:
        barrier.wait()
        results.append(run(load(project, installed)))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3
    store = CacheStore.for_project(project)
    entries = [p for p in (store.root / "entries").rglob("*") if p.is_file()]
    assert not [p for p in entries if p.name.endswith(".tmp")]
    for path in entries:
        entry = store.get(path.name)  # raises if any file is torn
        assert entry is not None
        for digest in entry.writes.values():
            if digest not in entry.inline:  # small values live in the entry itself
                store.get_object(digest)
    after = run(load(project, installed))
    assert cached(after) == ALL
    assert after.store.get("summary") == results[0].store.get("summary")


def _stages_toml(extra: str) -> str:
    return f"""
[pipeline]
name = "opt-out"
{extra}

[stages.fetch]
uses = "http.download"
config = {{ url = "file:pipelines/data.txt", path = "out/copy.txt" }}

[stages.shell]
uses = "shell.run"
config = {{ command = ["true"] }}

[stages.shell_named]
uses = "shell.run"
config = {{ command = ["true"], outputs = [] }}

[stages.plain]
uses = "core.noop"
cache = false
"""


def _write_opt_out(project: Path, extra: str = "") -> Path:
    (project / "pipelines" / "data.txt").write_text("hello\n")
    path = project / "pipelines" / "opt-out.toml"
    path.write_text(_stages_toml(extra))
    return path


def _reason(status: PipelineStatus, sid: str) -> str:
    (reason,) = status.stage(sid).reasons
    assert reason.kind is ReasonKind.NOT_CACHEABLE
    return reason.detail


def test_stages_with_outside_effects_and_cache_false_always_run_and_say_why(
    project: Path, installed: StageRegistry
) -> None:
    path = _write_opt_out(project)
    pipeline = Pipeline.load(path, installed)
    assert pipeline.valid, pipeline.problems
    for _ in range(2):
        result = run(pipeline)
    assert cached(result) == ["shell_named"]
    status = pipeline_status(pipeline)
    assert "set sha256" in _reason(status, "fetch")
    assert "outputs = [...]" in _reason(status, "shell")
    assert _reason(status, "plain") == "the stage sets cache = false"
    off = Pipeline.load(_write_opt_out(project, "cache = false"), installed)
    assert cached(run(off)) == []
    assert _reason(pipeline_status(off), "shell_named") == "the pipeline sets cache = false"


def test_a_value_that_cannot_be_serialized_makes_the_stage_uncacheable(
    project: Path, installed: StageRegistry
) -> None:
    from workbench.engine.stage import Stage, StageResult

    class Handle(Stage):
        name = "test.handle"
        writes = ("handle",)

        def run(self, ctx: Any) -> StageResult:
            ctx.set("handle", threading.Lock())
            return StageResult.success()

    registry = StageRegistry()
    registry.register(Handle)
    pipeline = Pipeline.parse(
        '[pipeline]\nname = "h"\n[stages.h]\nuses = "test.handle"\n',
        registry,
        project / "pipelines" / "h.toml",
    )
    for _ in range(2):
        assert ran(run(pipeline)) == ["h"]
    detail = _reason(pipeline_status(pipeline), "h")
    assert "'handle'" in detail and "cannot hash" in detail


def test_no_cache_neither_reads_nor_writes(project: Path, installed: StageRegistry) -> None:
    pipeline = load(project, installed)
    result = asyncio.run(Runner(pipeline).run())
    assert result.ok
    assert not (project / ".workbench" / "cache").exists()
    run(pipeline)
    assert ran(asyncio.run(Runner(load(project, installed)).run())) == ALL


def test_the_size_cap_evicts_and_an_evicted_result_is_an_ordinary_miss(
    project: Path, installed: StageRegistry
) -> None:
    run(load(project, installed), max_bytes=1)
    info = CacheStore.for_project(project).info()
    assert info.bytes <= 1 and info.entries == 0
    status = pipeline_status(load(project, installed))
    assert kinds(status, "load") == {ReasonKind.CACHE_MISS}
    assert ran(run(load(project, installed))) == ALL


def test_two_uses_of_one_stage_with_the_same_config_do_not_share_results(
    project: Path,
) -> None:
    from workbench.engine.stage import Stage, StageResult

    class Mark(Stage):
        name = "test.mark"

        def run(self, ctx: Any) -> StageResult:
            ctx.set(f"ran.{ctx.stage_id}", True)  # a key named after the pipeline stage
            return StageResult.success()

    registry = StageRegistry()
    registry.register(Mark)
    text = (
        '[pipeline]\nname = "m"\n[stages.a]\nuses = "test.mark"\n[stages.b]\nuses = "test.mark"\n'
    )
    pipeline = Pipeline.parse(text, registry, project / "pipelines" / "m.toml")
    first = run(pipeline)
    assert ran(first) == ["a", "b"]
    assert first.store.get("ran.b") is True
    second = run(pipeline)
    assert cached(second) == ["a", "b"]
    assert second.store.get("ran.a") is True and second.store.get("ran.b") is True


def test_a_comparison_shows_stages_moving_between_up_to_date_and_will_run(
    project: Path, installed: StageRegistry
) -> None:
    from workbench.engine.dryrun.compare import compare_pipelines

    run(load(project, installed))
    source = project / "pipelines" / "sales-report.toml"
    changed = project / "pipelines" / "sales-report-changed.toml"
    changed.write_text(source.read_text().replace("descending = true", "descending = false", 1))
    comparison = compare_pipelines(load(project, installed), Pipeline.load(changed, installed))
    assert comparison.diff.of_kind("now_runs") == [
        "by_region",
        "summary",
        "write_json",
        "write_markdown",
    ]
    assert comparison.diff.totals["will_run"] == (0, 4)
    assert comparison.left.total_seconds == 0.0, "nothing runs: no time is counted"
    assert "4 now to run" in comparison.diff.summary()


def test_secret_config_values_are_not_written_into_the_cache(
    project: Path, installed: StageRegistry
) -> None:
    path = project / "pipelines" / "secret.toml"
    path.write_text(
        '[pipeline]\nname = "s"\n[stages.call]\nuses = "shell.run"\n'
        'config = { command = ["true"], env = { API_TOKEN = "s3cr3t-value" }, outputs = [] }\n'
    )
    pipeline = Pipeline.load(path, installed)
    assert pipeline.valid, pipeline.problems
    run(pipeline)
    assert cached(run(pipeline)) == ["call"]
    cache_files = [p for p in (project / ".workbench" / "cache").rglob("*") if p.is_file()]
    assert cache_files
    assert not [p for p in cache_files if b"s3cr3t-value" in p.read_bytes()]
    path.write_text(path.read_text().replace("s3cr3t-value", "other-value"))
    (reason,) = pipeline_status(Pipeline.load(path, installed)).stage("call").reasons
    assert reason.kind is ReasonKind.CONFIG_CHANGED, "a new secret still reruns the stage"
    assert reason.detail == "a secret value changed"


def test_a_stage_that_writes_a_secret_is_never_cached(project: Path) -> None:
    from workbench.engine.stage import Stage, StageResult

    class Login(Stage):
        name = "test.login"
        writes = ("api_token",)

        def run(self, ctx: Any) -> StageResult:
            ctx.set("api_token", "tok-123456789")
            return StageResult.success()

    registry = StageRegistry()
    registry.register(Login)
    text = '[pipeline]\nname = "l"\n[stages.login]\nuses = "test.login"\n'
    pipeline = Pipeline.parse(text, registry, project / "pipelines" / "l.toml")
    for _ in range(2):
        assert ran(run(pipeline)) == ["login"]
    assert "holds a secret" in _reason(pipeline_status(pipeline), "login")
    stored = b"".join(p.read_bytes() for p in (project / ".workbench").rglob("*") if p.is_file())
    assert b"tok-123456789" not in stored
