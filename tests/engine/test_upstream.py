"""Optional dependencies: an optional upstream that fails, is skipped or is cancelled does not
skip its dependent; required dependencies still do."""

from __future__ import annotations

import asyncio

from kit.pipelines import PipelineFactory

from workbench.engine.run.runner import Runner
from workbench.engine.stage import StageStatus


def test_a_skipped_optional_upstream_lets_the_dependent_run(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.source]
        uses = "kit.fail"

        [stages.enrich]
        uses = "core.noop"
        depends_on = ["source"]

        [stages.report]
        uses = "kit.write"
        config = { key = "report", value = 1 }
        depends_on = [{ stage = "enrich", required = false }]
        """
    )
    result = asyncio.run(Runner(pipeline).run())
    assert result.results["enrich"].status is StageStatus.SKIPPED
    report = result.results["report"]
    assert report.status is StageStatus.SUCCESS
    assert report.data["missing_optional"] == ["enrich"]
    assert "'enrich' was skipped" in report.message
    assert result.store.get("report") == 1


def test_a_required_dependency_still_skips(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.source]
        uses = "kit.fail"

        [stages.report]
        uses = "core.noop"
        depends_on = ["source", { stage = "other", required = false }]

        [stages.other]
        uses = "kit.fail"
        """
    )
    result = asyncio.run(Runner(pipeline).run())
    report = result.results["report"]
    assert report.status is StageStatus.SKIPPED
    assert "missing_optional" not in report.data
    assert report.message == "upstream 'source' failed"


def test_a_successful_optional_upstream_leaves_no_note(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "core.noop"

        [stages.b]
        uses = "core.noop"
        depends_on = [{ stage = "a", required = false }]
        """
    )
    result = asyncio.run(Runner(pipeline).run())
    assert result.ok
    assert "missing_optional" not in result.results["b"].data
