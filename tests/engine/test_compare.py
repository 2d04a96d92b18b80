"""The report diff and the comparisons built on it.

Generated pipelines (hypothesis) check the diff's promises: a report compared with
itself has no differences, and adding, removing or reconfiguring one stage shows
up exactly once. The rest checks each kind of comparison on small files.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from workbench.engine.dryrun.compare import (
    CompareError,
    aligned_order,
    compare_edited,
    compare_parameters,
    compare_pipelines,
    compare_reports,
    parse_parameters,
    plan_against_run,
    report_with_history,
)
from workbench.engine.dryrun.dry_run import build_report, diff_reports
from workbench.engine.history.store import History
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.spec import PipelineMeta, PipelineSpec, StageSpec, parse_spec

SECONDS = st.sampled_from([0.0, 0.5, 1.0, 2.0])


@st.composite
def specs(draw: st.DrawFn) -> PipelineSpec:
    """A DAG of ``kit.sleep`` stages s0..sN, each depending on some earlier ones."""
    count = draw(st.integers(min_value=1, max_value=8))
    stages: dict[str, StageSpec] = {}
    for i in range(count):
        earlier = [f"s{j}" for j in range(i)]
        parents = (
            draw(st.lists(st.sampled_from(earlier), unique=True, max_size=3)) if earlier else []
        )
        stages[f"s{i}"] = StageSpec(
            uses="kit.sleep", config={"seconds": draw(SECONDS)}, depends_on=list(parents)
        )
    concurrency = draw(st.integers(min_value=1, max_value=3))
    return PipelineSpec(
        pipeline=PipelineMeta(name="generated", max_concurrency=concurrency), stages=stages
    )


def build(spec: PipelineSpec, registry: StageRegistry) -> Pipeline:
    pipeline = Pipeline.from_spec(spec, registry)
    assert pipeline.valid, pipeline.problems
    return pipeline


def sinks(spec: PipelineSpec) -> list[str]:
    used = {d.stage for s in spec.stages.values() for d in s.dependencies()}
    return [sid for sid in spec.stages if sid not in used]


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(spec=specs())
def test_a_report_compared_with_itself_has_no_differences(
    spec: PipelineSpec, registry: StageRegistry
) -> None:
    pipeline = build(spec, registry)
    report = build_report(pipeline)
    again = build_report(build(spec, registry))
    assert report == again
    assert diff_reports(report, again).empty
    comparison = compare_reports(report, again)
    assert comparison.empty
    assert comparison.summary() == "no differences"
    assert all(row.change is None for row in comparison.rows)


@FAST
@given(spec=specs(), data=st.data())
def test_adding_a_stage_shows_up_exactly_once(
    spec: PipelineSpec, data: st.DataObject, registry: StageRegistry
) -> None:
    parents = data.draw(st.lists(st.sampled_from(list(spec.stages)), unique=True, max_size=2))
    changed = spec.model_copy(deep=True)
    changed.stages["extra"] = StageSpec(uses="kit.sleep", depends_on=list(parents))
    diff = diff_reports(build_report(build(spec, registry)), build_report(build(changed, registry)))
    assert [(c.stage_id, c.kinds) for c in diff.stages] == [("extra", ("added",))]
    assert diff.totals["stages"] == (len(spec.stages), len(spec.stages) + 1)


@FAST
@given(spec=specs(), data=st.data())
def test_removing_a_stage_shows_up_exactly_once(
    spec: PipelineSpec, data: st.DataObject, registry: StageRegistry
) -> None:
    gone = data.draw(st.sampled_from(sinks(spec)))
    changed = spec.model_copy(deep=True)
    del changed.stages[gone]
    left, right = build_report(build(spec, registry)), build_report(build(changed, registry))
    diff = diff_reports(left, right)
    assert [(c.stage_id, c.kinds) for c in diff.stages] == [(gone, ("removed",))]
    rows = compare_reports(left, right).rows
    assert [r.stage_id for r in rows if r.right is None] == [gone]
    assert [r.stage_id for r in rows] == list(left.order)  # the removed one stays in place


@FAST
@given(spec=specs(), data=st.data())
def test_reconfiguring_a_stage_shows_up_exactly_once_with_its_config_difference(
    spec: PipelineSpec, data: st.DataObject, registry: StageRegistry
) -> None:
    target = data.draw(st.sampled_from(list(spec.stages)))
    before = spec.stages[target].config["seconds"]
    changed = spec.model_copy(deep=True)
    changed.stages[target].config = {"seconds": before + 3.0}
    diff = diff_reports(build_report(build(spec, registry)), build_report(build(changed, registry)))
    assert [(c.stage_id, c.kinds) for c in diff.stages] == [(target, ("reconfigured",))]
    assert diff.stages[0].config_changes == (("seconds", before, before + 3.0),)
    assert diff.stages[0].seconds_after == before + 3.0


def test_aligned_order_keeps_removed_stages_where_they_were() -> None:
    assert aligned_order(["a", "b", "c", "d"], ["a", "c", "e"]) == ["a", "b", "c", "d", "e"]
    assert aligned_order(["x", "a"], ["a"]) == ["x", "a"]
    assert aligned_order([], ["a", "b"]) == ["a", "b"]


def test_parameters_are_read_as_toml_values_or_text() -> None:
    assert parse_parameters(["n=3", "flag=true", "name=sales data", "xs=[1, 2]"]) == {
        "n": 3,
        "flag": True,
        "name": "sales data",
        "xs": [1, 2],
    }
    with pytest.raises(CompareError, match="KEY=VALUE"):
        parse_parameters(["oops"])


# -- comparisons on files -------------------------------------------------------------------

CHAIN = """
[pipeline]
name = "chain"
max_concurrency = 2

