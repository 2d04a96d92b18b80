"""A screenshot lands somewhere even without ~/Downloads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from kit.app import MakeApp

from workbench.app.app import screenshot_folder


def test_without_downloads_screenshots_go_into_the_project(
    make_app: MakeApp, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert screenshot_folder(project) == project / "screenshots"

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            app.action_screenshot(filename="shot.svg")
            for _ in range(50):
                await pilot.pause(0.02)
                if (project / "screenshots" / "shot.svg").exists():
                    break
        assert (project / "screenshots" / "shot.svg").read_text(encoding="utf-8").startswith("<svg")

    asyncio.run(go())
    (home / "Downloads").mkdir()
    assert screenshot_folder(project) == home / "Downloads"
