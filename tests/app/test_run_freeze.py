"""A breakpoint reached while another stage fails must not freeze the app.

Both events move the selection in the same repaint (the failure opens its log,
the pause shows the next stage). Before the fix, the list and the graph passed
each programmatic selection back to the screen, which set it on the other pane,
forever: the app stopped answering keys and burnt a core.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from kit.app import finish, open_app, screen, until
from kit.projects import run_project

from workbench.app.widgets.graph.dag_view import DagView
from workbench.app.widgets.run.stage_pane import StageStatusList


def test_pause_at_a_breakpoint_while_another_stage_fails_keeps_answering_keys(
    tmp_path: Path,
) -> None:
    root = run_project(tmp_path / "runs")

    async def go() -> None:
        app = open_app(root, "keepgoing")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r")
            run = screen(app)
            stages = run.query_one(StageStatusList)
            stages.focus()
            await until(pilot, lambda: stages.selected is not None)
            while stages.selected != "later":
                await pilot.press("down")
            await pilot.press("b", "R")
            await until(pilot, lambda: run.paused)
            # Let the screen settle: a ping-pong never does, and the loop below fails.
            for _ in range(20):
                await pilot.pause()
            pending = stages._message_queue.qsize() + run._message_queue.qsize()
            assert pending < 5, f"{pending} messages still queued: selection ping-pong"
            selected = stages.selected
            await pilot.press("up" if selected != stages.order[0] else "down")
            await pilot.pause()
            assert stages.selected != selected, "the stage list no longer follows the keys"
            assert run.query_one(DagView).selected == stages.selected
            await pilot.press("c")
            await finish(pilot)
            assert run.session.last_result is not None
            assert run.session.last_result.results["later"].status.value == "success"
            assert run.session.last_result.results["bad"].status.value == "failure"

    # In a thread of its own: a frozen app never returns, and the test must fail, not hang.
    outcome: list[BaseException | None] = []

    def drive() -> None:
        try:
            asyncio.run(go())
            outcome.append(None)
        except BaseException as exc:  # handed to the test's thread below
            outcome.append(exc)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert outcome, "the app stopped answering: selection ping-pong between the panes"
    if outcome[0] is not None:
        raise outcome[0]