[context]
label = "first"

[stages.a]
uses = "kit.write"
config = { key = "x", path = "out/a.txt" }

[stages.b]
uses = "kit.write"
config = { key = "y", path = "out/a.txt" }

[stages.c]
uses = "kit.sleep"
depends_on = ["a", "b"]
config = { seconds = 1.0 }
"""


def write_project(root: Path, **files: str) -> dict[str, Path]:
    out = {}
    for name, text in files.items():
        path = root / "pipelines" / f"{name}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        out[name] = path
    return out


def test_two_pipelines_show_a_resolved_conflict_and_the_new_stage(
    tmp_path: Path, registry: StageRegistry
) -> None:
    fixed = CHAIN.replace('key = "y", path = "out/a.txt"', 'key = "y", path = "out/b.txt"')
    fixed += '\n[stages.d]\nuses = "core.noop"\ndepends_on = ["c"]\n'
    paths = write_project(tmp_path, chain=CHAIN, fixed=fixed)
    left = Pipeline.load(paths["chain"], registry)
    right = Pipeline.load(paths["fixed"], registry)
    comparison = compare_pipelines(left, right)
    kinds = {row.stage_id: row.marks for row in comparison.rows}
    assert kinds == {"a": (), "b": ("reconfigured",), "c": (), "d": ("added",)}
    resolved = comparison.diff.conflicts_resolved
    assert [(c.kind, c.subject, c.stages) for c in resolved] == [
        ("write_path", "out/a.txt", ("a", "b"))
    ]
    assert not comparison.diff.conflicts_new
    assert comparison.left_label == "chain.toml" and comparison.right_label == "fixed.toml"


def test_edited_against_saved(tmp_path: Path, registry: StageRegistry) -> None:
    path = write_project(tmp_path, chain=CHAIN)["chain"]
    edited = parse_spec(path.read_text(), path).spec
    assert edited is not None
    edited.stages["c"].config = {"seconds": 4.0}
    edited.context["label"] = "second"
    comparison = compare_edited(edited, path, registry)
    assert (comparison.left_label, comparison.right_label) == ("as saved", "as edited")
    assert comparison.parameter_changes == (("label", "first", "second"),)
    [change] = comparison.diff.stages
    assert change.stage_id == "c" and change.config_changes == (("seconds", 1.0, 4.0),)
    assert comparison.summary() == "1 parameter changed, 1 reconfigured"


def test_edits_that_cannot_be_planned_are_explained(
    tmp_path: Path, registry: StageRegistry
) -> None:
    path = write_project(tmp_path, chain=CHAIN)["chain"]
    edited = parse_spec(path.read_text(), path).spec
    assert edited is not None
    edited.stages["c"].depends_on = ["ghost"]
    with pytest.raises(CompareError, match="edited pipeline has problems"):
        compare_edited(edited, path, registry)


def test_two_parameter_sets_list_what_changed(tmp_path: Path, registry: StageRegistry) -> None:
    pipeline = Pipeline.load(write_project(tmp_path, chain=CHAIN)["chain"], registry)
    comparison = compare_parameters(pipeline, {}, {"label": "other", "extra": 2})
    assert comparison.kind == "parameters"
    assert comparison.parameter_changes == (("extra", None, 2), ("label", "first", "other"))
    assert comparison.right_label == "label=other, extra=2"
    assert comparison.diff.empty and not comparison.empty


def test_invalid_pipelines_are_refused_with_their_problem(registry: StageRegistry) -> None:
    broken = Pipeline.parse(
        '[pipeline]\nname = "b"\n[stages.a]\nuses = "kit.sleep"\ndepends_on = ["nope"]\n',
        registry,
        "b.toml",
    )
    with pytest.raises(CompareError, match=r"b\.toml has problems"):
        report_with_history(broken)


def record_run(root: Path, pipeline: Pipeline, rows: dict[str, tuple[str, float]]) -> int:
    """A run in the project's history with fixed statuses and durations."""
    with History.open(root) as history:
        run_id = history.start_run(pipeline, "test", {"label": "first"}, list(pipeline.graph.order))
        for sid, (status, seconds) in rows.items():
            history.stage_started(run_id, sid)
            history.stage_finished(run_id, sid, status, seconds, f"{sid} {status}", [], 1, None, [])
        history.finish_run(run_id, "failure", 9.0)
    return run_id


