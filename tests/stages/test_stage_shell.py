"""shell.run: live output, exit codes, timeouts and cancels that leave no process behind."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from kit.stages import Harness
from pydantic import ValidationError

from stages.shell import Run
from workbench.engine import StageStatus, StageTimeoutError

PY = sys.executable


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_dead(pid: int, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return False


def test_output_streams_line_by_line_with_its_stream(harness: Harness) -> None:
    script = "import sys; print('one'); print('two'); print('warn', file=sys.stderr)"
    result = harness.run(Run({"command": [PY, "-c", script], "stdout_key": "out"}))
    assert result.status is StageStatus.SUCCESS
    assert harness.lines("stdout") == ["one", "two"]
    assert harness.lines("stderr") == ["warn"]
    assert harness.get("out") == "one\ntwo\n"
    assert result.message == "2 lines of output, exit code 0"
    assert result.data["count"] == 2


def test_lines_arrive_while_the_command_runs(harness: Harness) -> None:
    script = "import time; print('first', flush=True); time.sleep(0.5); print('second')"

    async def scenario() -> None:
        task = asyncio.create_task(harness.run_async(Run({"command": [PY, "-u", "-c", script]})))
        while not harness.lines("stdout"):
            await asyncio.sleep(0.01)
        assert not task.done()
        await task

    asyncio.run(scenario())
    assert harness.lines("stdout") == ["first", "second"]


def test_non_zero_exit_fails_with_the_code_and_the_stderr_tail(harness: Harness) -> None:
    script = "import sys\nfor i in range(30): print(f'err {i}', file=sys.stderr)\nsys.exit(4)"
    result = harness.run(Run({"command": [PY, "-c", script], "tail_lines": 5}))
    assert result.status is StageStatus.FAILURE
    assert result.data["exit_code"] == 4
    assert "exit code 4: err 29" in result.message
    assert result.errors[1:] == [f"err {i}" for i in range(25, 30)]


def test_cwd_and_env_reach_the_command(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    script = "import os; print(os.getcwd()); print(os.environ['GREETING'])"
    harness.run(Run({"command": [PY, "-c", script], "cwd": "sub", "env": {"GREETING": "hi"}}))
    assert harness.lines("stdout") == [str(tmp_path / "sub"), "hi"]


def test_default_cwd_is_the_project_folder(harness: Harness, tmp_path: Path) -> None:
    harness.run(Run({"command": [PY, "-c", "import os; print(os.getcwd())"]}))
    assert harness.lines("stdout") == [str(tmp_path)]


def test_a_string_needs_shell_true() -> None:
    with pytest.raises(ValidationError, match="set shell = true"):
        Run({"command": "echo hi | tr a-z A-Z"})


def test_shell_string_runs_through_sh(harness: Harness) -> None:
    harness.run(Run({"command": "echo hi | tr a-z A-Z", "shell": True}))
    assert harness.lines("stdout") == ["HI"]


def test_missing_program_is_a_clear_failure(harness: Harness) -> None:
    with pytest.raises(Exception, match="not found"):
        harness.run(Run({"command": ["no-such-program-here"]}))


def test_timeout_kills_the_whole_process_group(harness: Harness, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"
    started = time.monotonic()
    with pytest.raises(StageTimeoutError, match=r"did not finish within 0\.5s"):
        harness.run(Run({"command": ["sh", "-c", script], "timeout": 0.5}))
    assert time.monotonic() - started < 5
    assert wait_dead(int(pidfile.read_text()))


def test_cancel_kills_the_whole_process_group(harness: Harness, tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"

    async def scenario() -> None:
        task = asyncio.create_task(harness.run_async(Run({"command": ["sh", "-c", script]})))
        while not pidfile.exists() or not pidfile.read_text().strip():
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert wait_dead(int(pidfile.read_text()))


def test_run_cancel_flag_stops_the_command(harness: Harness, tmp_path: Path) -> None:
    pidfile = tmp_path / "leader.pid"

    async def scenario() -> None:
        task = asyncio.create_task(
            harness.run_async(Run({"command": ["sh", "-c", f"echo $$ > {pidfile}; sleep 30"]}))
        )
        while not pidfile.exists() or not pidfile.read_text().strip():
            await asyncio.sleep(0.02)
        harness.store.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert wait_dead(int(pidfile.read_text()))


def test_children_left_behind_by_a_finished_command_are_killed(
    harness: Harness, tmp_path: Path
) -> None:
    pidfile = tmp_path / "orphan.pid"
    script = f"sleep 30 > /dev/null 2>&1 & echo $! > {pidfile}; echo done"
    result = harness.run(Run({"command": ["sh", "-c", script]}))
    assert result.status is StageStatus.SUCCESS
    assert wait_dead(int(pidfile.read_text()))


def test_plan_shows_the_command_as_it_would_run(harness: Harness) -> None:
    stage = Run(
        {
            "command": ["sh", "-c", "echo 'a b'; exit 0"],
            "cwd": "build",
            "env": {"MODE": "fast", "KEY": "k-123"},
            "public_env": ["MODE"],
            "timeout": 10,
        }
    )
    (op,) = harness.plan(stage)
    assert op.description == (
        "$ sh -c \"echo 'a b'; exit 0\" (in build, with KEY=•••• MODE=fast, timeout 10s)"
    )
    assert op.action == "exec"
    assert harness.logs == []  # planning ran nothing


def test_a_3_mb_line_reaches_stdout_key_whole_and_the_log_in_pieces(harness: Harness) -> None:
    script = "import sys; sys.stdout.write('a' * 3_000_000 + '\\nend\\n')"
    result = harness.run(Run({"command": [PY, "-c", script], "stdout_key": "out"}))
    assert result.status is StageStatus.SUCCESS
    assert harness.get("out") == "a" * 3_000_000 + "\nend\n"
    assert result.data["count"] == 2
    logged = harness.lines("stdout")
    assert logged[-1] == "end"
    assert "".join(logged[:-1]) == "a" * 3_000_000  # split for the log, nothing lost
    assert max(map(len, logged)) <= 1 << 20


def test_multibyte_text_split_across_reads_stays_whole(harness: Harness) -> None:
    script = "import sys; sys.stdout.write('é' * 200_000 + '\\n')"
    harness.run(Run({"command": [PY, "-c", script], "stdout_key": "out"}))
    assert harness.get("out") == "é" * 200_000 + "\n"


def test_the_last_line_without_a_newline_is_kept(harness: Harness) -> None:
    script = "import sys; sys.stdout.write('one\\r\\ntwo')"
    harness.run(Run({"command": [PY, "-c", script], "stdout_key": "out"}))
    assert harness.lines("stdout") == ["one", "two"]
    assert harness.get("out") == "one\ntwo\n"


def test_a_setsid_grandchild_holding_the_pipe_does_not_hang_the_stage(
    harness: Harness, tmp_path: Path
) -> None:
    pidfile = tmp_path / "daemon.pid"
    script = (
        f"setsid sh -c 'echo $$ > {pidfile}.new; mv {pidfile}.new {pidfile}; sleep 30' & "
        f"while [ ! -e {pidfile} ]; do sleep 0.01; done; echo started"
    )
    started = time.monotonic()
    try:
        result = harness.run(Run({"command": ["sh", "-c", script], "stdout_key": "out"}))
        took = time.monotonic() - started
    finally:
        if pidfile.exists():  # the daemon outlives the stage by design: end it here
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
    assert result.status is StageStatus.SUCCESS
    assert took < 3
    assert harness.get("out") == "started\n"
    warnings = [m for _, level, m, _ in harness.logs if level == "warning"]
    assert len(warnings) == 1 and "output after the exit was cut" in warnings[0]
