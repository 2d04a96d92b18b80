"""Writes stay inside the project folder unless workbench.toml's allow_write opens a place."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]

SAVE_OUTSIDE = """
    [pipeline]
    name = "leaks"

    [context]
    rows = [1, 2]

    [stages.save]
    uses = "files.save"
    config = { key = "rows", path = "../outside/rows.json" }
    """

# Every built-in stage that writes a file, with a config that points out of the project.
WRITERS = {
    "files.save": ('key = "rows", path = "{target}"', "path"),
    "report.markdown": (
        'path = "{target}", title = "t", sections = [{{ heading = "h" }}]',
        "path",
    ),
    "sqlite.index": ('key = "rows", database = "{target}"', "database"),
    "http.download": ('url = "file:data.txt", path = "{target}"', "path"),
    "core.shutdown": ('summary_path = "{target}"', "summary_path"),
}


def test_validate_refuses_a_save_outside_the_project(cli: Cli, project: Project) -> None:
    path = project.write("leaks", SAVE_OUTSIDE)

    result = cli("validate", path)

    assert result.code == 1
    outside = project.root.parent / "outside" / "rows.json"
    assert "[stages.save].config.path" in result.out
    assert str(outside) in result.out
    assert "outside the project folder" in result.out
    assert "allow_write" in result.out
    assert not outside.exists()


def test_run_refuses_it_too_and_writes_nothing(cli: Cli, project: Project) -> None:
    path = project.write("leaks", SAVE_OUTSIDE)

    result = cli("run", path)

    assert result.code == 1
    assert not (project.root.parent / "outside").exists()


@pytest.mark.parametrize("target", ["~/workbench-leak.txt", "/tmp/workbench-leak/x.txt"])
def test_absolute_and_home_paths_are_refused(cli: Cli, project: Project, target: str) -> None:
    path = project.write("leaks", SAVE_OUTSIDE.replace("../outside/rows.json", target))

    result = cli("validate", path, "--format", "json")

    assert result.code == 1
    (problem,) = json.loads(result.out)[0]["errors"]
    assert problem["kind"] == "path"
    assert problem["stage"] == "save"
    assert problem["field"] == "config.path"
    assert str(Path(target).expanduser()) in problem["message"]


@pytest.mark.parametrize("uses", sorted(WRITERS))
def test_every_builtin_writer_is_checked(cli: Cli, project: Project, uses: str) -> None:
    config, field = WRITERS[uses]
    target = "../outside/written"
    path = project.write(
        "writer",
        f"""
        [pipeline]
        name = "writer"

        [stages.w]
        uses = "{uses}"
        config = {{ {config.format(target=target)} }}
        """,
    )

    data = json.loads(cli("validate", path, "--format", "json").out)[0]

    kinds = {(p["kind"], p["field"]) for p in data["errors"]}
    assert ("path", f"config.{field}") in kinds


def test_a_file_url_outside_the_project_is_refused(cli: Cli, project: Project) -> None:
    path = project.write(
        "fetch",
        """
        [pipeline]
        name = "fetch"

        [stages.get]
        uses = "http.download"
        config = { url = "file:///etc/hostname", path = "out/hostname" }
        """,
    )

    data = json.loads(cli("validate", path, "--format", "json").out)[0]

    (problem,) = data["errors"]
    assert (problem["kind"], problem["field"]) == ("path", "config.url")
    assert "/etc/hostname" in problem["message"]


def test_allow_write_opens_a_place_and_the_dry_run_lists_it(cli: Cli, project: Project) -> None:
    settings = project.root / "workbench.toml"
    settings.write_text(settings.read_text() + 'allow_write = ["../outside"]\n')
    path = project.write("leaks", SAVE_OUTSIDE)

    assert cli("validate", path).code == 0
    plan = json.loads(cli("dry-run", path, "--format", "json").out)
    ran = cli("run", path)

    outside = project.root.parent / "outside" / "rows.json"
    (conflict,) = [c for c in plan["conflicts"] if c["kind"] == "outside_project"]
    assert conflict["stages"] == ["save"]
    assert conflict["subject"] == str(outside)
    assert "allowed by allow_write" in conflict["message"]
    assert ran.code == 0
    assert json.loads(outside.read_text()) == [1, 2]


def test_the_dry_run_lists_a_read_outside_the_project(cli: Cli, project: Project) -> None:
    outside = project.root.parent / "elsewhere.txt"
    outside.write_text("hello\n")
    path = project.write(
        "reads",
        f"""
        [pipeline]
        name = "reads"

        [stages.load]
        uses = "files.load"
        config = {{ path = "{outside}", key = "text", format = "text" }}
        """,
    )

    text = cli("dry-run", path)

    assert "outside_project" in text.out
    assert f"load reads {outside}" in text.out
    assert "0 conflicts" not in text.out


def test_a_link_inside_the_project_pointing_out_is_judged_by_its_target(
    cli: Cli, project: Project
) -> None:
    elsewhere = project.root.parent / "elsewhere"
    elsewhere.mkdir()
    (project.root / "out").symlink_to(elsewhere)
    path = project.write("leaks", SAVE_OUTSIDE.replace("../outside/rows.json", "out/rows.json"))

    result = cli("validate", path)

    assert result.code == 1
    assert str(elsewhere / "rows.json") in result.out
