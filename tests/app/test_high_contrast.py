"""The high-contrast theme keeps secondary text readable, not dim grey."""

from __future__ import annotations

import asyncio

from kit.app import MakeApp
from textual.color import Color


def test_secondary_text_is_light_in_high_contrast(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app(theme="workbench-high-contrast")
        async with app.run_test(size=(80, 24)):
            variables = app.get_css_variables()
            background = Color.parse(variables["background"])
            for name in ("foreground-muted", "text-muted"):
                text = variables[name]
                assert not text.startswith("auto"), (name, text)  # a real colour, not a blend
                seen = background + Color.parse(text)  # as drawn on the background
                assert seen.brightness > 0.8, (name, text)

    asyncio.run(go())
