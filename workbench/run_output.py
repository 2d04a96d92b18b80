"""How `workbench run` shows a run: live on a terminal, plain lines in CI or a pipe.

Kept apart from the other commands so that only `run` imports the runner.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from workbench import render
from workbench.engine.events import (
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StageRetrying,
    StageStarted,
)
from workbench.engine.executor_choice import ExecutorChoice
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project
from workbench.engine.runner import Executor, Runner, RunResult
from workbench.engine.stage import StageStatus, now
from workbench.engine.terminal_text import clean_output

RUN_LOG = logging.getLogger("workbench.run")
"""A run's stage log lines and outcomes, for ``--log-file``: masked by the runner, and
cleaned of control sequences here (someone will ``cat`` that file)."""


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What `workbench run` was asked for, shared by a single run and --watch."""

    overrides: dict[str, Any]
    concurrency: int | None
    only: list[str] | None
    record: bool
    verbose: int = 0
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
    runner = Runner(
        pipeline,
        params=options.overrides,
        concurrency=options.concurrency,
        only=options.only,
        executor=executor,
    )
    if printer is not None:
        printer.attach(runner)
    recorder = None
    if options.record:
        from workbench.engine.history import HistoryRecorder

        recorder = HistoryRecorder.attach(
            project.root,
            runner,
            source="cli",
            warn=warn_history,
            settings=project.settings.history,
        )
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
    from workbench.consoles import error_console

    error_console().print(Text.assemble(("warning: ", "bold yellow"), "history: ", message))


class RunPrinter:
    """Prints a run: animated on a terminal, plain lines in CI or a pipe.

    One line per stage as it finishes, the log tail of a failed stage under it,
    and a summary table that stays on screen after the command ends.
    """

    TAIL = 15

    def __init__(self, out: Console, verbose: int = 0) -> None:
        self.out = out
        self.verbose = verbose
        self.runner: Runner | None = None
        self.width = 8
        self.running: dict[str, float] = {}
        self.tails: dict[str, deque[str]] = {}
        self.live: Live | None = None

    def attach(self, runner: Runner) -> None:
        self.runner = runner
        self.width = max((len(s) for s in runner.order), default=8)
        self.running.clear()
        self.tails.clear()
        runner.subscribe(self.on_event)

    @classmethod
    def run_live(
        cls, out: Console, project: Project, pipeline: Pipeline, options: RunOptions
    ) -> RunResult:
        """Run with a spinner per running stage on a terminal, plain lines elsewhere."""
        from workbench import stopping

        printer = cls(out, options.verbose)
        run = start_run(project, pipeline, options, printer)
        if out.is_terminal:
            with Live(console=out, refresh_per_second=10, transient=True) as live:
                printer.live = live
                result = stopping.run(printer._refreshing(run))
            printer.live = None
        else:
            result = stopping.run(run)
        printer.summary(result)
        return result

    def cluster(self, text: str) -> None:
        """Where the stages run, printed once the cluster is up (with its dashboard)."""
        self._print(Text(f"⚙ {text}", style="dim"))

    def summary(self, result: RunResult) -> None:
        self.out.print()
        self.out.print(render.run_summary(result))

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
        done = sum(1 for s in runner.status.values() if s.finished)
        table.add_row(Text(f"{done}/{len(runner.order)} stages", style="dim"))
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
            if RUN_LOG.isEnabledFor(logging.INFO):
                line = clean_output(event.message, keep_colour=False)
                RUN_LOG.info("%s | %s: %s", event.stage_id, event.stream, line)
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
            r = event.result
            if RUN_LOG.isEnabledFor(logging.INFO):
                message = clean_output(r.message, keep_colour=False)
                RUN_LOG.info("%s finished: %s %s", event.stage_id, r.status.value, message)
            self._print(
                render.finished_line(event.stage_id, r.status, r.duration, r.message, self.width)
            )
            if r.status is StageStatus.FAILURE and not self.verbose:
                for line in self.tails.get(event.stage_id, ()):
                    self._print(render.output(f"    │ {line}", "dim red"))
