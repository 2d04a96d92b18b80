"""The headless commands behind `workbench COMMAND`. One function per command.

Each takes the parsed arguments and returns the exit code. They print data to
stdout (Rich, or JSON with ``--format json``) and problems to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from workbench import render
from workbench.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, dumps, parse_overrides, problems_json
from workbench.engine.dry_run import build_report, diff_reports
from workbench.engine.events import (
    PipelineStarted,
    RunEvent,
    StageFinished,
    StageLog,
    StageRetrying,
    StageStarted,
)
from workbench.engine.pipeline import Pipeline, find_project_root
from workbench.engine.project import Project
from workbench.engine.runner import Runner, RunResult
from workbench.engine.spec import schema
from workbench.engine.stage import StageStatus, now

_stdout: Console | None = None
_stderr: Console | None = None


def console() -> Console:
    global _stdout
    if _stdout is None:
        _stdout = Console(highlight=False)
        if not _stdout.is_terminal:
            # CI logs and pipes: long lines stay whole instead of wrapping at 80.
            _stdout = Console(highlight=False, width=160)
    return _stdout


def error_console() -> Console:
    global _stderr
    if _stderr is None:
        _stderr = Console(stderr=True, highlight=False)
        if not _stderr.is_terminal:
            _stderr = Console(stderr=True, highlight=False, width=160)
    return _stderr


def _project(args: argparse.Namespace, pipeline: Path | None = None) -> Project:
    if args.project is not None:
        return Project.open(args.project)
    if pipeline is not None:
        return Project.open(find_project_root(pipeline))
    return Project.open(Path.cwd())


def _load(args: argparse.Namespace, path: Path) -> tuple[Project, Pipeline] | int:
    """The project and a valid pipeline, or an exit code after printing why not."""
    project = _project(args, path)
    pipeline = project.load_pipeline(path)
    if pipeline.valid:
        return project, pipeline
    err = error_console()
    err.print(
        Text.assemble(
            ("✘ ", "red"),
            (str(path), "bold"),
            f" is not a valid pipeline ({len(pipeline.problems)} problem(s)):",
        )
    )
    err.print(render.problems(pipeline.problems))
    return EXIT_USAGE if any(p.kind == "io" for p in pipeline.problems) else EXIT_FAILED


# -- stages -------------------------------------------------------------------------------


def cmd_stages(args: argparse.Namespace) -> int:
    project = _project(args)
    registry = project.registry
    if args.format == "json":
        print(
            dumps(
                {
                    "stages": [m.to_json() for m in registry],
                    "errors": [e.to_json() for e in registry.errors],
                }
            )
        )
        return EXIT_OK
    console().print(render.stages_table(registry))
    console().print(Text(f"{len(registry)} stages", style="dim"))
    if registry.errors:
        error_console().print(render.plugin_errors(registry.errors))
    return EXIT_OK


# -- validate -------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    code = EXIT_OK
    out = console()
    for path in args.pipelines:
        pipeline = _project(args, path).load_pipeline(path)
        unreadable = any(p.kind == "io" for p in pipeline.problems)
        if unreadable:
            code = EXIT_USAGE
        elif not pipeline.valid and code == EXIT_OK:
            code = EXIT_FAILED
        results.append(
            {
                "path": str(path),
                "valid": pipeline.valid,
                "pipeline": pipeline.name if not unreadable else None,
                "stages": len(pipeline.stages),
                "errors": problems_json(pipeline.problems),
                "warnings": problems_json(pipeline.warnings),
            }
        )
        if args.format == "text":
            if pipeline.valid:
                out.print(
                    Text.assemble(
                        ("✔ ", "green"),
                        (str(path), "bold"),
                        f"  {pipeline.name}: {len(pipeline.stages)} stages",
                    )
                )
            else:
                out.print(
                    Text.assemble(
                        ("✘ ", "red"), (str(path), "bold"), f"  {len(pipeline.problems)} problem(s)"
                    )
                )
                out.print(render.problems(pipeline.problems))
    if args.format == "json":
        print(dumps(results))
    return code


# -- graph ------------------------------------------------------------------------------------


def cmd_graph(args: argparse.Namespace) -> int:
    loaded = _load(args, args.pipeline)
    if isinstance(loaded, int):
        return loaded
    _, pipeline = loaded
    graph = pipeline.graph
    if args.format == "json":
        print(
            dumps(
                {
                    "pipeline": pipeline.name,
                    "order": list(graph.order),
                    "layers": graph.layers,
                    "edges": [list(e) for e in graph.edges],
                }
            )
        )
    elif args.format == "dot":
        print(render.graph_dot(pipeline.name, graph))
    elif args.format == "mermaid":
        print(render.graph_mermaid(graph))
    else:
        console().print(render.graph_text(pipeline.name, graph))
    return EXIT_OK


# -- dry run ----------------------------------------------------------------------------------


def cmd_dry_run(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.overrides)
    loaded = _load(args, args.pipeline)
    if isinstance(loaded, int):
        return loaded
    _, pipeline = loaded
    left = build_report(pipeline, overrides, concurrency=args.concurrency)
    if args.compare is None:
        if args.format == "json":
            print(dumps(left.to_json()))
        else:
            console().print(render.report(left))
        return EXIT_OK
    other = _load(args, args.compare)
    if isinstance(other, int):
        return other
    right = build_report(other[1], overrides, concurrency=args.concurrency)
    diff = diff_reports(left, right)
    if args.format == "json":
        print(dumps({"left": left.to_json(), "right": right.to_json(), "diff": diff.to_json()}))
    else:
        console().print(render.comparison(left, right, diff))
    return EXIT_OK


# -- run ------------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.overrides)
    loaded = _load(args, args.pipeline)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    try:
        only = pipeline.select(args.start, args.end) if (args.start or args.end) else None
    except KeyError as exc:
        error_console().print(f"[bold red]Bad usage:[/] {exc.args[0]}")
        return EXIT_USAGE
    options = RunOptions(overrides, args.concurrency, only, not args.no_history, args.verbose)
    if args.watch:
        from workbench.watch import watch_and_run

        return watch_and_run(project, args.pipeline, options)
    if args.format == "json":
        result = asyncio.run(start_run(project, pipeline, options, printer=None))
        print(dumps(result.to_json()))
    else:
        result = RunPrinter.run_live(console(), project, pipeline, options)
    return EXIT_OK if result.status is StageStatus.SUCCESS else EXIT_FAILED


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What `workbench run` was asked for, shared by a single run and --watch."""

    overrides: dict[str, Any]
    concurrency: int | None
    only: list[str] | None
    record: bool
    verbose: int = 0


