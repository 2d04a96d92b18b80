"""Dry-run reports: operations, totals, conflicts, estimates, wall time, and diffs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from kit.pipelines import PipelineFactory

from workbench.engine.dryrun.dry_run import DryRunReport, build_report, diff_reports
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry

REPORTED = """
[context]
given = 1

[stages.load]
uses = "kit.write"
config = { key = "rows", path = "out/rows.json" }
[stages.count]
uses = "kit.read"
config = { key = "rows" }
depends_on = ["load"]
[stages.side]
uses = "kit.write"
config = { key = "side" }
[stages.join]
uses = "core.noop"
depends_on = ["count", "side"]
"""


def test_report_has_order_layers_operations_and_totals(make_pipeline: PipelineFactory) -> None:
    report = build_report(make_pipeline(REPORTED))

    assert report.order == ("load", "count", "side", "join")
    assert report.layers == (("load", "side"), ("count",), ("join",))
    load = report.stage("load")
    assert [op.description for op in load.operations] == ["set rows"]
    assert load.operations[0].paths_written == ("out/rows.json",)
    assert load.depends_on == ()
    assert report.stage("join").depends_on == ("count", "side")
    assert report.stage("count").layer == 1
    assert report.total_operations == 4
    assert report.total_bytes == 10
    assert report.total_seconds == pytest.approx(1.0)
    assert report.unknown_estimates == 1  # kit.read gives no estimate
    assert report.conflicts == ()
    assert report.summary().startswith("4 stages, 4 operations, 10 B")
    totals = report.to_json()["totals"]
    assert totals == {
        "stages": 4,
        "will_run": 4,  # no cache consulted: every stage counts
        "up_to_date": 0,
        "operations": 4,
        "bytes": 10,
        "seconds": 1.0,
        "unknown_estimates": 1,
        "unknown_writes": 0,  # the one write has a size; "set" only touches the context
    }


def test_a_dry_run_runs_nothing(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.bad]
        uses = "kit.fail"
        config = { raise_error = true }
        [stages.w]
        uses = "kit.write"
        """
    )

    report = build_report(pipeline)

    assert [op.description for op in report.stage("bad").operations] == ["run kit.fail"]
    assert report.conflicts == ()


def test_report_json_round_trip(make_pipeline: PipelineFactory) -> None:
    report = build_report(make_pipeline(REPORTED))

    assert DryRunReport.from_json(report.to_json()) == report
    assert build_report(make_pipeline(REPORTED)) == report  # a pure function of its input


def test_unordered_writers_of_one_key_or_path_conflict(make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.a]
        uses = "kit.write"
        config = { key = "rows", path = "out/a.json" }
        [stages.b]
        uses = "kit.write"
        config = { key = "rows", path = "out/a.json" }
        [stages.c]
        uses = "kit.write"
        config = { key = "rows" }
        depends_on = ["a", "b"]
        """
    )

    conflicts = build_report(pipeline).conflicts

    assert [(c.kind, c.subject, c.stages) for c in conflicts] == [
        ("write_key", "rows", ("a", "b")),
        ("write_path", "out/a.json", ("a", "b")),
    ]
    assert "no order between them" in conflicts[0].message


def test_a_key_read_that_no_upstream_stage_writes_conflicts(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [context]
        given = 1

        [stages.reader]
        uses = "kit.read"
        config = { key = "rows" }
        [stages.writer]
        uses = "kit.write"
        config = { key = "rows" }
        [stages.orphan]
        uses = "kit.read"
        config = { key = "nothing" }
        [stages.param]
        uses = "kit.read"
        config = { key = "given" }
        """
    )

    conflicts = build_report(pipeline).conflicts

    assert [(c.kind, c.subject, c.stages) for c in conflicts] == [
        ("unread_key", "nothing", ("orphan",)),
        ("unread_key", "rows", ("reader",)),
    ]
    assert "writer writes it but is not upstream" in conflicts[1].message
    assert "no stage writes it" in conflicts[0].message


def test_a_stage_that_cannot_dry_run_is_flagged(make_pipeline: PipelineFactory) -> None:
    report = build_report(make_pipeline('[stages.x]\nuses = "kit.nodry"\n'))

    (conflict,) = report.conflicts
    assert conflict.kind == "no_dry_run"
    assert conflict.stages == ("x",)
    assert not report.stage("x").supported
    assert "1 cannot dry-run" in report.summary()


