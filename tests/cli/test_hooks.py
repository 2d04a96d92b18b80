"""Hooks named in files: ``workbench.toml`` and a pipeline's ``[hooks]``, run from the CLI."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

from kit.cli import KIT, Outcome, Project

Cli = Callable[..., Outcome]


def _settings(project: Project, hooks: str) -> None:
    text = f'stage_paths = ["{KIT.as_posix()}"]\n\n[hooks]\n' + textwrap.dedent(hooks)
    (project.root / "workbench.toml").write_text(text)


def test_a_hook_named_in_workbench_toml_sees_a_timed_out_stage(cli: Cli, project: Project) -> None:
    _settings(project, 'after_stage = [{ hook = "jsonl", path = "out/stages.jsonl" }]\n')
    project.write(
        "slow",
        """
        [pipeline]
        name = "slow"

        [stages.quick]
        uses = "core.noop"

        [stages.slow]
        uses = "kit.sleep"
        config = { seconds = 5 }
        timeout = "100ms"
        """,
    )
    outcome = cli("run", project.pipeline("slow"), "--no-history")
    assert outcome.code == 1
    lines = (project.root / "out" / "stages.jsonl").read_text().splitlines()
    records = {r["stage"]: r for r in map(json.loads, lines)}
    assert records["quick"]["status"] == "success"
    assert records["slow"]["status"] == "failure"
    assert records["slow"]["message"] == "timed out after 0.1s"


def test_pipeline_hooks_run_once_per_stage_and_see_the_attempt(cli: Cli, project: Project) -> None:
    (project.root / "my_hooks.py").write_text(
        textwrap.dedent(
            """
            import json, pathlib

            def _note(line):
                with open(pathlib.Path("hook-calls.txt"), "a") as f:
                    f.write(line + "\\n")

            def before(stage, ctx):
                _note(f"before {stage.id} attempt {ctx.attempt}")

            def after(stage, ctx, result):
                _note(f"after {stage.id} {result.status.value} attempts {result.attempts}")

            def start(pipeline, store):
                _note(f"run {pipeline.name} starts")

            def end(pipeline, result):
                _note(f"run {pipeline.name} {result.status.value}")
            """
        )
    )
    project.write(
        "flaky",
        """
        [pipeline]
        name = "flaky"
        retry_delay = "10ms"

        [hooks]
        before_stage = ["my_hooks:before"]
        after_stage = ["my_hooks:after"]
        before_run = ["my_hooks:start"]
        after_run = ["my_hooks:end"]

        [stages.flaky]
        uses = "kit.flaky"
        config = { fail_times = 2 }
        retries = 2
        """,
    )
    outcome = cli("run", project.pipeline("flaky"), "--no-history")
    assert outcome.code == 0, outcome.err
    calls = (project.root / "hook-calls.txt").read_text().splitlines()
    assert calls == [
        "run flaky starts",
        "before flaky attempt 1",
        "after flaky success attempts 3",
        "run flaky success",
    ]


def test_an_unknown_hook_is_a_clear_error(cli: Cli, project: Project) -> None:
    _settings(project, 'after_stage = ["jsnl"]\n')
    outcome = cli("run", project.pipeline("good"), "--no-history")
    assert outcome.code == 1
    assert "hook 'jsnl'" in outcome.err and "installed: " in outcome.err
    assert "command" in outcome.err and "jsonl" in outcome.err
    assert "workbench.toml" in outcome.err


def test_a_failing_after_stage_hook_fails_its_stage_naming_it(
    cli: Cli, project: Project, tmp_path: Path
) -> None:
    (project.root / "bad_hooks.py").write_text(
        "def boom(stage, ctx, result):\n    raise OSError('no space left')\n"
    )
    _settings(project, 'after_stage = ["bad_hooks:boom"]\n')
    outcome = cli("run", project.pipeline("good"), "--format", "json", "--no-history")
    assert outcome.code == 1
    data = json.loads(outcome.out)
    first = data["stages"][0]
    assert first["status"] == "failure"
    assert first["message"] == "hook 'bad_hooks:boom' failed: OSError: no space left"


def test_validate_names_a_hook_that_cannot_exist_with_its_line(cli: Cli, project: Project) -> None:
    project.write(
        "hooked",
        """
        [pipeline]
        name = "hooked"

        [hooks]
        after_stage = ["jsnl"]

        [stages.a]
        uses = "core.noop"
        """,
    )
    outcome = cli("validate", project.pipeline("hooked"), "--format", "json")
    assert outcome.code == 1
    (result,) = json.loads(outcome.out)
    (problem,) = result["errors"]
    assert problem["kind"] == "hook" and problem["line"] == 6
    assert "'jsnl'" in problem["message"] and "jsonl" in problem["hint"]
