"""Pictures of the run screen: mid-run, paused in step mode, after a failure.

Every clock the screen reads is frozen and the stages are the test's own, so the
pictures are the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.app import SIZE, finish, frozen_clock, gate, open_app, screen, status, until
from textual.pilot import Pilot

from workbench.engine.stage import StageStatus

pytestmark = pytest.mark.usefixtures("frozen_clock")
__all__ = ["frozen_clock"]


def test_run_screen_mid_run(snap_compare, run_project: Path) -> None:
    app = open_app(run_project, "gated")

    async def mid_run(pilot: Pilot[None]) -> None:
        await pilot.press("r", "R")
        await until(pilot, lambda: status(app, "wait") is StageStatus.RUNNING)
        await pilot.press("down")  # the waiting stage's log
        await until(pilot, lambda: len(screen(app).session.controller.states["wait"].log) == 1)

    assert snap_compare(app, run_before=mid_run, terminal_size=SIZE)
    gate(app, "wait").set()


def test_run_screen_paused_in_step_mode(snap_compare, run_project: Path) -> None:
    app = open_app(run_project, "chain")

    async def paused(pilot: Pilot[None]) -> None:
        await pilot.press("r", "t", "R")
        run = screen(app)
        await until(pilot, lambda: run.paused)
        await pilot.press("space")
        await until(pilot, lambda: run.paused and run.session.controller.pause.stage_id == "second")

    assert snap_compare(app, run_before=paused, terminal_size=SIZE)


def test_run_screen_after_a_failure(snap_compare, run_project: Path) -> None:
    app = open_app(run_project, "flaky")

    async def failed(pilot: Pilot[None]) -> None:
        await pilot.press("r", "R")
        await finish(pilot)

    assert snap_compare(app, run_before=failed, terminal_size=SIZE)


COMPOSITE = """
[pipeline]
name = "grouped"

[context]
greeting = "hi"

[stages.load]
uses = "test.step"

[stages.group]
uses = "pipeline.call"
depends_on = ["load"]

[stages.group.config.stages.ok]
uses = "test.step"

[stages.group.config.stages.broken]
uses = "test.flaky"
depends_on = ["ok"]
continue_on_error = true

[stages.group.config.stages.also]
uses = "test.step"
depends_on = ["ok"]

[stages.after]
uses = "test.step"
depends_on = ["group"]
"""


def test_run_screen_with_a_composites_children(
    snap_compare, run_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.engine.run.attempts as attempts
    import workbench.engine.run.runner as runner

    # A composite runs a whole pipeline: its time would differ from run to run (on a busy
    # machine it shows as 0.3s). Each stage's time is taken where its attempts run.
    for module in (runner, attempts):
        monkeypatch.setattr(module, "perf_counter", lambda: 1000.0)
    (run_project / "pipelines" / "grouped.toml").write_text(COMPOSITE, encoding="utf-8")
    app = open_app(run_project, "grouped")

    async def ran(pilot: Pilot[None]) -> None:
        await pilot.press("r", "R")
        await finish(pilot)
        await pilot.press("down")  # the composite: its log, and "o" in the footer

    assert snap_compare(app, run_before=ran, terminal_size=SIZE)
