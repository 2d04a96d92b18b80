"""Ctrl+C, SIGTERM and SIGHUP: three ways to ask `workbench run` to stop, one way it stops.

asyncio turns Ctrl+C into a cancel of the command's main task; the run under it
cancels its stages (a ``shell.run`` stage kills its command's process group), the
summary is printed and the history records the run as cancelled. SIGTERM (CI
cancelling a job, ``docker stop``) and SIGHUP (the terminal went away) are routed
to that very cancel here instead of killing the process on the spot. The command
then exits as a shell reports a process ended by that signal, 128 + its number:
130 for Ctrl+C, 143 for SIGTERM, 129 for SIGHUP.

The first SIGTERM or SIGHUP starts the orderly stop; more of them while it runs
are ignored, so a second ``kill`` cannot cut the cleanup short and leave orphans.
A signal that arrives outside the event loop (while the summary prints, say) is
remembered for the exit code and otherwise ignored. A signal the command was
started with ignored (``nohup`` ignores SIGHUP) stays ignored.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that cancel a run the way Ctrl+C does."""

_received: signal.Signals | None = None
"""The stop signal this command received, if any."""


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, with SIGTERM and SIGHUP cancelling ``main`` as Ctrl+C does.

    ``main`` is expected to end a cancelled run itself and return its result (as
    :func:`workbench.cli.run_output.start_run` does), so the summary can still be shown.
    """
    global _received
    _received = None
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(main)  # signal handlers can only be set from the main thread
    # A signal ignored on purpose stays ignored: `nohup workbench run` survives a hangup.
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    watched = tuple(sig for sig, handler in previous.items() if handler is not signal.SIG_IGN)
    for sig in watched:
        signal.signal(sig, _remember)
    try:
        return asyncio.run(_stoppable(main, watched))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def received() -> signal.Signals | None:
    """The SIGTERM or SIGHUP that stopped the last :func:`run`, if one did."""
    return _received


def exit_code() -> int:
    """The exit code of a stopped run: 128 + the signal (SIGINT, Ctrl+C, by default)."""
    return 128 + int(_received or signal.SIGINT)


def stopped_by() -> str:
    """How a person would name what stopped the run: ``"SIGTERM"``, ``"Ctrl+C"``."""
    return _received.name if _received is not None else "Ctrl+C"


async def _stoppable(main: Coroutine[Any, Any, T], watched: tuple[signal.Signals, ...]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def stop(sig: signal.Signals) -> None:
        global _received
        if _received is None:
            _received = sig
            task.cancel()

    for sig in watched:
        loop.add_signal_handler(sig, stop, sig)
    if _received is not None:  # arrived between the start of the command and the loop
        task.cancel()
    try:
        return await main
    finally:
        for sig in watched:
            loop.remove_signal_handler(sig)
            signal.signal(sig, _remember)


def _remember(signum: int, frame: FrameType | None) -> None:
    global _received
    if _received is None:
        _received = signal.Signals(signum)
