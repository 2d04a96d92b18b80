"""Pipelines from TOML text, and plain runs of them.

A test writes only the stages it is about: :func:`pipeline_text` adds the
``[pipeline]`` table when the text has none.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.run.runner import Runner, RunResult
from workbench.engine.spec import PipelineSpec, parse_spec

PipelineFactory = Callable[..., Pipeline]
"""The type of the engine tests' ``make_pipeline`` fixture (see :func:`parse_pipeline`)."""


def pipeline_text(text: str, **meta: Any) -> str:
    """``text`` dedented, with a ``[pipeline]`` table named "test" (plus ``meta``) if it has none."""
    body = textwrap.dedent(text)
    if "[pipeline]" not in body:
        settings = "".join(f"{k} = {v!r}\n" for k, v in meta.items()).replace("'", '"')
        body = f'[pipeline]\nname = "test"\n{settings}\n{body}'
    return body


def parse_pipeline(
    registry: StageRegistry, text: str, path: str = "test.toml", **meta: Any
) -> Pipeline:
    """A pipeline parsed from text (see :func:`pipeline_text`), problems and all."""
    return Pipeline.parse(pipeline_text(text, **meta), registry, path)


def save_pipeline(registry: StageRegistry, folder: Path, text: str, **meta: Any) -> Pipeline:
    """A valid pipeline saved as ``folder/pipelines/test.toml`` and loaded from there."""
    path = folder / "pipelines" / "test.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(pipeline_text(text, **meta), encoding="utf-8")
    pipeline = Pipeline.load(path, registry)
    assert pipeline.valid, pipeline.problems
    return pipeline


def run(pipeline: Pipeline, **options: Any) -> RunResult:
    """Run ``pipeline`` to the end in this thread; ``options`` go to the :class:`Runner`."""
    return asyncio.run(Runner(pipeline, **options).run())


def statuses(result: RunResult) -> dict[str, str]:
    """Each stage's final status, by stage id."""
    return {sid: r.status.value for sid, r in result.results.items()}


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
"""Three stages in a row; the last also has an optional dependency on the first."""


def chain_spec() -> PipelineSpec:
    """:data:`CHAIN` as an edit model."""
    spec = parse_spec(CHAIN).spec
    assert spec is not None
    return spec
