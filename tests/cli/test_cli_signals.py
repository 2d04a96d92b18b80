"""`workbench run` stopped from outside: SIGTERM, SIGHUP, and a reader that goes away.

Each test drives a fresh `python -m workbench` process, as CI, `docker stop`, a
closed terminal or `| head -1` would, and checks what a user sees afterwards: the
exit code, the summary, no traceback, no process left behind, and the history.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kit.cli import Project

from workbench.engine.history.store import History

SLEEPER = """
    [pipeline]
    name = "sleeper"

    [stages.wait]
    uses = "shell.run"
    config = {{ command = ["sh", "-c", "echo $$ > {pidfile}; sleep 30; echo never"] }}

    [stages.after]
    uses = "core.noop"
    depends_on = ["wait"]
    """

CHATTY = """
    [pipeline]
    name = "chatty"

    [stages.first]
    uses = "shell.run"
    config = { command = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo line $i; done"] }

    [stages.pause]
    uses = "kit.sleep"
    config = { seconds = 0.3 }
    depends_on = ["first"]

    [stages.second]
    uses = "shell.run"
    config = { command = ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo more $i; done"] }
    depends_on = ["pause"]

    [stages.last]
    uses = "core.noop"
    depends_on = ["second"]
    """


def _default_signals() -> None:
    # An ignored signal stays ignored in children (a test runner's worker, nohup):
    # give the command the default dispositions a terminal gives it.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def start(project: Project, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "run", *args],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        preexec_fn=_default_signals,
    )


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def wait_for_pid(pidfile: Path, proc: subprocess.Popen[str]) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if pidfile.exists() and pidfile.read_text().strip():
            return int(pidfile.read_text())
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the stage's command never started")


def last_run_status(project: Project) -> str:
    with History.open(project.root) as history:
        (run,) = history.list_runs(limit=1)
        return run.status


@pytest.fixture
def sleeper(project: Project, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The sleeping pipeline and the file its command writes its process group into."""
    pidfile = tmp_path / "group.pid"
    path = project.write("sleeper", SLEEPER.format(pidfile=pidfile))
    yield path, pidfile
    if pidfile.exists():  # never leave a sleeper behind, even when a test fails
        for pid in group_members(int(pidfile.read_text())):
            os.kill(pid, signal.SIGKILL)


def stop_with(
    sig: signal.Signals, project: Project, sleeper: tuple[Path, Path], *args: str
) -> tuple[subprocess.CompletedProcess[str], int]:
    path, pidfile = sleeper
    proc = start(project, str(path), *args)
    try:
        pgid = wait_for_pid(pidfile, proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), pgid


def assert_group_gone(pgid: int) -> None:
    deadline = time.monotonic() + 3
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert group_members(pgid) == [], "the stage's processes outlived the command"


def test_sigterm_cancels_the_run_like_ctrl_c(project: Project, sleeper: tuple[Path, Path]) -> None:
    done, pgid = stop_with(signal.SIGTERM, project, sleeper)

    assert done.returncode == 143, done.stderr
    assert "Traceback" not in done.stderr
    assert "stopped by SIGTERM" in done.stderr
    assert "sleeper cancelled in" in done.stdout  # the summary
    assert "wait" in done.stdout and "cancelled while running" in done.stdout
    assert_group_gone(pgid)
    assert last_run_status(project) == "cancelled"


def test_sighup_exits_129_with_the_summary(project: Project, sleeper: tuple[Path, Path]) -> None:
    done, pgid = stop_with(signal.SIGHUP, project, sleeper, "--format", "json")

    assert done.returncode == 129, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["status"] == "cancelled"
    assert_group_gone(pgid)
    assert last_run_status(project) == "cancelled"


def test_a_closed_terminal_stops_the_run_quietly(
    project: Project, sleeper: tuple[Path, Path]
) -> None:
    """The terminal window closes: writes fail (EIO) and SIGHUP arrives."""
    path, pidfile = sleeper
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "run", str(path)],
        cwd=project.root,
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    os.close(follower)
    try:
        pgid = wait_for_pid(pidfile, proc)
        os.close(leader)
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()

    assert proc.returncode == 129, err
    assert "Traceback" not in err
    assert_group_gone(pgid)
    assert last_run_status(project) == "cancelled"


def test_sigterm_ends_a_watch(project: Project, sleeper: tuple[Path, Path]) -> None:
    done, pgid = stop_with(signal.SIGTERM, project, sleeper, "--watch")

    assert done.returncode == 143, done.stderr
    assert "Traceback" not in done.stderr
    assert "sleeper cancelled in" in done.stdout
    assert_group_gone(pgid)
    assert last_run_status(project) == "cancelled"


@pytest.mark.parametrize(
    "args, env",
    [([], {}), (["-v"], {}), ([], {"TTY_COMPATIBLE": "1"})],
    ids=["plain", "verbose", "live"],
)
def test_a_reader_that_goes_away_does_not_stop_the_run(
    project: Project, args: list[str], env: dict[str, str]
) -> None:
    path = project.write("chatty", CHATTY)
    proc = start(project, str(path), *args, **env)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # as `| head -1` does after its line
        err = proc.stderr.read()
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert "Traceback" not in err
    assert "Exception ignored" not in err
    assert "Broken pipe" not in err
    assert code == 0, err
    assert last_run_status(project) == "success"


class _Stalled(BaseHTTPRequestHandler):
    """Announces 100 bytes, then sends one every 5 s: a server that hangs mid-body."""

    server: StalledServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(b"x")
            self.wfile.flush()
            self.server.reading.set()
            while not self.server.stop.wait(5):
                self.wfile.write(b"x")


class StalledServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Stalled)
        self.reading = threading.Event()
        self.stop = threading.Event()


