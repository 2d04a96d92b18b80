"""`dry-run`: a pipeline's report, or a comparison with another file, other
parameters or a past run, as text, Markdown or JSON.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from rich.text import Text

from workbench.cli import render
from workbench.cli.commands.loading import (
    executor_for,
    load_valid_pipeline,
    wants_json,
)
from workbench.cli.consoles import (
    console,
    dumps,
    emit,
    fail,
)
from workbench.cli.exits import EXIT_OK, EXIT_USAGE
from workbench.engine.assignments import parse_assignments

if TYPE_CHECKING:
    from workbench.engine.dryrun.export import Exportable


def cmd_dry_run(args: argparse.Namespace) -> int:
    """The report of a pipeline, or a comparison: another file (``--compare``), other
    parameters (``--set-right``) or a past run (``--against-run``). The app's dry-run
    view shows the same comparisons, built by the same engine functions."""
    from workbench.engine.dryrun.compare import (
        compare_parameters,
        compare_pipelines,
        plan_against_run,
        report_with_history,
    )

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
    loaded = load_valid_pipeline(args, args.pipeline, overrides)
    if isinstance(loaded, int):
        return loaded
    project, pipeline = loaded
    root = project.root
    item: Exportable
    if args.compare is not None:
        other = load_valid_pipeline(args, args.compare)
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
    choice = executor_for(args, project, pipeline, check=False)
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
    from workbench.engine.dryrun.export import to_markdown
    from workbench.engine.dryrun.models import DryRunReport

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
