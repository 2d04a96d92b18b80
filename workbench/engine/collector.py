"""Pausing Python's cyclic garbage collector while many long-lived objects are built.

Loading a 10,000-stage pipeline makes a few hundred thousand objects that all stay
alive (configs, specs, the graph). The generational collector walks them again
and again as they are made, which cost about a fifth of `workbench validate` and
`workbench status` on such a file. Reference counting still frees everything that
is not in a cycle while the collector is paused, and the collector runs as usual
once the block ends, so a pause only postpones finding cycles. Used around
read-only commands that end soon after (`workbench status`, `workbench validate`);
never around a run, whose stages may make garbage for hours.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is on again afterwards if it was."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()

