"""`status` and `cache`: which stages a run would reuse and why the others run, and
the project cache's size or clearing it.
"""

from __future__ import annotations

import argparse

from workbench.cli import render
from workbench.cli.commands.loading import (
    load_valid_pipeline,
    open_project,
    unknown_stages,
    wants_json,
)
from workbench.cli.consoles import (
    console,
    dumps,
    fail,
)
from workbench.cli.exits import EXIT_OK, EXIT_USAGE
from workbench.engine.assignments import parse_assignments
from workbench.engine.collector import collector_paused
from workbench.engine.units import counted


def cmd_status(args: argparse.Namespace) -> int:
    """Which stages a run would reuse, and why each other one will run. Never runs anything.

    The collector is paused for the command: it builds a large, long-lived pipeline
    and a line per stage, then ends (about a fifth less time at 10,000 stages).
    """
    with collector_paused():
        return _status(args)


def _status(args: argparse.Namespace) -> int:
    from workbench.engine.cache.status import pipeline_status
    from workbench.engine.cache.store import CacheStore

    overrides = parse_assignments(args.overrides)
    loaded = load_valid_pipeline(args, args.pipeline, overrides)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    bad = unknown_stages(pipeline, args.force_stages)
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

    project = open_project(args)
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
