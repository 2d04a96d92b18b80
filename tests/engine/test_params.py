"""Pipeline parameters in stage configs: ``${name}``, typed whole-string values, ``$${``."""

from __future__ import annotations

import pytest
from kit.pipelines import PipelineFactory

from workbench.engine.params import substitute, unresolved
from workbench.engine.run.runner import Runner


def test_a_whole_string_reference_keeps_the_parameter_type() -> None:
    params = {"n": 3, "cols": ["a", "b"], "name": "west"}
    assert substitute({"top": "${n}", "columns": "${cols}"}, params) == {
        "top": 3,
        "columns": ["a", "b"],
    }
    assert substitute("out/${name}/${n}.json", params) == "out/west/3.json"
    assert substitute(["$${name} is ${name}"], params) == ["${name} is west"]
    assert substitute("$${n}", params) == "${n}"


def test_unknown_references_are_named_with_their_place() -> None:
    found = unresolved({"a": ["ok", "${missing}"], "b": "$${literal}"}, {"x": 1})
    assert [(u.name, u.where) for u in found] == [("missing", ("a", "1"))]


def test_validation_names_an_unknown_parameter_with_its_line(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [context]
        region = "West"

        [stages.load]
        uses = "kit.write"
        config = { key = "rows", value = "${regoin}" }
        """
    )
    assert not pipeline.valid
    (problem,) = pipeline.problems
    assert problem.kind == "parameter"
    assert problem.stage == "load" and problem.line == 10
    assert "${regoin}" in problem.message and problem.hint == "did you mean ${region}?"


def test_set_overrides_flow_into_configs_and_runs(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [context]
        rows = [1, 2]

        [stages.load]
        uses = "kit.write"
        config = { key = "rows_out", value = "${rows}" }
        """
    )
    assert pipeline.valid, pipeline.problems
    assert pipeline.stages["load"].stage is not None
    assert pipeline.stages["load"].stage.config.value == [1, 2]
    bound = pipeline.with_parameters({"rows": [7]})
    assert bound.stages["load"].stage is not None
    assert bound.stages["load"].stage.config.value == [7]
    result = __import__("asyncio").run(Runner(pipeline, params={"rows": [9, 9]}).run())
    assert result.store.get("rows_out") == [9, 9]


def test_a_pipeline_without_references_is_not_rebuilt(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline('[stages.a]\nuses = "core.noop"\n')
    assert pipeline.with_parameters({"x": 1}) is pipeline


@pytest.mark.parametrize("value", ["not a number"])
def test_an_override_of_the_wrong_type_is_a_problem(
    make_pipeline: PipelineFactory, value: str
) -> None:
    pipeline = make_pipeline(
        """
        [context]
        seconds = 0

        [stages.nap]
        uses = "kit.sleep"
        config = { seconds = "${seconds}" }
        """
    )
    assert pipeline.valid
    bound = pipeline.with_parameters({"seconds": value})
    assert not bound.valid
    assert "seconds" in bound.problems[0].message
