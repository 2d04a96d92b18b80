"""`workbench run FILE --watch` as a real process: re-runs on changes, cancels a slow run,
and ends cleanly on Ctrl+C.

The process is read line by line from a thread; each wait has a deadline. File
changes are repeated until the process reacts, because the watcher starts
alongside the first run and a change made before it is ready would be missed.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench.cli.watch import watched_paths
from workbench.engine.project import Project

PIPELINE = """\
[pipeline]
name = "watched"
description = "{description}"

[stages.load]
uses = "files.load"
config = {{ path = "data/input.txt", key = "text" }}

[stages.work]
uses = "shell.run"
depends_on = ["load"]
config = {{ command = ["sh", "-c", "echo working; sleep {sleep}"] }}
"""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Watcher:
    """A `workbench run --watch` process and everything it has printed so far."""

    def __init__(self, root: Path, pipeline: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workbench", "run", str(pipeline), "--watch"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"},
            # A test runner's worker may ignore SIGINT, and an ignored signal stays
            # ignored in children: give this one the default Ctrl+C a terminal gives.
            preexec_fn=_default_sigint,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))

    def _drain(self, timeout: float) -> None:
        try:
            self.lines.append(self._queue.get(timeout=timeout))
        except queue.Empty:
            return
        while not self._queue.empty():
            self.lines.append(self._queue.get_nowait())

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def wait_for(
        self,
        text: str,
        times: int = 1,
        *,
        timeout: float = 30,
        nudge: Callable[[], None] | None = None,
        every: float = 1.0,
    ) -> None:
        """Until ``text`` has been printed ``times`` times; ``nudge`` is repeated meanwhile."""
        deadline = time.monotonic() + timeout
        next_nudge = time.monotonic()
        while self.count(text) < times:
            assert self.process.poll() is None or not self._queue.empty(), self.output()
            assert time.monotonic() < deadline, f"{text!r} x{times} never came:\n{self.output()}"
            if nudge is not None and time.monotonic() >= next_nudge:
                nudge()
                next_nudge = time.monotonic() + every
            self._drain(0.1)

    def output(self) -> str:
        return "\n".join(self.lines)

    def interrupt(self) -> tuple[int, str]:
        """Ctrl+C: the exit code and whatever went to stderr."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(15)
        finally:
            self.kill()
        assert self.process.stderr is not None
        return code, self.process.stderr.read()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.txt").write_text("first\n")
    return tmp_path


@pytest.fixture
def start(folder: Path) -> Iterator[Callable[[Path], Watcher]]:
    made: list[Watcher] = []

    def run(pipeline: Path) -> Watcher:
        watcher = Watcher(folder, pipeline)
        made.append(watcher)
        return watcher

    yield run
    for watcher in made:
        watcher.kill()


def write_pipeline(folder: Path, *, sleep: float = 0, description: str = "one") -> Path:
    path = folder / "pipelines" / "watched.toml"
    path.write_text(PIPELINE.format(sleep=sleep, description=description))
    return path


def test_the_watched_files_are_the_pipeline_and_its_declared_inputs(folder: Path) -> None:
    path = write_pipeline(folder)
    pipeline = Project.open(folder).load_pipeline(path)
    assert watched_paths(path, pipeline) == {
        path.resolve(),
        (folder / "data" / "input.txt").resolve(),
    }


def test_a_change_to_the_pipeline_or_an_input_runs_it_again(
    folder: Path, start: Callable[[Path], Watcher]
) -> None:
    path = write_pipeline(folder)
    watcher = start(path)
    watcher.wait_for("watched success")
    watcher.wait_for("watching 2 file(s)")
    edits = iter(range(1000))
    watcher.wait_for(
        "▶ watched",
        2,
        nudge=lambda: write_pipeline(folder, description=f"edit {next(edits)}"),
    )
    watcher.wait_for("watched success", 2)
    watcher.wait_for("watching 2 file(s)", 2)
    watcher.wait_for(
        "▶ watched",
        3,
        nudge=lambda: (folder / "data" / "input.txt").write_text(f"edit {next(edits)}\n"),
    )
    watcher.wait_for("watched success", 3)
    code, errors = watcher.interrupt()
    assert code == 130
    assert "Traceback" not in errors


def test_a_change_during_a_slow_run_cancels_it_and_starts_again(
    folder: Path, start: Callable[[Path], Watcher]
) -> None:
    path = write_pipeline(folder, sleep=60)
    watcher = start(path)
    watcher.wait_for("✔ load")
    began = time.monotonic()
    edits = iter(range(1000))
    watcher.wait_for(
        "change detected: cancelling the run",
        nudge=lambda: write_pipeline(folder, sleep=0, description=f"quick {next(edits)}"),
    )
    watcher.wait_for("watched cancelled")
    watcher.wait_for("watched success")
    assert time.monotonic() - began < 30, "the slow stage was not cut short"
    assert watcher.count("▶ watched") >= 2
    code, errors = watcher.interrupt()
    assert code == 130
    assert "Traceback" not in errors


def test_ctrl_c_during_a_run_ends_the_process_cleanly(
    folder: Path, start: Callable[[Path], Watcher]
) -> None:
    path = write_pipeline(folder, sleep=60)
    watcher = start(path)
    watcher.wait_for("✔ load")
    began = time.monotonic()
    code, errors = watcher.interrupt()
    assert time.monotonic() - began < 15
    assert code == 130
    assert "Traceback" not in errors


def test_the_watcher_re_arms_after_its_folder_is_deleted_and_recreated(
    folder: Path, start: Callable[[Path], Watcher]
) -> None:
    import shutil

    path = write_pipeline(folder)
    watcher = start(path)
    watcher.wait_for("watched success")
    watcher.wait_for("watching 2 file(s)")

    shutil.rmtree(folder / "pipelines")
    watcher.wait_for("pipelines is gone; watching")
    (folder / "pipelines").mkdir()
    write_pipeline(folder, description="restored")
    watcher.wait_for("pipelines is back")
    watcher.wait_for("watched success", 2)
    # and it still hears ordinary edits afterwards
    watcher.wait_for("watching 2 file(s)", 2)
    edits = iter(range(1000))
    watcher.wait_for(
        "▶ watched",
        3,
        nudge=lambda: write_pipeline(folder, description=f"edit {next(edits)}"),
    )
    code, errors = watcher.interrupt()
    assert code == 130
    assert "Traceback" not in errors


def test_a_folder_replaced_between_two_checks_is_watched_again(
    folder: Path, start: Callable[[Path], Watcher]
) -> None:
    path = write_pipeline(folder)
    watcher = start(path)
    watcher.wait_for("watching 2 file(s)")

    (folder / "pipelines").rename(folder / "old-pipelines")
    (folder / "pipelines").mkdir()
    write_pipeline(folder, description="swapped")

    watcher.wait_for("pipelines is back")
    watcher.wait_for("watched success", 2)
    watcher.interrupt()
