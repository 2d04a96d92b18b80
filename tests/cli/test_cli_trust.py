"""Secrets stay secret on the command line, and a broken history never stops `run`."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]

SECRET = "s3cr3t-Value-42"

COPY = """
[pipeline]
name = "copy"

[stages.copy]
uses = "transform.call"
config = { function = "copy:copy", args = { x = "api_token" }, output_key = "pw_copy" }

[stages.say]
uses = "kit.echo"
config = { key = "api_token" }
depends_on = ["copy"]
"""

SHELL = """
[pipeline]
name = "shell"

[stages.call]
uses = "shell.run"
config = { command = ["true"], env = { DB_URL = "postgres://u:pw@db/x", LANG = "C" }, public_env = ["LANG"] }
"""


def _state_bytes(project: Project) -> bytes:
    return b"".join(p.read_bytes() for p in (project.root / ".workbench").rglob("*") if p.is_file())


def test_a_secret_set_on_the_command_line_is_never_printed_logged_or_stored(
    cli: Cli, project: Project, tmp_path: Path
) -> None:
    pipeline = project.write("copy", COPY)
    log = tmp_path / "run.log"

    run = cli("run", pipeline, "--set", f"api_token={SECRET}", "-v", "--log-file", log)

    assert run.code == 0, run.err
    assert "into 'pw_copy' ('••••')" in run.out
    assert "api_token is ••••" in run.out and "echoed '••••'" in run.out
    assert SECRET not in run.out + run.err
    assert log.read_text() and SECRET not in log.read_text()
    assert SECRET.encode() not in _state_bytes(project)
    listed = cli("history", "--format", "json")
    assert '"api_token": "••••"' in listed.out
    detail = cli("history", "1", "--format", "json").out + cli("history", "1").out
    assert SECRET not in listed.out + cli("history").out + detail
    plan = cli("dry-run", pipeline, "--set", f"api_token={SECRET}", "--format", "json")
    markdown = cli("dry-run", pipeline, "--set", f"api_token={SECRET}", "--markdown")
    assert plan.code == 0 and SECRET not in plan.out + markdown.out


def test_shell_env_values_are_masked_in_dry_run_json_and_markdown(
    cli: Cli, project: Project
) -> None:
    pipeline = project.write("shell", SHELL)

    plan = cli("dry-run", pipeline, "--format", "json")
    markdown = cli("dry-run", pipeline, "--markdown")
    text = cli("dry-run", pipeline)

    assert "postgres://u:pw@db/x" not in plan.out + markdown.out + text.out
    env = json.loads(plan.out)["stages"][0]["config"]["env"]
    assert env == {"DB_URL": "••••", "LANG": "C"}
    assert "DB_URL=•••• LANG=C" in markdown.out


def test_the_log_file_is_private(cli: Cli, project: Project, tmp_path: Path) -> None:
    log = tmp_path / "new.log"
    old = os.umask(0o022)
    try:
        cli("run", project.pipeline("good"), "--log-file", log)
    finally:
        os.umask(old)

    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "load finished: success" in log.read_text()


def test_a_garbage_history_file_is_moved_aside_with_one_warning(cli: Cli, project: Project) -> None:
    state = project.root / ".workbench"
    state.mkdir()
    (state / "history.sqlite3").write_bytes(os.urandom(5000))

    result = cli("run", project.pipeline("good"))

    assert result.code == 0
    assert result.err.count("warning") == 1
    assert "damaged" in result.err
    assert len(list(state.glob("history.sqlite3.damaged-*"))) == 1
    runs = json.loads(cli("history", "--format", "json").out)
    assert [r["pipeline"] for r in runs] == ["good"]


def test_a_directory_in_place_of_the_history_gives_a_warning_and_the_stages_exit_status(
    cli: Cli, project: Project
) -> None:
    (project.root / ".workbench" / "history.sqlite3").mkdir(parents=True)

    good = cli("run", project.pipeline("good"))
    failing = cli("run", project.pipeline("failing"))

    assert good.code == 0
    assert good.err.count("warning") == 1 and "not recorded" in good.err
    assert failing.code == 1
    assert failing.err.count("warning") == 1


def test_history_of_a_folder_that_does_not_exist_says_so_and_creates_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    typo = tmp_path / "typo"

    listed = cli("history", "--project", typo)
    shown = cli("history", "3", "--project", typo, "--format", "json")

    assert listed.code == 2 and "No history" in listed.err and str(typo) in listed.err
    assert shown.code == 2 and json.loads(shown.out)["error"]
    assert not typo.exists()


def test_history_of_a_project_without_runs_creates_nothing(cli: Cli, project: Project) -> None:
    result = cli("history")

    assert result.code == 0
    assert "no runs recorded yet" in result.out
    assert not (project.root / ".workbench").exists()


def test_history_prune_keeps_the_newest_runs(cli: Cli, project: Project) -> None:
    for _ in range(3):
        cli("run", project.pipeline("good"), "--format", "json")

    pruned = cli("history", "prune", "--keep", "1", "--format", "json")

    assert pruned.code == 0
    assert json.loads(pruned.out)["removed"] == [1, 2]
    assert [r["id"] for r in json.loads(cli("history", "--format", "json").out)] == [3]


def test_history_retention_from_workbench_toml_prunes_after_each_run(
    cli: Cli, project: Project
) -> None:
    settings = project.root / "workbench.toml"
    settings.write_text(settings.read_text() + "\n[history]\nkeep_runs = 2\n")

    for _ in range(4):
        cli("run", project.pipeline("good"), "--format", "json")

    assert [r["id"] for r in json.loads(cli("history", "--format", "json").out)] == [4, 3]
