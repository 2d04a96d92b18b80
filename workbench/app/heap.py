"""Keeping the cyclic garbage collector's full passes out of the way of typing.

A 500-stage pipeline open in every view is a heap of a few hundred thousand
objects (widgets, styles, rendered lines, the pipeline's models), nearly all of
which live as long as the app or the open pipeline does. Python's collector walks
all of them on each of its full passes, which come every few seconds of typing or
scrolling (they are triggered by how many objects survived since the last one)
and took 80-135 ms each: a key pressed during one waited for it.

:class:`HeapSettler` settles the heap once per pause in input (no key or mouse
event for :data:`QUIET_S`): one full collection (so no garbage is kept), then
everything still alive is handed to the collector's permanent generation
(``gc.freeze``). The full passes while the person works then walk only what was
made since, and take a few milliseconds. The one pass that walks everything runs
while nobody is typing, once: a long run watched without touching the keyboard
is not collected over and over (the collector then works as it always does).
Reference counting frees objects as usual either way.
"""

from __future__ import annotations

import gc
from time import monotonic

QUIET_S = 2.0
"""How long without input counts as a pause in which the heap may be settled."""


class HeapSettler:
    """Collects and freezes the heap once in each pause of input (see the module)."""

    def __init__(self, quiet: float = QUIET_S) -> None:
        self.quiet = quiet
        self._last_input = monotonic()
        self._settled = False
        """Whether the heap was settled since the last input."""

    def input_seen(self) -> None:
        """A key or mouse event arrived: the person is working, wait for the next pause."""
        self._last_input = monotonic()
        self._settled = False

    def tick(self) -> bool:
        """Settle if the person has paused and the heap was not settled in this pause."""
        if self._settled or monotonic() - self._last_input < self.quiet:
            return False
        self.settle()
        return True

    def settle(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._settled = True

    def release(self) -> None:
        """The app is closing: hand everything back to the collector (tests run many apps)."""
        gc.unfreeze()
        self._settled = False

    @staticmethod
    def settled_count() -> int:
        """How many objects the collector's passes skip now."""
        return gc.get_freeze_count()
