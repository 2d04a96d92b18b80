"""`workbench run --watch`: re-run when the pipeline or its stages' inputs change.

watchfiles debounces the changes; a change during a run cancels it (shell stages'
process groups are killed by their stage) and a fresh run starts at once. Ctrl+C,
SIGTERM or SIGHUP cancel the run in progress, print its summary and end the watch
with the signal's exit code (130, 143, 129).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from workbench.cli.exits import EXIT_INTERRUPTED
from workbench.engine.fileio import real_path
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project

if TYPE_CHECKING:
    from workbench.cli.run_output import RunOptions
    from workbench.engine.run.runner import Runner, RunResult

DEBOUNCE_MS = 300


def watched_paths(pipeline_path: Path, pipeline: Pipeline | None) -> set[Path]:
    """The pipeline file and every input path its stages declare."""
    paths = {real_path(pipeline_path)}
    if pipeline is not None:
        for ps in pipeline.stages.values():
            if ps.stage is not None:
                for declared in ps.stage.input_paths():
                    # Stage configs are relative to the project folder, not the cwd.
                    full = declared if declared.is_absolute() else pipeline.project_dir / declared
                    paths.add(real_path(full))
    return paths


def watch_and_run(project: Project, path: Path, options: RunOptions) -> int:
    from workbench.cli import stopping

    try:
        return stopping.run(_loop(project, path, options))
    except KeyboardInterrupt:  # a second Ctrl+C while the run was stopping
        return EXIT_INTERRUPTED


async def _next_change(targets: set[Path], say: Callable[[str], None]) -> None:
    """Return at the first change to a target, or when a folder of targets comes back."""
    from workbench.engine.watching import follow

    folders = sorted({t.parent for t in targets})
    async for changes in follow(folders, say=say, debounce=DEBOUNCE_MS):
        if any(real_path(Path(p)) in targets or Path(p) in folders for _, p in changes):
            return


async def _loop(project: Project, path: Path, options: RunOptions) -> int:
    """Run, wait for a change, run again, until Ctrl+C, SIGTERM or SIGHUP.

    A stop signal ends the run in progress here (its stages kill their processes
    and the summary is printed) and returns the signal's exit code; between runs
    it just ends the watch.
    """
    from workbench.cli import render, stopping
    from workbench.cli.consoles import console, error_console
    from workbench.cli.run_output import RunPrinter, start_run

    out = console()

    def say(news: str) -> None:
        out.print(Text(news, style="yellow"))

    change: asyncio.Future[None] | None = None
    run: asyncio.Future[RunResult] | None = None
    printer: RunPrinter | None = None
    try:
        while True:
            pipeline = project.load_pipeline(path)
            targets = watched_paths(path, pipeline)
            change = asyncio.ensure_future(_next_change(targets, say))
            if pipeline.valid:
                printer = RunPrinter(out, options.verbose)
                runners: list[Runner] = []
                run = asyncio.ensure_future(
                    start_run(project, pipeline, options, printer, on_runner=runners.append)
                )
                await asyncio.wait({run, change}, return_when=asyncio.FIRST_COMPLETED)
                if not run.done():
                    out.print("[bold yellow]change detected: cancelling the run[/]")
                    runners[0].cancel()
                result = await run
                run = None
                printer.summary(result)
            else:
                error_console().print(render.problems(pipeline.problems))
            if not change.done():
                out.print(f"[dim]watching {len(targets)} file(s) for changes; Ctrl+C to stop[/]")
                await change
            out.print("[bold]change detected: running again[/]")
    except asyncio.CancelledError:
        if change is not None:
            change.cancel()
        if run is not None and printer is not None:
            # End the run here, so its stages kill their processes and the run is
            # recorded, before asyncio cancels every remaining task on the way out.
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                printer.summary(await run)
        error_console().print(f"[yellow]stopped by {stopping.stopped_by()}[/]: the watch ended")
        return stopping.exit_code()
