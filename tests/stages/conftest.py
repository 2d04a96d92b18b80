"""Fixtures of the stage tests: a :class:`Harness` rooted in ``tmp_path``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kit.stages import Harness

from workbench.engine import ExecutionMode


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


@pytest.fixture
def make_harness(tmp_path: Path) -> Callable[..., Harness]:
    def make(mode: ExecutionMode = ExecutionMode.LIVE) -> Harness:
        return Harness(tmp_path, mode)

    return make
