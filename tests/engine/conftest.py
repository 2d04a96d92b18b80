"""Fixtures of the engine tests: a registry of ``core.noop`` and the test stage kit."""

from __future__ import annotations

from typing import Any

import pytest
from kit.pipelines import PipelineFactory, parse_pipeline
from kit.stages import kit_registry

from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry


@pytest.fixture(scope="session")
def registry() -> StageRegistry:
    """Shared by the tests that only read it; tests that register stages make their own."""
    return kit_registry()


@pytest.fixture
def make_pipeline(registry: StageRegistry) -> PipelineFactory:
    """Build a pipeline from TOML text (dedented); ``[pipeline]`` is added when missing."""

    def make(text: str, path: str = "test.toml", **meta: Any) -> Pipeline:
        return parse_pipeline(registry, text, path, **meta)

    return make
