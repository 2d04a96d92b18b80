"""A run's events on their way to subscribers, from the loop's thread or any other.

Subscribers (the command line, the app, history) are called in order on the event
loop's thread, so none of them needs a lock. A stage running in a worker thread
logs and reports progress through :meth:`EventBridge.log_sink` and
:meth:`EventBridge.progress_sink`; those lines are queued and handed to the loop
in batches, one loop callback per batch rather than per line, so a stage printing
100,000 lines cannot flood the loop (and the app on it) with callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from workbench.engine.events import RunEvent, StageLog, StageProgress
from workbench.engine.secrets import Secrets

log = logging.getLogger(__name__)

Subscriber = Callable[[RunEvent], None]

BATCH = 500
"""Thread events emitted per loop turn at most."""


class EventBridge:
    """The subscribers of one run and the hand-over of events from worker threads.

    Until :meth:`attach` (before the run starts) every event is emitted at once,
    whatever the thread. Once :attr:`ended` is set, lines from a thread left
    running are dropped.
    """

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets
        """Masks secret values in every line and progress message."""
        self.ended = False
        self.queued: list[RunEvent] = []
        """Events from worker threads not emitted yet (emptied by :meth:`drain`)."""
        self._subscribers: list[Subscriber] = []
        self._fanout: tuple[Subscriber, ...] = ()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._lock = threading.Lock()
        self._flush_scheduled = False

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """From now on, events from other threads than this one go through ``loop``."""
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(event)`` for every event; returns a function that unsubscribes."""
        self._subscribers.append(subscriber)
        self._fanout = tuple(self._subscribers)

        def unsubscribe() -> None:
            self._subscribers.remove(subscriber)
            self._fanout = tuple(self._subscribers)

        return unsubscribe

    def emit(self, event: RunEvent) -> None:
        """Give ``event`` to every subscriber now (on the loop's thread)."""
        for subscriber in self._fanout:
            try:
                subscriber(event)
            except Exception:  # a broken subscriber must not break the run
                log.exception("run event subscriber %r failed on %s", subscriber, event)

    def emit_threadsafe(self, event: RunEvent) -> None:
        """Emit now on the loop's thread; from a worker thread, queue for the loop."""
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self.emit(event)
            return
        if self.ended:
            return
        with self._lock:
            self.queued.append(event)
            if self._flush_scheduled:
                return
            self._flush_scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop closed under a thread left running
            self._loop.call_soon_threadsafe(self._flush)

    def _flush(self) -> None:
        """Emit up to a batch of queued thread events; the rest wait for the next turn."""
        with self._lock:
            batch = self.queued[:BATCH]
            del self.queued[:BATCH]
            more = bool(self.queued)
            if not more:
                self._flush_scheduled = False
        for event in batch:
            self.emit(event)
        if more and self._loop is not None:
            self._loop.call_soon(self._flush)

    def drain(self) -> None:
        """Emit every queued thread event now, so a stage's lines precede its finish."""
        with self._lock:
            batch, self.queued = self.queued, []
        for event in batch:
            self.emit(event)

    def log_sink(self, stage: str, level: str, message: str, stream: str) -> None:
        """Where a stage's context sends its log lines, from any thread."""
        self.emit_threadsafe(StageLog(stage, level, self.secrets.mask_text(message), stream))

    def progress_sink(self, stage: str, done: float, total: float | None, message: str) -> None:
        """Where a stage's context sends its progress, from any thread."""
        self.emit_threadsafe(StageProgress(stage, done, total, self.secrets.mask_text(message)))

    def report(self, stage: str, text: str) -> None:
        """A warning about a stage from the runner itself: logged and shown in its pane."""
        log.warning("%s", text)
        self.emit(StageLog(stage, "warning", text, "stderr"))
