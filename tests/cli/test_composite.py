"""Composite stages: `uses = "pipeline.call"` runs another pipeline file (or inline stages)."""

from __future__ import annotations

import json

from kit.cli import Cli, Project

from workbench.engine.dryrun.models import DryRunReport

PART = """
[pipeline]
name = "part"

[context]
rows = []

[stages.count]
uses = "kit.write"
config = { key = "total", value = 3 }

[stages.optional_check]
uses = "kit.fail"
config = { message = "the check service is down" }
continue_on_error = true

[stages.slow]
uses = "kit.sleep"
config = { seconds = 0.01 }
"""

PARENT = """
[pipeline]
name = "parent"

[stages.prepare]
uses = "kit.write"
config = { key = "input_rows", value = [1, 2, 3] }

[stages.part]
uses = "pipeline.call"
depends_on = ["prepare"]
config = { path = "pipelines/part.toml", inputs = { input_rows = "rows" }, outputs = { total = "part_total" } }

[stages.after]
uses = "kit.read"
depends_on = ["part"]
config = { key = "part_total" }
"""


def test_a_failing_child_under_continue_on_error_gives_partial_and_the_run_goes_on(
    cli: Cli, project: Project
) -> None:
    project.write("part", PART)
    project.write("parent", PARENT)
    outcome = cli("run", project.pipeline("parent"), "--format", "json")
    assert outcome.code == 0, outcome.err
    stages = {s["id"]: s for s in json.loads(outcome.out)["stages"]}
    part = stages["part"]
    assert part["status"] == "partial"
    assert (
        part["message"] == "2 of 3 stages succeeded; optional_check failed (2 success, 1 failure)"
    )
    assert part["errors"] == ["optional_check: the check service is down"]
    children = {c["id"]: c["status"] for c in part["data"]["children"]}
    assert children == {"count": "success", "optional_check": "failure", "slow": "success"}
    assert part["data"]["counts"] == {"success": 2, "failure": 1}
    assert stages["after"]["status"] == "success"
    assert stages["after"]["message"] == "read 3"


def test_children_are_nested_in_the_summary_and_history(cli: Cli, project: Project) -> None:
    project.write("part", PART)
    project.write("parent", PARENT)
    text = cli("run", project.pipeline("parent")).out
    assert "  └ optional_check" in text
    history = cli("history", "1").out
    assert "  └ optional_check" in history and "the check service is down" in history
    detail = json.loads(cli("history", "1", "--format", "json").out)
    part = {s["id"]: s for s in detail["stages"]}["part"]
    assert [c["id"] for c in part["data"]["children"]] == ["count", "optional_check", "slow"]


def test_a_required_child_failing_fails_the_composite(cli: Cli, project: Project) -> None:
    project.write("part", PART.replace("continue_on_error = true\n", ""))
    project.write("parent", PARENT)
    outcome = cli("run", project.pipeline("parent"), "--format", "json")
    assert outcome.code == 1
    stages = {s["id"]: s for s in json.loads(outcome.out)["stages"]}
    assert stages["part"]["status"] == "failure"
    assert "optional_check failed in pipelines/part.toml" in stages["part"]["message"]
    assert stages["after"]["status"] == "skipped"


def test_the_dry_run_adds_the_child_plans_into_the_parent(cli: Cli, project: Project) -> None:
    project.write("part", PART)
    project.write("parent", PARENT)
    report = json.loads(cli("dry-run", project.pipeline("parent"), "--format", "json").out)
    part = {s["id"]: s for s in report["stages"]}["part"]
    descriptions = [op["description"] for op in part["operations"]]
    assert descriptions[0] == "run pipelines/part.toml (3 stages)"
    assert "slow: sleep" in descriptions
    child = json.loads(cli("dry-run", project.pipeline("part"), "--format", "json").out)
    child_seconds = sum(s["estimated_seconds"] or 0 for s in child["stages"])
    assert part["estimated_seconds"] == child_seconds


def test_each_child_operation_names_its_child_and_survives_a_json_round_trip(
    cli: Cli, project: Project
) -> None:
    project.write("part", PART)
    project.write("parent", PARENT)
    report = json.loads(cli("dry-run", project.pipeline("parent"), "--format", "json").out)
    by_id = {s["id"]: s for s in report["stages"]}
    part = by_id["part"]
    own, *children = part["operations"]
    assert "child" not in own  # the composite's own "run pipelines/part.toml" line
    assert [op["child"] for op in children] == ["count", "optional_check", "slow"]
    assert all(op["description"].startswith(f"{op['child']}: ") for op in children)
    assert all("child" not in op for op in by_id["prepare"]["operations"])
    assert DryRunReport.from_json(report).to_json()["stages"] == report["stages"]


def test_a_cycle_between_pipeline_files_names_the_chain(cli: Cli, project: Project) -> None:
    project.write(
        "a",
        """
        [pipeline]
        name = "a"

        [stages.call_b]
        uses = "pipeline.call"
        config = { path = "pipelines/b.toml" }
        """,
    )
    project.write(
        "b",
        """
        [pipeline]
        name = "b"

        [stages.call_a]
        uses = "pipeline.call"
        config = { path = "pipelines/a.toml" }
        """,
    )
    outcome = cli("validate", project.pipeline("a"), "--format", "json")
    assert outcome.code == 1
    (result,) = json.loads(outcome.out)
    messages = " ".join(e["message"] for e in result["errors"])
    assert "pipelines/a.toml -> pipelines/b.toml -> pipelines/a.toml" in messages


def test_inline_stages_group_as_one_stage(cli: Cli, project: Project) -> None:
    project.write(
        "inline",
        """
        [pipeline]
        name = "inline"

        [stages.group]
        uses = "pipeline.call"
        config = { outputs = { x = "x" }, stages = { one = { uses = "kit.write", config = { key = "x", value = 1 } }, two = { uses = "core.noop", depends_on = ["one"] } } }

        [stages.read]
        uses = "kit.read"
        config = { key = "x" }
        depends_on = ["group"]
        """,
    )
    outcome = cli("run", project.pipeline("inline"), "--format", "json")
    assert outcome.code == 0, outcome.err
    stages = {s["id"]: s for s in json.loads(outcome.out)["stages"]}
    assert stages["group"]["message"] == "2 stages succeeded"
    assert stages["read"]["message"] == "read 1"
