"""Per-attempt cancellation: a token every attempt of a stage gets, and what it raises.

A :class:`CancelToken` is a flag with an optional parent. The run's context store
holds the root token; every attempt of a stage gets a child of it. Cancelling the
root (the whole run is cancelled, or the run ended) cancels every attempt below it;
cancelling one attempt's token (its timeout) touches no other attempt. Reading the
flag is a couple of attribute loads, so a thread stage can check it in a tight loop;
a thread that has nothing to do but wait can block on :meth:`CancelToken.wait`
instead of sleeping, and wakes the moment its attempt is cancelled.

:class:`StageCancelled` subclasses :class:`asyncio.CancelledError` so code written
against the old ``raise_if_cancelled`` (which raised ``CancelledError``) keeps
working, and so a broad ``except Exception`` in stage code does not swallow it.
It lives in :mod:`workbench.engine.run.stage_cancelled`, imported only when raised,
because this module must stay cheap to import (no asyncio) for discovery.
"""

from __future__ import annotations

import threading

_LOCK = threading.Lock()
"""Guards waiter registration only; the flag itself is read without a lock."""


class CancelToken:
    """One attempt's (or one run's) cancellation flag.

    ``reason`` is None until the token (or an ancestor) is cancelled; then it says
    why: "timed out after 1s", "the run was cancelled", "the run ended".
    """

    __slots__ = ("_event", "_own", "_parent", "_waiting")

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._own: str | None = None
        self._parent = parent
        self._event: threading.Event | None = None
        self._waiting: set[CancelToken] | None = None
        """Descendants blocked in :meth:`wait`, woken when this token is cancelled."""

    @property
    def cancelled(self) -> bool:
        token: CancelToken | None = self
        while token is not None:
            if token._own is not None:
                return True
            token = token._parent
        return False

    @property
    def reason(self) -> str | None:
        """Why the attempt was cancelled (its own reason first), or None."""
        token: CancelToken | None = self
        while token is not None:
            if token._own is not None:
                return token._own
            token = token._parent
        return None

    def cancel(self, reason: str = "cancelled") -> bool:
        """Cancel this token and everything below it; False when it already was."""
        if self._own is not None:
            return False
        self._own = reason
        with _LOCK:
            if self._event is not None:
                self._event.set()
            for waiter in self._waiting or ():
                if waiter._event is not None:
                    waiter._event.set()
        return True

    def child(self) -> CancelToken:
        return CancelToken(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until cancelled or ``timeout`` seconds pass; True when cancelled.

        For thread stages: ``while not ctx.wait_cancelled(5): poll()`` wakes at once
        on a timeout or a cancel, where ``time.sleep(5)`` would not.
        """
        ancestors = self._ancestors()
        with _LOCK:
            if self._event is None:
                self._event = threading.Event()
            for parent in ancestors:
                if parent._waiting is None:
                    parent._waiting = set()
                parent._waiting.add(self)
            if self.cancelled:
                self._event.set()
            event = self._event
        try:
            return event.wait(timeout) or self.cancelled
        finally:
            with _LOCK:
                for parent in ancestors:
                    if parent._waiting is not None:
                        parent._waiting.discard(self)

    def _ancestors(self) -> list[CancelToken]:
        out: list[CancelToken] = []
        token = self._parent
        while token is not None:
            out.append(token)
            token = token._parent
        return out

    def __repr__(self) -> str:
        return f"CancelToken(reason={self.reason!r})"
