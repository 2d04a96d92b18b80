"""Runs on a Dask cluster, for the Dask executor tests (their stages: ``kit/dask_stages``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from workbench.engine.events import RunEvent
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.dask_executor import DaskExecutor
from workbench.engine.run.runner import Runner, RunResult


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
