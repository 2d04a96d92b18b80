"""Fixtures of the engine tests: a registry of ``core.noop`` and the test stage kit."""

from __future__ import annotations

import textwrap

import pytest
from kit.pipelines import PipelineFactory, kit_registry

from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry


@pytest.fixture(scope="session")
def registry() -> StageRegistry:
    """Shared by the tests that only read it; tests that register stages make their own."""
    return kit_registry()


@pytest.fixture
def make_pipeline(registry: StageRegistry) -> PipelineFactory:
    """Build a pipeline from TOML text (dedented); ``[pipeline]`` is added when missing."""

    def make(text: str, path: str = "test.toml", **meta: object) -> Pipeline:
        body = textwrap.dedent(text)
        if "[pipeline]" not in body:
            settings = "".join(f"{k} = {v!r}\n" for k, v in meta.items()).replace("'", '"')
            body = f'[pipeline]\nname = "test"\n{settings}\n{body}'
        return Pipeline.parse(body, registry, path)

    return make