@pytest.fixture
def stalled() -> Iterator[StalledServer]:
    server = StalledServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def fetch(project: Project, server: StalledServer, timeout: str | None = None) -> Path:
    """A pipeline downloading from the stalled server, with the stage's timeout if given."""
    port = server.server_address[1]
    limit = f'timeout = "{timeout}"' if timeout else ""
    return project.write(
        "fetch",
        f"""
        [pipeline]
        name = "fetch"

        [stages.get]
        uses = "http.download"
        config = {{ url = "http://127.0.0.1:{port}/big", path = "out/big.bin" }}
        {limit}
        """,
    )


def download_ends(
    proc: subprocess.Popen[str], server: StalledServer, sig: signal.Signals | None = None
) -> tuple[str, str, float]:
    """Once the download is under way, send ``sig`` if given; the output and how long the
    command took to end from then."""
    try:
        assert server.reading.wait(20), "the download never started"
        began = time.monotonic()
        if sig is not None:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=15)
        return out, err, time.monotonic() - began
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_ctrl_c_ends_a_stalled_download_at_once(project: Project, stalled: StalledServer) -> None:
    proc = start(project, str(fetch(project, stalled)))
    out, err, took = download_ends(proc, stalled, signal.SIGINT)

    assert proc.returncode == 130, err
    assert took < 3
    assert "Traceback" not in err
    assert "fetch cancelled in" in out
    assert list((project.root / "out").iterdir()) == []  # no .tmp left behind
    assert last_run_status(project) == "cancelled"


def test_a_stage_timeout_ends_a_stalled_download_and_the_command(
    project: Project, stalled: StalledServer
) -> None:
    proc = start(project, str(fetch(project, stalled, timeout="1s")))
    out, err, took = download_ends(proc, stalled)

    assert proc.returncode == 1, err
    assert took < 3  # the 1 s timeout, then the download's thread ends at once
    assert "timed out after 1s" in out
    assert "Traceback" not in err
    assert list((project.root / "out").iterdir()) == []  # no .tmp left behind
