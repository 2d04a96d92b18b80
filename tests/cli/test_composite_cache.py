"""A composite (`pipeline.call`) is cached like any stage, and is up to date only while
its child pipeline file, its children's configs and the files they read are unchanged;
`workbench status` names the child that changed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]

PART = """
[pipeline]
name = "part"

[stages.load]
uses = "files.load"
config = { path = "data/rows.json", key = "rows" }

[stages.count]
uses = "kit.write"
depends_on = ["load"]
config = { key = "total", value = 3 }
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
config = { path = "pipelines/part.toml", inputs = { input_rows = "rows_in" }, outputs = { total = "part_total" } }

[stages.after]
uses = "kit.read"
depends_on = ["part"]
config = { key = "part_total" }
"""


def _setup(project: Project) -> None:
    (project.root / "data").mkdir(exist_ok=True)
    (project.root / "data" / "rows.json").write_text("[1, 2, 3]")
    project.write("part", PART)
    project.write("parent", PARENT)


def _run(cli: Cli, project: Project) -> dict[str, str]:
    outcome = cli("run", project.pipeline("parent"), "--format", "json", "--no-history")
    assert outcome.code == 0, outcome.err
    return {s["id"]: s["status"] for s in json.loads(outcome.out)["stages"]}


def _status(cli: Cli, project: Project) -> dict[str, dict[str, Any]]:
    outcome = cli("status", project.pipeline("parent"), "--format", "json")
    assert outcome.code == 0, outcome.err
    return {s["id"]: s for s in json.loads(outcome.out)["stages"]}


def test_an_unchanged_composite_is_cached(cli: Cli, project: Project) -> None:
    _setup(project)
    assert _run(cli, project) == {"prepare": "success", "part": "success", "after": "success"}
    assert _run(cli, project) == {"prepare": "cached", "part": "cached", "after": "cached"}
    assert _status(cli, project)["part"]["state"] == "up_to_date"


def test_a_child_config_change_reruns_the_composite_and_names_the_child(
    cli: Cli, project: Project
) -> None:
    _setup(project)
    _run(cli, project)
    project.write("part", PART.replace("value = 3", "value = 4"))
    part = _status(cli, project)["part"]
    assert part["state"] == "will_run"
    child = [r for r in part["reasons"] if r.get("child") == "count"]
    assert child == [
        {
            "kind": "config_changed",
            "detail": "child count: value: 3 → 4",
            "child": "count",
            "changes": [{"field": "value", "before": 3, "after": 4}],
        }
    ]
    assert any(
        r["kind"] == "input_changed" and r["file"].endswith("pipelines/part.toml")
        for r in part["reasons"]
    )
    text = cli("status", project.pipeline("parent")).out
    assert "config_changed: child count: value: 3 → 4" in text
    statuses = _run(cli, project)
    assert statuses == {"prepare": "cached", "part": "success", "after": "success"}


def test_a_file_a_child_reads_reruns_the_composite_only_when_its_content_changes(
    cli: Cli, project: Project
) -> None:
    _setup(project)
    _run(cli, project)
    rows = project.root / "data" / "rows.json"
    later = rows.stat().st_mtime_ns + 5_000_000_000
    os.utime(rows, ns=(later, later))  # touched, same content
    assert _status(cli, project)["part"]["state"] == "up_to_date"
    rows.write_text("[1, 2, 3, 4]")
    part = _status(cli, project)["part"]
    assert [r for r in part["reasons"] if r.get("child")] == [
        {
            "kind": "input_changed",
            "detail": f"child load: file {rows} has other content",
            "child": "load",
            "file": str(rows),
        }
    ]
    assert _run(cli, project)["part"] == "success"


def test_an_input_passed_in_reruns_the_composite(cli: Cli, project: Project) -> None:
    _setup(project)
    _run(cli, project)
    project.write("parent", PARENT.replace("value = [1, 2, 3]", "value = [1, 2]"))
    lines = _status(cli, project)
    assert lines["prepare"]["reasons"][0]["kind"] == "config_changed"
    assert lines["part"]["reasons"] == [
        {"kind": "upstream_will_run", "detail": "prepare will run", "stage": "prepare"}
    ]
    assert _run(cli, project) == {"prepare": "success", "part": "success", "after": "cached"}


def test_a_child_that_is_never_cached_makes_the_composite_uncacheable(
    cli: Cli, project: Project
) -> None:
    _setup(project)
    project.write(
        "part",
        PART + '\n[stages.shell]\nuses = "shell.run"\nconfig = { command = ["true"] }\n',
    )
    _run(cli, project)
    part = _status(cli, project)["part"]
    assert part["reasons"][0]["kind"] == "not_cacheable"
    assert part["reasons"][0]["detail"].startswith("child shell is not cacheable: a command's")
    assert _run(cli, project)["part"] == "success"


def test_inline_children_name_the_child_that_changed(cli: Cli, project: Project) -> None:
    inline = """
    [pipeline]
    name = "parent"

    [stages.group]
    uses = "pipeline.call"
    config = { stages = { one = { uses = "kit.write", config = { key = "a", value = 1 } }, two = { uses = "kit.write", config = { key = "b", value = 2 } } }, outputs = { b = "b" } }
    """
    project.write("parent", inline)
    assert _run(cli, project) == {"group": "success"}
    assert _run(cli, project) == {"group": "cached"}
    project.write("parent", inline.replace("value = 2", "value = 5"))
    group = _status(cli, project)["group"]
    assert group["reasons"] == [
        {
            "kind": "config_changed",
            "detail": "child two: value: 2 → 5",
            "child": "two",
            "changes": [{"field": "value", "before": 2, "after": 5}],
        }
    ]
