"""`workbench status`, `workbench cache info|clear` and the cache flags of `workbench run`."""

from __future__ import annotations

import json
from collections.abc import Callable

from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]


def _statuses(outcome: Outcome) -> dict[str, str]:
    assert outcome.code == 0, outcome.err
    return {s["id"]: s["status"] for s in json.loads(outcome.out)["stages"]}


def test_a_second_run_is_cached_and_status_says_why_stages_will_run(
    cli: Cli, project: Project
) -> None:
    path = project.pipeline("good")
    before = json.loads(cli("status", path, "--format", "json").out)
    assert before["will_run"] == 4
    assert {r["kind"] for s in before["stages"] for r in s["reasons"]} == {"never_run"}
    assert set(_statuses(cli("run", path, "--format", "json")).values()) == {"success"}
    assert set(_statuses(cli("run", path, "--format", "json")).values()) == {"cached"}
    after = json.loads(cli("status", path, "--format", "json").out)
    assert after["summary"] == "0 will run, 4 up to date"
    text = cli("status", path)
    assert "up to date" in text.out and "4 up to date" in text.out


def test_status_names_a_changed_config_field_and_the_stages_downstream(
    cli: Cli, project: Project
) -> None:
    path = project.pipeline("good")
    cli("run", path, "--format", "json")
    path.write_text(path.read_text().replace("value = [1, 2, 3]", "value = [1, 2]"))
    status = json.loads(cli("status", path, "--format", "json").out)
    lines = {s["id"]: s for s in status["stages"]}
    assert lines["load"]["reasons"][0]["kind"] == "config_changed"
    assert lines["load"]["reasons"][0]["changes"] == [
        {"field": "value", "before": [1, 2, 3], "after": [1, 2]}
    ]
    assert lines["read"]["reasons"] == [
        {"kind": "upstream_will_run", "detail": "load will run", "stage": "load"}
    ]
    assert lines["side"]["state"] == "up_to_date"
    text = cli("status", path).out
    assert "config_changed: value: [1, 2, 3] → [1, 2]" in text


def test_run_force_force_stage_and_no_cache(cli: Cli, project: Project) -> None:
    path = project.pipeline("good")
    cli("run", path, "--format", "json")
    forced = _statuses(cli("run", path, "--format", "json", "--force-stage", "side"))
    assert forced == {"load": "cached", "read": "cached", "side": "success", "join": "cached"}
    assert set(_statuses(cli("run", path, "--format", "json", "--force")).values()) == {"success"}
    assert set(_statuses(cli("run", path, "--format", "json", "--no-cache")).values()) == {
        "success"
    }
    status = json.loads(cli("status", path, "--format", "json", "--force-stage", "load").out)
    assert status["stages"][0]["reasons"][0]["kind"] == "forced"


def test_force_stage_with_an_unknown_id_is_bad_usage(cli: Cli, project: Project) -> None:
    outcome = cli("run", project.pipeline("good"), "--force-stage", "lod")
    assert outcome.code == 2
    assert "'lod' is not a stage of good; did you mean 'load'?" in outcome.err


def test_cache_info_and_clear(cli: Cli, project: Project) -> None:
    empty = json.loads(cli("cache", "info", "--format", "json").out)
    assert empty["entries"] == 0 and empty["hit_rate"] is None
    path = project.pipeline("good")
    cli("run", path, "--format", "json")
    cli("run", path, "--format", "json")
    info = json.loads(cli("cache", "info", "--format", "json").out)
    assert info["entries"] == 4 and info["hit_rate"] == 0.5 and info["recent_runs"] == 2
    assert info["max_bytes"] == 1 << 30
    assert "50% over the last 2 runs" in cli("cache", "info").out
    assert "cleared 4 cached results" in cli("cache", "clear").out
    assert set(_statuses(cli("run", path, "--format", "json")).values()) == {"success"}


def test_the_size_cap_comes_from_workbench_toml(cli: Cli, project: Project) -> None:
    settings = project.root / "workbench.toml"
    settings.write_text(settings.read_text() + '[cache]\nmax_size = "2 MiB"\n')
    info = json.loads(cli("cache", "info", "--format", "json").out)
    assert info["max_bytes"] == 2 * 1024 * 1024


def test_dry_run_marks_up_to_date_stages_and_counts_only_what_will_run(
    cli: Cli, project: Project
) -> None:
    path = project.pipeline("good")
    cli("run", path, "--format", "json")
    path.write_text(path.read_text().replace("value = [1, 2, 3]", "value = [1, 2]"))
    report = json.loads(cli("dry-run", path, "--format", "json").out)
    states = {s["id"]: s["state"] for s in report["stages"]}
    assert states == {
        "load": "will_run",
        "read": "will_run",
        "side": "up_to_date",
        "join": "will_run",
    }
    assert report["totals"]["will_run"] == 3 and report["totals"]["up_to_date"] == 1
    assert report["stages"][0]["reasons"][0]["kind"] == "config_changed"
    assert "(3 to run, 1 up to date)" in report["summary"]


def test_stages_shows_versions(cli: Cli) -> None:
    stages = json.loads(cli("stages", "--format", "json").out)["stages"]
    assert {s["name"]: s["version"] for s in stages}["core.noop"] == "1"
    assert " v1 " in cli("stages").out


def test_history_records_cached_stages(cli: Cli, project: Project) -> None:
    path = project.pipeline("good")
    cli("run", path, "--format", "json")
    cli("run", path, "--format", "json")
    runs = json.loads(cli("history", "--format", "json").out)
    latest = json.loads(cli("history", str(runs[0]["id"]), "--format", "json").out)
    assert latest["status"] == "success"
    assert {s["status"] for s in latest["stages"]} == {"cached"}


def test_a_bad_size_cap_is_reported_with_its_place_and_the_default_applies(
    cli: Cli, project: Project
) -> None:
    settings = project.root / "workbench.toml"
    settings.write_text(settings.read_text() + '[cache]\nmax_size = "lots"\n')
    outcome = cli("cache", "info", "--format", "json")
    assert outcome.code == 0
    assert "workbench.toml" in outcome.err and "cache.max_size" in outcome.err
    assert "'500 MB', '1 GiB'" in outcome.err
    assert json.loads(outcome.out)["max_bytes"] == 1 << 30
