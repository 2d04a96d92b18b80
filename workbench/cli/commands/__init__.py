"""The headless commands behind `workbench COMMAND`, one module per group of commands.

Each command is a function ``cmd_<name>(args) -> exit code``. They print data to
stdout (Rich, or JSON with ``--format json``) and problems to stderr. What they all
do first (open the project, load a pipeline, read ``--format``) is in
:mod:`~workbench.cli.commands.loading`. :func:`handler_for` imports only the group of
the command being run, so `workbench validate` never imports the runner.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

GROUPS = {
    "stages": "pipelines",
    "validate": "pipelines",
    "graph": "pipelines",
    "new": "pipelines",
    "schema": "pipelines",
    "dry-run": "dry_run",
    "run": "run",
    "status": "cache",
    "cache": "cache",
    "history": "history",
    "screenshots": "screenshots",
}
"""Each command's module under ``workbench.cli.commands``."""


def handler_for(command: str) -> Callable[[argparse.Namespace], int]:
    """The function that runs ``command`` (a name from :data:`GROUPS`)."""
    module = importlib.import_module(f"workbench.cli.commands.{GROUPS[command]}")
    function: Callable[[argparse.Namespace], int] = getattr(
        module, "cmd_" + command.replace("-", "_")
    )
    return function
