"""End to end: `python -m workbench` as a fresh process, as a user or CI runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kit.cli import BROKEN, Project


def workbench(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_exit_codes_of_a_good_a_failing_and_a_missing_pipeline(project: Project) -> None:
    good = workbench("run", project.pipeline("good"), cwd=project.root)
    failing = workbench("run", project.pipeline("failing"), cwd=project.root)
    missing = workbench("run", "nowhere.toml", cwd=project.root)
    invalid = workbench("validate", BROKEN / "toml_syntax.toml", cwd=project.root)

    assert good.returncode == 0, good.stderr
    assert failing.returncode == 1
    assert missing.returncode == 2
    assert invalid.returncode == 1
    for done in (good, failing, missing, invalid):
        assert "Traceback" not in done.stderr
    # a pipe is not a terminal: plain lines, and the summary stays
    assert good.stdout.splitlines()[0] == "▶ good: 4 stages, concurrency 1"
    assert "good success in" in good.stdout.splitlines()[-1]
    assert "failing failure in" in failing.stdout.splitlines()[-1]
    assert "cannot read the file" in missing.stderr
    assert "toml_syntax.toml:6:28" in invalid.stdout


def test_run_json_from_a_fresh_process(project: Project) -> None:
    done = workbench("run", project.pipeline("failing"), "--format", "json", cwd=project.root)

    data = json.loads(done.stdout)
    assert done.returncode == 1
    assert data["status"] == "failure"
    assert [s["status"] for s in data["stages"]] == ["success", "failure", "skipped"]


def test_no_command_without_a_terminal_is_bad_usage(project: Project) -> None:
    done = workbench(cwd=project.root)

    assert done.returncode == 2
    assert "the app needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_engine_and_validate_never_import_textual(project: Project) -> None:
    code = f"""
import sys
import workbench.engine
from workbench.engine import (
    context, errors, events, graph, history, manager, pipeline, project, registry, spec, stage,
)
from workbench.engine.dryrun import dry_run
from workbench.engine.run import runner
assert "textual" not in sys.modules, "importing the engine imported textual"
from workbench.cli import main
code = main(["validate", {str(project.pipeline("good"))!r}])
print("textual" in sys.modules, code)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False 0"
