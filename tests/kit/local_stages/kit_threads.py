"""Thread stages (plain ``def run``) for the cancellation, pool and thread-safety tests.

What a test wants to observe travels in the run's parameters (a ``probe`` dict),
never in module globals, so tests stay independent.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from workbench.engine import Stage, StageContext, StageResult

_LOCK = threading.Lock()


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StubbornConfig(_Config):
    seconds: float = 0.3
    key: str = "late"


class Stubborn(Stage):
    """Blocks without looking at cancellation, then notes what it saw and tries to write.

    Counts in ``probe`` how many attempts run at once (``peak``), and sets
    ``probe["stopped"]`` (a threading.Event) when its last attempt is over.
    """

    name = "kit.stubborn"
    Config = StubbornConfig

    def run(self, ctx: StageContext) -> StageResult:
        probe: dict[str, Any] = ctx.params["probe"]
        with _LOCK:
            probe["active"] = probe.get("active", 0) + 1
            probe["peak"] = max(probe.get("peak", 0), probe["active"])
            probe["attempts"] = probe.get("attempts", 0) + 1
        try:
            time.sleep(self.config.seconds)
            probe["saw_cancelled"] = ctx.cancelled
            try:
                ctx.set(self.config.key, "written after the timeout")
            except BaseException as exc:
                probe["write_refused"] = type(exc).__name__
        finally:
            with _LOCK:
                probe["active"] -= 1
            probe["stopped"].set()
        return StageResult.success()


class PatientConfig(_Config):
    seconds: float = 30.0


class Patient(Stage):
    """Waits on its cancellation instead of sleeping; notes how long it waited."""

    name = "kit.patient"
    Config = PatientConfig

    def run(self, ctx: StageContext) -> StageResult:
        probe: dict[str, Any] = ctx.params["probe"]
        started = time.perf_counter()
        cancelled = ctx.wait_cancelled(self.config.seconds)
        probe["waited"] = time.perf_counter() - started
        probe["cancelled"] = cancelled
        try:
            ctx.check_cancelled()
        finally:
            probe["stopped"].set()
        return StageResult.success()


class NapConfig(_Config):
    seconds: float = 0.6


class Nap(Stage):
    """A thread stage that blocks for a while, then succeeds."""

    name = "kit.nap"
    Config = NapConfig

    def run(self, ctx: StageContext) -> StageResult:
        time.sleep(self.config.seconds)
        return StageResult.success()


class ScribbleConfig(_Config):
    writes: int = 20_000


class Scribble(Stage):
    """Writes its own key over and over, as fast as it can, from its thread."""

    name = "kit.scribble"
    Config = ScribbleConfig

    def run(self, ctx: StageContext) -> StageResult:
        key = f"count_{ctx.stage_id}"
        for i in range(self.config.writes):
            ctx.set(key, i)
        return StageResult.success()


class ExitConfig(_Config):
    code: int | str | None = 2
    in_thread: bool = False


class Exit(Stage):
    """Calls ``sys.exit`` (an async stage; see ``kit.exit_thread`` for a thread)."""

    name = "kit.exit"
    Config = ExitConfig

    async def run(self, ctx: StageContext) -> StageResult:
        sys.exit(self.config.code)


class ExitThread(Stage):
    """Calls ``sys.exit`` from a thread stage."""

    name = "kit.exit_thread"
    Config = ExitConfig

    def run(self, ctx: StageContext) -> StageResult:
        sys.exit(self.config.code)


class Interrupt(Stage):
    """Raises KeyboardInterrupt from stage code."""

    name = "kit.interrupt"

    async def run(self, ctx: StageContext) -> StageResult:
        raise KeyboardInterrupt
