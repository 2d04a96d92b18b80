"""The headless commands behind `workbench COMMAND`. One function per command.

Each takes the parsed arguments and returns the exit code. They print data to
stdout (Rich, or JSON with ``--format json``) and problems to stderr.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from workbench.cli import render, stopping
from workbench.cli.consoles import (
    console,
    dumps,
    emit,
    error_console,
    error_json,
    fail,
    problems_json,
)
from workbench.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from workbench.engine.assignments import parse_assignments
from workbench.engine.pipeline import Pipeline, find_project_root
from workbench.engine.project import Project
from workbench.engine.spec import schema
from workbench.engine.stage import StageStatus
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.dryrun.export import Exportable
    from workbench.engine.history.store import History
    from workbench.engine.run.executor_choice import ExecutorChoice

reported_settings: set[Path] = set()
"""Projects whose workbench.toml problems were printed already (validate opens one per file)."""


def _project(args: argparse.Namespace, pipeline: Path | None = None) -> Project:
    if args.project is not None:
        project = Project.open(args.project)
    elif pipeline is not None:
        project = Project.open(find_project_root(pipeline))
    else:
        project = Project.open(Path.cwd())
    if project.problems and project.root not in reported_settings:
        reported_settings.add(project.root)
        err = error_console()
        err.print(
            Text.assemble(
                ("! ", "yellow"),
                ("workbench.toml", "bold"),
                f" has {len(project.problems)} problem(s); the rest of it still applies:",
            )
        )
        err.print(render.problems(project.problems))
    return project


def wants_json(args: argparse.Namespace) -> bool:
    """``--format json`` was asked for: every exit path then prints JSON on stdout."""
    return getattr(args, "format", "text") == "json"


def _load(
    args: argparse.Namespace, path: Path, overrides: dict[str, Any] | None = None
) -> tuple[Project, Pipeline] | int:
    """The project and a valid pipeline, or an exit code after printing why not.

    A file that is not there is "no such file" and bad usage (exit 2), like any
    unreadable file; a file that reads but is wrong is an invalid pipeline (exit 1).
    ``overrides`` (``--set``) are resolved into the stage configs here, so a value
    of the wrong type for a config field is reported like any problem of the file.
    """
    if _absent(path):
        return _missing(args, path)
    project = _project(args, path)
    pipeline = project.load_pipeline(path)
    if pipeline.valid and overrides:
        pipeline = pipeline.with_parameters(overrides)
    if pipeline.valid:
        return project, pipeline
    unreadable = any(p.kind == "io" for p in pipeline.problems)
    if unreadable:
        what = "cannot be read"
    else:
        what = f"is not a valid pipeline ({len(pipeline.problems)} problem(s))"
    err = error_console()
    err.print(Text.assemble(("✘ ", "red"), (str(path), "bold"), f" {what}:"))
    err.print(render.problems(pipeline.problems))
    code = EXIT_USAGE if unreadable else EXIT_FAILED
    if wants_json(args):
        title = "Unreadable file" if unreadable else "Invalid pipeline"
        emit(error_json(title, f"{path} {what}", code, path=str(path), problems=pipeline.problems))
    return code


def _absent(path: Path) -> bool:
    """Nothing at all at ``path`` (a dangling link is there, and says why it cannot be read)."""
    return not path.exists() and not path.is_symlink()


def _missing(args: argparse.Namespace, path: Path) -> int:
    return fail(
        "No such file",
        f"{path} (cannot read the file; check the path)",
        EXIT_USAGE,
        as_json=wants_json(args),
        path=str(path),
    )


# -- stages -------------------------------------------------------------------------------


def cmd_stages(args: argparse.Namespace) -> int:
    project = _project(args)
    registry = project.registry
    if args.format == "json":
        emit(
            dumps(
                {
                    "stages": [m.to_json() for m in registry],
                    "errors": [e.to_json() for e in registry.errors],
                    "output": [o.to_json() for o in registry.output],
                    "providers": _providers(),
                }
            )
        )
        return EXIT_OK
    console().print(render.stages_table(registry))
    console().print(Text(f"{len(registry)} stages", style="dim"))
    console().print(Text(f"providers: {', '.join(_providers()) or 'none'}", style="dim"))
    if registry.output:
        error_console().print(render.plugin_output(registry.output))
    if registry.errors:
        error_console().print(render.plugin_errors(registry.errors))
    return EXIT_OK


def _providers() -> list[str]:
    from workbench.engine.api import providers

    return providers.names()


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
                count = f"{len(pipeline.problems)} problem(s)"
                what = "no such file" if _absent(path) else count
                out.print(Text.assemble(("✘ ", "red"), (str(path), "bold"), f"  {what}"))
                out.print(render.problems(pipeline.problems))
    if args.format == "json":
        emit(dumps(results))
    return code


# -- graph ------------------------------------------------------------------------------------


def cmd_graph(args: argparse.Namespace) -> int:
    loaded = _load(args, args.pipeline)
    if isinstance(loaded, int):
        return loaded
    _, pipeline = loaded
    graph = pipeline.graph
    if args.format == "json":
        emit(
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
        emit(render.graph_dot(pipeline.name, graph))
    elif args.format == "mermaid":
        emit(render.graph_mermaid(graph))
    else:
        console().print(render.graph_text(pipeline.name, graph))
    return EXIT_OK


# -- dry run ----------------------------------------------------------------------------------


def cmd_dry_run(args: argparse.Namespace) -> int:
    from workbench.engine.dryrun.compare import (
        compare_parameters,
        compare_pipelines,
        plan_against_run,
        report_with_history,
    )

    """The report of a pipeline, or a comparison: another file (``--compare``), other
    parameters (``--set-right``) or a past run (``--against-run``). The app's dry-run
    view shows the same comparisons, built by the same engine functions."""
    options = {
        "compare": "--compare",
        "right_overrides": "--set-right",
        "against_run": "--against-run",
    }
    chosen = [flag for name, flag in options.items() if getattr(args, name)]
    if len(chosen) > 1:
        flags = " and ".join(chosen)
        return fail(
            "Bad usage",
            f"{flags} cannot be combined; pick one",
            EXIT_USAGE,
            as_json=wants_json(args),
        )
    overrides = parse_assignments(args.overrides)
    loaded = _load(args, args.pipeline, overrides)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    root = project.root
    item: Exportable
    if args.compare is not None:
        other = _load(args, args.compare)
        if isinstance(other, int):
            return other
        item = compare_pipelines(
            pipeline, other[1], overrides, root=root, concurrency=args.concurrency
        )
    elif args.right_overrides:
        right = {**overrides, **parse_assignments(args.right_overrides, option="--set-right")}
        item = compare_parameters(
            pipeline, overrides, right, root=root, concurrency=args.concurrency
        )
    elif args.against_run is not None:
        item = plan_against_run(pipeline, args.against_run, root=root)
    else:
        item = report_with_history(pipeline, overrides, root=root, concurrency=args.concurrency)
    choice = _executor_choice(args, project, pipeline, check=False)
    executor = choice.describe()
    if choice.distributed:
        here = [
            s for s, ps in pipeline.stages.items() if ps.stage and type(ps.stage).runs_on_driver
        ]
        if here:
            executor += f"; on the driver (they must be): {', '.join(here)}"
    _print_dry_run(item, args, executor)
    return EXIT_OK


def _print_dry_run(item: Exportable, args: argparse.Namespace, executor: str) -> None:
    """The report or comparison, with the executor and cluster a run would use."""
    from workbench.engine.dryrun.compare import Comparison
    from workbench.engine.dryrun.dry_run import DryRunReport
    from workbench.engine.dryrun.export import to_markdown

    if args.format == "json":
        emit(dumps({**item.to_json(), "executor": executor}))
        return
    if not args.markdown:
        console().print(Text.assemble(("executor ", "bold"), executor))
        console().print()
    if args.markdown:
        emit(to_markdown(item), end="")
    elif isinstance(item, DryRunReport):
        console().print(render.report(item))
    elif isinstance(item, Comparison):
        for key, before, after in item.parameter_changes:
            console().print(
                Text.assemble(
                    ("parameter ", "bold"),
                    key,
                    ": ",
                    (repr(before), "red"),
                    " → ",
                    (repr(after), "green"),
                )
            )
        console().print(render.comparison(item))
    else:
        from rich.markdown import Markdown

        console().print(Markdown(to_markdown(item)))


# -- run ------------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    overrides = parse_assignments(args.overrides)
    loaded = _load(args, args.pipeline, overrides)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    try:
        only = pipeline.select(args.start, args.end) if (args.start or args.end) else None
    except KeyError as exc:
        return fail("Bad usage", str(exc.args[0]), EXIT_USAGE, as_json=wants_json(args))
    from workbench.cli.run_output import RunOptions, RunPrinter, start_run

    bad = _unknown_stages(pipeline, args.force_stages)
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
    choice = _executor_choice(args, project, pipeline)
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


def _unknown_stages(pipeline: Pipeline, ids: list[str]) -> str | None:
    from workbench.engine.errors import did_you_mean

    for stage_id in ids:
        if stage_id not in pipeline.stages:
            suggestion = did_you_mean(stage_id, pipeline.stages)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            return f"--force-stage {stage_id!r} is not a stage of {pipeline.name}{hint}"
    return None


# -- status and cache --------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    """Which stages a run would reuse, and why each other one will run. Never runs anything."""
    from workbench.engine.cache.status import pipeline_status
    from workbench.engine.cache.store import CacheStore

    overrides = parse_assignments(args.overrides)
    loaded = _load(args, args.pipeline, overrides)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    bad = _unknown_stages(pipeline, args.force_stages)
    if bad:
        return fail("Bad usage", bad, EXIT_USAGE, as_json=wants_json(args))
    store = CacheStore.for_project(project.root, project.settings.cache.max_size)
    status = pipeline_status(
        pipeline,
        store,
        overrides,
        force=args.force,
        force_stages=args.force_stages,
        use_cache=not args.no_cache,
    )
    if args.format == "json":
        print(dumps(status.to_json()))
    else:
        console().print(render.pipeline_status(status))
    return EXIT_OK


def cmd_cache(args: argparse.Namespace) -> int:
    from workbench.engine.cache.store import CacheStore

    project = _project(args)
    store = CacheStore.for_project(project.root, project.settings.cache.max_size)
    if args.action == "clear":
        entries = store.clear()
        if args.format == "json":
            print(dumps({"cleared": entries, "path": str(store.root)}))
        else:
            console().print(f"cleared {counted(entries, 'cached result')}")
        return EXIT_OK
    info = store.info()
    if args.format == "json":
        print(dumps(info.to_json()))
    else:
        console().print(render.cache_info(info))
    return EXIT_OK


def _executor_choice(
    args: argparse.Namespace, project: Project, pipeline: Pipeline, *, check: bool = True
) -> ExecutorChoice:
    """The executor the options, the pipeline file and ``workbench.toml`` ask for.

    Asking to run on Dask where it is not installed is a usage error that says how
    to install it, raised before anything runs (a dry run only names the choice).
    """
    from workbench.engine.run.executor_choice import choose_executor

    choice = choose_executor(
        pipeline,
        project.settings.executor,
        kind=args.executor,
        scheduler=args.scheduler,
        workers=args.workers,
    )
    if check and choice.distributed:
        from workbench.engine.run.dask_executor import require_dask

        require_dask()
    return choice


# -- history ----------------------------------------------------------------------------------------


def cmd_history(args: argparse.Namespace) -> int:
    """Past runs, one run, or ``prune``. Reading never creates a folder or a file."""
    import sqlite3

    from workbench.engine.history.store import History, HistoryUnavailable, db_path

    root = (args.project or Path.cwd()).resolve()
    if not root.is_dir():
        return _no_history(args, f"{root} is not a folder", EXIT_USAGE)
    target = args.target
    if args.stats_pipeline is not None and target != "stats":
        return _no_history(args, "write `workbench history stats PIPELINE`", EXIT_USAGE)
    if target == "stats" and args.stats_pipeline is None:
        return _no_history(args, "write `workbench history stats PIPELINE`", EXIT_USAGE)
    if not db_path(root).is_file():
        if target == "stats":
            if args.format == "json":
                emit(dumps({"pipeline": args.stats_pipeline, "stages": []}))
            else:
                console().print(render.stage_stats_table(args.stats_pipeline, []))
            return EXIT_OK
        if target is not None and target != "prune":
            return _no_history(
                args, f"{target} (no runs are recorded yet)", EXIT_USAGE, "No such run"
            )
        if args.format == "json":
            emit(dumps([] if target is None else {"removed": []}))
        else:
            console().print(render.history_table([]))
        return EXIT_OK
    try:
        history = History.open(root, create=target == "prune")
    except HistoryUnavailable as exc:
        return _no_history(args, exc.message, EXIT_USAGE)
    try:
        with history:
            return _show_history(history, args, target)
    except sqlite3.Error as exc:
        return _no_history(args, f"{history.path} cannot be read ({exc})", EXIT_USAGE)


def _show_history(history: History, args: argparse.Namespace, target: str | None) -> int:
    """Prune, one run in detail, or the list of runs."""
    if target == "prune":
        return _prune(history, args)
    if target == "stats":
        return _history_stats(history, args)
    if target is not None:
        run_id = _run_id(target)
        run = history.get_run(run_id) if run_id is not None else None
        if run is None:
            return _no_history(
                args, f"{target} (see `workbench history`)", EXIT_USAGE, "No such run"
            )
        if args.format == "json":
            emit(dumps(run.to_json()))
        else:
            console().print(render.history_run(run))
        return EXIT_OK
    runs = history.list_runs(limit=args.limit)
    if args.format == "json":
        emit(dumps([r.to_json() for r in runs]))
    else:
        console().print(render.history_table(runs))
    return EXIT_OK


def _history_stats(history: History, args: argparse.Namespace) -> int:
    """Per-stage median and p95 duration, failure rate and last outcome of a pipeline."""
    from workbench.engine.spec import load_spec
    from workbench.engine.stats import stage_stats

    target = args.stats_pipeline
    name = target
    if target.endswith(".toml"):
        loaded = load_spec(Path(target))
        if loaded.spec is None:
            error_console().print(render.problems(loaded.problems))
            return EXIT_USAGE
        name = loaded.spec.pipeline.name
    stats = stage_stats(history.db, name)
    if args.format == "json":
        emit(dumps({"pipeline": name, "stages": [s.to_json() for s in stats]}))
    else:
        console().print(render.stage_stats_table(name, stats))
    return EXIT_OK


# -- new ------------------------------------------------------------------------------------------


def cmd_new(args: argparse.Namespace) -> int:
    """Write ``pipelines/<name>.toml`` from a template; never replaces a file."""
    from workbench.engine.fileio import atomic_write_text
    from workbench.engine.templates import TEMPLATES, render, slug

    if args.list or not args.name:
        if args.format == "json":
            print(
                dumps([{"name": t.name, "description": t.description} for t in TEMPLATES.values()])
            )
        else:
            for t in TEMPLATES.values():
                console().print(Text.assemble((f"{t.name:22}", "bold"), t.description))
        if not args.list:
            error_console().print(
                "[bold red]Bad usage:[/] write `workbench new NAME [--template T]`"
            )
            return EXIT_USAGE
        return EXIT_OK
    text = render(args.template, args.name, args.description)
    project = _project(args)
    path = project.pipelines_dir / f"{slug(args.name)}.toml"
    if path.exists():
        error_console().print(
            f"[bold red]Bad usage:[/] {path} exists already; pick another name or remove it"
        )
        return EXIT_USAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    pipeline = project.load_pipeline(path)
    if args.format == "json":
        print(dumps({"path": str(path), "template": args.template, "valid": pipeline.valid}))
    else:
        console().print(
            Text.assemble(
                ("✔ ", "green"), (str(path), "bold"), f" from the {args.template} template"
            )
        )
        console().print(Text(f"run it: workbench run {path}", style="dim"))
    return EXIT_OK if pipeline.valid else EXIT_FAILED


def _prune(history: History, args: argparse.Namespace) -> int:
    settings = Project.open(history.root).settings.history
    keep = args.keep if args.keep is not None else settings.keep_runs
    before = history.size_bytes()
    removed = history.prune(keep, int(settings.max_mb * 1e6))
    after = history.size_bytes()
    if args.format == "json":
        emit(dumps({"removed": removed, "bytes_before": before, "bytes_after": after}))
    else:
        console().print(
            f"pruned {len(removed)} run(s); the history now takes {after / 1e6:.1f} MB "
            f"(keeps {keep} runs, at most {settings.max_mb:g} MB)"
        )
    return EXIT_OK


def _run_id(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _no_history(
    args: argparse.Namespace, message: str, code: int, title: str = "No history"
) -> int:
    """Say there is no history there (or no such run) without creating anything."""
    return fail(title, message, code, as_json=wants_json(args))


# -- schema and screenshots ---------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    emit(dumps(schema()))
    return EXIT_OK


def cmd_screenshots(args: argparse.Namespace) -> int:
    from workbench.app.screenshots import write_screenshots

    project = args.project or Path.cwd()
    for path in write_screenshots(project, args.out):
        emit(str(path))
    return EXIT_OK
