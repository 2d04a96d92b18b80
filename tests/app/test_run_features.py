"""The run screen with parameters in configs and composite stages."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import finish, make_project, open_app, screen, write
from textual.widgets import Input

from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.engine.stage import StageStatus

SIZE = (120, 36)

SAVED = """
[pipeline]
name = "saved"

[context]
greeting = "hello"
target = "first"

[stages.step]
uses = "test.step"

[stages.save]
uses = "files.save"
depends_on = ["step"]
config = { key = "seen", path = "out/${target}.json" }
"""

GROUP = """
[pipeline]
name = "group"

[context]
greeting = "hi"

[stages.group]
uses = "pipeline.call"
config = { stages = { ok = { uses = "test.step" }, broken = { uses = "test.flaky", continue_on_error = true } } }

[stages.after]
uses = "test.step"
depends_on = ["group"]
"""


def test_a_parameter_set_in_the_form_changes_what_a_config_writes(tmp_path: Path) -> None:
    root = make_project(tmp_path / "runs")
    write(root / "pipelines" / "saved.toml", SAVED)

    async def go() -> None:
        app = open_app(root, "saved")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "P")
            run = screen(app)
            field = next(i for i in run.query(Input) if i.name == "target")
            field.focus()
            await pilot.press("home", "ctrl+k", *"second")
            await pilot.pause()
            await pilot.press("escape")
            run.query_one(StageStatusList).focus()
            await pilot.press("R")
            await finish(pilot)
            assert run.last_result is not None and run.last_result.ok
            assert (root / "out" / "second.json").is_file()
            assert not (root / "out" / "first.json").exists()

    asyncio.run(go())


def test_a_composite_with_a_failing_optional_child_is_partial_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "runs")
    write(root / "pipelines" / "group.toml", GROUP)

    async def go() -> None:
        app = open_app(root, "group")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            result = run.last_result
            assert result is not None and result.ok
            group = result.results["group"]
            assert group.status is StageStatus.PARTIAL
            assert [c["id"] for c in group.data["children"]] == ["ok", "broken"]
            assert result.results["after"].status is StageStatus.SUCCESS
            assert run.controller is not None
            assert run.controller.states["group"].status is StageStatus.PARTIAL

    asyncio.run(go())


def test_stage_details_show_what_a_parameter_resolves_to(tmp_path: Path) -> None:
    from workbench.app.widgets.common.stage_details import describe_pipeline_stage
    from workbench.engine.project import Project

    root = make_project(tmp_path / "runs")
    write(root / "pipelines" / "saved.toml", SAVED)
    pipeline = Project.open(root).load_pipeline(root / "pipelines" / "saved.toml")
    text = describe_pipeline_stage(pipeline, "save").plain
    assert 'path = "out/${target}.json"  → "out/first.json"' in text


def test_the_history_view_lists_a_composite_stage_children(tmp_path: Path) -> None:
    from workbench.app.screens.history import stage_result
    from workbench.engine.history.store import History

    root = make_project(tmp_path / "runs")
    write(root / "pipelines" / "group.toml", GROUP)

    async def go() -> None:
        app = open_app(root, "group")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)

    asyncio.run(go())
    with History.open(root) as history:
        (run,) = history.list_runs()
        detail = history.get_run(run.id)
    assert detail is not None
    group = next(s for s in detail.stages if s.stage_id == "group")
    text = stage_result(group).plain
    assert "└ ok" in text
    assert "└ broken" in text and "the input is broken" in text
