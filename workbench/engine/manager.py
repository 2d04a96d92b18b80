"""`StageManager`: the one object a Python user needs.

It wraps a registry and a set of hooks: register and list stages, build a
pipeline from a file or from stage names, run it, dry-run it. The command line
and the app use the same pieces underneath, so anything done here behaves as it
does there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.engine.dryrun.dry_run import DryRunReport, build_report
from workbench.engine.errors import PipelineFileError
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageMetadata, StageRegistry
from workbench.engine.run.hooks import AfterHook, BeforeHook, Hooks
from workbench.engine.run.runner import Runner, RunResult, Subscriber
from workbench.engine.stage import Stage


class StageManager:
    """Register stages, build pipelines, and run or dry-run them with shared hooks."""

    def __init__(self, registry: StageRegistry | None = None, *, discover: bool = True) -> None:
        if registry is None:
            registry = StageRegistry()
            if discover:
                registry.discover()
        self.registry = registry
        self.hooks = Hooks()

    # -- stages ----------------------------------------------------------------------------
    def register(self, stage: type[Stage]) -> type[Stage]:
        """Register a stage class; usable as a decorator."""
        return self.registry.register(stage)

    def unregister(self, name: str) -> None:
        self.registry.unregister(name)

    def stages(self) -> list[StageMetadata]:
        return list(self.registry)

    # -- hooks -----------------------------------------------------------------------------
    def add_before_hook(self, hook: BeforeHook, id: str | None = None) -> str:
        return self.hooks.add_before(hook, id)

    def add_after_hook(self, hook: AfterHook, id: str | None = None) -> str:
        return self.hooks.add_after(hook, id)

    def remove_hook(self, hook_id: str) -> None:
        self.hooks.remove(hook_id)

    # -- pipelines -------------------------------------------------------------------------
    def load(self, path: str | Path, *, strict: bool = True) -> Pipeline:
        """A pipeline from a file; raises :class:`PipelineFileError` when invalid and strict."""
        pipeline = Pipeline.load(path, self.registry)
        if strict and not pipeline.valid:
            raise PipelineFileError(pipeline.problems, str(path))
        return pipeline

    def build(self, names: Sequence[str], name: str = "pipeline") -> Pipeline:
        """A pipeline of the named stages, ordered by their own dependencies."""
        pipeline = Pipeline.from_stage_names(names, self.registry, name)
        if not pipeline.valid:
            raise PipelineFileError(pipeline.problems)
        return pipeline

    def runner(self, pipeline: Pipeline, **options: Any) -> Runner:
        return Runner(pipeline, hooks=self.hooks, **options)

    async def execute(
        self,
        pipeline: Pipeline,
        *,
        subscribers: Iterable[Subscriber] = (),
        **options: Any,
    ) -> RunResult:
        """Run a pipeline on the current event loop."""
        runner = self.runner(pipeline, **options)
        for subscriber in subscribers:
            runner.subscribe(subscriber)
        return await runner.run()

    def run(self, pipeline: Pipeline, **options: Any) -> RunResult:
        """Run a pipeline from synchronous code (starts its own event loop)."""
        return asyncio.run(self.execute(pipeline, **options))

    def dry_run(
        self,
        pipeline: Pipeline,
        params: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> DryRunReport:
        return build_report(pipeline, params, **options)