def test_estimates_come_from_the_stage_then_history_else_unknown(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.own]
        uses = "kit.write"
        [stages.past]
        uses = "kit.chatty"
        [stages.never]
        uses = "kit.chatty"
        """
    )

    report = build_report(pipeline, estimates={"past": 2.5, "own": 99.0})

    assert [(s.stage_id, s.estimated_seconds, s.estimate_source) for s in report.stages] == [
        ("own", 0.5, "stage"),
        ("past", 2.5, "history"),
        ("never", None, "unknown"),
    ]


def test_wall_time_follows_the_concurrency(make_pipeline: PipelineFactory) -> None:
    stages = "".join(
        f'[stages.s{i}]\nuses = "kit.sleep"\nconfig = {{ seconds = 1 }}\n' for i in range(4)
    )
    stages += '[stages.last]\nuses = "kit.sleep"\nconfig = { seconds = 2 }\ndepends_on = ["s0"]\n'
    pipeline = make_pipeline(stages)

    serial = build_report(pipeline, concurrency=1)
    two = build_report(pipeline, concurrency=2)
    wide = build_report(pipeline, concurrency=8)

    assert serial.wall_seconds == pytest.approx(6.0)
    # the runner's own policy: ready stages start in file order, so `last` waits for s2, s3
    assert two.wall_seconds == pytest.approx(4.0)
    assert wide.wall_seconds == pytest.approx(3.0)
    assert wide.critical_path == ("s0", "last")
    assert wide.critical_seconds == pytest.approx(3.0)
    assert wide.concurrency == 8


# -- diffs -------------------------------------------------------------------------------------


def test_a_report_compared_with_itself_has_no_differences(make_pipeline: PipelineFactory) -> None:
    report = build_report(make_pipeline(REPORTED))

    diff = diff_reports(report, report)

    assert diff.empty
    assert diff.stages == ()
    assert diff.summary() == "no differences"


def test_a_diff_shows_added_removed_reconfigured_and_conflicts(
    make_pipeline: PipelineFactory,
) -> None:
    before = build_report(make_pipeline(REPORTED))
    after = build_report(
        make_pipeline(
            REPORTED.replace(
                'config = { key = "side" }', 'config = { key = "side", value = 2 }'
            ).replace('[stages.join]\nuses = "core.noop"\ndepends_on = ["count", "side"]\n', "")
            + '[stages.extra]\nuses = "kit.nodry"\n'
        )
    )

    diff = diff_reports(before, after)

    assert diff.of_kind("added") == ["extra"]
    assert diff.of_kind("removed") == ["join"]
    assert diff.of_kind("reconfigured") == ["side"]
    (side,) = [c for c in diff.stages if c.stage_id == "side"]
    assert side.config_changes == (("value", 1, 2),)
    assert [c.kind for c in diff.conflicts_new] == ["no_dry_run"]
    assert diff.totals["stages"] == (4, 4)
    assert "1 added" in diff.summary() and "1 new conflict" in diff.summary()
    assert diff.to_json()["summary"] == diff.summary()


@st.composite
def pipelines(draw: st.DrawFn) -> list[tuple[str, int, list[int]]]:
    """(stage id, value, indices of earlier stages it depends on) in file order."""
    n = draw(st.integers(min_value=1, max_value=8))
    out = []
    for i in range(n):
        deps = draw(st.lists(st.integers(0, i - 1), unique=True, max_size=2)) if i else []
        out.append((f"s{i}", draw(st.integers(0, 5)), deps))
    return out


def toml(stages: list[tuple[str, int, list[int]]]) -> str:
    text = '[pipeline]\nname = "gen"\n'
    for sid, value, deps in stages:
        depends = ", ".join(f'"s{d}"' for d in deps)
        text += (
            f'[stages.{sid}]\nuses = "kit.write"\n'
            f'config = {{ key = "{sid}", value = {value} }}\ndepends_on = [{depends}]\n'
        )
    return text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pipelines(), st.sampled_from(["added", "removed", "reconfigured"]), st.data())
def test_one_change_to_a_pipeline_shows_up_exactly_once(
    registry: StageRegistry,
    stages: list[tuple[str, int, list[int]]],
    kind: str,
    data: st.DataObject,
) -> None:
    changed = list(stages)
    if kind == "added":
        target = "new"
        changed.append((target, 0, []))
    elif kind == "removed":
        # a stage nothing depends on, so no other stage is rewired
        leaves = [i for i in range(len(stages)) if not any(i in s[2] for s in stages)]
        index = data.draw(st.sampled_from(leaves))
        target = stages[index][0]
        del changed[index]
    else:
        index = data.draw(st.integers(0, len(stages) - 1))
        sid, value, deps = stages[index]
        target = sid
        changed[index] = (sid, value + 1, deps)
    left = build_report(Pipeline.parse(toml(stages), registry))
    right = build_report(Pipeline.parse(toml(changed), registry))

    diff = diff_reports(left, right)

    assert [(c.stage_id, c.kinds) for c in diff.stages] == [(target, (kind,))]
    assert diff_reports(right, right).empty
