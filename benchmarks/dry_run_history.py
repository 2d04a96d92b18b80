"""A 10,000-stage dry run with 3 runs of history: estimates read in one query.

    python benchmarks/dry_run_history.py [--stages 10000] [--runs 3] [--repeat 3]

Builds a project in a temporary folder with one local stage that gives no estimate
of its own (so every stage's estimate comes from the history), writes a chain of
``--stages`` stages, records ``--runs`` real runs of it, then times:

- ``History.estimates`` (one query for the whole pipeline) against the per-stage
  query it replaced, on the same database (timed on ``--baseline`` stages and
  scaled: it takes minutes on all of them);
- the whole dry run in process (``report_with_history``: plans, estimates, conflicts);
- ``workbench dry-run --format json`` end to end in a fresh process.

Every figure is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.engine.dryrun.compare import report_with_history
from workbench.engine.history.store import History, HistoryRecorder, config_hash
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project
from workbench.engine.run.runner import Runner

DRY_RUN_TARGET_S = 2.0

STAGE = """
from workbench.engine import PlannedOperation, Stage, StageResult


class Work(Stage):
    name = "bench.work"

    async def run(self, ctx):
        return StageResult.success()

    def plan(self, ctx):
        return [PlannedOperation("work")]
"""


def make_project(root: Path, stages: int) -> Path:
    (root / "bench_stages").mkdir()
    (root / "bench_stages" / "bench_work.py").write_text(STAGE)
    (root / "workbench.toml").write_text('stage_paths = ["bench_stages"]\n')
    (root / "pipelines").mkdir()
    lines = ['[pipeline]\nname = "big"\n']
    for i in range(stages):
        lines.append(f'[stages.s{i:05d}]\nuses = "bench.work"\n')
        if i:
            lines.append(f'depends_on = ["s{i - 1:05d}"]\n')
    path = root / "pipelines" / "big.toml"
    path.write_text("".join(lines))
    return path


def record_runs(project: Project, path: Path, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        runner = Runner(project.load_pipeline(path))
        recorder = HistoryRecorder.attach(project.root, runner, source="bench")
        try:
            asyncio.run(runner.run())
        finally:
            recorder.close()
    return time.perf_counter() - started


def per_stage_estimates(history: History, pipeline: Pipeline, ids: list[str]) -> dict[str, float]:
    """What estimates did before: one query per stage (of ``ids``)."""
    out: dict[str, float] = {}
    for sid in ids:
        ps = pipeline.stages[sid]
        rows = history.db.execute(
            "SELECT duration FROM stages WHERE uses = ? AND config_hash = ? "
            "AND status = 'success' AND duration IS NOT NULL ORDER BY run_id DESC LIMIT 10",
            (ps.uses, config_hash(pipeline, sid)),
        ).fetchall()
        if rows:
            out[sid] = statistics.median(r[0] for r in rows)
    return out


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=500, help="stages the old way is timed on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = make_project(root, args.stages)
        project = Project.open(root)
        recorded = record_runs(project, path, args.runs)
        pipeline = project.load_pipeline(path)
        print(f"{args.stages:,} stages, {args.runs} runs recorded in {recorded:.1f} s")

        with History.open(root, create=False) as history:
            one = median_time(lambda: history.estimates(pipeline), args.repeat)
            # The old way takes minutes at this size: timed once on the first
            # --baseline stages and scaled (each query costs the same), and checked equal.
            ids = list(pipeline.stages)[: args.baseline]
            started = time.perf_counter()
            old = per_stage_estimates(history, pipeline, ids)
            each = (time.perf_counter() - started) * len(pipeline.stages) / len(ids)
            new = history.estimates(pipeline)
            assert {sid: new[sid] for sid in ids if sid in new} == old
        print(
            f"estimates: one query {one * 1000:.0f} ms; one query per stage "
            f"~{each:.0f} s ({len(ids):,} stages timed, scaled; {each / one:.0f}x slower)"
        )

        in_process = median_time(lambda: report_with_history(pipeline, root=root), args.repeat)
        report = report_with_history(pipeline, root=root)
        sources = {p.estimate_source for p in report.stages}
        print(
            f"dry run in process: {in_process:.2f} s (estimates from {', '.join(sorted(sources))}); "
            f"target < {DRY_RUN_TARGET_S:.0f} s: {in_process / DRY_RUN_TARGET_S:.2f}x"
        )

        cpu: list[float] = []

        def command() -> None:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(
                [sys.executable, "-m", "workbench", "dry-run", str(path), "--format", "json"],
                cwd=root,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

        end_to_end = median_time(command, args.repeat)
        # On a busy machine the wall time includes waiting for a core; CPU time does not.
        print(
            f"`workbench dry-run --format json`, fresh process: {end_to_end:.2f} s wall, "
            f"{statistics.median(cpu):.2f} s CPU; target < {DRY_RUN_TARGET_S:.0f} s: "
            f"{end_to_end / DRY_RUN_TARGET_S:.2f}x wall, "
            f"{statistics.median(cpu) / DRY_RUN_TARGET_S:.2f}x CPU "
            f"(load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
