"""The pure engine: stages, context, registry, graph, pipelines, runner, dry runs.

Never imports Textual, so the command line and CI stay fast and headless. Names
are re-exported lazily (PEP 562), so ``import workbench`` costs nothing until a
name is used and ``workbench --help`` starts at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CancelToken": "cancellation",
    "ChangeRecord": "context",
    "ContextKey": "context",
    "ContextStore": "context",
    "ExecutionMode": "context",
    "StageContext": "context",
    "summarize": "context",
    "Conflict": "dry_run",
    "DryRunReport": "dry_run",
    "PlannedOperation": "dry_run",
    "ReportDiff": "dry_run",
    "build_report": "dry_run",
    "diff_reports": "dry_run",
    "GateConditionError": "errors",
    "HookError": "errors",
    "PipelineFileError": "errors",
    "Problem": "errors",
    "StageError": "errors",
    "StageTimeoutError": "errors",
    "UnknownStageError": "errors",
    "WorkbenchError": "errors",
    "Executor": "executors",
    "LocalExecutor": "executors",
    "DependencyGraph": "graph",
    "History": "history",
    "LocalUrl": "paths",
    "WrittenPath": "paths",
    "StageManager": "manager",
    "Pipeline": "pipeline",
    "PipelineStage": "pipeline",
    "Project": "project",
    "PluginLoadError": "registry",
    "PluginOutput": "registry",
    "StageMetadata": "registry",
    "StageRegistry": "registry",
    "Hooks": "runner",
    "RunResult": "runner",
    "Runner": "runner",
    "MASK": "secrets",
    "Secrets": "secrets",
    "PipelineSpec": "spec",
    "StageCancelled": "stage_cancelled",
    "Dependency": "stage",
    "EmptyConfig": "stage",
    "Stage": "stage",
    "StageConfig": "stage",
    "StageResult": "stage",
    "StageStatus": "stage",
}

__all__ = sorted(_EXPORTS)


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
    from workbench.engine.cancellation import CancelToken
    from workbench.engine.context import (
        ChangeRecord,
        ContextKey,
        ContextStore,
        ExecutionMode,
        StageContext,
        summarize,
    )
    from workbench.engine.dry_run import (
        Conflict,
        DryRunReport,
        PlannedOperation,
        ReportDiff,
        build_report,
        diff_reports,
    )
    from workbench.engine.errors import (
        GateConditionError,
        HookError,
        PipelineFileError,
        Problem,
        StageError,
        StageTimeoutError,
        UnknownStageError,
        WorkbenchError,
    )
    from workbench.engine.executors import Executor, LocalExecutor
    from workbench.engine.graph import DependencyGraph
    from workbench.engine.history import History
    from workbench.engine.manager import StageManager
    from workbench.engine.paths import LocalUrl, WrittenPath
    from workbench.engine.pipeline import Pipeline, PipelineStage
    from workbench.engine.project import Project
    from workbench.engine.registry import (
        PluginLoadError,
        PluginOutput,
        StageMetadata,
        StageRegistry,
    )
    from workbench.engine.runner import Hooks, Runner, RunResult
    from workbench.engine.secrets import MASK, Secrets
    from workbench.engine.spec import PipelineSpec
    from workbench.engine.stage import (
        Dependency,
        EmptyConfig,
        Stage,
        StageConfig,
        StageResult,
        StageStatus,
    )
    from workbench.engine.stage_cancelled import StageCancelled
