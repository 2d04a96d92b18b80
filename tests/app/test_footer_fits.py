"""Every view's footer fits an 80-column terminal, and always offers `?` for the rest.

The footer used to run past the edge on the Pipelines, Graph and Run views, cutting
a key mid-word (`i Cont`) and hiding `q Quit`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.widgets import Footer

VIEWS = ["p", "g", "s", "e", "r", "h", "y"]


@pytest.mark.parametrize("width", [80, 100])
def test_every_footer_fits_and_keeps_the_help_key(make_app: Any, width: int) -> None:
    asyncio.run(_every_footer_fits(make_app("diamond.toml"), width))


async def _every_footer_fits(app: Any, width: int) -> None:
    async with app.run_test(size=(width, 24)) as pilot:
        for key in VIEWS:
            await pilot.press(key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            footer = app.screen.query_one(Footer)
            shown = [k for k in footer.query("FooterKey") if k.display]
            name = type(app.screen).__name__
            assert footer.virtual_size.width <= footer.size.width, f"{name}: footer cut"
            keys = {k.key for k in shown}
            assert {"question_mark", "q"} <= keys, f"{name}: {sorted(keys)}"


def test_a_wide_terminal_shows_every_key(make_app: Any) -> None:
    async def go() -> None:
        app = make_app("diamond.toml")
        async with app.run_test(size=(200, 36)) as pilot:
            await pilot.press("r")
            await pilot.pause()
            footer = app.screen.query_one(Footer)
            assert all(k.display for k in footer.query("FooterKey"))

    asyncio.run(go())
