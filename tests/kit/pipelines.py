"""Helpers shared by the engine tests: where the test stages and data live, and a registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stages.core import Noop
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry

KIT = Path(__file__).parent / "local_stages"
DATA = Path(__file__).parents[1] / "data"


def kit_registry() -> StageRegistry:
    """A fresh registry holding ``core.noop`` and every ``kit.*`` stage."""
    registry = StageRegistry()
    registry.register(Noop)
    registry.load_path(KIT)
    assert not registry.errors, registry.errors
    return registry


PipelineFactory = Callable[..., Pipeline]
"""The type of the ``make_pipeline`` fixture."""
