"""Building again from an earlier build (the editor, once per keystroke): only what changed
is resolved again, and the result is the same as a build from scratch."""

from __future__ import annotations

import pytest

from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.spec import PipelineSpec, parse_spec

TEXT = """
[pipeline]
name = "reuse"

[context]
times = 2

[stages.first]
uses = "kit.flaky"
config = { fail_times = "${times}" }

[stages.second]
uses = "kit.flaky"
depends_on = ["first"]
config = { fail_times = 1 }
"""


def _spec() -> PipelineSpec:
    loaded = parse_spec(TEXT)
    assert loaded.spec is not None
    return loaded.spec


def _with_config(spec: PipelineSpec, sid: str, config: dict[str, object]) -> PipelineSpec:
    stages = dict(spec.stages)
    stages[sid] = stages[sid].model_copy(update={"config": config})
    return spec.model_copy(update={"stages": stages})


def _same(a: Pipeline, b: Pipeline) -> None:
    assert [(p.stage, p.kind, p.message) for p in a.problems] == [
        (p.stage, p.kind, p.message) for p in b.problems
    ]
    assert list(a.graph.edges) == list(b.graph.edges)
    assert {sid: ps.stage is None for sid, ps in a.stages.items()} == {
        sid: ps.stage is None for sid, ps in b.stages.items()
    }


def test_an_unchanged_stage_is_taken_from_the_earlier_build(registry: StageRegistry) -> None:
    spec = _spec()
    first = Pipeline.from_spec(spec, registry)
    edited = _with_config(spec, "second", {"fail_times": 3})

    again = Pipeline.from_spec(edited, registry, previous=first)

    assert again.stages["first"] is first.stages["first"]
    assert again.stages["second"] is not first.stages["second"]
    assert again.stages["second"].stage.config.fail_times == 3  # type: ignore[union-attr]
    _same(again, Pipeline.from_spec(edited, registry))


def test_an_edit_that_breaks_a_stage_is_reported_after_a_reused_build(
    registry: StageRegistry,
) -> None:
    spec = _spec()
    first = Pipeline.from_spec(spec, registry)
    broken = _with_config(spec, "second", {"fail_times": "many"})

    again = Pipeline.from_spec(broken, registry, previous=first)

    assert [p.stage for p in again.problems] == ["second"]
    _same(again, Pipeline.from_spec(broken, registry))
    # ... and the fix is seen too: a stage with problems is never taken as it was
    fixed = Pipeline.from_spec(spec, registry, previous=again)
    assert fixed.valid, fixed.problems


@pytest.mark.parametrize("change", ["context", "registry", "overrides"])
def test_nothing_is_reused_when_what_configs_are_resolved_with_changed(
    registry: StageRegistry, change: str
) -> None:
    spec = _spec()
    first = Pipeline.from_spec(spec, registry)
    other_registry = registry
    overrides: dict[str, object] = {}
    if change == "context":
        spec = spec.model_copy(update={"context": {}})  # ${times} no longer exists
    elif change == "registry":
        other_registry = StageRegistry()  # kit.flaky is not in it
    else:
        overrides = {"times": "x"}

    again = Pipeline.from_spec(spec, other_registry, previous=first, overrides=overrides)

    assert again.stages["first"] is not first.stages["first"]
    assert "first" in {p.stage for p in again.problems}
    _same(again, Pipeline.from_spec(spec, other_registry, overrides=overrides))
