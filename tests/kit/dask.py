"""Helpers of the Dask executor tests: a registry with the test stages, and a run on a cluster."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.engine.events import RunEvent
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.run.dask_executor import DaskExecutor
from workbench.engine.run.runner import Runner, RunResult

KIT = Path(__file__).parent / "dask_stages"


def dask_registry() -> StageRegistry:
    """The installed stages plus every ``dtest.*`` stage of the Dask tests."""
    registry = StageRegistry()
    registry.discover()
    registry.load_path(KIT)
    assert not registry.errors, registry.errors
    return registry


def make_pipeline(registry: StageRegistry, folder: Path, text: str, **meta: Any) -> Pipeline:
    """A pipeline from TOML text, saved as ``folder/pipelines/test.toml`` (its project is folder)."""
    body = textwrap.dedent(text)
    if "[pipeline]" not in body:
        settings = "".join(f"{k} = {v!r}\n" for k, v in meta.items()).replace("'", '"')
        body = f'[pipeline]\nname = "test"\n{settings}\n{body}'
    path = folder / "pipelines" / "test.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    pipeline = Pipeline.load(path, registry)
    assert pipeline.valid, pipeline.problems
    return pipeline


def run_on(
    address: str,
    pipeline: Pipeline,
    on_event: Callable[[RunEvent, Runner], None] | None = None,
    **options: Any,
) -> RunResult:
    """Run a pipeline on the cluster at ``address``; ``on_event`` sees every event."""

    async def main() -> RunResult:
        async with DaskExecutor(scheduler=address, pipeline=pipeline) as executor:
            runner = Runner(pipeline, executor=executor, **options)
            if on_event is not None:
                runner.subscribe(lambda event: on_event(event, runner))
            return await runner.run()

    return asyncio.run(main())


def run_locally(pipeline: Pipeline, **options: Any) -> RunResult:
    return asyncio.run(Runner(pipeline, **options).run())
