"""What every command does first: open the project, load and check a pipeline, read
``--format``, name the executor. A problem is printed (as JSON too under
``--format json``) and becomes an exit code, so each command stays a straight line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from workbench.cli import render
from workbench.cli.consoles import (
    emit,
    error_console,
    error_json,
    fail,
)
from workbench.cli.exits import EXIT_FAILED, EXIT_USAGE
from workbench.engine.pipeline import Pipeline, find_project_root
from workbench.engine.project import Project

if TYPE_CHECKING:
    from workbench.engine.run.executor_choice import ExecutorChoice

reported_settings: set[Path] = set()
"""Projects whose workbench.toml problems were printed already (validate opens one per file)."""


def open_project(args: argparse.Namespace, pipeline: Path | None = None) -> Project:
    """The project of ``--project``, else of the pipeline's folder, else of the current one.

    Problems of its ``workbench.toml`` are printed once per project per command.
    """
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


def load_valid_pipeline(
    args: argparse.Namespace, path: Path, overrides: dict[str, Any] | None = None
) -> tuple[Project, Pipeline] | int:
    """The project and a valid pipeline, or an exit code after printing why not.

    A file that is not there is "no such file" and bad usage (exit 2), like any
    unreadable file; a file that reads but is wrong is an invalid pipeline (exit 1).
    ``overrides`` (``--set``) are resolved into the stage configs here, so a value
    of the wrong type for a config field is reported like any problem of the file.
    """
    if is_absent(path):
        return missing_file(args, path)
    project = open_project(args, path)
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


def is_absent(path: Path) -> bool:
    """Nothing at all at ``path`` (a dangling link is there, and says why it cannot be read)."""
    return not path.exists() and not path.is_symlink()


def missing_file(args: argparse.Namespace, path: Path) -> int:
    return fail(
        "No such file",
        f"{path} (cannot read the file; check the path)",
        EXIT_USAGE,
        as_json=wants_json(args),
        path=str(path),
    )


def unknown_stages(pipeline: Pipeline, ids: list[str]) -> str | None:
    from workbench.engine.errors import did_you_mean

    for stage_id in ids:
        if stage_id not in pipeline.stages:
            suggestion = did_you_mean(stage_id, pipeline.stages)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            return f"--force-stage {stage_id!r} is not a stage of {pipeline.name}{hint}"
    return None


def executor_for(
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
