"""`workbench run --from STAGE` seeds the context from a recorded run of the same pipeline."""

from __future__ import annotations

import json

import pytest
from kit.cli import Cli, Project

CHAIN = """
[pipeline]
name = "chain"

[stages.load]
uses = "kit.write"
config = { key = "rows", value = [1, 2, 3] }

[stages.side]
uses = "kit.write"
config = { key = "note", value = "kept" }

[stages.read]
uses = "kit.read"
config = { key = "rows" }
depends_on = ["load", "side"]

[stages.again]
uses = "kit.read"
config = { key = "note" }
depends_on = ["read"]
"""


@pytest.fixture
def chain(project: Project) -> Project:
    project.write("chain", CHAIN)
    return project


def test_run_from_refuses_when_no_run_was_recorded(cli: Cli, chain: Project) -> None:
    outcome = cli("run", chain.pipeline("chain"), "--from", "read")
    assert outcome.code == 2
    assert "no recorded run of 'chain'" in outcome.err
    assert "run the whole pipeline once first" in outcome.err


def test_run_from_after_a_recorded_run_restores_and_names_what(cli: Cli, chain: Project) -> None:
    assert cli("run", chain.pipeline("chain")).code == 0
    outcome = cli(
        "run", chain.pipeline("chain"), "--from", "read", "--no-cache", "--format", "json"
    )
    assert outcome.code == 0, outcome.err
    assert "restored 2 keys from run #1: 'note' (from side), 'rows' (from load)" in outcome.err
    data = json.loads(outcome.out)
    stages = {s["id"]: s for s in data["stages"]}
    assert set(stages) == {"read", "again"}
    assert stages["read"]["message"] == "read [1, 2, 3]"
    assert stages["again"]["message"] == "read 'kept'"


def test_from_run_picks_the_run_and_checks_its_pipeline(cli: Cli, chain: Project) -> None:
    cli("run", chain.pipeline("good"))
    cli("run", chain.pipeline("chain"))
    wrong = cli("run", chain.pipeline("chain"), "--from", "read", "--from-run", "1")
    assert wrong.code == 2
    assert "--from-run 1: that run is of pipeline 'good', not 'chain'" in " ".join(
        wrong.err.split()
    )
    right = cli("run", chain.pipeline("chain"), "--from", "read", "--from-run", "2")
    assert right.code == 0
    assert "from run #2" in right.err


def test_run_from_refuses_when_the_upstream_failed_or_a_value_was_too_large(
    cli: Cli, chain: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.engine import resume

    monkeypatch.setattr(resume, "MAX_VALUE_BYTES", 5)
    cli("run", chain.pipeline("chain"))
    outcome = cli("run", chain.pipeline("chain"), "--from", "read")
    assert outcome.code == 2
    message = " ".join(outcome.err.split())
    assert "run #1: 'rows' (read by 'read') was not kept" in message
    assert "over the 5 limit" in message


def test_run_from_refusal_is_json_with_format_json(cli: Cli, chain: Project) -> None:
    outcome = cli("run", chain.pipeline("chain"), "--from", "read", "--format", "json")
    assert outcome.code == 2
    assert "no recorded run of 'chain'" in json.loads(outcome.out)["error"]["message"]


def test_a_secret_written_by_a_stage_is_never_kept_for_run_from(cli: Cli, project: Project) -> None:
    project.write(
        "secretive",
        """
        [pipeline]
        name = "secretive"

        [stages.login]
        uses = "kit.write"
        config = { key = "api_token", value = "s3cr3t-value-123" }

        [stages.use]
        uses = "kit.read"
        config = { key = "api_token" }
        depends_on = ["login"]
        """,
    )
    assert cli("run", project.pipeline("secretive")).code == 0
    state = b"".join(
        p.read_bytes() for p in (project.root / ".workbench").rglob("*") if p.is_file()
    )
    assert b"s3cr3t-value-123" not in state
    outcome = cli("run", project.pipeline("secretive"), "--from", "use")
    assert outcome.code == 2
    assert "'api_token' (read by 'use') was not kept: a secret" in " ".join(outcome.err.split())


def test_the_stage_a_run_starts_from_runs_again_even_when_cached(cli: Cli, chain: Project) -> None:
    assert cli("run", chain.pipeline("chain")).code == 0
    outcome = cli("run", chain.pipeline("chain"), "--from", "read", "--format", "json")
    assert outcome.code == 0, outcome.err
    stages = {s["id"]: s for s in json.loads(outcome.out)["stages"]}
    assert stages["read"]["status"] == "success"
    assert stages["read"]["message"] == "read [1, 2, 3]"
