"""Stages the Dask executor tests run on a cluster of worker processes.

Loaded with :meth:`StageRegistry.load_path`, like a project's own stage folder,
so they reach the workers by value, as a user's unpackaged stages do. A test and
a stage on a worker share nothing but files, so the handshakes go through files
under the test's ``tmp_path``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from workbench.engine import Stage, StageContext, StageResult


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyConfig(_Config):
    key: str = "out"
    path: str = ""
    reads: list[str] = []
    seconds: float = 0.0


class Pid(Stage):
    """Writes the id of the process it ran in (an ``async def run``)."""

    name = "dtest.pid"
    Config = KeyConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.key,)

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.set(self.config.key, os.getpid())
        return StageResult.success(f"pid {os.getpid()}")


class PidSync(Pid):
    """The same with a plain ``def run``."""

    name = "dtest.pid_sync"

    def run(self, ctx: StageContext) -> StageResult:  # type: ignore[override]
        ctx.set(self.config.key, os.getpid())
        return StageResult.success(f"pid {os.getpid()}")


class DriverPid(Pid):
    """Must run beside the workbench, never on a worker."""

    name = "dtest.driver_pid"
    runs_on_driver = True


class Sum(Stage):
    """Adds the numbers it reads and writes the total: checks what travels both ways."""

    name = "dtest.sum"
    Config = KeyConfig

    def keys_read(self) -> tuple[str, ...]:
        return tuple(self.config.reads)

    def run(self, ctx: StageContext) -> StageResult:
        total = sum(ctx.get(key) for key in self.config.reads)
        ctx.set(self.config.key, total)
        ctx.progress(1, 1, "added")
        return StageResult.success(f"total {total}")


class SeesUpstream(Stage):
    """Declares no reads: records which context keys reached it."""

    name = "dtest.sees"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        ctx.set(self.config.key, sorted(ctx))
        return StageResult.success()


class WaitForFile(Stage):
    """Logs a line, then waits for a file that the test creates when that line arrives."""

    name = "dtest.wait_for_file"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        ctx.log("waiting for the go file")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if Path(self.config.path).exists():
                ctx.log("go file seen")
                return StageResult.success("released")
            time.sleep(0.02)
        return StageResult.failure("the go file never came: the log line did not arrive live")


class Fail(Stage):
    name = "dtest.fail"

    def run(self, ctx: StageContext) -> StageResult:
        ctx.log("about to fail")
        raise ValueError("broken on purpose")


class DieOnce(Stage):
    """Kills its own worker process on the first attempt; succeeds on the next."""

    name = "dtest.die_once"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        marker = Path(self.config.path)
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        ctx.set(self.config.key, os.getpid())
        return StageResult.success("survived")


class Spin(Stage):
    """Busy until the run is cancelled; leaves a file saying it saw ``ctx.cancelled``."""

    name = "dtest.spin"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        ctx.log("spinning")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ctx.cancelled:
                Path(self.config.path).write_text("saw cancel")
                return StageResult.cancelled("saw the cancel")
            time.sleep(0.01)
        return StageResult.failure("never cancelled")


class SleepAsync(Stage):
    """An async stage asleep long enough to be cancelled or timed out."""

    name = "dtest.sleep_async"
    Config = KeyConfig

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log("sleeping")
        await asyncio.sleep(self.config.seconds or 30)
        return StageResult.success("woke up")


class Window(Stage):
    """Sleeps, and writes when it started and ended (to see how many ran at once)."""

    name = "dtest.window"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        started = time.time()
        time.sleep(self.config.seconds)
        ctx.set(self.config.key, [started, time.time()])
        return StageResult.success()


class DriverLock(Stage):
    """Puts a value no pickler can send into the context (a lock), on the driver."""

    name = "dtest.driver_lock"
    Config = KeyConfig
    runs_on_driver = True

    def run(self, ctx: StageContext) -> StageResult:
        ctx.set(self.config.key, threading.Lock())
        return StageResult.success()


class RemoteLock(Stage):
    """Writes a lock on a worker: it cannot come back."""

    name = "dtest.remote_lock"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        ctx.set(self.config.key, threading.Lock())
        return StageResult.success()


class SlowToStop(Stage):
    """First attempt: waits for its cancel, then takes a while to stop; the next succeeds.

    Leaves ``first-ended`` and ``second-began`` (wall-clock times) in its folder, so a
    test can see that a retry never overlapped the attempt before it.
    """

    name = "dtest.slow_to_stop"
    Config = KeyConfig

    def run(self, ctx: StageContext) -> StageResult:
        folder = Path(self.config.path)
        first = folder / "first-began"
        if not first.exists():
            first.write_text(str(time.time()))
            woke = ctx.wait_cancelled(30)
            time.sleep(0.5)  # cleaning up after the cancel
            (folder / "first-ended").write_text(f"{time.time()} {woke}")
            return StageResult.cancelled("stopped")
        (folder / "second-began").write_text(str(time.time()))
        return StageResult.success("second attempt")
