"""Stages for tests: the registries that hold them, and one stage run outside a pipeline.

Two stage folders live beside this module and are loaded the way a user's
unpackaged stages are (``stage_paths``, :meth:`StageRegistry.load_path`), so the
tests go through the same discovery path:

- ``local_stages/``: the ``kit.*`` stages the engine and command-line tests run;
- ``dask_stages/``: the ``dtest.*`` stages the Dask tests run on worker processes.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.core import Noop
from workbench.engine import (
    ContextStore,
    ExecutionMode,
    PlannedOperation,
    Stage,
    StageContext,
    StageResult,
)
from workbench.engine.registry import StageRegistry

LOCAL_STAGES = Path(__file__).parent / "local_stages"
"""The ``kit.*`` stage folder."""
DASK_STAGES = Path(__file__).parent / "dask_stages"
"""The ``dtest.*`` stage folder."""


def registry_of(*folders: Path, installed: bool = False) -> StageRegistry:
    """A fresh registry of the stages in ``folders``, after the installed ones if asked;
    a stage folder that fails to load fails the test."""
    registry = StageRegistry()
    if installed:
        registry.discover()
    else:
        registry.register(Noop)
    for folder in folders:
        registry.load_path(folder)
    assert not registry.errors, registry.errors
    return registry


def kit_registry() -> StageRegistry:
    """A fresh registry holding ``core.noop`` and every ``kit.*`` stage."""
    return registry_of(LOCAL_STAGES)


def dask_registry() -> StageRegistry:
    """The installed stages plus every ``dtest.*`` stage of the Dask tests."""
    return registry_of(DASK_STAGES, installed=True)


@functools.cache
def installed_registry() -> StageRegistry:
    """The installed stages only, found once per test process (read it, never register)."""
    found = StageRegistry()
    found.discover()
    return found


@dataclass
class Harness:
    """One stage run outside a pipeline: a context store rooted in a project folder,
    with every log line and progress report kept for assertions."""

    project: Path
    mode: ExecutionMode = ExecutionMode.LIVE
    store: ContextStore = field(init=False)
    logs: list[tuple[str, str, str, str]] = field(default_factory=list)
    progress: list[tuple[str, float, float | None, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.store = ContextStore(params={"project_dir": str(self.project)}, mode=self.mode)

    def ctx(self, stage_id: str = "stage") -> StageContext:
        return self.store.for_stage(
            stage_id,
            log=lambda *line: self.logs.append(line),
            progress=lambda *report: self.progress.append(report),
        )

    def run(self, stage: Stage, stage_id: str = "stage") -> StageResult:
        return asyncio.run(self.run_async(stage, stage_id))

    async def run_async(self, stage: Stage, stage_id: str = "stage") -> StageResult:
        ctx = self.ctx(stage_id)
        if inspect.iscoroutinefunction(stage.run):
            return await stage.run(ctx)  # type: ignore[no-any-return]
        result = await asyncio.to_thread(stage.run, ctx)
        assert isinstance(result, StageResult)
        return result

    def plan(self, stage: Stage) -> list[PlannedOperation]:
        return stage.plan(self.ctx("plan"))

    def set(self, key: str, value: Any) -> None:
        self.store.write("setup", key, value)

    def get(self, key: str) -> Any:
        return self.store.get(key)

    def lines(self, stream: str) -> list[str]:
        return [message for _, _, message, s in self.logs if s == stream]
