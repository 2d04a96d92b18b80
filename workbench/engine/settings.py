"""``workbench.toml``: a project's own settings, read strictly and reported with their line.

A broken settings file must never be ignored in silence: its ``stage_paths``
would vanish and the project's stages with them. Every problem is returned with
the file, line and column, and every field that is valid on its own is kept, so
one wrong key does not drop the others. The command line prints the problems
(``stages``, ``validate``, ``run``) and the app shows them.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from workbench.engine.errors import Problem, ProblemList
from workbench.engine.run.hooks import HookTable

SETTINGS_FILE = "workbench.toml"
PIPELINES_DIR = "pipelines"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
}


def parse_size(value: Any) -> int:
    """Bytes from ``1073741824``, ``"500 MB"`` or ``"1 GiB"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a size; write bytes or a string like '500 MB', '1 GiB'")
    return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])


class CacheSettings(BaseModel):
    """The ``[cache]`` table: how large ``.workbench/cache`` may grow."""

    model_config = ConfigDict(extra="forbid")

    max_size: Annotated[int, BeforeValidator(parse_size)] = Field(
        default=1 << 30,
        description="Largest size of .workbench/cache; least recently used results go first.",
    )


DEFAULT_KEEP_RUNS = 200
DEFAULT_MAX_MB = 100.0
_KNOWN = "stage_paths, pipelines, allow_write, secret_keys, history, hooks, cache, executor"


class HistorySettings(BaseModel):
    """The ``[history]`` table of ``workbench.toml``: retention of the run history."""

    model_config = ConfigDict(extra="forbid")

    keep_runs: int = Field(
        default=DEFAULT_KEEP_RUNS, ge=1, description="Runs kept; older ones are pruned."
    )
    max_mb: float = Field(
        default=DEFAULT_MAX_MB,
        gt=0,
        description="Megabytes the history (database and logs) may take; oldest runs go first.",
    )


class ExecutorSettings(BaseModel):
    """The ``[executor]`` table: where this project's runs go unless told otherwise."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local", "dask"] = Field(
        default="local", description="'local' (this process) or 'dask' (a Dask cluster)."
    )
    scheduler: str | None = Field(
        default=None,
        description="A running Dask scheduler, e.g. 'tcp://host:8786'; none starts an "
        "embedded LocalCluster.",
    )
    workers: int | None = Field(
        default=None, ge=1, description="Worker processes of the embedded cluster (default: cores)."
    )


class ProjectSettings(BaseModel):
    """The ``workbench.toml`` file of a project."""

    model_config = ConfigDict(extra="forbid")

    stage_paths: list[str] = Field(
        default_factory=list, description="Folders of stage modules, relative to the project."
    )
    pipelines: str = Field(default=PIPELINES_DIR, description="The folder of pipeline files.")
    allow_write: list[str] = Field(
        default_factory=list,
        description="Folders outside the project that stages may write to (and file: URLs read).",
    )
    hooks: HookTable = Field(
        default_factory=HookTable, description="Hooks for every pipeline of the project."
    )
    cache: CacheSettings = Field(default_factory=CacheSettings)
    secret_keys: list[str] = Field(
        default_factory=list,
        description="Context keys whose values are masked everywhere, beside the name patterns.",
    )
    history: HistorySettings = Field(
        default_factory=lambda: HistorySettings(), description="How much run history is kept."
    )
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)


def settings_of(root: Path) -> ProjectSettings:
    """The settings of the project at ``root`` (every valid field of a broken file)."""
    return read_settings(root)[0]


def read_settings(root: Path) -> tuple[ProjectSettings, list[Problem]]:
    """The settings of the project at ``root`` (defaults when there is no file) and problems."""
    path = root / SETTINGS_FILE
    problems = ProblemList(str(path))
    try:
        if not path.is_file():
            return ProjectSettings(), []
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problems.add("io", f"cannot read the settings: {reason}", hint="check its permissions")
        return ProjectSettings(), problems.items
    from workbench.engine.spec import TomlLocator, toml_error

    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        message, line, column = toml_error(exc, text)
        problems.add("toml", message, line=line, column=column, hint="fix the TOML at that place")
        return ProjectSettings(), problems.items
    try:
        return ProjectSettings.model_validate(raw), []
    except ValidationError as exc:
        locator = TomlLocator(text)
        for error in exc.errors(include_url=False):
            loc = [str(part) for part in error["loc"]]
            key = loc[0] if loc else None
            line, column = locator.find((), key)
            if error["type"] == "extra_forbidden":
                message = f"unknown setting '{key}' (known here: {_KNOWN})"
            else:
                message = f"'{'.'.join(loc)}': {error['msg'].rstrip('.')}, found {error['input']!r}"
            problems.add(
                "schema",
                message,
                field=".".join(loc) or None,
                line=line,
                column=column,
                hint="fix or remove it; the other settings still apply",
            )
    return _salvage(raw), problems.items


def _salvage(raw: dict[str, Any]) -> ProjectSettings:
    """Every setting that is valid on its own, so one mistake does not drop the rest."""
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in ProjectSettings.model_fields:
            continue
        try:
            ProjectSettings.model_validate({key: value})
        except ValidationError:
            continue
        kept[key] = value
    return ProjectSettings.model_validate(kept)
