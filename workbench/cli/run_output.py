"""How `workbench run` shows a run: live on a terminal, plain lines in CI or a pipe.

Kept apart from the other commands so that only `run` imports the runner.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from workbench.cli import render
from workbench.engine.events import (
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StageRetrying,
    StageStarted,
)
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project
from workbench.engine.resume import Seed
from workbench.engine.run.executor_choice import ExecutorChoice
from workbench.engine.run.runner import Executor, Runner, RunResult
from workbench.engine.stage import StageStatus, now


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What `workbench run` was asked for, shared by a single run and --watch."""

    overrides: dict[str, Any]
    concurrency: int | None
    only: list[str] | None
    record: bool
    verbose: int = 0
    log_events: bool = False
    """Send every event to the ``workbench.run`` logger (with -v or --log-file)."""
    seed: Seed | None = None
    """Values restored from a recorded run, for `run --from` (see :mod:`workbench.engine.resume`)."""
    use_cache: bool = True
    """False with ``--no-cache``: the cache is neither read nor written."""
    force: bool = False
    """``--force``: every stage runs; results are still recorded."""
    force_stages: tuple[str, ...] = ()
    """``--force-stage ID``: these rerun; their downstream only if their writes change."""
    executor: ExecutorChoice = field(default_factory=ExecutorChoice)


async def start_run(
    project: Project,
    pipeline: Pipeline,
    options: RunOptions,
    printer: RunPrinter | None,
    on_runner: Callable[[Runner], None] | None = None,
) -> RunResult:
    """One run with its printer and history recorder attached, on the chosen executor.

    A Dask executor is started (or connected) before the run begins and closed
    after it, so a scheduler that cannot be reached fails before any stage.
    """
    executor = options.executor.build(pipeline)
    if executor is None:
        return await _start_run(project, pipeline, options, printer, on_runner, None)
    async with executor:
        if printer is not None:
            printer.cluster(executor.describe())
        return await _start_run(project, pipeline, options, printer, on_runner, executor)


async def _start_run(
    project: Project,
    pipeline: Pipeline,
    options: RunOptions,
    printer: RunPrinter | None,
    on_runner: Callable[[Runner], None] | None,
    executor: Executor | None,
) -> RunResult:
    store = None
    if options.seed is not None:
        store = options.seed.store(pipeline.with_parameters(options.overrides).parameters())
    cache = None
    if options.use_cache:
        from workbench.engine.cache.session import RunCache

        cache = RunCache.for_pipeline(
            pipeline,
            max_bytes=project.settings.cache.max_size,
            force=options.force,
            force_stages=options.force_stages,
        )
    runner = Runner(
        pipeline,
        params=options.overrides,
        concurrency=options.concurrency,
        only=options.only,
        store=store,
        cache=cache,
        executor=executor,
    )
    if printer is not None:
        printer.attach(runner)
    recorder = None
    if options.record:
        from workbench.engine.history.store import HistoryRecorder

        recorder = HistoryRecorder.attach(
            project.root,
            runner,
            source="cli",
            warn=warn_history,
            settings=project.settings.history,
        )
    if options.log_events:
        from workbench.engine.runlog import EventLogger

        runner.subscribe(EventLogger(lambda: recorder.run_id if recorder else None))
    if on_runner is not None:
        on_runner(runner)
    try:
        return await runner.run()
    except asyncio.CancelledError:
        # Ctrl+C: the runner has ended every stage; report how far it got.
        return runner.result()
    finally:
        if recorder is not None:
            recorder.close()


def warn_history(message: str) -> None:
    """A history problem, on stderr: the run goes on and its exit status is the stages'."""
    from workbench.cli.consoles import error_console

    error_console().print(Text.assemble(("warning: ", "bold yellow"), "history: ", message))


