"""Which executor a run uses: the command line, then the pipeline file, then the project.

``workbench run --executor dask`` wins; otherwise ``[pipeline] executor`` in the
pipeline file (the pipeline knows what it needs), otherwise ``[executor] kind`` in
``workbench.toml`` (where the project's cluster is), otherwise local. The
scheduler address and the worker count come from the command line, else from
``workbench.toml``. Giving ``--scheduler`` alone means Dask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.run.dask_executor import DaskExecutor
    from workbench.engine.settings import ExecutorSettings

ExecutorKind = Literal["local", "dask"]


@dataclass(frozen=True, slots=True)
class ExecutorChoice:
    """Where a run's stages go, and on which cluster."""

    kind: ExecutorKind = "local"
    scheduler: str | None = None
    workers: int | None = None

    @property
    def distributed(self) -> bool:
        return self.kind == "dask"

    def describe(self) -> str:
        """A line for dry runs and run headers: which executor and cluster would run the stages."""
        if self.kind == "local":
            return "local: stages run in this process (async on its loop, plain def in threads)"
        if self.scheduler:
            return f"dask: the Dask cluster whose scheduler is at {self.scheduler}"
        import os

        workers = self.workers or os.cpu_count() or 1
        processes = "process" if workers == 1 else "processes"
        return f"dask: an embedded LocalCluster of {workers} worker {processes} on this machine"

    def build(self, pipeline: Pipeline) -> DaskExecutor | None:
        """The executor to open around the run; None for the runner's own local one.

        Raises a usage error saying how to install Dask when it is missing.
        """
        if self.kind == "local":
            return None
        from workbench.engine.run.dask_executor import DaskExecutor, require_dask

        require_dask()
        return DaskExecutor(scheduler=self.scheduler, workers=self.workers, pipeline=pipeline)


def choose_executor(
    pipeline: Pipeline,
    settings: ExecutorSettings | None = None,
    *,
    kind: ExecutorKind | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> ExecutorChoice:
    """Resolve the executor from the command line, the pipeline file and ``workbench.toml``."""
    from_file = pipeline.spec.pipeline.executor
    chosen: ExecutorKind
    if kind is not None:
        chosen = kind
    elif scheduler:
        chosen = "dask"
    elif from_file is not None:
        chosen = from_file
    elif settings is not None:
        chosen = settings.kind
    else:
        chosen = "local"
    if chosen == "local":
        return ExecutorChoice("local")
    return ExecutorChoice(
        "dask",
        scheduler or (settings.scheduler if settings is not None else None),
        workers or (settings.workers if settings is not None else None),
    )
