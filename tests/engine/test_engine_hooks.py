"""Hooks: after-hooks see every outcome, before-hooks run once per stage, run hooks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from kit.pipelines import PipelineFactory, kit_registry

from workbench.engine.errors import HookError
from workbench.engine.events import StageStarted
from workbench.engine.pipeline import Pipeline
from workbench.engine.run.hooks import Hooks, HookTable
from workbench.engine.run.runner import Runner
from workbench.engine.stage import Stage, StageResult, StageStatus


def test_an_after_hook_sees_a_stage_cancelled_while_running(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline('[stages.slow]\nuses = "kit.sleep"\nconfig = { seconds = 5 }\n')
    seen: list[str] = []
    hooks = Hooks()
    hooks.add_after(lambda ps, ctx, result: seen.append(f"{ps.id} {result.status.value}"))
    runner = Runner(pipeline, hooks=hooks)

    async def main() -> None:
        def on_event(event: Any) -> None:
            if isinstance(event, StageStarted):
                asyncio.get_running_loop().call_later(0.02, runner.cancel)

        runner.subscribe(on_event)
        await runner.run()

    asyncio.run(main())
    assert seen == ["slow cancelled"]


def test_a_failing_before_hook_fails_the_stage_without_running_it(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline('[stages.a]\nuses = "kit.write"\nconfig = { key = "k", value = 1 }\n')
    hooks = Hooks()

    def guard(ps: Any, ctx: Any) -> None:
        raise PermissionError("not today")

    hooks.add_before(guard, id="guard")
    result = asyncio.run(Runner(pipeline, hooks=hooks).run())
    assert result.results["a"].message == "hook 'guard' failed: PermissionError: not today"
    assert "k" not in result.store


def test_run_hooks_see_the_pipeline_and_the_result(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline('[stages.a]\nuses = "core.noop"\n')
    calls: list[str] = []
    hooks = Hooks()
    hooks.add_before_run(lambda p, store: calls.append(f"start {p.name}"))

    async def after(p: Any, result: Any) -> None:
        calls.append(f"end {p.name} {result.status.value}")

    hooks.add_after_run(after)
    asyncio.run(Runner(pipeline, hooks=hooks).run())
    assert calls == ["start test", "end test success"]


def test_a_failing_before_run_hook_stops_the_run(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline('[stages.a]\nuses = "core.noop"\n')
    hooks = Hooks()

    def no(p: Any, store: Any) -> None:
        raise RuntimeError("maintenance window")

    hooks.add_before_run(no, id="window")
    with pytest.raises(HookError, match="hook 'window' failed: RuntimeError: maintenance window"):
        asyncio.run(Runner(pipeline, hooks=hooks).run())


def test_a_hook_table_names_hooks_by_module_or_entry_point() -> None:
    hooks = Hooks()
    hooks.add_table(
        HookTable.model_validate(
            {"after_stage": [{"hook": "jsonl", "path": "x.jsonl"}], "after_run": ["json:dumps"]}
        ),
        "workbench.toml",
    )
    assert list(hooks.after) == ["jsonl"] and list(hooks.after_run) == ["json:dumps"]
    with pytest.raises(HookError, match=r"hook 'nope:f' \(x.toml \[hooks\].before_stage\)"):
        hooks.add_table(HookTable.model_validate({"before_stage": ["nope:f"]}), "x.toml")


class _Half(Stage):
    name = "test.half"

    async def run(self, ctx: Any) -> StageResult:
        return StageResult.partial("2 of 3 done", "one item failed")


def test_after_hooks_see_partial_results() -> None:
    registry = kit_registry()
    registry.register(_Half)
    pipeline = Pipeline.parse('[pipeline]\nname = "p"\n[stages.a]\nuses = "test.half"\n', registry)
    seen: list[tuple[StageStatus, list[str]]] = []
    hooks = Hooks()
    hooks.add_after(lambda ps, ctx, result: seen.append((result.status, result.errors)))
    asyncio.run(Runner(pipeline, hooks=hooks).run())
    assert seen == [(StageStatus.PARTIAL, ["one item failed"])]
