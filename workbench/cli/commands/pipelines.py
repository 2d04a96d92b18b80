"""`stages`, `validate`, `graph`, `new` and `schema`: what a project's stages and
pipelines are, without running anything.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.text import Text

from workbench.cli import render
from workbench.cli.commands.loading import (
    is_absent,
    load_valid_pipeline,
    open_project,
)
from workbench.cli.consoles import (
    console,
    dumps,
    emit,
    error_console,
    problems_json,
)
from workbench.cli.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from workbench.engine.collector import collector_paused
from workbench.engine.spec import schema


def cmd_stages(args: argparse.Namespace) -> int:
    project = open_project(args)
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


def cmd_validate(args: argparse.Namespace) -> int:
    """Check pipeline files; the collector is paused (see ``collector_paused``): the
    command builds large, long-lived pipelines and ends."""
    with collector_paused():
        return _validate(args)


def _validate(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    code = EXIT_OK
    out = console()
    for path in args.pipelines:
        pipeline = open_project(args, path).load_pipeline(path)
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
                what = "no such file" if is_absent(path) else count
                out.print(Text.assemble(("✘ ", "red"), (str(path), "bold"), f"  {what}"))
                out.print(render.problems(pipeline.problems))
    if args.format == "json":
        emit(dumps(results))
    return code


def cmd_graph(args: argparse.Namespace) -> int:
    loaded = load_valid_pipeline(args, args.pipeline)
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
    project = open_project(args)
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


def cmd_schema(args: argparse.Namespace) -> int:
    emit(dumps(schema()))
    return EXIT_OK
