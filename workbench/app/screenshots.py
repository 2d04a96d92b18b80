"""Write an SVG of every screen into ``screenshots/``: ``python -m workbench.app.screenshots``.

The pictures are taken headless at 120x36 on a project folder (by default the
current one; the repository root is the example project), so the README always
shows the app as it is. A pipeline with problems is written to a temporary
project so the graph of a broken pipeline is shown too.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from textual.pilot import Pilot

from workbench.app.app import WorkbenchApp
from workbench.app.themes import DEFAULT_THEME

SIZE = (120, 36)
PREFERRED_PIPELINE = "sales-report.toml"

BROKEN_PIPELINE = """
[pipeline]
name = "broken"
description = "A cycle, a misspelt stage and a missing dependency"

[stages.fetch]
uses = "core.noop"
depends_on = ["publish"]

[stages.clean]
uses = "core.nop"
depends_on = ["fetch"]

[stages.publish]
uses = "core.noop"
depends_on = ["clean", "review"]
"""


@dataclass(frozen=True, slots=True)
class Shot:
    """One picture: the file name, the keys to press and the theme."""

    name: str
    press: Sequence[str] = ()
    theme: str = DEFAULT_THEME
    pipeline: bool = False
    """Open the example pipeline first."""


SHOTS = (
    Shot("pipelines", press=("down",)),
    Shot("graph", press=("right",), pipeline=True),
    Shot("graph-light", press=("right",), theme="workbench-light", pipeline=True),
    Shot("registry", press=("s", "slash", *"files", "enter", "down", "down")),
    Shot("registry-light", press=("s", "down", "down"), theme="workbench-light"),
    Shot("palette", press=("ctrl+p", *"open")),
    Shot("dry-run", press=("y", "down"), pipeline=True),
    Shot("run", press=("r", "R"), pipeline=True),
    Shot("history", press=("h", "enter"), pipeline=True),  # the run just taken, read back
    Shot("editor", press=("e", "down"), pipeline=True),
)


async def _take(app: WorkbenchApp, press: Sequence[str], path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in press:
            await pilot.press(key)
        await _settle(pilot)
        app.save_screenshot(path.name, path=str(path.parent))


async def _settle(pilot: Pilot[None]) -> None:
    app = pilot.app
    await pilot.pause(0.2)
    # The pipeline list's marks come from a check that starts after the first frame.
    for _ in range(200):
        if not isinstance(app, WorkbenchApp) or all(e.checked for e in app.catalog):
            break
        await pilot.pause(0.05)
    await app.workers.wait_for_complete()
    await pilot.pause()


def _app(project: Path, pipeline: Path | None, theme: str) -> WorkbenchApp:
    app = WorkbenchApp(project, pipeline, watch=False)
    if theme in app.available_themes:
        app.theme = theme  # before mount: the person's saved choice is not touched
    return app


def write_screenshots(project: Path, out: Path) -> list[Path]:
    """Take every screenshot; returns the files written."""
    project = project.resolve()
    out.mkdir(parents=True, exist_ok=True)
    pipelines = sorted((project / "pipelines").glob("*.toml"))
    preferred = project / "pipelines" / PREFERRED_PIPELINE
    example = preferred if preferred.is_file() else (pipelines[0] if pipelines else None)
    jobs: list[tuple[Callable[[], WorkbenchApp], Sequence[str], Path]] = []
    for shot in SHOTS:
        chosen = example if shot.pipeline else None
        jobs.append(
            (
                partial(_app, project, chosen, shot.theme),
                shot.press,
                out / f"{shot.name}.svg",
            )
        )
    with tempfile.TemporaryDirectory() as scratch:
        broken = Path(scratch) / "project"
        (broken / "pipelines").mkdir(parents=True)
        broken_file = broken / "pipelines" / "broken.toml"
        broken_file.write_text(textwrap.dedent(BROKEN_PIPELINE).lstrip(), encoding="utf-8")
        jobs.append(
            (
                partial(_app, broken, broken_file, DEFAULT_THEME),
                (),
                out / "graph-problems.svg",
            )
        )
        asyncio.run(_take_all(jobs))
    return [path for _, _, path in jobs]


async def _take_all(jobs: Sequence[tuple[Callable[[], WorkbenchApp], Sequence[str], Path]]) -> None:
    for make, press, path in jobs:
        await _take(make(), press, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."), help="the project folder")
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="where to write")
    args = parser.parse_args(argv)
    for path in write_screenshots(args.project, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
