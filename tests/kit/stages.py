"""Running one stage outside a pipeline: a context store on ``tmp_path`` and captured logs."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine import (
    ContextStore,
    ExecutionMode,
    PlannedOperation,
    Stage,
    StageContext,
    StageResult,
)


@dataclass
class Harness:
    """One run's context, with every log line and progress report kept for assertions."""

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