def test_plan_against_a_past_run(tmp_path: Path, registry: StageRegistry) -> None:
    pipeline = Pipeline.load(write_project(tmp_path, chain=CHAIN)["chain"], registry)
    run_id = record_run(tmp_path, pipeline, {"a": ("success", 0.5), "b": ("success", 3.0)})
    record_run(tmp_path, pipeline, {"a": ("success", 0.5), "b": ("failure", 0.1)})
    item = plan_against_run(pipeline, run_id)
    verdicts = {row.stage_id: row.verdict for row in item.rows}
    assert verdicts == {"a": "as planned", "b": "slower", "c": "not run"}
    assert item.rows[1].seconds_delta == pytest.approx(2.5)
    assert item.totals["wall_seconds"] == (item.report.wall_seconds, 9.0)
    assert item.summary().startswith(f"run #{run_id} failure: 1 as planned, 1 slower, 1 not run")
    failed = plan_against_run(pipeline, run_id + 1)
    assert failed.rows[1].verdict == "failed"


def test_history_fills_in_estimates_only_where_the_stage_gives_none(
    tmp_path: Path, registry: StageRegistry
) -> None:
    text = CHAIN + '\n[stages.d]\nuses = "kit.sleep"\ndepends_on = ["c"]\n'
    pipeline = Pipeline.load(write_project(tmp_path, chain=text)["chain"], registry)
    assert report_with_history(pipeline).stage("d").estimate_source == "unknown"
    assert not (tmp_path / ".workbench").exists()  # a dry run leaves no trace
    with History.open(tmp_path) as history:
        run_id = history.start_run(pipeline, "test", {}, ["d"])
        history.stage_finished(run_id, "d", "success", 2.0, "", [], 1, None, [])
    report = report_with_history(pipeline)
    assert (report.stage("d").estimated_seconds, report.stage("d").estimate_source) == (
        2.0,
        "history",
    )
    assert report.stage("a").estimate_source == "stage"


def test_a_run_of_another_pipeline_or_no_history_is_explained(
    tmp_path: Path, registry: StageRegistry
) -> None:
    pipeline = Pipeline.load(write_project(tmp_path, chain=CHAIN)["chain"], registry)
    with pytest.raises(CompareError, match="no run history"):
        plan_against_run(pipeline, 1)
    record_run(tmp_path, pipeline, {})
    with pytest.raises(CompareError, match="no run #7"):
        plan_against_run(pipeline, 7)
