"""`run`: a pipeline, headless, with the live view on a terminal (or JSON), from a
stage or a past run, or again on every change with ``--watch``.
"""

from __future__ import annotations

import argparse

from rich.text import Text

from workbench.cli import stopping
from workbench.cli.commands.loading import (
    executor_for,
    load_valid_pipeline,
    unknown_stages,
    wants_json,
)
from workbench.cli.consoles import (
    console,
    dumps,
    emit,
    error_console,
    fail,
)
from workbench.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from workbench.engine.assignments import parse_assignments
from workbench.engine.stage import StageStatus


def cmd_run(args: argparse.Namespace) -> int:
    overrides = parse_assignments(args.overrides)
    loaded = load_valid_pipeline(args, args.pipeline, overrides)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    try:
        only = pipeline.select(args.start, args.end) if (args.start or args.end) else None
    except KeyError as exc:
        return fail("Bad usage", str(exc.args[0]), EXIT_USAGE, as_json=wants_json(args))
    from workbench.cli.run_output import RunOptions, RunPrinter, start_run

    bad = unknown_stages(pipeline, args.force_stages)
    if bad:
        return fail("Bad usage", bad, EXIT_USAGE, as_json=wants_json(args))
    seed = None
    if args.start is not None or args.from_run is not None:
        from workbench.engine.errors import UsageError
        from workbench.engine.history.store import History, HistoryUnavailable
        from workbench.engine.resume import find_seed

        try:
            try:
                history = History.open(project.root, create=False)
            except HistoryUnavailable:
                raise UsageError(
                    f"no recorded run of {pipeline.name!r} to start from: run the whole "
                    "pipeline once first (without --from), then start from a stage"
                ) from None
            with history:
                seed = find_seed(history.db, pipeline, only or pipeline.graph.order, args.from_run)
        except UsageError as exc:
            return fail(exc.title, exc.message, EXIT_USAGE, as_json=wants_json(args))
        error_console().print(Text(seed.describe(), style="dim"))
    choice = executor_for(args, project, pipeline)
    options = RunOptions(
        overrides,
        args.concurrency,
        only,
        not args.no_history,
        args.verbose,
        log_events=bool(args.verbose or args.log_file),
        seed=seed,
        use_cache=not args.no_cache,
        force=args.force,
        # The stage a run starts from runs again, as in the app; its downstream
        # reruns where what it wrote changed.
        force_stages=tuple(args.force_stages) + ((args.start,) if args.start else ()),
        executor=choice,
    )
    if args.watch:
        if wants_json(args):
            message = "--watch shows live progress and cannot be combined with --format json"
            return fail("Bad usage", message, EXIT_USAGE, as_json=True)
        from workbench.cli.watch import watch_and_run

        return watch_and_run(project, args.pipeline, options)
    if args.format == "json":
        result = stopping.run(start_run(project, pipeline, options, printer=None))
        emit(dumps(result.to_json()))
    else:
        result = RunPrinter.run_live(console(), project, pipeline, options)
    if result.status is StageStatus.CANCELLED:
        error_console().print(
            f"[yellow]stopped by {stopping.stopped_by()}[/]: the run was cancelled"
        )
        return stopping.exit_code()
    return EXIT_OK if result.status is StageStatus.SUCCESS else EXIT_FAILED
