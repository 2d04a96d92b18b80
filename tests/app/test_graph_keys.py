"""Graph keys: arrows go by layer and position, `t` keeps the selection in view,
Enter opens the stage's details."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import MakeApp
from kit.projects import REPO, write

from workbench.app.graphdraw import compute_layout, nearest_in_direction
from workbench.app.screens.dialogs.stage_dialog import StageDialog
from workbench.app.widgets.graph.dag_view import DagView


def test_right_goes_to_the_next_layer_not_the_closest_centre() -> None:
    # In `ingest`, fetch_context sits one cell lower than fetch_start's centre line
    # would suggest; Right must still go to parse, the next layer.
    from workbench.engine.project import Project

    project = Project.open(REPO)
    pipeline = project.load_pipeline(REPO / "pipelines" / "ingest.toml")
    labels = {sid: ps.uses for sid, ps in pipeline.stages.items()}
    for direction, ahead, across in (("LR", "right", "down"), ("TB", "down", "right")):
        layout = compute_layout(list(pipeline.graph.nodes), labels, pipeline.graph.edges, direction)  # type: ignore[arg-type]
        assert nearest_in_direction(layout, "fetch_start", ahead) == "parse"  # type: ignore[arg-type]
        assert nearest_in_direction(layout, "fetch_start", across) == "fetch_context"  # type: ignore[arg-type]
        assert nearest_in_direction(layout, "parse", ahead) == "validate"  # type: ignore[arg-type]


CHAIN = '[pipeline]\nname = "long"\n\n' + "\n".join(
    f'[stages.step{i:02d}]\nuses = "core.noop"\n'
    + (f'depends_on = ["step{i - 1:02d}"]\n' if i else "")
    for i in range(14)
)


def test_the_selection_stays_in_view_after_turning_the_layout(
    make_app: MakeApp, project: Path
) -> None:
    write(project / "pipelines" / "long.toml", CHAIN)

    async def go() -> None:
        app = make_app("long.toml")
        async with app.run_test(size=(80, 24)) as pilot:
            dag = app.screen.query_one(DagView)
            dag.focus()
            await pilot.press(*["right"] * 13)
            assert dag.selected == "step13"
            await pilot.press("t")
            await pilot.pause()
            await pilot.pause()
            box = dag.layout_result.nodes["step13"]
            top, height = dag.scroll_offset.y, dag.scrollable_content_region.height
            assert top <= box.y and box.y + box.h <= top + height

    asyncio.run(go())


def test_enter_opens_the_stage_details(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("diamond.toml")
        async with app.run_test(size=(80, 24)) as pilot:
            dag = app.screen.query_one(DagView)
            dag.focus()
            await pilot.press("right", "enter")
            await pilot.pause()
            assert isinstance(app.screen, StageDialog)
            assert "left" in str(app.screen.query_one("#stage-dialog-text").render())
            await pilot.press("escape")
            assert not isinstance(app.screen, StageDialog)

    asyncio.run(go())
