"""How a run that failed as a whole, or left threads behind, is told in the run view.

A run can end without any stage to blame: a before-run hook fails (the run never
starts its stages), or the runner itself breaks (``RunResult.error``). And a thread
stage that ignores its cancellation outlives the run (``RunResult.left_running``).
The banner over the stages says each of these in words; the summary line too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from kit.app import finish, open_app, screen
from kit.projects import run_project, write
from textual.widgets import Static

from workbench.app.app import WorkbenchApp
from workbench.engine.context import ContextStore

SIZE = (120, 36)

HOOKED = """
[pipeline]
name = "hooked"

[hooks]
before_run = ["outcome_hooks:disk_full"]

[stages.first]
uses = "test.step"
"""

HOOKS = """
def disk_full(pipeline, store):
    raise RuntimeError("no space left on the output disk")
"""

STUBBORN = '''
import threading

from workbench.engine import Stage, StageContext, StageResult


class Stubborn(Stage):
    """A thread stage that never looks at its cancellation: it waits until the test
    lets it go, so it outlives the run however slow the machine is."""

    name = "test.stubborn"
    description = "Ignores cancellation"
    RELEASE = threading.Event()

    def run(self, ctx: StageContext) -> StageResult:
        type(self).RELEASE.wait(30)
        return StageResult.success("woke up")
'''

LEFT = """
[pipeline]
name = "left"

[stages.stuck]
uses = "test.stubborn"
timeout = "20ms"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = run_project(tmp_path / "outcomes")
    write(root / "outcome_hooks.py", HOOKS)
    write(root / "local_stages" / "stubborn.py", STUBBORN)
    write(root / "pipelines" / "hooked.toml", HOOKED)
    write(root / "pipelines" / "left.toml", LEFT)
    return root


def banner(app: WorkbenchApp) -> str:
    return str(screen(app).query_one("#run-banner", Static).content)


def run(app: WorkbenchApp, check: Callable[[], None]) -> None:
    """Open the run view, run the pipeline to its end, then ``check`` what it shows."""

    async def go() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            check()

    asyncio.run(go())


def test_a_failing_before_run_hook_is_shown_as_the_runs_failure(project: Path) -> None:
    app = open_app(project, "hooked")

    def check() -> None:
        text = banner(app)
        assert text.startswith("✘  RUN FAILED before its stages ran:")
        assert "outcome_hooks:disk_full" in text
        assert "no space left on the output disk" in text
        assert screen(app).query_one("#run-banner").has_class("-failed")
        assert "✘ FAILED" in screen(app)._summary
        assert screen(app).sub_title == "hooked · ✘ FAILED"

    run(app, check)


def test_an_error_inside_the_runner_is_named_over_the_stage_counts(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = ContextStore.mark_finished

    def broken(self: ContextStore, stage: str) -> None:
        if stage == "second":
            raise RuntimeError("bookkeeping broke")
        mark(self, stage)

    monkeypatch.setattr(ContextStore, "mark_finished", broken)
    app = open_app(project, "chain")

    def check() -> None:
        result = screen(app).session.last_result
        assert result is not None and result.error == "RuntimeError: bookkeeping broke"
        first, second = banner(app).splitlines()
        assert (
            first
            == "✘  RUN FAILED: the runner stopped on an error: RuntimeError: bookkeeping broke"
        )
        assert "failed" in second and "F re-run failed" in second

    run(app, check)


def test_a_thread_left_running_after_the_run_is_named(project: Path) -> None:
    app = open_app(project, "left")

    def check() -> None:
        result = screen(app).session.last_result
        assert result is not None and result.left_running == ("stuck",)
        lines = banner(app).splitlines()
        assert lines[0].startswith("✘  RUN FAILED")  # it timed out
        assert lines[1] == (
            "⚠  Still running after the run ended (they ignored cancellation; their "
            "threads finish on their own): stuck"
        )
        assert "1 still running" in screen(app)._summary
        pipeline = app.pipeline
        assert pipeline is not None
        type(pipeline.stages["stuck"].stage).RELEASE.set()  # type: ignore[attr-defined]

    run(app, check)
