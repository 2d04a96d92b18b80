"""Wrapped text is indented under its label: details, dry-run cards, comparisons.

Each test renders the text at a narrow width, row by row as it will be drawn, and
checks where continuation rows start; on a plain ``Content`` they went back to
column 0 and a figure could be split between its number and its unit.
"""

from __future__ import annotations

from typing import Any

from workbench.app.widgets.common.stage_details import describe_pipeline_stage, describe_stage
from workbench.app.widgets.report.report_view import stage_content
from workbench.engine.dryrun.models import PlannedOperation, StagePlan
from workbench.engine.project import Project
from workbench.engine.registry import StageRegistry


def rows(text: Any, width: int) -> list[str]:
    """The rows a widget of ``width`` columns draws (``Content`` and ``Hanging`` alike)."""
    return [row.plain.rstrip() for row in text.wrap(width)]


def indent(row: str) -> int:
    return len(row) - len(row.lstrip())


def test_registry_config_types_wrap_under_the_type() -> None:
    registry = StageRegistry()
    registry.discover()
    meta = registry.metadata("files.load")
    out = rows(describe_stage(meta), 34)
    start = next((i for i, row in enumerate(out) if row.startswith("  format  ")), None)
    assert start is not None, out
    label = len("  format  ")
    assert "one of:" in out[start]
    following = out[start + 1]
    assert indent(following) == label, out[start : start + 3]


def test_pipeline_stage_config_wraps_under_the_value(tmp_path: Any) -> None:
    pipeline = tmp_path / "pipelines" / "p.toml"
    pipeline.parent.mkdir(parents=True)
    pipeline.write_text(
        '[pipeline]\nname = "p"\n\n[stages.load]\nuses = "files.load"\n'
        'config = { path = "data/some/deeply/nested/folder/with_a_long_file_name.csv" }\n',
        encoding="utf-8",
    )
    loaded = Project.open(tmp_path).load_pipeline(pipeline)
    out = rows(describe_pipeline_stage(loaded, "load"), 36)
    start = next((i for i, row in enumerate(out) if row.startswith("  path = ")), None)
    assert start is not None, out
    assert indent(out[start + 1]) == len("  path = "), out[start : start + 3]


def test_dry_run_card_keeps_bytes_with_their_unit_and_indents_paths() -> None:
    op = PlannedOperation(
        description="write the summary",
        action="write",
        paths_written=("reports/quarterly/2024/summary_by_region_and_product.md",),
        estimated_bytes=366,
    )
    plan = StagePlan(
        stage_id="summary",
        uses="report.markdown",
        layer=0,
        depends_on=(),
        config={},
        supported=True,
        operations=(op,),
        estimated_seconds=None,
        estimate_source="unknown",
    )
    for width in range(24, 60):
        out = rows(stage_content(plan, 3), width)
        text = "\n".join(out)
        assert "366 B" in text, (width, out)
        assert all(indent(row) >= 3 for row in out[1:]), (width, out)
