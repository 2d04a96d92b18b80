"""Shared pieces of the edit-model tests: the installed registry and a small chain.

Kept out of a conftest so the name ``conftest`` stays the app tests' own.
"""

from __future__ import annotations

import functools

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


@functools.cache
def installed_registry() -> StageRegistry:
    found = StageRegistry()
    found.discover()
    return found


def chain_spec() -> PipelineSpec:
    spec = parse_spec(CHAIN).spec
    assert spec is not None
    return spec
