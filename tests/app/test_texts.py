"""Words on screen say what they mean: no markup eating brackets, no odd spacing."""

from __future__ import annotations

import asyncio

from conftest import MakeApp

from workbench.app.widgets.run.run_params import RunParams


def test_a_pipeline_without_parameters_says_so_with_its_brackets(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r", "P")
            await pilot.pause()
            params = app.screen.query_one(RunParams)
            text = " ".join(str(s.render()) for s in params.query(".params-empty"))
            assert "no [context] parameters" in text

    asyncio.run(go())


def test_the_editor_title_separates_name_and_state(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("e")
            await pilot.pause()
            assert app.screen.sub_title == "editing alpha · saved"

    asyncio.run(go())
