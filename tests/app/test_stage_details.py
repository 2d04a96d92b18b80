"""The stage details pane agrees with the graph drawn beside it, even on a broken file."""

from __future__ import annotations

from pathlib import Path

from workbench.app.widgets.common.stage_details import describe_pipeline_stage
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project

BROKEN = Path(__file__).parent.parent / "data" / "broken"


def _line(pipeline: Pipeline, stage_id: str, label: str) -> str:
    text = describe_pipeline_stage(pipeline, stage_id).plain
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_details_of_a_stage_on_a_cycle_name_its_downstream() -> None:
    registry = Project.open(BROKEN).registry
    pipeline = Pipeline.load(BROKEN / "bad_timeout_and_cycle.toml", registry)
    assert {("a", "b"), ("b", "a")} <= set(pipeline.graph.edges)

    for stage_id, other in (("a", "b"), ("b", "a")):
        downstream = _line(pipeline, stage_id, "downstream")
        assert "none" not in downstream
        assert other in downstream
