"""Every headless command, its JSON contract and its exit codes, run in this process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from kit.cli import BROKEN, Outcome, Project

Cli = Callable[..., Outcome]

STAGE_KEYS = {
    "name",
    "description",
    "config_schema",
    "reads",
    "writes",
    "requires",
    "provides",
    "dependencies",
    "source",
}
PROBLEM_KEYS = {"kind", "message", "stage", "line", "column", "path", "field"}
RUN_STAGE_KEYS = {"id", "status", "duration_s", "message", "errors"}


# -- stages -------------------------------------------------------------------------------------


def test_stages_json_lists_every_stage_with_its_metadata(cli: Cli) -> None:
    result = cli("stages", "--format", "json")

    assert result.code == 0
    data = json.loads(result.out)
    assert set(data) == {"stages", "errors", "output", "providers"}
    assert data["errors"] == []
    stages = {s["name"]: s for s in data["stages"]}
    assert {"core.noop", "kit.sleep", "kit.consumer"} <= set(stages)
    for stage in data["stages"]:
        assert set(stage) >= STAGE_KEYS
    assert stages["kit.consumer"]["requires"] == ["db"]
    assert stages["kit.provider"]["provides"] == ["db"]
    assert stages["kit.needs_setup"]["dependencies"] == [
        {"stage": "kit.setup", "required": True, "order": "after"},
        {"stage": "kit.teardown", "required": False, "order": "before"},
    ]
    assert "seconds" in stages["kit.sleep"]["config_schema"]["properties"]
    assert stages["kit.sleep"]["source"].endswith("kit_stages.py")
    names = [s["name"] for s in data["stages"]]
    assert names == sorted(names)


def test_stages_reports_plugins_that_failed_to_load(cli: Cli, project: Project) -> None:
    local = project.root / "local"
    local.mkdir()
    (local / "broken.py").write_text("import not_a_module_anywhere\n")
    (project.root / "workbench.toml").write_text(
        (project.root / "workbench.toml").read_text().replace("]", ', "local"]')
    )

    data = json.loads(cli("stages", "--format", "json").out)
    text = cli("stages")

    (error,) = data["errors"]
    assert error["kind"] == "import"
    assert "broken.py" in error["plugin"]
    assert "not_a_module_anywhere" in error["message"]
    assert text.code == 0
    assert "kit.sleep" in text.out
    assert "1 plugin(s) failed to load" in text.err


# -- validate ------------------------------------------------------------------------------------


def test_validate_json_reports_each_file(cli: Cli, project: Project) -> None:
    good = project.pipeline("good")
    cycle = BROKEN / "cycle.toml"

    result = cli("validate", good, cycle, "--format", "json")

    assert result.code == 1
    first, second = json.loads(result.out)
    assert first["path"] == str(good)
    assert first["valid"] is True
    assert first["errors"] == [] and first["warnings"] == []
    assert second["valid"] is False
    (error,) = second["errors"]
    assert set(error) >= PROBLEM_KEYS
    assert error["kind"] == "cycle"
    assert error["cycle"] == ["a", "b", "c", "a"]
    assert (error["stage"], error["line"], error["column"]) == ("a", 7, 1)
    assert error["path"] == str(cycle)


def test_validate_reports_every_problem_of_a_file(cli: Cli, project: Project) -> None:
    # --project: the broken files use the kit stages of the test project
    result = cli("validate", BROKEN / "several.toml", "--project", project.root, "--format", "json")

    (report,) = json.loads(result.out)
    assert [e["kind"] for e in report["errors"]] == [
        "unknown_stage",
        "missing_dependency",
        "requirement",
    ]
    assert "did you mean 'core.noop'?" in report["errors"][0]["hint"]
    assert "cycle" not in report["errors"][0]


def test_validate_text_names_the_file_place_and_fix(cli: Cli, project: Project) -> None:
    ok = cli("validate", project.pipeline("good"))
    bad = cli("validate", BROKEN / "unknown_stage.toml")

    assert ok.code == 0
    assert "✔" in ok.out and "good: 4 stages" in ok.out
    assert bad.code == 1
    assert f"{BROKEN / 'unknown_stage.toml'}:8:1 [stages.save].uses" in bad.out
    assert "unknown_stage" in bad.out
    assert "fix: did you mean 'core.noop'?" in bad.out


def test_validate_a_missing_file_exits_2(cli: Cli, project: Project) -> None:
    result = cli("validate", project.pipeline("good"), "nowhere.toml", "--format", "json")

    assert result.code == 2
    missing = json.loads(result.out)[1]
    assert missing["valid"] is False
    assert missing["errors"][0]["kind"] == "io"


def test_validate_every_broken_file_exits_1_without_a_traceback(cli: Cli) -> None:
    files = sorted(BROKEN.glob("*.toml"))

    result = cli("validate", *files, "--format", "json")

    assert result.code == 1
    assert [r["valid"] for r in json.loads(result.out)] == [False] * len(files)


# -- graph ---------------------------------------------------------------------------------------


def test_graph_json(cli: Cli, project: Project) -> None:
    result = cli("graph", project.pipeline("good"), "--format", "json")

    assert result.code == 0
    assert json.loads(result.out) == {
        "pipeline": "good",
        "order": ["load", "read", "side", "join"],
        "layers": [["load", "side"], ["read"], ["join"]],
        "edges": [["load", "read"], ["read", "join"], ["side", "join"]],
    }


def test_graph_text_dot_and_mermaid(cli: Cli, project: Project) -> None:
    path = project.pipeline("good")

    text = cli("graph", path)
    dot = cli("graph", path, "--format", "dot")
    mermaid = cli("graph", path, "--format", "mermaid")

    assert "layer 0: load, side" in text.out
    assert "load → read" in text.out
    assert dot.out.startswith('digraph "good" {')
    assert '"load" -> "read";' in dot.out
    assert mermaid.out.startswith("flowchart LR")
    assert 's0["load"]' in mermaid.out and "s0 --> s1" in mermaid.out


def test_graph_of_an_invalid_pipeline_exits_1_and_names_the_cycle(cli: Cli) -> None:
    result = cli("graph", BROKEN / "cycle.toml", "--format", "json")

    assert result.code == 1
    assert json.loads(result.out)["problems"][0]["cycle"] == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in result.err


# -- dry run -------------------------------------------------------------------------------------


def test_dry_run_json_is_the_report(cli: Cli, project: Project) -> None:
    result = cli("dry-run", project.pipeline("good"), "--format", "json")

    assert result.code == 0
    report = json.loads(result.out)
    assert report["order"] == ["load", "read", "side", "join"]
    assert report["layers"] == [["load", "side"], ["read"], ["join"]]
    assert [s["id"] for s in report["stages"]] == report["order"]
    assert report["totals"]["stages"] == 4
    assert report["conflicts"] == []
    assert report["concurrency"] == 1


def test_dry_run_text_shows_stages_and_conflicts(cli: Cli, project: Project) -> None:
    path = project.write(
        "clash",
        """
        [pipeline]
        name = "clash"
        [stages.a]
        uses = "kit.write"
        [stages.b]
        uses = "kit.write"
        """,
    )

    result = cli("dry-run", path)

    assert result.code == 0
    assert "Dry run of clash" in result.out
    assert "1 potential conflict(s)" in result.out
    assert "write_key" in result.out


def test_dry_run_compare_gives_both_reports_and_their_diff(cli: Cli, project: Project) -> None:
    other = project.write(
        "good2",
        project.pipeline("good").read_text().replace("value = [1, 2, 3]", "value = [1]")
        + '\n[stages.extra]\nuses = "kit.nodry"\n',
    )

    result = cli("dry-run", project.pipeline("good"), "--compare", other, "--format", "json")
    text = cli("dry-run", project.pipeline("good"), "--compare", other)

    assert result.code == 0
    data = json.loads(result.out)
    assert {"left", "right", "diff"} <= set(data)
    diff = data["diff"]
    assert {(c["id"], tuple(c["kinds"])) for c in diff["stages"]} == {
        ("load", ("reconfigured",)),
        ("extra", ("added",)),
    }
    assert diff["totals"]["stages"] == {"before": 4, "after": 5}
    assert text.code == 0
    assert "Comparison:" in text.out and "1 added" in text.out


def test_dry_run_set_and_concurrency(cli: Cli, project: Project) -> None:
    result = cli(
        "dry-run",
        project.pipeline("wide"),
        "--concurrency",
        "3",
        "--set",
        "x=1",
        "--format",
        "json",
    )

    assert json.loads(result.out)["concurrency"] == 3


# -- run -----------------------------------------------------------------------------------------


def test_run_json_gives_the_status_and_every_stage(cli: Cli, project: Project) -> None:
    result = cli("run", project.pipeline("good"), "--format", "json")

    assert result.code == 0
    data = json.loads(result.out)
    assert data["status"] == "success"
    assert [s["id"] for s in data["stages"]] == ["load", "read", "side", "join"]
    for stage in data["stages"]:
        assert set(stage) >= RUN_STAGE_KEYS
        assert stage["status"] == "success"
        assert stage["errors"] == []
    assert data["stages"][1]["message"] == "read 'from the file'"


def test_a_failed_stage_exits_1_and_skips_its_dependents(cli: Cli, project: Project) -> None:
    result = cli("run", project.pipeline("failing"), "--format", "json")

    assert result.code == 1
    data = json.loads(result.out)
    assert data["status"] == "failure"
    assert {s["id"]: s["status"] for s in data["stages"]} == {
        "ok": "success",
        "bad": "failure",
        "after": "skipped",
    }
    bad = data["stages"][1]
    assert bad["message"] == "the disk is full"
    assert bad["errors"] == ["the disk is full"]


def test_plain_run_output_keeps_a_summary(cli: Cli, project: Project) -> None:
    result = cli("run", project.pipeline("failing"))

    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0] == "▶ failing: 3 stages, concurrency 1"
    assert any(line.startswith("✔ ok") for line in lines)
    assert any(line.startswith("✘ bad") and "the disk is full" in line for line in lines)
    assert any(line.startswith("⊘ after") for line in lines)
    # the summary table and the verdict stay at the end
    assert "failing failure in" in lines[-1]
    assert "1 success, 1 failure, 1 skipped" in lines[-1]
    assert "\x1b[" not in result.out, "no terminal control codes in a pipe"


def test_run_set_overrides_a_context_parameter(cli: Cli, project: Project) -> None:
    result = cli("run", project.pipeline("good"), "--set", "value=42", "--format", "json")

    assert json.loads(result.out)["stages"][1]["message"] == "read 42"
    text = cli("run", project.pipeline("good"), "--set", "value=some words", "--format", "json")
    assert json.loads(text.out)["stages"][1]["message"] == "read 'some words'"


def test_run_from_and_to_select_stages(cli: Cli, project: Project) -> None:
    path = project.pipeline("good")
    cli("run", path)  # --from starts from a recorded run's context

    after = json.loads(cli("run", path, "--from", "read", "--format", "json").out)
    before = json.loads(cli("run", path, "--to", "read", "--format", "json").out)

    assert [s["id"] for s in after["stages"]] == ["read", "join"]
    assert [s["id"] for s in before["stages"]] == ["load", "read"]


def test_run_concurrency_overrides_the_pipeline(cli: Cli, project: Project) -> None:
    result = cli("run", project.pipeline("wide"), "--concurrency", "3")

    assert result.code == 0
    assert "concurrency 3" in result.out.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["run", "PIPELINE", "--from", "nope"], "nope"),
        (["run", "PIPELINE", "--set", "novalue"], "KEY=VALUE"),
        (["run", "PIPELINE", "--from", "join", "--to", "load"], "selects no stages"),
        (["run", "PIPELINE", "--set", "value=first\nsecond"], "control character"),
        (["run", "PIPELINE", "--set", "value=a\x1b]52;c;eA==\x07"], "control character"),
        (["run", "PIPELINE", "--set", "project_dir=/elsewhere"], "'project_dir' is reserved"),
        (["dry-run", "PIPELINE", "--set", "project_dir=/elsewhere"], "'project_dir' is reserved"),
        (["run", "PIPELINE", "--concurrency", "0"], "must be 1 or more"),
        (["run", "PIPELINE", "--concurrency", "many"], "not a whole number"),
        (["graph", "PIPELINE", "--format", "svg"], "invalid choice"),
        (["graph"], "required"),
        (["validate"], "required"),
        (["run", "missing.toml"], "cannot read the file"),
        (["history", "999"], "No such run"),
        (["stages", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_usage_exits_2_with_a_hint_and_no_traceback(
    cli: Cli, project: Project, args: list[str], words: str
) -> None:
    argv = [str(project.pipeline("good")) if a == "PIPELINE" else a for a in args]

    result = cli(*argv)

    assert result.code == 2
    assert words in result.err
    assert result.out == ""


def test_an_invalid_pipeline_exits_1(cli: Cli, project: Project) -> None:
    result = cli("run", BROKEN / "requirement.toml", "--project", project.root)

    assert result.code == 1
    assert "is not a valid pipeline" in result.err
    assert "requires 'db'" in result.err


# -- history -------------------------------------------------------------------------------------


def test_history_lists_runs_and_shows_one(cli: Cli, project: Project) -> None:
    cli("run", project.pipeline("good"), "--format", "json")
    cli("run", project.pipeline("failing"), "--format", "json")

    runs = json.loads(cli("history", "--format", "json").out)
    assert [(r["pipeline"], r["status"], r["source"]) for r in runs] == [
        ("failing", "failure", "cli"),
        ("good", "success", "cli"),
    ]
    detail = json.loads(cli("history", str(runs[0]["id"]), "--format", "json").out)
    assert [(s["id"], s["status"]) for s in detail["stages"]] == [
        ("ok", "success"),
        ("bad", "failure"),
        ("after", "skipped"),
    ]
    good = json.loads(cli("history", str(runs[1]["id"]), "--format", "json").out)
    assert [(c["stage"], c["key"]) for c in good["changes"]] == [("load", "rows")]
    text = cli("history")
    assert "failing" in text.out and "good" in text.out
    assert "the disk is full" in cli("history", str(runs[0]["id"])).out
    assert len(json.loads(cli("history", "--limit", "1", "--format", "json").out)) == 1


def test_no_history_leaves_no_record(cli: Cli, project: Project) -> None:
    cli("run", project.pipeline("good"), "--no-history")

    assert json.loads(cli("history", "--format", "json").out) == []
    assert "no runs recorded yet" in cli("history").out


# -- schema --------------------------------------------------------------------------------------


def test_schema_prints_the_json_schema_of_the_file_format(cli: Cli, project: Project) -> None:
    result = cli("schema")

    assert result.code == 0
    out = json.loads(result.out)
    jsonschema.Draft202012Validator.check_schema(out)
    raw = {"pipeline": {"name": "x"}, "stages": {"a": {"uses": "core.noop", "timeout": "30s"}}}
    jsonschema.validate(raw, out)


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli("--help")

    assert result.code == 0
    for command in ("stages", "validate", "graph", "dry-run", "run", "history", "schema"):
        assert command in result.out


def test_log_file_receives_the_log(cli: Cli, project: Project, tmp_path: Path) -> None:
    log = tmp_path / "run.log"

    result = cli("validate", project.pipeline("good"), "--log-file", log)

    assert result.code == 0
    assert log.exists()


def test_an_optional_upstream_failing_lets_its_dependent_run(cli: Cli, project: Project) -> None:
    project.write(
        "optional",
        """
        [pipeline]
        name = "optional"

        [stages.enrich]
        uses = "kit.fail"
        config = { message = "the enrichment service is down" }

        [stages.base]
        uses = "core.noop"

        [stages.summary]
        uses = "core.noop"
        depends_on = ["base", { stage = "enrich", required = false }]

        [stages.needs_enrich]
        uses = "core.noop"
        depends_on = ["enrich"]
        """,
    )
    outcome = cli("run", project.pipeline("optional"), "--format", "json")
    data = json.loads(outcome.out)
    stages = {s["id"]: s for s in data["stages"]}
    assert stages["summary"]["status"] == "success"
    assert "ran without optional input 'enrich' failed" in stages["summary"]["message"]
    assert stages["needs_enrich"]["status"] == "skipped"
    assert outcome.code == 1  # enrich itself failed, without continue_on_error


def test_project_dir_in_the_context_table_is_an_error_naming_it(cli: Cli, project: Project) -> None:
    path = project.root / "pipelines" / "moved.toml"
    path.write_text(
        '[pipeline]\nname = "moved"\n\n[context]\nproject_dir = "/elsewhere"\n\n'
        '[stages.a]\nuses = "core.noop"\n'
    )

    result = cli("validate", path)

    assert result.code == 1
    assert f"{path}:5" in result.out
    assert "'project_dir' is reserved" in result.out
