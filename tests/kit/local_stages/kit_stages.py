"""Small stages the engine and command-line tests run.

This folder is loaded as a project's stage folder (``stage_paths`` in
``workbench.toml``, or :meth:`StageRegistry.load_path`), the way a user's own
unpackaged stages are, so the tests go through the same discovery path.

Shared state a test wants to observe (how many stages ran at once, which thread
ran a stage) travels in the run's parameters, never in module globals, so tests
stay independent.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from workbench.engine import (
    Dependency,
    PlannedOperation,
    Stage,
    StageContext,
    StageError,
    StageResult,
)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SleepConfig(_Config):
    seconds: float = 0.0
    key: str | None = None
    value: Any = None


class Sleep(Stage):
    """Sleeps without blocking the loop, optionally writes a key, and counts concurrency."""

    name = "kit.sleep"
    Config = SleepConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.key,) if self.config.key else ()

    async def run(self, ctx: StageContext) -> StageResult:
        tracker: dict[str, int] | None = ctx.params.get("tracker")
        if tracker is not None:
            tracker["active"] = tracker.get("active", 0) + 1
            tracker["peak"] = max(tracker.get("peak", 0), tracker["active"])
        try:
            ctx.log(f"sleeping {self.config.seconds}s")
            await asyncio.sleep(self.config.seconds)
        finally:
            if tracker is not None:
                tracker["active"] -= 1
        if self.config.key:
            ctx.set(self.config.key, self.config.value)
        return StageResult.success(f"slept {self.config.seconds}s")

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        return [PlannedOperation("sleep", estimated_seconds=self.config.seconds or None)]


class FailConfig(_Config):
    message: str = "it broke"
    raise_error: bool = False


class Fail(Stage):
    """Fails every time: with a result, or by raising."""

    name = "kit.fail"
    Config = FailConfig

    async def run(self, ctx: StageContext) -> StageResult:
        if self.config.raise_error:
            raise ValueError(self.config.message)
        return StageResult.failure(self.config.message)


class FlakyConfig(_Config):
    fail_times: int = 1


class Flaky(Stage):
    """Fails its first ``fail_times`` attempts, then succeeds."""

    name = "kit.flaky"
    Config = FlakyConfig

    def __init__(self, config: Any = None, *, id: str = "") -> None:
        super().__init__(config, id=id)
        self.calls: list[float] = []

    async def run(self, ctx: StageContext) -> StageResult:
        self.calls.append(time.perf_counter())
        if len(self.calls) <= self.config.fail_times:
            raise StageError(f"attempt {len(self.calls)} failed")
        return StageResult.success(f"succeeded on attempt {len(self.calls)}")


class ThreadConfig(_Config):
    seconds: float = 0.0


class Blocking(Stage):
    """A plain ``def run`` that blocks: the runner must put it in a thread."""

    name = "kit.blocking"
    Config = ThreadConfig
    writes = ("thread",)

    def run(self, ctx: StageContext) -> StageResult:
        time.sleep(self.config.seconds)
        ctx.log("done blocking")
        ctx.set("thread", threading.get_ident())
        return StageResult.success()


class WriteConfig(_Config):
    key: str = "value"
    value: Any = 1
    path: str | None = None
    """A path the stage would write, for dry-run conflict tests."""


class Write(Stage):
    """Sets one context key to a configured value."""

    name = "kit.write"
    Config = WriteConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.key,)

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.set(self.config.key, self.config.value)
        return StageResult.success(f"{self.config.key} = {self.config.value!r}")

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        written = (self.config.path,) if self.config.path else ()
        return [
            PlannedOperation(
                f"set {self.config.key}",
                action="write",
                paths_written=written,
                estimated_bytes=10 if written else None,
                estimated_seconds=0.5,
            )
        ]


class ReadConfig(_Config):
    key: str = "value"


class Read(Stage):
    """Reads one context key and reports it."""

    name = "kit.read"
    Config = ReadConfig

    def keys_read(self) -> tuple[str, ...]:
        return (self.config.key,)

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success(f"read {ctx.get(self.config.key)!r}")


class Echo(Stage):
    """Logs a context key's value and reports it: what a careless stage does with a secret."""

    name = "kit.echo"
    Config = ReadConfig

    def keys_read(self) -> tuple[str, ...]:
        return (self.config.key,)

    async def run(self, ctx: StageContext) -> StageResult:
        value = ctx.get(self.config.key)
        ctx.log(f"{self.config.key} is {value}")
        return StageResult.success(f"echoed {value!r}")


class Chatty(Stage):
    """Logs lines and reports progress, for event-order tests."""

    name = "kit.chatty"

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log("first line")
        ctx.progress(1, 2, "half")
        ctx.log("second line", stream="stderr")
        ctx.progress(2, 2, "all")
        return StageResult.success("chatted")


class NoDryRun(Stage):
    """A stage whose effects cannot be planned."""

    name = "kit.nodry"
    supports_dry_run = False

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()


class Provider(Stage):
    """Provides the ``db`` capability."""

    name = "kit.provider"
    provides = ("db",)

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()


class Consumer(Stage):
    """Requires the ``db`` capability."""

    name = "kit.consumer"
    requires = ("db",)

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()


class Setup(Stage):
    """A stage other stage classes declare a dependency on."""

    name = "kit.setup"

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()


class Teardown(Stage):
    """Optional: when a pipeline has it, stages that declare it run before it."""

    name = "kit.teardown"

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()


class NeedsSetup(Stage):
    """Runs after ``kit.setup`` (required) and before ``kit.teardown`` (optional)."""

    name = "kit.needs_setup"
    dependencies = (
        Dependency("kit.setup"),
        Dependency("kit.teardown", required=False, order="before"),
    )

    async def run(self, ctx: StageContext) -> StageResult:
        return StageResult.success()
