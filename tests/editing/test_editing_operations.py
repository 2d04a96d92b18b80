"""The pure edits: each returns a new spec, leaves the old one alone, and explains refusals."""

from __future__ import annotations

import pytest
from kit.editing import chain_spec

from workbench.app.editing import operations as ops
from workbench.engine.spec import DependencySpec, PipelineSpec, to_toml


@pytest.fixture
def chain() -> PipelineSpec:
    return chain_spec()


def test_edits_never_touch_the_spec_they_start_from(chain: PipelineSpec) -> None:
    before = to_toml(chain)
    ops.rename_stage(chain, "start", "begin")
    ops.remove_stage(chain, "middle")
    ops.connect(chain, "start", "finish", edges=[])
    ops.set_config(chain, "start", {"x": 1})
    ops.set_stage_settings(chain, "start", retries=2)
    assert to_toml(chain) == before


def test_propose_id_finds_the_next_free_one(chain: PipelineSpec) -> None:
    assert ops.propose_id(chain, "files.load") == "load"
    spec, sid = ops.add_stage(chain, "files.load")
    assert sid == "load"
    assert ops.propose_id(spec, "files.load") == "load_2"
    assert ops.propose_id(chain, "core.noop") == "noop"


@pytest.mark.parametrize(
    ("stage_id", "reason"),
    [
        ("", "needs an id"),
        ("-dash", "not a valid id"),
        ("has space", "not a valid id"),
        ("start", "taken"),
    ],
)
def test_bad_ids_are_refused_with_the_reason(
    chain: PipelineSpec, stage_id: str, reason: str
) -> None:
    with pytest.raises(ops.EditError, match=reason):
        ops.add_stage(chain, "core.noop", stage_id)


def test_rename_updates_every_reference_and_keeps_the_order(chain: PipelineSpec) -> None:
    spec = ops.rename_stage(chain, "start", "begin")
    assert list(spec.stages) == ["begin", "middle", "finish"]
    assert spec.stages["middle"].depends_on == ["begin"]
    assert spec.stages["finish"].depends_on == [
        "middle",
        DependencySpec(stage="begin", required=False),
    ]


def test_rename_keeps_the_type_of_a_stage_named_by_its_id() -> None:
    spec = PipelineSpec.model_validate(
        {"pipeline": {"name": "p"}, "stages": {"core.noop": {}, "b": {"before": ["core.noop"]}}}
    )
    out = ops.rename_stage(spec, "core.noop", "nothing")
    assert out.stages["nothing"].uses == "core.noop"
    assert out.stages["b"].before == ["nothing"]


def test_rename_to_a_taken_id_is_refused(chain: PipelineSpec) -> None:
    with pytest.raises(ops.EditError, match="taken"):
        ops.rename_stage(chain, "start", "middle")


def test_references_and_remove(chain: PipelineSpec) -> None:
    refs = ops.references_to(chain, "start")
    assert [r.describe() for r in refs] == [
        "middle depends on start",
        "finish depends on start (optional)",
    ]
    spec = ops.remove_stage(chain, "start")
    assert list(spec.stages) == ["middle", "finish"]
    assert spec.stages["middle"].depends_on == []
    assert spec.stages["finish"].depends_on == ["middle"]


def test_connect_refuses_a_cycle_and_names_it(chain: PipelineSpec) -> None:
    edges = [("start", "middle"), ("middle", "finish"), ("start", "finish")]
    with pytest.raises(ops.EditError, match="cycle: finish -> start -> finish"):
        ops.connect(chain, "start", "finish", edges=edges)
    with pytest.raises(ops.EditError, match="itself"):
        ops.connect(chain, "start", "start", edges=edges)


def test_connect_adds_or_changes_requiredness(chain: PipelineSpec) -> None:
    spec = ops.connect(chain, "finish", "start", required=True, edges=[])
    assert spec.stages["finish"].depends_on == ["middle", "start"]
    spec = ops.connect(spec, "middle", "start", required=False, edges=[])
    assert spec.stages["middle"].depends_on == [DependencySpec(stage="start", required=False)]


def test_disconnect_removes_depends_on_and_before() -> None:
    spec = PipelineSpec.model_validate(
        {
            "pipeline": {"name": "p"},
            "stages": {"a": {"uses": "core.noop", "before": ["b"]}, "b": {"uses": "core.noop"}},
        }
    )
    out = ops.disconnect(spec, "b", "a")
    assert out.stages["a"].before == []
    with pytest.raises(ops.EditError, match="does not name"):
        ops.disconnect(out, "b", "a")


def test_stage_and_pipeline_settings_are_checked(chain: PipelineSpec) -> None:
    spec = ops.set_stage_settings(chain, "start", timeout="1m30s", retries=2)
    assert spec.stages["start"].timeout == 90.0
    assert 'timeout = "1m30s"' in to_toml(spec)
    with pytest.raises(ops.EditError, match="retries"):
        ops.set_stage_settings(chain, "start", retries=-1)
    spec = ops.set_pipeline_settings(chain, max_concurrency=3, context={"input": "a.csv"})
    assert spec.pipeline.max_concurrency == 3
    assert spec.context == {"input": "a.csv"}
    with pytest.raises(ops.EditError, match="name"):
        ops.set_pipeline_settings(chain, name="")
