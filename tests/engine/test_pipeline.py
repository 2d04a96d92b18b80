"""Building a pipeline: the edges that stage classes, capabilities and the file add."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.pipelines import PipelineFactory

from workbench.engine.errors import PipelineFileError
from workbench.engine.pipeline import Pipeline, find_project_root
from workbench.engine.registry import StageRegistry


def test_depends_on_and_before_add_edges(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.report]
        uses = "core.noop"
        depends_on = ["load"]

        [stages.load]
        uses = "core.noop"
        before = ["clean"]

        [stages.clean]
        uses = "core.noop"
        before = ["report"]
        """
    )

    assert pipeline.valid, pipeline.problems
    assert set(pipeline.graph.edges) == {("load", "report"), ("load", "clean"), ("clean", "report")}
    assert pipeline.graph.order == ["load", "clean", "report"]


def test_a_missing_before_target_is_reported(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.load]
        uses = "core.noop"
        before = ["reprot"]

        [stages.report]
        uses = "core.noop"
        """
    )

    (problem,) = pipeline.problems
    assert problem.kind == "missing_dependency"
    assert problem.field == "before"
    assert "runs before 'reprot'" in problem.message
    assert problem.hint == "did you mean 'report'?"


def test_an_optional_dependency_is_ignored_when_absent(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.load]
        uses = "core.noop"

        [stages.save]
        uses = "core.noop"
        depends_on = ["load", { stage = "enrich", required = false }]
        """
    )

    assert pipeline.valid, pipeline.problems
    assert pipeline.graph.edges == (("load", "save"),)


def test_an_optional_dependency_orders_when_present(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.save]
        uses = "core.noop"
        depends_on = [{ stage = "enrich", required = false }]

        [stages.enrich]
        uses = "core.noop"
        """
    )

    assert pipeline.graph.order == ["enrich", "save"]


def test_a_missing_required_dependency_suggests_making_it_optional(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.save]
        uses = "core.noop"
        depends_on = ["zzz"]
        """
    )

    (problem,) = pipeline.problems
    assert problem.kind == "missing_dependency"
    assert "required = false" in (problem.hint or "")


def test_class_dependencies_add_edges_after_and_before(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.finish]
        uses = "kit.teardown"

        [stages.work]
        uses = "kit.needs_setup"

        [stages.prepare]
        uses = "kit.setup"
        """
    )

    assert pipeline.valid, pipeline.problems
    assert set(pipeline.graph.edges) == {("prepare", "work"), ("work", "finish")}
    assert pipeline.graph.order == ["prepare", "work", "finish"]


def test_an_optional_class_dependency_may_be_absent(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.prepare]
        uses = "kit.setup"

        [stages.work]
        uses = "kit.needs_setup"
        """
    )

    assert pipeline.valid, pipeline.problems


def test_a_missing_required_class_dependency_names_the_stage_to_add(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.work]
        uses = "kit.needs_setup"
        """
    )

    (problem,) = pipeline.problems
    assert problem.kind == "missing_dependency"
    assert problem.stage == "work"
    assert "'kit.setup'" in problem.message
    assert problem.hint == 'add [stages.setup] with uses = "kit.setup"'
    assert problem.line == 5  # [pipeline], name, blank, blank, [stages.work]


def test_capabilities_add_edges_from_providers(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.query]
        uses = "kit.consumer"

        [stages.db]
        uses = "kit.provider"
        """
    )

    assert pipeline.valid, pipeline.problems
    assert pipeline.graph.edges == (("db", "query"),)
    assert pipeline.graph.order == ["db", "query"]


def test_a_capability_nobody_provides_is_a_requirement_error(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.query]
        uses = "kit.consumer"
        """
    )

    (problem,) = pipeline.problems
    assert problem.kind == "requirement"
    assert problem.stage == "query"
    assert "requires 'db'" in problem.message
    assert "kit.provider" in (problem.hint or "")


def test_select_runs_a_stage_with_what_follows_or_what_it_needs(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.load]
        uses = "core.noop"
        [stages.clean]
        uses = "core.noop"
        depends_on = ["load"]
        [stages.side]
        uses = "core.noop"
        [stages.report]
        uses = "core.noop"
        depends_on = ["clean", "side"]
        [stages.publish]
        uses = "core.noop"
        depends_on = ["report"]
        """
    )

    assert pipeline.select("clean") == ["clean", "report", "publish"]
    assert pipeline.select(end="report") == ["load", "clean", "side", "report"]
    assert pipeline.select("clean", "report") == ["clean", "report"]
    assert pipeline.select() == ["load", "clean", "side", "report", "publish"]
    with pytest.raises(KeyError, match="did you mean 'clean'"):
        pipeline.select("claen")


def test_parameters_merge_context_project_dir_and_overrides(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [context]
        input = "a.csv"
        limit = 3

        [stages.load]
        uses = "core.noop"
        """
    )

    params = pipeline.parameters({"limit": 10})

    assert params["input"] == "a.csv"
    assert params["limit"] == 10
    assert "project_dir" in params


def test_from_stage_names_orders_by_the_stages_own_dependencies(
    registry: StageRegistry,
) -> None:
    pipeline = Pipeline.from_stage_names(["kit.needs_setup", "kit.setup"], registry)

    assert pipeline.valid
    assert pipeline.graph.order == ["kit.setup", "kit.needs_setup"]


def test_project_root_is_the_folder_holding_pipelines_or_workbench_toml(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.toml").write_text("")
    assert find_project_root(tmp_path / "pipelines" / "p.toml") == tmp_path.resolve()
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "workbench.toml").write_text("")
    assert find_project_root(tmp_path / "deep" / "er" / "p.toml") == tmp_path.resolve()


def test_pipeline_file_error_lists_every_problem(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "core.nope"
        [stages.b]
        uses = "core.noop"
        depends_on = ["c"]
        """
    )

    error = PipelineFileError(pipeline.problems, "test.toml")

    assert "core.nope" in str(error)
    assert "'c'" in str(error)
