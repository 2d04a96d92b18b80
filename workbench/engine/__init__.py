"""The pure engine: stages, context, registry, graph, pipelines, runner, dry runs.

Never imports Textual, so the command line and CI stay fast and headless. Names
are re-exported lazily (PEP 562), so ``import workbench`` costs nothing until a
name is used and ``workbench --help`` starts at once. Type checkers read the
``TYPE_CHECKING`` block instead: every name there is imported ``as`` itself, the
explicit re-export ``mypy --strict`` asks for, and ``__all__`` is a literal list.
A new public name goes in three places: ``_EXPORTS``, ``__all__`` and that block
(a test checks they agree).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CancelToken": "run.cancellation",
    "ChangeRecord": "context",
    "ContextKey": "context",
    "ContextStore": "context",
    "ExecutionMode": "context",
    "StageContext": "context",
    "summarize": "context",
    "Conflict": "dryrun.dry_run",
    "DryRunReport": "dryrun.dry_run",
    "PlannedOperation": "dryrun.dry_run",
    "ReportDiff": "dryrun.dry_run",
    "build_report": "dryrun.dry_run",
    "diff_reports": "dryrun.dry_run",
    "GateConditionError": "errors",
    "HookError": "errors",
    "PipelineFileError": "errors",
    "Problem": "errors",
    "StageError": "errors",
    "StageTimeoutError": "errors",
    "UnknownStageError": "errors",
    "WorkbenchError": "errors",
    "Executor": "run.executors",
    "LocalExecutor": "run.executors",
    "DependencyGraph": "graph",
    "History": "history.store",
    "StageManager": "manager",
    "LocalUrl": "paths",
    "WrittenPath": "paths",
    "Pipeline": "pipeline",
    "PipelineStage": "pipeline",
    "Project": "project",
    "PluginLoadError": "registry",
    "PluginOutput": "registry",
    "StageMetadata": "registry",
    "StageRegistry": "registry",
    "Hooks": "run.hooks",
    "RunResult": "run.runner",
    "Runner": "run.runner",
    "MASK": "secrets",
    "Secrets": "secrets",
    "PipelineSpec": "spec",
    "Dependency": "stage",
    "EmptyConfig": "stage",
    "Stage": "stage",
    "StageConfig": "stage",
    "StageResult": "stage",
    "StageStatus": "stage",
    "StageCancelled": "run.stage_cancelled",
}

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
    "build_report",
    "diff_reports",
    "summarize",
]
"""Written out, not computed, so type checkers see what a stage author may import."""


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"workbench.engine.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


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
    from workbench.engine.run.hooks import (
        Hooks as Hooks,
    )
    from workbench.engine.run.runner import (
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
