"""``--format json`` is a contract: every exit path prints JSON on stdout, and nothing else.

A script parsing the output needs the errors most when something went wrong, so
failures print an error object (``{"error": {...}}``), with the problems of an
invalid pipeline (kind, path, line, column, stage), while the person reads the
same reason on stderr.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kit.cli import BROKEN, Outcome, Project

Cli = Callable[..., Outcome]


def _json(result: Outcome) -> Any:
    assert result.out.strip(), f"nothing on stdout; stderr: {result.err}"
    return json.loads(result.out)


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["run", "PIPELINE", "--set", "novalue"], 2, "KEY=VALUE"),
        (["run", "PIPELINE", "--set", "value=a\nb"], 2, "control character"),
        (["run", "PIPELINE", "--from", "nope"], 2, "nope"),
        (["run", "PIPELINE", "--concurrency", "0"], 2, "must be 1 or more"),
        (["run", "PIPELINE", "--watch"], 2, "--watch"),
        (["run", "--bogus"], 2, "required"),
        (["dry-run", "PIPELINE", "--set-right", "x"], 2, "--set-right 'x'"),
        (["dry-run", "PIPELINE", "--compare", "PIPELINE", "--set-right", "a=1"], 2, "combined"),
        (["dry-run", "PIPELINE", "--against-run", "5"], 1, "no run history"),
        (["history", "999"], 2, "999"),
        (["history", "--limit", "none"], 2, "not a whole number"),
        (["stages", "--bogus"], 2, "unrecognized arguments"),
        (["graph"], 2, "required"),
        (["validate"], 2, "required"),
        (["run", "PIPELINE", "--log-file", "/nonexistent/dir/log.txt"], 2, "log file"),
    ],
)
@pytest.mark.parametrize("spelling", [["--format", "json"], ["--format=json"]])
def test_bad_usage_prints_an_error_object(
    cli: Cli, project: Project, args: list[str], code: int, words: str, spelling: list[str]
) -> None:
    argv = [str(project.pipeline("good")) if a == "PIPELINE" else a for a in args]

    result = cli(*argv, *spelling)

    assert result.code == code
    error = _json(result)["error"]
    assert words in error["message"]
    assert error["exit_code"] == code
    assert error["title"]
    assert words in result.err


@pytest.mark.parametrize("command", ["run", "dry-run", "graph"])
def test_an_invalid_pipeline_prints_its_problems_as_json(cli: Cli, command: str) -> None:
    path = BROKEN / "unknown_stage.toml"

    result = cli(command, path, "--format", "json")

    assert result.code == 1
    data = _json(result)
    assert data["error"]["title"] == "Invalid pipeline"
    assert data["error"]["path"] == str(path)
    (problem,) = [p for p in data["problems"] if p["stage"] == "save"]
    assert problem["kind"] == "unknown_stage"
    assert (problem["path"], problem["line"], problem["column"]) == (str(path), 8, 1)
    assert "is not a valid pipeline" in result.err


@pytest.mark.parametrize("command", ["run", "dry-run", "graph"])
def test_a_missing_file_says_no_such_file_and_exits_2(
    cli: Cli, command: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.toml"

    text = cli(command, missing)
    result = cli(command, missing, "--format", "json")

    assert text.code == result.code == 2
    assert "No such file" in text.err and str(missing) in text.err
    assert "not a valid pipeline" not in text.err
    assert text.out == ""
    error = _json(result)["error"]
    assert error["title"] == "No such file"
    assert error["path"] == str(missing)


def test_dry_run_compare_with_a_missing_file_says_no_such_file(
    cli: Cli, project: Project, tmp_path: Path
) -> None:
    result = cli(
        "dry-run", project.pipeline("good"), "--compare", tmp_path / "b.toml", "--format", "json"
    )

    assert result.code == 2
    assert _json(result)["error"]["path"] == str(tmp_path / "b.toml")


def test_validate_names_a_missing_file_in_text(cli: Cli, project: Project) -> None:
    result = cli("validate", project.pipeline("good"), "nowhere.toml")

    assert result.code == 2
    assert "nowhere.toml  no such file" in result.out


def test_an_unreadable_file_is_bad_usage_with_its_reason(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "folder.toml"
    folder.mkdir()

    result = cli("run", folder, "--format", "json")

    assert result.code == 2
    data = _json(result)
    assert data["error"]["title"] == "Unreadable file"
    assert data["problems"][0]["kind"] == "io"
