"""Secrets: which keys are secret, and their values masked in runs, dry runs and history."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from kit.pipelines import PipelineFactory

from workbench.engine.dryrun.dry_run import build_report
from workbench.engine.dryrun.export import to_markdown
from workbench.engine.events import RunEvent, StageLog
from workbench.engine.history.store import History, HistoryRecorder, read_log
from workbench.engine.run.runner import Runner
from workbench.engine.secrets import MASK, Secrets, looks_secret

SECRET = "hunter2-correct-horse"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "DB_PASSWORD",
        "api_token",
        "apiKey",
        "api_key",
        "API-KEY",
        "private_key",
        "client_secret",
        "auth",
        "github.token",
        "passwd",
        "credentials",
    ],
)
def test_names_that_hold_secrets_are_secret(key: str) -> None:
    assert looks_secret(key)


@pytest.mark.parametrize(
    "key",
    [
        "tokens_count",
        "max_tokens",
        "token_count",
        "author",
        "tokenizer",
        "password_file",
        "secret_name",
        "auth_url",
        "keys",
        "input",
        "monkey",
    ],
)
def test_names_that_only_mention_a_secret_are_not(key: str) -> None:
    assert not looks_secret(key)


def test_a_value_cut_short_by_a_summary_is_still_masked() -> None:
    secrets = Secrets()
    secrets.add(SECRET, "password")

    assert secrets.mask_text(f"1 value into 'pw_copy' ('{SECRET[:9]}…')") == (
        f"1 value into 'pw_copy' ('{MASK}')"
    )
    assert secrets.mask_text(f"said {SECRET} twice: {SECRET}") == f"said {MASK} twice: {MASK}"
    assert secrets.mask_text("nothing to hide…") == "nothing to hide…"


def _events(runner: Runner) -> list[RunEvent]:
    seen: list[RunEvent] = []
    runner.subscribe(seen.append)
    return seen


def test_a_secret_parameter_is_masked_in_logs_messages_and_the_copy_it_lands_in(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.say]
        uses = "kit.chatty"
        [stages.copy]
        uses = "kit.write"
        config = { key = "pw_copy", value = "hunter2-correct-horse" }
        """
    )
    runner = Runner(pipeline, params={"password": SECRET})
    events = _events(runner)
    runner.store.for_stage("say", runner._log_sink).log(f"connecting with {SECRET}")

    result = asyncio.run(runner.run())

    assert result.ok
    lines = [e.message for e in events if isinstance(e, StageLog)]
    assert f"connecting with {MASK}" in lines
    assert SECRET not in result.results["copy"].message
    copy = next(c for c in runner.store.changes if c.key == "pw_copy")
    assert copy.after == MASK
    assert runner.secrets.is_secret("pw_copy")


def test_a_key_declared_secret_in_context_is_masked_and_its_value_given(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [context]
        db = { secret = true, value = "zebra-crossing" }
        password = { secret = false, value = "shown on purpose" }

        [stages.n]
        uses = "core.noop"
        """
    )
    values = pipeline.parameters()
    secrets = Secrets.for_pipeline(pipeline, values)

    assert values["db"] == "zebra-crossing"
    assert secrets.mask_params(values)["db"] == MASK
    assert secrets.mask_params(values)["password"] == "shown on purpose"


def test_secret_keys_in_workbench_toml_are_secret(
    tmp_path: Path, make_pipeline: PipelineFactory
) -> None:
    (tmp_path / "workbench.toml").write_text('secret_keys = ["region"]\n')
    (tmp_path / "pipelines").mkdir()
    pipeline = make_pipeline(
        '[context]\nregion = "eu-west"\n[stages.n]\nuses = "core.noop"\n',
        path=str(tmp_path / "pipelines" / "p.toml"),
    )

    secrets = Secrets.for_pipeline(pipeline, pipeline.parameters())

    assert secrets.is_secret("region")


def test_history_never_holds_a_secret_value(tmp_path: Path, make_pipeline: PipelineFactory) -> None:
    pipeline = make_pipeline(
        """
        [stages.copy]
        uses = "kit.write"
        config = { key = "pw_copy", value = "hunter2-correct-horse" }
        [stages.talk]
        uses = "kit.chatty"
        depends_on = ["copy"]
        """
    )
    runner = Runner(pipeline, params={"api_token": SECRET})
    recorder = HistoryRecorder.attach(tmp_path, runner, source="test")
    runner.hooks.add_before(lambda ps, ctx: ctx.log(f"token={SECRET}"))
    try:
        asyncio.run(runner.run())
    finally:
        recorder.close()

    with History.open(tmp_path) as history:
        (run,) = history.list_runs()
        detail = history.get_run(run.id)
    assert detail is not None
    assert run.params["api_token"] == MASK
    assert [c.preview for c in detail.changes] == [MASK]
    logged = [
        line for s in detail.stages if s.log_path for _, line in read_log(tmp_path, s.log_path)
    ]
    assert f"token={MASK}" in logged
    for path in (tmp_path / ".workbench").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


SHELL = """
[stages.call]
uses = "shell.run"
config = { command = ["true"], env = { DB_URL = "postgres://u:pw@db", LANG = "C" }, public_env = ["LANG"] }
"""


def test_shell_env_values_are_masked_in_the_plan_unless_public(tmp_path: Path) -> None:
    from stages.shell import Run
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.registry import StageRegistry

    registry = StageRegistry()
    registry.register(Run)
    pipeline = Pipeline.parse('[pipeline]\nname = "sh"\n' + SHELL, registry, tmp_path / "sh.toml")

    report = build_report(pipeline)
    text = json.dumps(report.to_json()) + to_markdown(report)

    assert "postgres://u:pw@db" not in text
    assert "DB_URL=••••" in to_markdown(report)
    assert report.stages[0].config["env"] == {"DB_URL": MASK, "LANG": "C"}
    assert "LANG=C" in report.stages[0].operations[0].description


def test_a_dry_run_masks_secret_parameters_in_config_and_operations(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        """
        [stages.copy]
        uses = "kit.write"
        config = { key = "pw_copy", value = "hunter2-correct-horse", path = "out/hunter2-correct-horse.txt" }
        """
    )

    report = build_report(pipeline, {"password": SECRET})

    assert SECRET not in json.dumps(report.to_json())
    assert report.stages[0].config["value"] == MASK


def test_a_declaration_with_a_secret_that_is_not_a_boolean_is_an_error(
    make_pipeline: PipelineFactory,
) -> None:
    pipeline = make_pipeline(
        '[context]\ntoken = { secret = "yes", value = "abc" }\n[stages.n]\nuses = "core.noop"\n'
    )

    assert not pipeline.valid
    (problem,) = pipeline.problems
    assert "token: secret must be true or false" in problem.message
    assert problem.line == 4
