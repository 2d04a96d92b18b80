"""Fixtures of the edit-model tests: the installed stage registry and small specs."""

from __future__ import annotations

import pytest

from workbench.engine.registry import StageRegistry
from workbench.engine.spec import PipelineSpec, parse_spec

CHAIN = """
[pipeline]
name = "chain"

[stages.start]
uses = "core.noop"

[stages.middle]
uses = "core.noop"
depends_on = ["start"]

[stages.finish]
uses = "core.noop"
depends_on = ["middle", { stage = "start", required = false }]
"""


@pytest.fixture(scope="session")
def registry() -> StageRegistry:
    found = StageRegistry()
    found.discover()
    return found


@pytest.fixture
def chain() -> PipelineSpec:
    spec = parse_spec(CHAIN).spec
    assert spec is not None
    return spec
