"""A project folder: its pipelines, its own stage modules, its settings.

A project holds ``pipelines/*.toml`` and optionally a ``workbench.toml`` with
``stage_paths = ["my_stages"]`` (folders of unpackaged stage modules) and a
``themes/`` folder. The registry of a project is the installed stages (the
``workbench.stages`` entry points) plus the project's own.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.engine.errors import Problem
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import PluginLoadError, StageRegistry

SETTINGS_FILE = "workbench.toml"
PIPELINES_DIR = "pipelines"


class ExecutorSettings(BaseModel):
    """The ``[executor]`` table of ``workbench.toml``: where this project's runs go."""

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
    executor: ExecutorSettings = Field(default_factory=ExecutorSettings)


@dataclass(slots=True)
class Project:
    """A project folder and what it knows. Build with :meth:`open`."""

    root: Path
    settings: ProjectSettings
    problems: list[Problem] = field(default_factory=list)
    """Problems with ``workbench.toml`` itself."""
    _registry: StageRegistry | None = None

    @classmethod
    def open(cls, root: str | Path = ".") -> Project:
        root = Path(root).resolve()
        settings, problems = _read_settings(root / SETTINGS_FILE)
        return cls(root, settings, problems)

    @property
    def pipelines_dir(self) -> Path:
        return self.root / self.settings.pipelines

    def pipeline_paths(self) -> list[Path]:
        """Every pipeline file, sorted by name (natural order: s2 before s10)."""
        folder = self.pipelines_dir
        if not folder.is_dir():
            return []
        return sorted(folder.glob("*.toml"), key=lambda p: natural_key(p.name))

    @property
    def registry(self) -> StageRegistry:
        """Installed stages plus the project's own, discovered once."""
        if self._registry is None:
            self._registry = self.load_registry()
        return self._registry

    def load_registry(self) -> StageRegistry:
        registry = StageRegistry()
        registry.discover()
        importable(self.root)
        for folder in self.settings.stage_paths:
            registry.load_path(self.root / folder)
        return registry

    def reload_registry(self) -> StageRegistry:
        self._registry = self.load_registry()
        return self._registry

    @property
    def plugin_errors(self) -> list[PluginLoadError]:
        return self.registry.errors

    def load_pipeline(self, path: str | Path) -> Pipeline:
        return Pipeline.load(Path(path), self.registry)


def importable(root: Path) -> None:
    """Let stages import the project's own modules (``transform.call``'s ``module:function``)."""
    folder = str(root)
    if folder not in sys.path:
        sys.path.insert(0, folder)


def _read_settings(path: Path) -> tuple[ProjectSettings, list[Problem]]:
    if not path.is_file():
        return ProjectSettings(), []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return ProjectSettings.model_validate(raw), []
    except tomllib.TOMLDecodeError as exc:
        return ProjectSettings(), [Problem("toml", f"not valid TOML: {exc}", path=str(path))]
    except ValidationError as exc:
        problems = [
            Problem(
                "schema",
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}",
                path=str(path),
                field=".".join(map(str, e["loc"])),
            )
            for e in exc.errors(include_url=False)
        ]
        return ProjectSettings(), problems
    except OSError as exc:
        return ProjectSettings(), [Problem("io", f"cannot read: {exc.strerror}", path=str(path))]


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that puts ``s2`` before ``s10``."""
    import re

    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))