class RunPrinter:
    """Prints a run: animated on a terminal, plain lines in CI or a pipe.

    On a terminal the live view shows the stages running and the last ones to
    finish, and disappears when the run ends: the summary table that replaces it
    is where each stage is printed, once, with the log tail of a failed stage
    under it. In CI or a pipe (and under ``--watch``) each stage gets one plain
    line as it finishes, the log tail of a failed one under it, then the summary.
    """

    TAIL = 15
    RECENT = 8
    """Finished stages the live view keeps in sight."""

    def __init__(self, out: Console, verbose: int = 0) -> None:
        self.out = out
        self.verbose = verbose
        self.runner: Runner | None = None
        self.width = 8
        self.running: dict[str, float] = {}
        self.tails: dict[str, deque[str]] = {}
        self.recent: deque[Text] = deque(maxlen=self.RECENT)
        self.finished = 0
        self.live: Live | None = None

    def attach(self, runner: Runner) -> None:
        self.runner = runner
        self.width = max((len(s) for s in runner.order), default=8)
        self.running.clear()
        self.tails.clear()
        self.recent.clear()
        self.finished = 0
        runner.subscribe(self.on_event)

    @classmethod
    def run_live(
        cls, out: Console, project: Project, pipeline: Pipeline, options: RunOptions
    ) -> RunResult:
        """Run with a spinner per running stage on a terminal, plain lines elsewhere."""
        from workbench.cli import stopping

        printer = cls(out, options.verbose)
        run = start_run(project, pipeline, options, printer)
        if out.is_terminal:
            with Live(console=out, refresh_per_second=10, transient=True) as live:
                printer.live = live
                result = stopping.run(printer._refreshing(run))
            printer.live = None
            printer.summary(result, tails=not options.verbose)
        else:
            result = stopping.run(run)
            printer.summary(result)
        return result

    def cluster(self, text: str) -> None:
        """Where the stages run, printed once the cluster is up (with its dashboard)."""
        self._print(Text(f"⚙ {text}", style="dim"))

    def summary(self, result: RunResult, *, tails: bool = False) -> None:
        """The table of every stage; with ``tails``, failed stages' last log lines after it."""
        self.out.print()
        self.out.print(render.run_summary(result))
        if not tails:
            return
        for sid, r in result.results.items():
            lines = self.tails.get(sid, ())
            if r.status is StageStatus.FAILURE and lines:
                self.out.print(Text.assemble(("✘ ", "red"), (sid, "bold"), " last log lines:"))
                for line in lines:
                    self.out.print(render.output(f"    │ {line}", "dim red"))

    async def _refreshing(self, run: Awaitable[RunResult]) -> RunResult:
        task = asyncio.ensure_future(run)
        try:
            while not task.done():
                if self.live is not None and self.runner is not None:
                    self.live.update(self._live_view(self.runner))
                await asyncio.wait({task}, timeout=0.1)
        except asyncio.CancelledError:
            # Ctrl+C, SIGTERM, SIGHUP: the run cancels its stages and returns how far
            # it got, so the summary is shown as after any other run.
            task.cancel()
            return await task
        return task.result()

    def _live_view(self, runner: Runner) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_row(Text(f"{self.finished}/{len(runner.order)} stages", style="dim"))
        for line in self.recent:
            table.add_row(line)
        t = now()
        for sid, started in list(self.running.items())[:20]:
            table.add_row(
                Spinner("dots", text=Text.assemble((sid, "bold"), (f"  {t - started:.1f}s", "dim")))
            )
        return table

    def _print(self, renderable: Any) -> None:
        (self.live.console if self.live else self.out).print(renderable)

    def on_event(self, event: RunEvent) -> None:
        if isinstance(event, PipelineStarted):
            self._print(
                Text(
                    f"▶ {event.pipeline}: {len(event.order)} stages, concurrency {event.concurrency}",
                    style="bold",
                )
            )
        elif isinstance(event, StageStarted):
            self.running.setdefault(event.stage_id, now())
        elif isinstance(event, StageLog):
            tail = self.tails.setdefault(event.stage_id, deque(maxlen=self.TAIL))
            tail.append(event.message)
            if self.verbose:
                self._print(
                    Text.assemble(
                        (f"  {event.stage_id} │ ", "dim"),
                        render.output(event.message, "red" if event.stream == "stderr" else ""),
                    )
                )
        elif isinstance(event, StageRetrying):
            self._print(
                render.output(
                    f"↻ {event.stage_id}: attempt {event.attempt} in {event.delay:g}s ({event.error})",
                    "yellow",
                )
            )
        elif isinstance(event, StageFinished):
            self.running.pop(event.stage_id, None)
            self.finished += 1
            r = event.result
            if self.live is not None:
                # Shown live only: the summary prints each stage once, after the run.
                self.recent.append(render.finished_mark(event.stage_id, r.status, r.duration))
                return
            self._print(
                render.finished_line(event.stage_id, r.status, r.duration, r.message, self.width)
            )
            if r.status is StageStatus.FAILURE and not self.verbose:
                for line in self.tails.get(event.stage_id, ()):
                    self._print(render.output(f"    │ {line}", "dim red"))
