"""The Dask executor: overhead per stage, speed-up on CPU-bound stages, start-up.

    python benchmarks/dask_executor.py [--stages 500] [--repeat 3]

Overhead: a chain of 500 `core.noop` stages through the Dask executor on a
2-worker LocalCluster (started as a run's embedded one), against a bare chain of
500 no-op tasks on the same cluster in the same run: ``client.submit(noop, prev)``
500 times, then one wait. Also shown: the same bare chain waited task by task
(submit, await the result, submit the next), which is the least a driver that
decides each next task itself can do. Target: ≤ 1.5x the bare chain.

Speed-up: 8 independent `text.minhash` stages on the shipped licence texts, the
number of hash functions set per file so each takes ~1 s; the local executor with
concurrency 1 against the Dask executor on the same 2 workers. Target: ≥ 1.7x.

Start-up: a fresh process per measurement, timed from the start of the command's
run (`start_run`, as `workbench run` calls it) to the moment the first stage's
code begins, local and `--executor dask` with an embedded cluster; the difference
is what Dask adds, its import included. Target: < 2 s.

Every figure is the median of several runs, ours and the baseline in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# ruff: noqa: E402  (the repository root goes on the path before its packages are imported)

from stages.core import Noop
from stages.similarity import MinHash, shingles, signature
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.run.dask_executor import DaskExecutor
from workbench.engine.run.runner import Runner
from workbench.engine.spec import PipelineMeta, PipelineSpec, StageSpec
from workbench.engine.stage import Stage, StageResult

OVERHEAD_RATIO = 1.5
SPEEDUP_TARGET = 1.7
STARTUP_TARGET_S = 2.0
LICENCES = ROOT / "pipelines" / "data" / "licences"


def noop(previous: Any = None) -> int:
    return 1


def build(stages: dict[str, StageSpec], concurrency: int, registry: StageRegistry) -> Pipeline:
    spec = PipelineSpec(
        pipeline=PipelineMeta(name="bench", max_concurrency=concurrency), stages=stages
    )
    pipeline = Pipeline.from_spec(spec, registry, path=ROOT / "pipelines" / "bench.toml")
    assert pipeline.valid, pipeline.problems[:3]
    return pipeline


def chain(n: int) -> Pipeline:
    registry = StageRegistry()
    registry.register(Noop)
    stages = {
        f"s{i}": StageSpec(uses="core.noop", depends_on=[f"s{i - 1}"] if i else [])
        for i in range(n)
    }
    return build(stages, 1, registry)


def minhash_stages(seconds: float) -> Pipeline:
    """8 independent fingerprints, each with as many hash functions as ~``seconds`` take."""
    registry = StageRegistry()
    registry.register(MinHash)
    files = sorted(LICENCES.glob("*.txt"))[:8]
    sample = shingles(files[0].read_text(encoding="utf-8"), 5)
    began = time.perf_counter()
    signature(sample, 64)
    per_hash_shingle = (time.perf_counter() - began) / (64 * len(sample))
    stages = {}
    for path in files:
        count = len(shingles(path.read_text(encoding="utf-8"), 5))
        permutations = max(1, min(4096, round(seconds / (per_hash_shingle * count))))
        stages[path.stem.replace(".", "_").replace("-", "_")] = StageSpec(
            uses="text.minhash",
            config={
                "path": str(path.relative_to(ROOT)),
                "output_key": path.stem,
                "permutations": permutations,
            },
        )
    return build(stages, 8, registry)


async def run_pipeline(pipeline: Pipeline, executor: Any = None) -> float:
    began = time.perf_counter()
    result = await Runner(pipeline, executor=executor).run()
    elapsed = time.perf_counter() - began
    assert result.ok, result.to_json()
    return elapsed


async def bare_chain(client: Any, n: int) -> float:
    began = time.perf_counter()
    future = None
    for _ in range(n):
        future = client.submit(noop, future, pure=False)
    await future
    return time.perf_counter() - began


async def bare_round_trips(client: Any, n: int) -> float:
    began = time.perf_counter()
    for _ in range(n):
        await client.submit(noop, None, pure=False)
    return time.perf_counter() - began


async def cluster_figures(stages: int, repeat: int) -> dict[str, Any]:
    """On a run's own embedded cluster of 2 workers (its scheduler on this loop, as in
    `workbench run --executor dask`); the bare chains use the same client."""
    pipeline = chain(stages)
    cpu = minhash_stages(1.0)
    ours: list[float] = []
    bare: list[float] = []
    trips: list[float] = []
    local_cpu: list[float] = []
    dask_cpu: list[float] = []
    async with DaskExecutor(workers=2, pipeline=pipeline) as executor:
        client = executor.client
        await run_pipeline(chain(20), executor)  # workers import the stage modules once
        for _ in range(repeat):
            bare.append(await bare_chain(client, stages))
            ours.append(await run_pipeline(pipeline, executor))
            trips.append(await bare_round_trips(client, stages))
        executor.pipeline = cpu
        for _ in range(max(1, repeat - 1)):
            local_cpu.append(await run_pipeline(cpu))
            dask_cpu.append(await run_pipeline(cpu, executor))
    return {
        "ours": statistics.median(ours),
        "bare": statistics.median(bare),
        "trips": statistics.median(trips),
        "local_cpu": statistics.median(local_cpu),
        "dask_cpu": statistics.median(dask_cpu),
    }


class FirstStage(Stage):
    """Writes the wall-clock time at which its code began (on whichever process runs it)."""

    name = "bench.first"

    def run(self, ctx: Any) -> StageResult:
        ctx.set("began", time.time())
        return StageResult.success()


def startup_child(kind: str) -> None:
    """One measurement in a fresh process: start_run to the first stage's first line."""
    from workbench.cli.run_output import RunOptions, start_run
    from workbench.engine.project import Project
    from workbench.engine.run.executor_choice import ExecutorChoice

    registry = StageRegistry()
    registry.register(FirstStage)
    pipeline = build({"first": StageSpec(uses="bench.first")}, 1, registry)
    options = RunOptions(
        {},
        None,
        None,
        False,
        0,
        use_cache=False,  # a cached first stage would restore an old time
        executor=ExecutorChoice(kind, None, 2),  # type: ignore[arg-type]
    )
    began = time.time()
    result = asyncio.run(start_run(Project.open(ROOT), pipeline, options, printer=None))
    assert result.ok, result.to_json()
    print(json.dumps({"delay": result.store.get("began") - began}))


