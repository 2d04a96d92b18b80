"""Keeping the cyclic garbage collector's full passes out of the way of typing.

A 500-stage pipeline open in every view is a heap of a few hundred thousand
objects (widgets, styles, rendered lines, the pipeline's models), nearly all of
which live as long as the app or the open pipeline does. Python's collector walks
all of them on each of its full passes, which come every few seconds of typing or
scrolling (they are triggered by how many objects survived since the last one)
and took 80-135 ms each: a key pressed during one waited for it.

:class:`HeapSettler` settles the heap once the person has stopped for a moment
(no key or mouse event for :data:`QUIET_S`) and something was made since the last
time: one full collection (so no garbage is kept), then everything still alive is
handed to the collector's permanent generation (``gc.freeze``). The full passes
while the person works then walk only what was made since, and take a few
milliseconds. The one pass that walks everything runs while nobody is typing;
reference counting frees objects as usual either way.
"""

from __future__ import annotations

import gc
from time import monotonic

QUIET_S = 2.0
"""How long without input counts as a pause in which the heap may be settled."""


def _collections() -> int:
    """How many collections of any generation have run: it moves whenever objects were made."""
    return sum(stats["collections"] for stats in gc.get_stats())


class HeapSettler:
    """Collects and freezes the heap in pauses of input (see the module)."""

    def __init__(self, quiet: float = QUIET_S) -> None:
        self.quiet = quiet
        self._last_input = monotonic()
        self._seen_collections = -1
        """Collections counted when the heap was last settled (-1: never settled)."""

    def input_seen(self) -> None:
        """A key or mouse event arrived: the person is working, wait for the next pause."""
        self._last_input = monotonic()

    def tick(self) -> bool:
        """Settle if the person paused and objects were made since the last time; True if it did."""
        if monotonic() - self._last_input < self.quiet:
            return False
        if _collections() == self._seen_collections:
            return False  # nothing was made since: the heap is as settled as it was
        self.settle()
        return True

    def settle(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._seen_collections = _collections()

    @staticmethod
    def settled_count() -> int:
        """How many objects the collector's passes skip now."""
        return gc.get_freeze_count()
