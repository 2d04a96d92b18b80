"""A small project for the run screen tests: local stages the tests control.

``test.gate`` waits on an :class:`asyncio.Event` held on its class until the test
releases it, so a snapshot can be taken mid-run at a known moment. The module is
written into the project's ``local_stages/`` folder (loaded through
``stage_paths``), so it is imported fresh for every app.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from workbench.app.app import WorkbenchApp
from workbench.app.screens.run import RunScreen
from workbench.engine.stage import StageStatus

STAGES = '''
import asyncio

from pydantic import BaseModel

from workbench.engine import Stage, StageContext, StageResult


class Empty(BaseModel):
    pass


class Gate(Stage):
    """Logs, then waits until the test opens its gate; writes a key when done."""

    name = "test.gate"
    description = "Waits for the test"
    reads = ("greeting",)
    writes = ("opened",)
    GATES: dict = {}

    @classmethod
    def gate(cls, stage_id):
        return cls.GATES.setdefault(stage_id, asyncio.Event())

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log(f"{ctx.stage_id}: waiting for the gate")
        await type(self).gate(ctx.stage_id).wait()
        ctx.set(f"opened.{ctx.stage_id}", True)
        return StageResult.success("gate opened")


class Step(Stage):
    """Records the greeting and the keys it saw, quickly."""

    name = "test.step"
    description = "A quick stage that writes what it saw"
    reads = ("greeting",)
    writes = ("seen",)

    async def run(self, ctx: StageContext) -> StageResult:
        seen = dict(ctx.get("seen", {}))
        seen[ctx.stage_id] = ctx.get("greeting", None)
        ctx.set("seen", seen)
        ctx.set(f"ran.{ctx.stage_id}", True)
        ctx.log(f"{ctx.stage_id} says {ctx.get('greeting', None)}")
        return StageResult.success(f"greeting {ctx.get('greeting', None)}")


class Flaky(Stage):
    """Fails while the context key ``fixed`` is not set."""

    name = "test.flaky"
    description = "Fails until fixed"

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log("checking the input", stream="stdout")
        if not ctx.params.get("fixed"):
            ctx.log("ValueError: the input is broken", "error", "stderr")
            return StageResult.failure("the input is broken")
        ctx.set("flaky", "ok")
        return StageResult.success("fixed")


class Progress(Stage):
    """Draws a progress line with carriage returns, like a terminal progress bar."""

    name = "test.progress"
    description = "A redrawn progress line"

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log("starting")
        for pct in (10, 50, 100):
            ctx.log(f"\\rdownloading {pct}%")
            ctx.progress(pct, 100, "downloading")
        ctx.log("one\\rtwo\\rthree")
        ctx.log("done")
        return StageResult.success("downloaded")
'''

CHAIN = """
[pipeline]
name = "chain"
description = "Three quick stages in a row"

[context]
greeting = "hello"

[stages.first]
uses = "test.step"

[stages.second]
uses = "test.step"
depends_on = ["first"]

[stages.third]
uses = "test.step"
depends_on = ["second"]
"""

GATED = """
[pipeline]
name = "gated"
description = "A quick stage, then one that waits for the test"
max_concurrency = 2

[context]
greeting = "hello"

[stages.prepare]
uses = "test.step"

[stages.wait]
uses = "test.gate"
depends_on = ["prepare"]

[stages.after]
uses = "test.step"
depends_on = ["wait"]
"""

FLAKY = """
[pipeline]
name = "flaky"
description = "A stage that fails until fixed, between two that work"

[context]
greeting = "hi"
fixed = false

[stages.load]
uses = "test.step"

[stages.side]
uses = "test.step"
depends_on = ["load"]

[stages.check]
uses = "test.flaky"
depends_on = ["load"]

[stages.report]
uses = "test.step"
depends_on = ["check", "side"]
"""

KEEP_GOING = """
[pipeline]
name = "keepgoing"
description = "One branch fails at once while the other pauses at a breakpoint"
max_concurrency = 2

[context]
greeting = "hi"
fixed = false

[stages.bad]
uses = "test.flaky"

[stages.good]
uses = "test.step"

[stages.later]
uses = "test.step"
depends_on = ["good"]
"""

PROGRESS = """
[pipeline]
name = "progress"

[stages.fetch]
uses = "test.progress"
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def make_project(root: Path) -> Path:
    write(root / "workbench.toml", 'stage_paths = ["local_stages"]\n')
    write(root / "local_stages" / "ctl.py", STAGES)
    for name, text in {
        "chain": CHAIN,
        "gated": GATED,
        "flaky": FLAKY,
        "progress": PROGRESS,
        "keepgoing": KEEP_GOING,
    }.items():
        write(root / "pipelines" / f"{name}.toml", text)
    return root


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every clock the run screen reads stands still, so times and spinners are steady."""
    import workbench.app.run.controller as controller
    import workbench.app.widgets.run.stage_pane as pane
    import workbench.engine.run.runner as runner

    for module in (controller, pane, runner):
        monkeypatch.setattr(module, "now", lambda: 1000.0)


RunApp = Callable[[str], WorkbenchApp]


def open_app(root: Path, pipeline: str) -> WorkbenchApp:
    return WorkbenchApp(root, root / "pipelines" / f"{pipeline}.toml", watch=False)


def screen(app: WorkbenchApp) -> RunScreen:
    assert isinstance(app.screen, RunScreen)
    return app.screen


def gate(app: WorkbenchApp, stage_id: str) -> asyncio.Event:
    pipeline = app.pipeline
    assert pipeline is not None
    stage = pipeline.stages[stage_id].stage
    return type(stage).gate(stage_id)  # type: ignore[attr-defined]


async def until(pilot: Pilot[Any], check: Callable[[], bool], tries: int = 200) -> None:
    """Let the app work until ``check()`` holds (a bounded number of pauses, no sleeps)."""
    for _ in range(tries):
        if check():
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never got there")


def status(app: WorkbenchApp, stage_id: str) -> StageStatus:
    return screen(app).controller.states[stage_id].status


async def finish(pilot: Pilot[Any]) -> None:
    """Wait for the run worker, then for the screen to repaint what it did."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
