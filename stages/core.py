"""Core stages: ``core.noop``, a stage that does nothing, used as a join point."""

from __future__ import annotations

from workbench.engine import PlannedOperation, Stage, StageContext, StageResult


class Noop(Stage):
    """Does nothing. Useful as a join point that several branches depend on."""

    name = "core.noop"
    description = "Does nothing; a join point for branches, or a placeholder while sketching."

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        return [PlannedOperation("nothing (join point)", action="noop", estimated_seconds=0.0)]