async def start_run(
    project: Project,
    pipeline: Pipeline,
    options: RunOptions,
    printer: RunPrinter | None,
    on_runner: Callable[[Runner], None] | None = None,
) -> RunResult:
    """One run with its printer and history recorder attached."""
    runner = Runner(
        pipeline, params=options.overrides, concurrency=options.concurrency, only=options.only
    )
    if printer is not None:
        printer.attach(runner)
    recorder = None
    if options.record:
        from workbench.engine.history import HistoryRecorder

        recorder = HistoryRecorder.attach(project.root, runner, source="cli")
    if on_runner is not None:
        on_runner(runner)
    try:
        return await runner.run()
    finally:
        if recorder is not None:
            recorder.close()


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
        printer = cls(out, options.verbose)
        run = start_run(project, pipeline, options, printer)
        if out.is_terminal:
            with Live(console=out, refresh_per_second=10, transient=True) as live:
                printer.live = live
                result = asyncio.run(printer._refreshing(run))
            printer.live = None
        else:
            result = asyncio.run(run)
        printer.summary(result)
        return result

    def summary(self, result: RunResult) -> None:
        self.out.print()
        self.out.print(render.run_summary(result))

    async def _refreshing(self, run: Awaitable[RunResult]) -> RunResult:
        task = asyncio.ensure_future(run)
        while not task.done():
            if self.live is not None and self.runner is not None:
                self.live.update(self._live_view(self.runner))
            await asyncio.wait({task}, timeout=0.1)
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
            tail = self.tails.setdefault(event.stage_id, deque(maxlen=self.TAIL))
            tail.append(event.message)
            if self.verbose:
                self._print(
                    Text.assemble(
                        (f"  {event.stage_id} │ ", "dim"),
                        (event.message, "red" if event.stream == "stderr" else ""),
                    )
                )
        elif isinstance(event, StageRetrying):
            self._print(
                Text(
                    f"↻ {event.stage_id}: attempt {event.attempt} in {event.delay:g}s ({event.error})",
                    style="yellow",
                )
            )
        elif isinstance(event, StageFinished):
            self.running.pop(event.stage_id, None)
            r = event.result
            self._print(
                render.finished_line(event.stage_id, r.status, r.duration, r.message, self.width)
            )
            if r.status is StageStatus.FAILURE and not self.verbose:
                for line in self.tails.get(event.stage_id, ()):
                    self._print(Text(f"    │ {line}", style="dim red"))


# -- history ----------------------------------------------------------------------------------------


def cmd_history(args: argparse.Namespace) -> int:
    from workbench.engine.history import History

    project = _project(args)
    with History.open(project.root) as history:
        if args.run_id is not None:
            run = history.get_run(args.run_id)
            if run is None:
                error_console().print(
                    f"[bold red]No such run:[/] {args.run_id} (see `workbench history`)"
                )
                return EXIT_USAGE
            if args.format == "json":
                print(dumps(run.to_json()))
            else:
                console().print(render.history_run(run))
            return EXIT_OK
        runs = history.list_runs(limit=args.limit)
        if args.format == "json":
            print(dumps([r.to_json() for r in runs]))
        else:
            console().print(render.history_table(runs))
    return EXIT_OK


# -- schema and screenshots ---------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    print(dumps(schema()))
    return EXIT_OK


def cmd_screenshots(args: argparse.Namespace) -> int:
    from workbench.app.screenshots import write_screenshots

    project = args.project or Path.cwd()
    for path in write_screenshots(project, args.out):
        print(path)
    return EXIT_OK