def startup(repeat: int) -> tuple[float, float]:
    local: list[float] = []
    dask: list[float] = []
    for _ in range(repeat):
        for kind, into in (("local", local), ("dask", dask)):
            out = subprocess.run(
                [sys.executable, __file__, "--startup-child", kind],
                capture_output=True,
                text=True,
                check=True,
            )
            into.append(json.loads(out.stdout.strip().splitlines()[-1])["delay"])
    return statistics.median(local), statistics.median(dask)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--startup-child", choices=("local", "dask"))
    args = parser.parse_args()
    if args.startup_child:
        startup_child(args.startup_child)
        return
    figures = asyncio.run(cluster_figures(args.stages, args.repeat))
    n = args.stages
    ratio = figures["ours"] / figures["bare"]
    print(
        f"overhead, {n}-stage chain: {figures['ours'] / n * 1000:.2f} ms a stage, "
        f"{ratio:.2f}x a bare submit chain ({figures['bare'] / n * 1000:.2f} ms a task; "
        f"target ≤ {OVERHEAD_RATIO}x) {'met' if ratio <= OVERHEAD_RATIO else 'MISSED'}; "
        f"{figures['ours'] / figures['trips']:.2f}x the bare chain waited task by task "
        f"({figures['trips'] / n * 1000:.2f} ms a task)"
    )
    speedup = figures["local_cpu"] / figures["dask_cpu"]
    print(
        f"speed-up, 8 CPU-bound stages of ~1 s: local concurrency 1 {figures['local_cpu']:.2f} s, "
        f"dask on 2 workers {figures['dask_cpu']:.2f} s: {speedup:.2f}x "
        f"(target ≥ {SPEEDUP_TARGET}x) {'met' if speedup >= SPEEDUP_TARGET else 'MISSED'}"
    )
    local, dask = startup(args.repeat)
    added = dask - local
    print(
        f"start-up to the first stage: local {local * 1000:.0f} ms, dask with an embedded "
        f"2-worker cluster {dask * 1000:.0f} ms: adds {added:.2f} s "
        f"(target < {STARTUP_TARGET_S:g} s) {'met' if added < STARTUP_TARGET_S else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
