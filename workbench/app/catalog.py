"""What the app knows about the project folder: its pipelines, and what a change touches.

The pipeline list shows every file with its validity mark, which comes from the
full check: stage discovery and every file loaded. That is too slow to wait for
before the first frame, so the list starts from :func:`list_pipelines` (each file's
path and name, read without checking it) and takes in :func:`scan` (every file
loaded and checked) once the app has drawn it. The watcher needs to know whether a
batch of file changes touches pipelines, themes, stage modules or the project
settings. All are plain functions over the engine's :class:`Project`, so they are
tested without an app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.engine.fileio import real_path
from workbench.engine.pipeline_name import read_name
from workbench.engine.project import SETTINGS_FILE, Project

if TYPE_CHECKING:
    from watchfiles import Change

    from workbench.engine.pipeline import Pipeline


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    """One pipeline file as the pipeline list shows it: checked, or not yet."""

    path: Path
    pipeline: Pipeline | None = None
    """The file loaded and checked; None until it is (the list then shows a neutral mark)."""
    peeked_name: str = ""
    """The name read from the file without checking it, shown until it is checked."""

    @property
    def checked(self) -> bool:
        return self.pipeline is not None

    @property
    def name(self) -> str:
        if self.pipeline is not None:
            return self.pipeline.name
        return self.peeked_name or self.path.stem

    @property
    def valid(self) -> bool:
        """Checked and found valid (a file not checked yet is not called valid)."""
        return self.pipeline is not None and self.pipeline.valid

    @property
    def problem_count(self) -> int:
        return len(self.pipeline.problems) if self.pipeline is not None else 0


def list_pipelines(project: Project) -> list[PipelineEntry]:
    """Every ``pipelines/*.toml`` with its name, natural-sorted, none of them checked yet.

    Milliseconds, without stage discovery or the pipeline models: what the first
    frame shows.
    """
    return [PipelineEntry(path, peeked_name=read_name(path)) for path in project.pipeline_paths()]


def checked(entry: PipelineEntry, project: Project) -> PipelineEntry:
    """The entry loaded and checked now, if it was not yet (for a choice made before the
    app's own check is done)."""
    if entry.checked:
        return entry
    return PipelineEntry(entry.path, project.load_pipeline(entry.path))


def scan(project: Project) -> list[PipelineEntry]:
    """Every ``pipelines/*.toml``, loaded and checked, natural-sorted; never raises for bad
    content. It discovers the project's stages first, if nobody has yet."""
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
