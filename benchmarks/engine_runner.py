"""Runner overhead: 10,000 `core.noop` stages, against a bare asyncio scheduler.

    python benchmarks/engine_runner.py [--stages 10000] [--threads 1000] [--repeat 5]

Two shapes: one chain, and 10 parallel chains run with max_concurrency 10. The
runner runs with an event subscriber attached and write recording on, as the
command line and the app use it. The baseline is the least an asyncio scheduler
can do: one task per stage that awaits an ``asyncio.Event`` per dependency, then
sets its own. Per-stage overhead is the run's wall time over the number of
stages. Then a chain of 1,000 no-op plain ``def run`` stages (each on the
executor's threads) against a plain ``ThreadPoolExecutor.submit(...).result()``
chain of as many no-op calls. Memory is the tracemalloc peak of a run at 1k, 5k
and 10k stages. Every time is the median of several runs, ours and the baseline
in turns.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stages.core import Noop
from workbench.engine.context import StageContext
from workbench.engine.events import RunEvent
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.run.runner import Runner
from workbench.engine.spec import PipelineMeta, PipelineSpec, StageSpec
from workbench.engine.stage import Stage, StageResult

PER_STAGE_TARGET_US = 25.0
RATIO_TARGET = 1.2
THREAD_RATIO_TARGET = 2.0


class ThreadNoop(Stage):
    """A plain ``def run`` that does nothing: what a thread stage costs beyond its work."""

    name = "bench.thread_noop"

    def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()


def chains(n: int, width: int) -> dict[str, list[str]]:
    """Stage id -> the ids it depends on: ``width`` independent chains, n stages in all."""
    deps: dict[str, list[str]] = {}
    for i in range(n):
        chain, step = i % width, i // width
        deps[f"c{chain}s{step}"] = [f"c{chain}s{step - 1}"] if step else []
    return deps


def build_pipeline(
    deps: dict[str, list[str]], concurrency: int, uses: str = "core.noop"
) -> Pipeline:
    registry = StageRegistry()
    registry.register(Noop)
    registry.register(ThreadNoop)
    spec = PipelineSpec(
        pipeline=PipelineMeta(name="bench", max_concurrency=concurrency),
        stages={sid: StageSpec(uses=uses, depends_on=list(d)) for sid, d in deps.items()},
    )
    pipeline = Pipeline.from_spec(spec, registry)
    assert pipeline.valid, pipeline.problems[:3]
    return pipeline


async def run_ours(pipeline: Pipeline) -> float:
    events = 0

    def subscriber(event: RunEvent) -> None:
        nonlocal events
        events += 1

    start = time.perf_counter()
    runner = Runner(pipeline, record_changes=True)
    runner.subscribe(subscriber)
    result = await runner.run()
    elapsed = time.perf_counter() - start
    assert result.ok and events >= 2 * len(pipeline.stages)
    return elapsed


async def run_bare(deps: dict[str, list[str]], concurrency: int) -> float:
    """One task per stage, an Event per dependency, a semaphore for the limit; no other work."""
    start = time.perf_counter()
    done = {sid: asyncio.Event() for sid in deps}
    limit = asyncio.Semaphore(concurrency)

    async def stage(sid: str) -> None:
        for dep in deps[sid]:
            await done[dep].wait()
        async with limit:
            done[sid].set()

    await asyncio.gather(*(stage(sid) for sid in deps))
    return time.perf_counter() - start


def measure(n: int, width: int, repeat: int) -> tuple[float, float]:
    deps = chains(n, width)
    pipeline = build_pipeline(deps, width)
    ours: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        gc.collect()
        ours.append(asyncio.run(run_ours(pipeline)))
        gc.collect()
        bare.append(asyncio.run(run_bare(deps, width)))
    return statistics.median(ours), statistics.median(bare)


def _nothing() -> None:
    return None


def run_pool_chain(n: int) -> float:
    """n no-op calls, each submitted to a one-thread pool once the previous one returned."""
    with ThreadPoolExecutor(1) as pool:
        start = time.perf_counter()
        for _ in range(n):
            pool.submit(_nothing).result()
        return time.perf_counter() - start


def measure_threads(n: int, repeat: int) -> tuple[float, float]:
    pipeline = build_pipeline(chains(n, 1), 1, uses="bench.thread_noop")
    ours: list[float] = []
    pool: list[float] = []
    for _ in range(repeat):
        gc.collect()
        ours.append(asyncio.run(run_ours(pipeline)))
        gc.collect()
        pool.append(run_pool_chain(n))
    return statistics.median(ours), statistics.median(pool)


def peak_memory(n: int) -> int:
    deps = chains(n, 1)
    pipeline = build_pipeline(deps, 1)
    gc.collect()
    tracemalloc.start()
    asyncio.run(run_ours(pipeline))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stages", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.stages

    print(f"runner overhead, {n:,} core.noop stages, median of {args.repeat} runs")
    print("events subscribed, write recording on")
    worst_us, worst_ratio = 0.0, 0.0
    for label, width in (("1 chain", 1), ("10 chains, concurrency 10", 10)):
        ours, bare = measure(n, width, args.repeat)
        per_stage = ours / n * 1e6
        ratio = ours / bare
        worst_us, worst_ratio = max(worst_us, per_stage), max(worst_ratio, ratio)
        print(
            f"  {label:<27} runner {ours * 1e3:7.1f} ms = {per_stage:5.1f} µs/stage "
            f"(target ≤ {PER_STAGE_TARGET_US:g} µs, {per_stage / PER_STAGE_TARGET_US:.2f}x of it)"
            f"; bare asyncio {bare / n * 1e6:5.1f} µs/stage; ratio {ratio:.2f}x "
            f"(target ≤ {RATIO_TARGET:g}x)"
        )

    t = args.threads
    ours, pool = measure_threads(t, args.repeat)
    thread_ratio = ours / pool
    print(
        f"\n{t:,} no-op `def run` stages in a chain: runner {ours * 1e3:.1f} ms = "
        f"{ours / t * 1e6:.1f} µs/stage; ThreadPoolExecutor.submit chain {pool * 1e3:.1f} ms; "
        f"ratio {thread_ratio:.2f}x (target ≤ {THREAD_RATIO_TARGET:g}x, "
        f"{'ok' if thread_ratio <= THREAD_RATIO_TARGET else 'MISSED'})"
    )

    print("\npeak memory of a run (tracemalloc, one chain)")
    sizes = [1_000, 5_000, 10_000]
    peaks = {size: peak_memory(size) for size in sizes}
    for size, peak in peaks.items():
        print(f"  {size:>6,} stages  {peak / 1e6:7.2f} MB  {peak / size:7.0f} B/stage")
    growth = (peaks[10_000] / 10_000) / (peaks[1_000] / 1_000)
    print(f"  bytes per stage at 10k over 1k: {growth:.2f} (linear growth ≈ 1)")

    ok = (
        worst_us <= PER_STAGE_TARGET_US
        and worst_ratio <= RATIO_TARGET
        and thread_ratio <= THREAD_RATIO_TARGET
    )
    print(
        f"\nworst: {worst_us:.1f} µs/stage, {worst_ratio:.2f}x bare asyncio "
        f"({'ok' if ok else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
