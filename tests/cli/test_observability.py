"""Logs, structured logs, output counts in JSON, statistics across runs, discovery timings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]


def test_log_file_of_a_failing_run_holds_the_failing_stage_lines(
    cli: Cli, project: Project, tmp_path: Path
) -> None:
    project.write(
        "shell",
        """
        [pipeline]
        name = "shell"

        [stages.bad]
        uses = "shell.run"
        config = { command = ["sh", "-c", "echo checking the target; echo the disk is full >&2; exit 3"] }

        [stages.after]
        uses = "core.noop"
        depends_on = ["bad"]
        """,
    )
    log = tmp_path / "run.log"
    outcome = cli("run", project.pipeline("shell"), "--log-file", log)
    assert outcome.code == 1
    text = log.read_text()
    stamp = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
    assert "INFO workbench.run: bad | checking the target" in text
    assert "WARNING workbench.run: bad | the disk is full" in text
    assert "ERROR workbench.run: bad finished: failure in" in text
    assert all(re.match(stamp, line) for line in text.splitlines())
    assert "after finished: skipped" in text
    assert "workbench.run" not in outcome.err  # the events go to the file, not doubled on stderr


def test_json_log_parses_line_by_line(cli: Cli, project: Project, tmp_path: Path) -> None:
    log = tmp_path / "run.jsonl"
    cli("run", project.pipeline("failing"), "--log-file", log, "--log-format", "json")
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records
    for record in records:
        assert {"time", "level", "event", "message", "run_id", "stage", "attempt", "counts"} <= set(
            record
        )
    finished = [r for r in records if r["event"] == "StageFinished" and r["stage"] == "bad"]
    assert finished[0]["level"] == "error" and finished[0]["attempt"] == 1
    assert finished[0]["run_id"] == 1
    end = records[-1]
    assert end["event"] == "PipelineFinished"
    assert end["counts"] == {"success": 1, "failure": 1, "skipped": 1}


def test_run_and_history_json_carry_attempts_counts_and_bytes(cli: Cli, project: Project) -> None:
    (project.root / "in.txt").write_text("one two three\n")
    project.write(
        "copy",
        """
        [pipeline]
        name = "copy"

        [stages.load]
        uses = "files.load"
        config = { path = "in.txt", key = "text" }

        [stages.save]
        uses = "files.save"
        depends_on = ["load"]
        config = { key = "text", path = "out/copy.txt" }
        """,
    )
    data = json.loads(cli("run", project.pipeline("copy"), "--format", "json").out)
    save = {s["id"]: s for s in data["stages"]}["save"]
    assert save["attempts"] == 1 and save["duration_s"] >= 0
    assert save["count"] == 1 and save["unit"] == "lines"
    assert save["bytes_written"] == len("one two three\n")
    detail = json.loads(cli("history", "1", "--format", "json").out)
    recorded = {s["id"]: s for s in detail["stages"]}["save"]
    assert recorded["bytes_written"] == save["bytes_written"]
    assert recorded["count"] == 1 and recorded["attempts"] == 1


def test_history_stats_shows_median_p95_failure_rate_and_last_outcome(
    cli: Cli, project: Project
) -> None:
    for _ in range(3):  # executions, not cache hits: every run runs every stage
        cli("run", project.pipeline("failing"), "--no-cache")
    data = json.loads(cli("history", "stats", "failing", "--format", "json").out)
    stages = {s["id"]: s for s in data["stages"]}
    assert stages["bad"]["runs"] == 3 and stages["bad"]["failure_rate"] == 1.0
    assert stages["ok"]["failure_rate"] == 0.0 and stages["ok"]["last_status"] == "success"
    assert stages["after"]["runs"] == 0 and stages["after"]["last_status"] == "skipped"
    assert (
        stages["ok"]["median_s"] is not None and stages["ok"]["p95_s"] >= stages["ok"]["median_s"]
    )
    text = cli("history", "stats", project.pipeline("failing")).out
    assert "p95" in text and "100% (3/3)" in text
    assert cli("history", "nope").code == 2


def test_discovery_logs_each_registration_at_debug(cli: Cli, project: Project) -> None:
    outcome = cli("stages", "-vv")
    assert "discovery: registered files.load from files = stages.files" in outcome.err
    assert re.search(r"stages\.files imported in \d+\.\d ms", outcome.err)
