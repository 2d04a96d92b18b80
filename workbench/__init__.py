"""Stage Workbench: a terminal workbench for stage-based pipelines.

A stage author needs only what is re-exported here from :mod:`workbench.engine`
(``from workbench import Stage, StageResult, StageContext``). Names load lazily,
so ``import workbench`` stays cheap; type checkers read the ``TYPE_CHECKING``
block, where each name is re-exported explicitly (``import X as X``), so
``mypy --strict`` on a stage author's module finds everything it imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "MASK",
    "CancelToken",
    "ChangeRecord",
    "Conflict",
    "ContextKey",
    "ContextStore",
    "Dependency",
    "DependencyGraph",
    "DryRunReport",
    "EmptyConfig",
    "ExecutionMode",
    "Executor",
    "GateConditionError",
    "History",
    "HookError",
    "Hooks",
    "LocalExecutor",
    "LocalUrl",
    "Pipeline",
    "PipelineFileError",
    "PipelineSpec",
    "PipelineStage",
    "PlannedOperation",
    "PluginLoadError",
    "PluginOutput",
    "Problem",
    "Project",
    "ReportDiff",
    "RunResult",
    "Runner",
    "Secrets",
    "Stage",
    "StageCancelled",
    "StageConfig",
    "StageContext",
    "StageError",
    "StageManager",
    "StageMetadata",
    "StageRegistry",
    "StageResult",
    "StageStatus",
    "StageTimeoutError",
    "UnknownStageError",
    "WorkbenchError",
    "WrittenPath",
    "__version__",
    "build_report",
    "diff_reports",
    "summarize",
]
"""The same names as ``workbench.engine.__all__``, plus ``__version__`` (a test checks)."""


def __getattr__(name: str) -> Any:
    # import_module, not ``from workbench import engine``: that form asks this very
    # function for ``engine`` first and recursed until the interpreter gave up.
    engine = importlib.import_module("workbench.engine")

    try:
        value = getattr(engine, name)
    except AttributeError:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)


if TYPE_CHECKING:
    from workbench.engine.context import (
        ChangeRecord as ChangeRecord,
        ContextKey as ContextKey,
        ContextStore as ContextStore,
        ExecutionMode as ExecutionMode,
        StageContext as StageContext,
        summarize as summarize,
    )
    from workbench.engine.dryrun.dry_run import (
        Conflict as Conflict,
        DryRunReport as DryRunReport,
        PlannedOperation as PlannedOperation,
        ReportDiff as ReportDiff,
        build_report as build_report,
        diff_reports as diff_reports,
    )
    from workbench.engine.errors import (
        GateConditionError as GateConditionError,
        HookError as HookError,
        PipelineFileError as PipelineFileError,
        Problem as Problem,
        StageError as StageError,
        StageTimeoutError as StageTimeoutError,
        UnknownStageError as UnknownStageError,
        WorkbenchError as WorkbenchError,
    )
    from workbench.engine.graph import (
        DependencyGraph as DependencyGraph,
    )
    from workbench.engine.history.store import (
        History as History,
    )
    from workbench.engine.manager import (
        StageManager as StageManager,
    )
    from workbench.engine.paths import (
        LocalUrl as LocalUrl,
        WrittenPath as WrittenPath,
    )
    from workbench.engine.pipeline import (
        Pipeline as Pipeline,
        PipelineStage as PipelineStage,
    )
    from workbench.engine.project import (
        Project as Project,
    )
    from workbench.engine.registry import (
        PluginLoadError as PluginLoadError,
        PluginOutput as PluginOutput,
        StageMetadata as StageMetadata,
        StageRegistry as StageRegistry,
    )
    from workbench.engine.run.cancellation import (
        CancelToken as CancelToken,
    )
    from workbench.engine.run.executors import (
        Executor as Executor,
        LocalExecutor as LocalExecutor,
    )
    from workbench.engine.run.runner import (
        Hooks as Hooks,
        Runner as Runner,
        RunResult as RunResult,
    )
    from workbench.engine.run.stage_cancelled import (
        StageCancelled as StageCancelled,
    )
    from workbench.engine.secrets import (
        MASK as MASK,
        Secrets as Secrets,
    )
    from workbench.engine.spec import (
        PipelineSpec as PipelineSpec,
    )
    from workbench.engine.stage import (
        Dependency as Dependency,
        EmptyConfig as EmptyConfig,
        Stage as Stage,
        StageConfig as StageConfig,
        StageResult as StageResult,
        StageStatus as StageStatus,
    )
