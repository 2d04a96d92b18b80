"""The heap is settled in pauses of input, so a full collection never holds up a key."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator

import pytest

from workbench.app.heap import HeapSettler


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_a_pause_settles_what_is_alive_and_frees_garbage_first() -> None:
    settler = HeapSettler(quiet=0.0)
    kept = [_Node() for _ in range(100)]
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    assert settler.tick()
    assert gone() is None  # collected, not frozen with the rest
    assert settler.settled_count() > len(kept)
    assert kept[0].me is kept[0]


def test_input_postpones_settling_until_the_person_pauses() -> None:
    settler = HeapSettler(quiet=0.2)
    settler.input_seen()
    assert not settler.tick()
    time.sleep(0.25)
    assert settler.tick()
    assert not settler.tick()  # once a pause: a long run watched idly is not collected again
    settler.input_seen()
    time.sleep(0.25)
    assert settler.tick()  # the next pause
