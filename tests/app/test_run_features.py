"""The run screen with parameters in configs and composite stages."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import SIZE, finish, open_app, screen, until
from kit.projects import run_project, write
from textual.widgets import Input

from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.engine.stage import StageStatus

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
    root = run_project(tmp_path / "runs")
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
            assert run.session.last_result is not None and run.session.last_result.ok
            assert (root / "out" / "second.json").is_file()
            assert not (root / "out" / "first.json").exists()

    asyncio.run(go())


def test_a_composite_with_a_failing_optional_child_is_partial_and_the_run_goes_on(
    tmp_path: Path,
) -> None:
    root = run_project(tmp_path / "runs")
    write(root / "pipelines" / "group.toml", GROUP)

    async def go() -> None:
        app = open_app(root, "group")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            result = run.session.last_result
            assert result is not None and result.ok
            group = result.results["group"]
            assert group.status is StageStatus.PARTIAL
            assert [c["id"] for c in group.data["children"]] == ["ok", "broken"]
            assert result.results["after"].status is StageStatus.SUCCESS
            assert run.session.controller is not None
            assert run.session.controller.states["group"].status is StageStatus.PARTIAL

    asyncio.run(go())


def test_stage_details_show_what_a_parameter_resolves_to(tmp_path: Path) -> None:
    from workbench.app.widgets.common.stage_details import describe_pipeline_stage
    from workbench.engine.project import Project

    root = run_project(tmp_path / "runs")
    write(root / "pipelines" / "saved.toml", SAVED)
    pipeline = Project.open(root).load_pipeline(root / "pipelines" / "saved.toml")
    text = describe_pipeline_stage(pipeline, "save").plain
    assert 'path = "out/${target}.json"  → "out/first.json"' in text


def test_the_history_view_lists_a_composite_stage_children(tmp_path: Path) -> None:
    from workbench.app.screens.history import stage_result
    from workbench.engine.history.store import History

    root = run_project(tmp_path / "runs")
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
    assert "├ ok" in text  # drawn as the stage list draws them: the last one closes
    assert "└ broken" in text and "the input is broken" in text


LIVE_GROUP = """
[pipeline]
name = "livegroup"

[context]
greeting = "hi"

[stages.group]
uses = "pipeline.call"

[stages.group.config.stages.first]
uses = "test.step"

[stages.group.config.stages.hold]
uses = "test.gate"
depends_on = ["first"]

[stages.group.config.stages.last]
uses = "test.step"
depends_on = ["hold"]

[stages.after]
uses = "test.step"
depends_on = ["group"]
"""


def test_a_composites_children_show_nested_with_their_status_and_fold_away_with_o(
    tmp_path: Path,
) -> None:
    root = run_project(tmp_path / "runs")
    write(root / "pipelines" / "livegroup.toml", LIVE_GROUP)

    def rows(stages: StageStatusList) -> list[str]:
        return [stages.render_line(y).text.rstrip() for y in range(len(stages._lines))]

    async def go() -> None:
        app = open_app(root, "livegroup")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r")
            await pilot.pause()
            run = screen(app)
            stages = run.query_one(StageStatusList)
            # Before the run: the children are listed, pending, under their composite.
            shown = rows(stages)
            assert "group ▾" in shown[0]
            assert [r.split()[1:3] for r in shown[1:4]] == [
                ["○", "first"],
                ["○", "hold"],
                ["○", "last"],
            ]
            assert shown[1].lstrip().startswith("├") and shown[3].lstrip().startswith("└")
            assert "after" in shown[4]
            await pilot.press("R")
            group = run.session.controller.states["group"]
            await until(
                pilot,
                lambda: (
                    [c.status for c in group.children][:2]
                    == [
                        StageStatus.SUCCESS,
                        StageStatus.RUNNING,
                    ]
                ),
            )
            await pilot.pause(0.15)  # a repaint tick
            live = rows(stages)
            assert "✔ first" in live[1]
            assert "○ last" in live[3]
            composite = app.pipeline.stages["group"].stage if app.pipeline else None
            assert composite is not None and composite.child is not None  # type: ignore[attr-defined]
            hold = composite.child.stages["hold"].stage  # type: ignore[attr-defined]
            type(hold).gate("hold").set()
            await finish(pilot)
            final = rows(stages)
            assert "✔ first" in final[1] and "✔ hold" in final[2] and "✔ last" in final[3]
            # o folds the selected composite's children away, and shows them again.
            assert stages.selected == "group"
            assert run.check_action("toggle_children", ())
            await pilot.press("o")
            await pilot.pause()
            folded = rows(stages)
            assert len(folded) == 2 and "group ▸" in folded[0] and "after" in folded[1]
            await pilot.press("o")
            await pilot.pause()
            assert len(rows(stages)) == 5
            # The key is offered on a composite only.
            await pilot.press("down")
            await pilot.pause()
            assert stages.selected == "after"
            assert not run.check_action("toggle_children", ())

    asyncio.run(go())
