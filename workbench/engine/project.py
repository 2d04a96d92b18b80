"""A project folder: its pipelines, its own stage modules, its settings.

A project holds ``pipelines/*.toml`` and optionally a ``workbench.toml`` with
``stage_paths = ["my_stages"]`` (folders of unpackaged stage modules) and
``allow_write`` (see :mod:`workbench.engine.settings`), and a ``themes/``
folder. The registry of a project is the installed stages (the
``workbench.stages`` entry points) plus the project's own.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.engine.errors import Problem
from workbench.engine.fileio import real_path
from workbench.engine.settings import (
    PIPELINES_DIR,
    SETTINGS_FILE,
    HistorySettings,
    ProjectSettings,
    read_settings,
    settings_of,
)

if TYPE_CHECKING:
    # Imported where they are used: opening a project (its settings, its pipeline files)
    # does not need the pipeline models nor stage discovery, and the app draws its first
    # frame from that alone.
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.registry import PluginLoadError, StageRegistry

__all__ = [
    "PIPELINES_DIR",
    "SETTINGS_FILE",
    "HistorySettings",
    "Project",
    "ProjectSettings",
    "natural_key",
    "settings_of",
]


@dataclass(slots=True)
class Project:
    """A project folder and what it knows. Build with :meth:`open`."""

    root: Path
    settings: ProjectSettings
    problems: list[Problem] = field(default_factory=list)
    """Problems with ``workbench.toml`` itself."""
    _registry: StageRegistry | None = None
    _building: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    """Held while the registry is discovered or a pipeline is built from it. The app does
    both in a thread after its first frame: a pipeline opened meanwhile waits for that
    registry rather than discovering a second one, and is not built at the same moment as
    another (stage configs build their validators on first use, which pydantic does not
    guard against two threads)."""

    @classmethod
    def open(cls, root: str | Path = ".") -> Project:
        root = real_path(Path(root))
        settings, problems = read_settings(root)
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
        """Installed stages plus the project's own, discovered once (whichever thread asks)."""
        registry = self._registry
        if registry is None:
            with self._building:
                registry = self._registry
                if registry is None:
                    registry = self._registry = self.load_registry()
        return registry

    def load_registry(self) -> StageRegistry:
        from workbench.engine.registry import StageRegistry

        registry = StageRegistry()
        registry.discover()
        importable(self.root)
        for folder in self.settings.stage_paths:
            registry.load_path(self.root / folder)
        return registry

    def reload_registry(self) -> StageRegistry:
        with self._building:
            self._registry = self.load_registry()
            return self._registry

    @property
    def plugin_errors(self) -> list[PluginLoadError]:
        return self.registry.errors

    def load_pipeline(self, path: str | Path) -> Pipeline:
        from workbench.engine.pipeline import Pipeline

        with self._building:
            return Pipeline.load(Path(path), self.registry)


def importable(root: Path) -> None:
    """Let stages import the project's own modules (``transform.call``'s ``module:function``)."""
    folder = str(root)
    if folder not in sys.path:
        sys.path.insert(0, folder)


def natural_key(text: str) -> tuple[object, ...]:
    """Sort key that puts ``s2`` before ``s10``."""
    import re

    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text))
