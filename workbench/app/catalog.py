"""What the app knows about the project folder: its pipelines, and what a change touches.

The pipeline list needs every file loaded (its validity mark comes from the
full check), and the watcher needs to know whether a batch of file changes
touches pipelines, themes, stage modules or the project settings. Both are plain
functions over the engine's :class:`Project`, so they are tested without an app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchfiles import Change, DefaultFilter

from workbench.engine.fileio import real_path
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import SETTINGS_FILE, Project

WATCHED_SUFFIXES = (".toml", ".py")


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    """One pipeline file, loaded and checked, as the pipeline list shows it."""

    path: Path
    pipeline: Pipeline

    @property
    def name(self) -> str:
        return self.pipeline.name

    @property
    def valid(self) -> bool:
        return self.pipeline.valid

    @property
    def problem_count(self) -> int:
        return len(self.pipeline.problems)


def scan(project: Project) -> list[PipelineEntry]:
    """Every ``pipelines/*.toml``, natural-sorted; loading never raises for bad content."""
    return [PipelineEntry(path, project.load_pipeline(path)) for path in project.pipeline_paths()]


@dataclass(slots=True)
class ProjectChanges:
    """A batch of file changes, sorted by what has to be reloaded."""

    pipelines: set[Path] = field(default_factory=set)
    """Pipeline files added, changed or removed."""
    themes: bool = False
    stages: bool = False
    """A module in one of the project's ``stage_paths`` changed."""
    settings: bool = False
    """``workbench.toml`` changed: the whole project is re-opened."""

    def __bool__(self) -> bool:
        return bool(self.pipelines) or self.themes or self.stages or self.settings


def classify(project: Project, changes: Iterable[tuple[Change, str]]) -> ProjectChanges:
    """Sort raw watchfiles changes by the part of the project they touch."""
    out = ProjectChanges()
    pipelines_dir = real_path(project.pipelines_dir)
    themes_dir = real_path(project.root / "themes")
    stage_dirs = [real_path(project.root / p) for p in project.settings.stage_paths]
    for _change, raw in changes:
        path = real_path(Path(raw))
        if path.name == SETTINGS_FILE and path.parent == project.root:
            out.settings = True
        elif path.suffix == ".toml" and path.parent == pipelines_dir:
            out.pipelines.add(path)
        elif path.suffix == ".toml" and path.parent == themes_dir:
            out.themes = True
        elif path.suffix == ".py" and any(path.is_relative_to(d) for d in stage_dirs):
            out.stages = True
    return out


class ProjectFilter(DefaultFilter):
    """Watch only TOML files and Python modules, skipping the usual noise (.git, caches)."""

    def __call__(self, change: Change, path: str) -> bool:
        return path.endswith(WATCHED_SUFFIXES) and super().__call__(change, path)
