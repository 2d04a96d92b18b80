"""The pure engine: stages, context, registry, graph, pipelines, runner, dry runs.

Never imports Textual, so the command line and CI stay fast and headless.
"""

from workbench.engine.context import (
    ChangeRecord,
    ContextKey,
    ContextStore,
    ExecutionMode,
    StageContext,
    summarize,
)
from workbench.engine.dry_run import PlannedOperation
from workbench.engine.errors import (
    GateConditionError,
    HookError,
    Problem,
    StageError,
    StageTimeoutError,
    UnknownStageError,
    WorkbenchError,
)
from workbench.engine.registry import PluginLoadError, StageMetadata, StageRegistry
from workbench.engine.stage import Dependency, EmptyConfig, Stage, StageResult, StageStatus

__all__ = [
    "ChangeRecord",
    "ContextKey",
    "ContextStore",
    "Dependency",
    "EmptyConfig",
    "ExecutionMode",
    "GateConditionError",
    "HookError",
    "PlannedOperation",
    "PluginLoadError",
    "Problem",
    "Stage",
    "StageContext",
    "StageError",
    "StageMetadata",
    "StageRegistry",
    "StageResult",
    "StageStatus",
    "StageTimeoutError",
    "UnknownStageError",
    "WorkbenchError",
]
