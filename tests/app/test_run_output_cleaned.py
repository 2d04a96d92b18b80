"""Escape sequences a stage prints never reach the app's log; the history's log file keeps them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import finish, make_project, open_app, screen, write

from workbench.app.widgets.run.log_view import LogView
from workbench.engine.history.store import History

CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
TITLE = "\x1b]0;owned\x1b\\"

NOISY = r"""
[pipeline]
name = "noisy"

[stages.shout]
uses = "shell.run"
config = { command = ["sh", "-c", "printf 'before\\033]52;c;ZXZpbA==\\007after \\033]0;owned\\033\\\\ \\033[31mred\\033[0m\\n'"] }
"""


def test_osc_sequences_are_absent_from_the_log_widget_but_kept_in_the_log_file(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path / "runs")
    write(root / "pipelines" / "noisy.toml", NOISY)

    async def go() -> None:
        app = open_app(root, "noisy")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            view = screen(app).query_one(LogView)
            assert view.buffer is not None
            (line,) = [text for _, text in view.buffer.lines if text.startswith("before")]
            assert line == "beforeafter  red"
            assert "\x1b" not in view.buffer.text()

    asyncio.run(go())

    with History.open(root) as history:
        (run,) = history.list_runs()
        detail = history.get_run(run.id)
        assert detail is not None
        (stage,) = detail.stages
        assert stage.log_path is not None
    raw = (root / stage.log_path).read_text()
    assert CLIPBOARD in raw and TITLE in raw
