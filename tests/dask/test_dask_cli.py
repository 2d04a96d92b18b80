"""`workbench run --executor dask` end to end: choosing it, its errors, history, dry runs.

These start their own clusters (an embedded one per `run`, or Dask's own
`dask scheduler` and `dask worker` processes), so they are fewer and coarser.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.run import dask_executor
from workbench.engine.run.executor_choice import ExecutorChoice, choose_executor
from workbench.engine.settings import ExecutorSettings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pipelines").mkdir(parents=True)
    shutil.copy(REPO / "pipelines" / "hello.toml", root / "pipelines")
    shutil.copytree(REPO / "pipelines" / "data" / "hello", root / "pipelines" / "data" / "hello")
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_on_an_embedded_cluster_records_each_stages_worker(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hello = project / "pipelines" / "hello.toml"
    assert main(["run", str(hello), "--executor", "dask", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "dask: embedded LocalCluster at tcp://127.0.0.1:" in out
    assert "2 workers" in out
    assert (project / "out" / "hello" / "stats.json").is_file()
    assert main(["history", "--project", str(project), "--format", "json"]) == 0
    run_id = json.loads(capsys.readouterr().out)[0]["id"]
    assert main(["history", str(run_id), "--project", str(project), "--format", "json"]) == 0
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert all(s["worker"].startswith("tcp://127.0.0.1:") for s in stages), stages
    assert main(["history", str(run_id), "--project", str(project)]) == 0
    assert "worker" in capsys.readouterr().out


def test_a_scheduler_that_cannot_be_reached_fails_fast_with_its_address_and_the_fix(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    (project / "workbench.toml").write_text(
        f'[executor]\nkind = "dask"\nscheduler = "{address}"\n', encoding="utf-8"
    )
    began = time.monotonic()
    code = main(["run", str(project / "pipelines" / "hello.toml")])
    err = capsys.readouterr().err
    assert code == 1
    assert time.monotonic() - began < 8
    assert f"cannot reach the Dask scheduler at {address}" in err
    assert "dask scheduler" in err and f"dask worker {address}" in err
    assert "Traceback" not in err
    assert not (project / "out").exists()


def test_the_command_line_wins_over_workbench_toml(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "workbench.toml").write_text(
        '[executor]\nkind = "dask"\nscheduler = "tcp://127.0.0.1:9"\n', encoding="utf-8"
    )
    hello = str(project / "pipelines" / "hello.toml")
    assert main(["run", hello, "--executor", "local", "--format", "json"]) == 0
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert [s["worker"] for s in stages] == [None, None, None]


def test_without_dask_installed_the_run_says_how_to_install_it(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_executor, "dask_available", lambda: False)
    hello = project / "pipelines" / "hello.toml"
    assert main(["run", str(hello), "--executor", "dask"]) == 2
    err = capsys.readouterr().err
    assert "--executor dask needs Dask, which is not installed" in err
    assert 'pip install "stage-workbench[dask]"' in err
    hello.write_text(
        hello.read_text("utf-8").replace("[pipeline]\n", '[pipeline]\nexecutor = "dask"\n'),
        encoding="utf-8",
    )
    assert main(["run", str(hello)]) == 2
    assert "pip install" in capsys.readouterr().err
    assert not (project / "out").exists()


def test_a_dry_run_names_the_executor_and_cluster(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hello = str(project / "pipelines" / "hello.toml")
    assert main(["dry-run", hello, "--executor", "dask", "--workers", "3"]) == 0
    assert (
        "executor dask: an embedded LocalCluster of 3 worker processes" in capsys.readouterr().out
    )
    assert main(["dry-run", hello, "--scheduler", "tcp://10.1.2.3:8786", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["executor"] == "dask: the Dask cluster whose scheduler is at tcp://10.1.2.3:8786"
    assert main(["dry-run", hello]) == 0
    assert "executor local: stages run in this process" in capsys.readouterr().out


def test_the_choice_comes_from_the_command_line_then_the_file_then_the_project() -> None:
    registry = StageRegistry()
    plain = Pipeline.parse('[pipeline]\nname = "p"\n', registry, "p.toml")
    dask_file = Pipeline.parse('[pipeline]\nname = "p"\nexecutor = "dask"\n', registry, "p.toml")
    local_file = Pipeline.parse('[pipeline]\nname = "p"\nexecutor = "local"\n', registry, "p.toml")
    project = ExecutorSettings(kind="dask", scheduler="tcp://h:1", workers=4)
    assert choose_executor(plain) == ExecutorChoice("local")
    assert choose_executor(plain, project) == ExecutorChoice("dask", "tcp://h:1", 4)
    assert choose_executor(local_file, project) == ExecutorChoice("local")
    assert choose_executor(dask_file) == ExecutorChoice("dask")
    assert choose_executor(dask_file, kind="local") == ExecutorChoice("local")
    assert choose_executor(plain, scheduler="tcp://x:2") == ExecutorChoice("dask", "tcp://x:2")
    assert choose_executor(plain, project, workers=2) == ExecutorChoice("dask", "tcp://h:1", 2)


@contextlib.contextmanager
def _dask_process(*args: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise AssertionError(f"no scheduler on port {port} after {seconds}s")


def test_a_pipeline_runs_on_a_cluster_started_with_dasks_own_commands(project: Path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    with (
        _dask_process("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"),
        _dask_process(
            "worker",
            address,
            "--host",
            "127.0.0.1",
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
        ),
    ):
        _wait_for_port(port)
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "workbench",
                "run",
                str(project / "pipelines" / "hello.toml"),
                "--scheduler",
                address,
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    workers = {stage["worker"] for stage in result["stages"]}
    assert len(workers) == 1
    (worker,) = workers
    assert worker.startswith("tcp://127.0.0.1:") and worker != address
    assert json.loads((project / "out" / "hello" / "stats.json").read_text("utf-8"))["words"] == 110


@pytest.mark.parametrize(("signal_name", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_sigterm_or_ctrl_c_cancels_the_stage_on_the_cluster_and_ends_the_run(
    tmp_path: Path, signal_name: str, code: int
) -> None:
    import signal

    kit = Path(__file__).parents[1] / "kit" / "dask_stages"
    saw = tmp_path / "saw-cancel"
    (tmp_path / "workbench.toml").write_text(f'stage_paths = ["{kit}"]\n', encoding="utf-8")
    pipeline = tmp_path / "pipelines" / "spin.toml"
    pipeline.parent.mkdir()
    pipeline.write_text(
        f'[pipeline]\nname = "spin"\n\n[stages.spin]\nuses = "dtest.spin"\n'
        f'config = {{ path = "{saw}" }}\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "workbench", "run", str(pipeline)]
    process = subprocess.Popen(
        [*command, "--executor", "dask", "--workers", "1", "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "spinning" in line:
                process.send_signal(getattr(signal, signal_name))
                break
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(lines) + rest
    assert process.returncode == code, output
    assert saw.read_text() == "saw cancel"
    assert "cancelled" in output
