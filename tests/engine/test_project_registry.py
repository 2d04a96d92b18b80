"""A project's stages are discovered once, however many threads ask for them at once.

The app discovers them in a thread once its first frame is drawn; a pipeline opened
meanwhile must be built with that registry, not with a second one found beside it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from workbench.engine.project import Project
from workbench.engine.registry import StageRegistry


def test_threads_asking_at_once_share_one_discovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pipelines").mkdir()
    project = Project.open(tmp_path)
    found: list[StageRegistry] = []
    real = Project.load_registry

    def slow_discovery(self: Project) -> StageRegistry:
        time.sleep(0.05)  # long enough for every thread to ask while it runs
        registry = real(self)
        found.append(registry)
        return registry

    monkeypatch.setattr(Project, "load_registry", slow_discovery)
    start = threading.Barrier(4)

    def ask(_: int) -> StageRegistry:
        start.wait()
        return project.registry

    with ThreadPoolExecutor(4) as pool:
        registries = list(pool.map(ask, range(4)))
    assert len(found) == 1
    assert all(r is found[0] for r in registries)
    assert "core.noop" in project.registry.names()
    assert project.reload_registry() is not found[0]
