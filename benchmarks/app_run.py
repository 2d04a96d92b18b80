"""App run benchmark: a 1,000-stage ``core.noop`` pipeline run on the run screen vs headless.

Run with ``python benchmarks/app_run.py [STAGES]``. The pipeline is layered like a
real one: layers of 20 stages, each stage depending on two stages of the layer
before. Three timings, each the median of several runs taken in turns (so a busy
machine slows them alike):

- **app**: the run screen (``App.run_test``, 120x36) with the stage list, the
  graph and the log pane updating live: from pressing ``R`` to the run's worker
  finishing, history recorded.
- **headless**: the same run the way ``workbench run FILE`` does it in-process
  (``start_run`` with the plain printer writing to a pipe-like buffer, history
  recorded).
- ``workbench run FILE`` as a fresh process, for reference (adds start-up).

Target: app <= 1.5x headless.

Last measured (2-core machine, other test suites running; 1,000 stages):

    headless, in process (start_run)        665 ms
    run screen + graph, live                880 ms   1.32x headless   (target met)
    `workbench run` fresh process          1500 ms   reference
"""

from __future__ import annotations

import asyncio
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from workbench.app.app import WorkbenchApp
from workbench.app.screens.run import RunScreen
from workbench.cli.run_output import RunOptions, RunPrinter, start_run
from workbench.engine.project import Project

SIZE = (120, 36)
RUNS = 3
LAYER = 20


def pipeline_text(stages: int) -> str:
    lines = ['[pipeline]\nname = "noop-1000"\nmax_concurrency = 4\n']
    for i in range(stages):
        lines.append(f'[stages.s{i}]\nuses = "core.noop"')
        layer = i // LAYER
        if layer:
            first = (layer - 1) * LAYER
            parents = sorted({first + i % LAYER, first + (i * 7 + 3) % LAYER})
            lines.append("depends_on = [" + ", ".join(f'"s{p}"' for p in parents) + "]")
        lines.append("")
    return "\n".join(lines)


def make_project(stages: int) -> tuple[Path, Path]:
    root = Path(tempfile.mkdtemp(prefix="app-run-"))
    (root / "pipelines").mkdir()
    path = root / "pipelines" / "noop.toml"
    path.write_text(pipeline_text(stages))
    return root, path


async def in_app(root: Path, path: Path) -> float:
    app = WorkbenchApp(root, path, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen), screen
        await app.workers.wait_for_complete()
        began = time.perf_counter()
        await pilot.press("R")
        await app.workers.wait_for_complete()
        took = time.perf_counter() - began
        assert screen.session.last_result is not None and screen.session.last_result.ok, (
            "the run failed"
        )
        return took


async def headless_in_process(root: Path, path: Path) -> float:
    project = Project.open(root)
    pipeline = project.load_pipeline(path)
    options = RunOptions({}, None, None, True, 0)
    printer = RunPrinter(Console(file=io.StringIO(), force_terminal=False, width=120))
    began = time.perf_counter()
    result = await start_run(project, pipeline, options, printer)
    took = time.perf_counter() - began
    printer.summary(result)
    assert result.ok, "the run failed"
    return took


def fresh_process(root: Path, path: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "run", str(path)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - began


def main() -> None:
    stages = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    root, path = make_project(stages)
    print(f"app run: {stages:,} core.noop stages in layers of {LAYER}, {RUNS} runs each")
    app: list[float] = []
    headless: list[float] = []
    fresh: list[float] = []
    for _ in range(RUNS):
        headless.append(asyncio.run(headless_in_process(root, path)))
        app.append(asyncio.run(in_app(root, path)))
        fresh.append(fresh_process(root, path))
    a, h, f = (statistics.median(x) for x in (app, headless, fresh))
    ratio = a / h
    verdict = "met" if ratio <= 1.5 else "MISSED"
    print(f"  headless, in process (start_run)   {h * 1000:8.0f} ms")
    print(f"  run screen + graph, live           {a * 1000:8.0f} ms   {ratio:.2f}x headless")
    print(f"  `workbench run` fresh process      {f * 1000:8.0f} ms   reference")
    print(f"  target: app <= 1.5x headless       {verdict}")


if __name__ == "__main__":
    main()
