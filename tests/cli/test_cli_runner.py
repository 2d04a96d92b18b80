"""`workbench` with stages and plugins that misbehave: stuck threads, sys.exit, prints."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kit.cli import Outcome, Project

Cli = Callable[..., Outcome]


def workbench(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def add_stage_folder(project: Project, name: str, modules: dict[str, str]) -> None:
    """A second stage folder in the project's ``stage_paths``, holding these modules."""
    folder = project.root / name
    folder.mkdir()
    for module, text in modules.items():
        (folder / f"{module}.py").write_text(text)
    config = project.root / "workbench.toml"
    config.write_text(config.read_text().replace("]", f', "{name}"]'))


def test_run_exits_promptly_past_a_thread_that_ignores_cancellation(project: Project) -> None:
    project.write(
        "stuck",
        """
        [pipeline]
        name = "stuck"

        [context]
        probe = {}

        [stages.nap]
        uses = "kit.nap"
        config = { seconds = 30 }
        timeout = "200ms"
        """,
    )

    started = time.perf_counter()
    done = workbench("run", project.pipeline("stuck"), cwd=project.root)
    elapsed = time.perf_counter() - started

    assert done.returncode == 1
    assert elapsed < 8  # start-up + 0.2 s timeout + at most 1 s grace; never the 30 s nap
    assert "timed out after 0.2s" in done.stdout
    assert "stage 'nap' still running" in done.stderr
    assert "left running (they ignore cancellation): nap" in done.stdout
    assert "Traceback" not in done.stderr
    runs = json.loads(workbench("history", "--format", "json", cwd=project.root).stdout)
    assert [(r["pipeline"], r["status"]) for r in runs] == [("stuck", "failure")]


def test_run_exits_promptly_past_a_transform_function_that_outlives_its_timeout(
    project: Project,
) -> None:
    (project.root / "slow.py").write_text("import time\n\ndef nap():\n    time.sleep(30)\n")
    project.write(
        "slow",
        """
        [pipeline]
        name = "slow"

        [stages.call]
        uses = "transform.call"
        config = { function = "slow:nap" }
        timeout = "200ms"
        """,
    )

    started = time.perf_counter()
    done = workbench("run", project.pipeline("slow"), cwd=project.root)

    assert done.returncode == 1
    assert time.perf_counter() - started < 8  # never the function's 30 s
    assert "timed out after 0.2s" in done.stdout


def test_a_stage_calling_sys_exit_fails_alone_and_the_summary_prints(
    cli: Cli, project: Project
) -> None:
    project.write(
        "exits",
        """
        [pipeline]
        name = "exits"
        max_concurrency = 2

        [stages.quits]
        uses = "kit.exit_thread"
        config = { code = 0 }

        [stages.other]
        uses = "kit.sleep"
        config = { seconds = 0.05 }
        """,
    )

    done = cli("run", project.pipeline("exits"))

    assert done.code == 1
    assert "stage called sys.exit(0)" in done.out
    assert "exits failure in" in done.out.splitlines()[-1]
    assert "1 success" in done.out.splitlines()[-1]


def test_a_plugin_calling_sys_exit_is_a_load_error_not_the_commands_exit(
    cli: Cli, project: Project
) -> None:
    add_stage_folder(project, "local", {"quitter": "import sys\nsys.exit(0)\n"})

    data = json.loads(cli("stages", "--format", "json").out)
    text = cli("stages")
    validate = cli("validate", project.pipeline("good"))
    run = cli("run", project.pipeline("failing"))

    (error,) = data["errors"]
    assert error["kind"] == "import"
    assert "quitter.py" in error["plugin"]
    assert "the module called sys.exit(0)" in error["message"]
    assert "kit.sleep" in {s["name"] for s in data["stages"]}
    assert "1 plugin(s) failed to load" in text.err
    assert validate.code == 0 and "good" in validate.out
    assert run.code == 1  # the pipeline's own failure, not the plugin's exit 0
    assert "failing failure in" in run.out


def test_a_plugin_that_prints_keeps_stages_json_valid(cli: Cli, project: Project) -> None:
    add_stage_folder(
        project,
        "local",
        {
            "chatty": "import sys\nprint('loading chatty stages')\n"
            "print('deprecated!', file=sys.stderr)\n",
        },
    )

    done = cli("stages", "--format", "json")
    text = cli("stages")
    run = cli("run", project.pipeline("good"), "--format", "json")

    data = json.loads(done.out)
    assert done.code == 0
    (output,) = data["output"]
    assert output["plugin"].endswith("chatty.py")
    assert output["text"] == "loading chatty stages\ndeprecated!\n"
    assert "loading chatty stages" in text.err
    assert "plugin output of" in text.err
    assert "loading chatty stages" not in text.out
    assert json.loads(run.out)["status"] == "success"


def test_a_stage_author_imports_the_cancellation_names_from_workbench(project: Project) -> None:
    code = (
        "from workbench import Stage, StageCancelled, StageContext, StageResult\n"
        "print(Stage.__name__, issubclass(StageCancelled, BaseException))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.split() == ["Stage", "True"]
