"""StageManager: the one object a Python user needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.pipelines import DATA, kit_registry

from workbench.engine.errors import DuplicateStageError, PipelineFileError, UnknownStageError
from workbench.engine.manager import StageManager
from workbench.engine.pipeline import PipelineStage
from workbench.engine.run.runner import RunResult
from workbench.engine.stage import Stage, StageResult, StageStatus


class Greet(Stage):
    name = "test.greet"
    description = "Says hello into the context."
    writes = ("greeting",)

    async def run(self, ctx: object) -> StageResult:
        ctx.set("greeting", "hello")  # type: ignore[attr-defined]
        return StageResult.success("greeted")


@pytest.fixture
def manager() -> StageManager:
    return StageManager(kit_registry())


def test_register_list_and_unregister(manager: StageManager) -> None:
    assert manager.register(Greet) is Greet
    meta = {m.name: m for m in manager.stages()}["test.greet"]
    assert meta.description == "Says hello into the context."
    assert meta.writes == ("greeting",)

    class Other(Greet):
        pass

    with pytest.raises(DuplicateStageError, match="already taken"):
        manager.register(Other)
    manager.unregister("test.greet")
    assert "test.greet" not in manager.registry
    with pytest.raises(UnknownStageError, match=r"did you mean 'kit\.setup'"):
        manager.unregister("kit.setpu")


def test_build_from_names_execute_and_dry_run(manager: StageManager) -> None:
    manager.register(Greet)
    pipeline = manager.build(["kit.needs_setup", "test.greet", "kit.setup"], name="demo")

    assert pipeline.graph.order == ["test.greet", "kit.setup", "kit.needs_setup"]
    result = manager.run(pipeline)
    assert isinstance(result, RunResult)
    assert result.ok
    assert result.store.get("greeting") == "hello"
    report = manager.dry_run(pipeline)
    assert report.order == ("test.greet", "kit.setup", "kit.needs_setup")
    assert report.pipeline == "demo"


def test_build_refuses_a_pipeline_with_problems(manager: StageManager) -> None:
    with pytest.raises(PipelineFileError, match=r"kit\.setup"):
        manager.build(["kit.needs_setup"])


def test_hooks_apply_to_every_run_until_removed(manager: StageManager) -> None:
    pipeline = manager.build(["kit.setup"])
    seen: list[str] = []
    hook_id = manager.add_before_hook(lambda ps, ctx: seen.append(f"before {ps.id}"))
    manager.add_after_hook(
        lambda ps, ctx, result: seen.append(f"after {result.status.value}"), id="after"
    )

    manager.run(pipeline)
    manager.remove_hook(hook_id)
    manager.remove_hook("after")
    manager.run(pipeline)

    assert seen == ["before kit.setup", "after success"]


def test_execute_runs_on_the_current_loop_with_subscribers(manager: StageManager) -> None:
    import asyncio

    pipeline = manager.build(["kit.setup"])
    events: list[object] = []

    result = asyncio.run(manager.execute(pipeline, subscribers=[events.append]))

    assert result.status is StageStatus.SUCCESS
    assert type(events[-1]).__name__ == "PipelineFinished"


def test_load_is_strict_unless_asked(manager: StageManager, tmp_path: Path) -> None:
    broken = DATA / "broken" / "unknown_stage.toml"

    with pytest.raises(PipelineFileError) as info:
        manager.load(broken)
    assert info.value.problems[0].kind == "unknown_stage"
    assert str(broken) in str(info.value)
    assert not manager.load(broken, strict=False).valid


def test_a_before_hook_sees_the_pipeline_stage(manager: StageManager) -> None:
    pipeline = manager.build(["kit.setup"])
    stages: list[PipelineStage] = []
    manager.add_before_hook(lambda ps, ctx: stages.append(ps))

    manager.run(pipeline)

    assert [ps.uses for ps in stages] == ["kit.setup"]
