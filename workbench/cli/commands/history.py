"""`history`: past runs, one run in detail, per-stage statistics, and pruning.
Reading never creates a folder or a file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli import render
from workbench.cli.commands.loading import (
    wants_json,
)
from workbench.cli.consoles import (
    console,
    dumps,
    emit,
    error_console,
    fail,
)
from workbench.cli.exits import EXIT_OK, EXIT_USAGE
from workbench.engine.project import Project

if TYPE_CHECKING:
    from workbench.engine.history.store import History


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


def _prune(history: History, args: argparse.Namespace) -> int:
    settings = Project.open(history.root).settings.history
    keep = args.keep if args.keep is not None else settings.keep_runs
    from workbench.engine.history.retention import prune, size_bytes

    before = size_bytes(history)
    removed = prune(history, keep, int(settings.max_mb * 1e6))
    after = size_bytes(history)
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
