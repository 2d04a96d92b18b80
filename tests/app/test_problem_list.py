"""The problem list keeps the person's place when the editor shows the same problems again."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from workbench.app.widgets.common.problem_list import ProblemList
from workbench.engine.errors import Problem, ProblemKind

PROBLEMS = [
    Problem(next(iter(ProblemKind)), f"config 'key' is required but missing ({i})", stage=f"s{i}")
    for i in range(5)
]


class _Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ProblemList(id="problems")


def test_the_same_problems_again_keep_the_highlight_and_new_ones_start_at_the_top() -> None:
    async def go() -> None:
        app = _Host()
        async with app.run_test(size=(60, 20)) as pilot:
            problems = app.query_one(ProblemList)
            problems.set_problems(PROBLEMS)
            await pilot.pause()
            problems.highlighted = 3
            problems.set_problems(list(PROBLEMS))  # a pause in typing that fixed nothing
            await pilot.pause()
            assert problems.highlighted == 3
            problems.set_problems(PROBLEMS[:2])
            await pilot.pause()
            assert problems.highlighted == 0 and problems.option_count == 2

    asyncio.run(go())
