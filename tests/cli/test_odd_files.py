"""Odd files get a clean error naming the file and the fix, never a traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest
from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]

DEEP = (
    "[pipeline]\nname = 'deep'\n\n[stages.a]\nuses = 'core.noop'\n"
    "config = {{ v = {open}{close} }}\n"
)


@pytest.mark.parametrize("depth", [100, 500, 5000])
def test_validate_on_deep_nesting_is_a_problem_with_its_line(
    cli: Cli, project: Project, depth: int
) -> None:
    path = project.pipeline("deep")
    path.write_text(DEEP.format(open="[" * depth, close="]" * depth))

    result = cli("validate", path)

    assert result.code == 1
    assert f"{path}:6" in result.out
    assert "nested" in result.out and "64 deep" in result.out


def test_validate_on_a_symlink_loop_names_the_file_and_the_fix(cli: Cli, project: Project) -> None:
    path = project.pipeline("loop")
    os.symlink(path, path)

    result = cli("validate", path)
    listed = cli("validate", *sorted((project.root / "pipelines").glob("*.toml")))

    assert result.code == 2
    assert str(path) in result.out
    assert "symbolic link" in result.out and "fix or remove the link" in result.out
    assert listed.code == 2
    assert "good.toml" in listed.out


def test_an_unreadable_pipeline_names_the_fix(cli: Cli, project: Project) -> None:
    path = project.pipeline("folder")
    path.mkdir()

    result = cli("run", path)

    assert result.code == 2
    assert str(path) in result.err
    assert "that is a folder" in result.err


def test_a_file_that_is_not_utf8_names_the_fix(cli: Cli, project: Project) -> None:
    path = project.pipeline("latin")
    path.write_bytes(b"[pipeline]\nname = '\xe9t\xe9'\n")

    result = cli("validate", path)

    assert result.code == 2
    assert "save the file as UTF-8" in result.out


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("stage_paths = [\n", 1, "not valid TOML"),
        ('\n\nallow_writes = ["/tmp"]\n', 3, "unknown setting 'allow_writes'"),
        ("\nstage_paths = 3\n", 2, "valid list"),
    ],
)
@pytest.mark.parametrize("command", ["stages", "validate", "run"])
def test_a_broken_workbench_toml_is_reported_with_its_line(
    cli: Cli, project: Project, text: str, line: int, words: str, command: str
) -> None:
    settings = project.root / "workbench.toml"
    settings.write_text(text)
    args = [] if command == "stages" else [project.pipeline("wide")]

    result = cli(command, *args)

    assert f"{settings}:{line}" in result.err
    assert words in result.err


def test_one_wrong_setting_keeps_the_others(cli: Cli, project: Project) -> None:
    settings = project.root / "workbench.toml"
    settings.write_text(settings.read_text() + "colour = 'red'\n")

    data = json.loads(cli("stages", "--format", "json").out)

    assert "kit.sleep" in {s["name"] for s in data["stages"]}


def test_a_300_character_stage_id_keeps_its_log(cli: Cli, project: Project) -> None:
    long_id = "s" * 300
    path = project.write(
        "long",
        f"""
        [pipeline]
        name = "long"

        [stages.{long_id}]
        uses = "kit.chatty"
        """,
    )

    result = cli("run", path)
    shown = json.loads(cli("history", "1", "--format", "json").out)

    assert result.code == 0
    assert "File name too long" not in result.err
    (stage,) = shown["stages"]
    assert stage["log_path"] is not None
    log = project.root / stage["log_path"]
    assert len(log.name) < 255
    assert "first line" in log.read_text()
