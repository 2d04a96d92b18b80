"""Step mode and breakpoints: where a run waits before a stage, and how it goes on.

The scheduler asks :meth:`Stepper.should_pause` before it starts a stage and, if
so, awaits :meth:`Stepper.pause`. A person (the app's run screen) then steps (run
that stage, pause before the next), resumes (run to the next breakpoint) or runs
to the end (ignore breakpoints from now on). Only one stage pauses at a time;
others ready meanwhile wait their turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from workbench.engine.events import RunEvent, StagePaused, StageResumed
from workbench.engine.stage import StageStatus


class Stepper:
    """The step-mode state of one run. Every method is called on the loop's thread."""

    __slots__ = (
        "_emit",
        "_ignore_breakpoints",
        "_resume",
        "_status",
        "breakpoints",
        "paused_at",
        "step_mode",
        "stopping",
    )

    def __init__(
        self,
        status: dict[str, StageStatus],
        emit: Callable[[RunEvent], None],
        *,
        step: bool = False,
        breakpoints: Iterable[str] = (),
    ) -> None:
        self.step_mode = step
        """Pause before every stage."""
        self.breakpoints: set[str] = set(breakpoints)
        """Pause before these stages (unless running to the end)."""
        self.paused_at: str | None = None
        """The stage the run is waiting before."""
        self.stopping = False
        """The run is ending: pause no more, and let a paused stage go (to be cancelled)."""
        self._status = status
        self._emit = emit
        self._resume: asyncio.Event | None = None
        self._ignore_breakpoints = False

    def toggle_breakpoint(self, stage_id: str) -> bool:
        """Returns whether the stage now has a breakpoint."""
        if stage_id in self.breakpoints:
            self.breakpoints.discard(stage_id)
            return False
        self.breakpoints.add(stage_id)
        return True

    def step(self) -> None:
        """Run the stage we are paused before, then pause before the next one."""
        self.step_mode = True
        self.release()

    def resume(self) -> None:
        """Leave step mode and run until the next breakpoint."""
        self.step_mode = False
        self.release()

    def run_to_end(self) -> None:
        """Leave step mode and ignore breakpoints for the rest of the run."""
        self.step_mode = False
        self._ignore_breakpoints = True
        self.release()

    def stop(self) -> None:
        """The run is stopping: let whatever waits go on (it will find the run cancelled)."""
        self.stopping = True
        self.release()

    def release(self) -> None:
        if self._resume is not None:
            self._resume.set()

    def should_pause(self, sid: str) -> bool:
        if self.stopping:
            return False
        if self.step_mode:
            return True
        return sid in self.breakpoints and not self._ignore_breakpoints

    async def pause(self, sid: str, reads: tuple[str, ...]) -> None:
        """Wait before ``sid`` until told to go on; ``reads`` are the keys it will read."""
        # Only one stage pauses at a time: the others wait their turn here.
        while self.paused_at is not None:
            assert self._resume is not None
            await self._resume.wait()
            if not self.should_pause(sid):
                return
        self.paused_at = sid
        self._resume = asyncio.Event()
        self._status[sid] = StageStatus.PAUSED
        self._emit(StagePaused(sid, "step" if self.step_mode else "breakpoint", reads))
        try:
            await self._resume.wait()
        finally:
            self.paused_at = None
        self._emit(StageResumed(sid))
