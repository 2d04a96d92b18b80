"""Where a stage's relative paths point: the project folder, never the current directory.

The engine puts the project root (the folder holding ``pipelines/``) into the
context parameters as ``project_dir``. Resolving against it means a pipeline
behaves the same whether it is run from the project folder, from CI or from the
app, which may have been started anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.engine import StageContext

PROJECT_DIR_PARAM = "project_dir"


def project_dir(ctx: StageContext) -> Path:
    """The project folder of this run (the current directory only as a last resort)."""
    return Path(str(ctx.params.get(PROJECT_DIR_PARAM) or os.getcwd()))


def resolve(ctx: StageContext, path: str | os.PathLike[str]) -> Path:
    """An absolute path: relative ones are taken from the project folder; ``~`` is expanded."""
    candidate = Path(path).expanduser()
    if candidate.is_absolute():
        return candidate
    return project_dir(ctx) / candidate


def shown(ctx: StageContext, path: Path) -> str:
    """A path as a person reads it in messages and plans: relative to the project when inside it."""
    try:
        return path.relative_to(project_dir(ctx)).as_posix()
    except ValueError:
        return str(path)
