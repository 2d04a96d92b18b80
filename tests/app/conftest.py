"""Shared fixtures for the app tests: an isolated config folder, a steady cursor,
and small projects built in ``tmp_path``."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.reactive import reactive
from textual.widgets import Input

from workbench.app.app import WorkbenchApp

ALPHA = """
[pipeline]
name = "alpha"
description = "Three stages in a row"

[stages.start]
uses = "core.noop"

[stages.middle]
uses = "core.noop"
depends_on = ["start"]

[stages.finish]
uses = "core.noop"
depends_on = ["middle"]
"""

DIAMOND = """
[pipeline]
name = "diamond"
description = "Fan out and join again"

[stages.fetch]
uses = "core.noop"

[stages.left]
uses = "core.noop"
depends_on = ["fetch"]
retries = 2

[stages.right]
uses = "core.noop"
depends_on = ["fetch"]
timeout = "30s"

[stages.join]
uses = "core.noop"
depends_on = ["left", "right"]
"""

BROKEN = """
[pipeline]
name = "broken"
description = "A cycle, a misspelt stage and a missing dependency"

[stages.a]
uses = "core.noop"
depends_on = ["c"]

[stages.b]
uses = "core.nop"
depends_on = ["a"]

[stages.c]
uses = "core.noop"
depends_on = ["b", "ghost"]
"""

PIPELINES = {"alpha.toml": ALPHA, "diamond.toml": DIAMOND, "broken.toml": BROKEN}


@pytest.fixture(autouse=True)
def isolated_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the person's own settings out of reach and stop the cursor blinking,
    so snapshots are the same on every run."""
    monkeypatch.setenv("WORKBENCH_CONFIG_DIR", str(tmp_path / "config"))
    steady: reactive[bool] = reactive(False, init=False)
    steady.__set_name__(Input, "cursor_blink")
    monkeypatch.setattr(Input, "cursor_blink", steady)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(name="write")
def write_fixture() -> Callable[[Path, str], Path]:
    """Write a text file (dedented), making its folder."""
    return write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a valid chain, a diamond and a broken pipeline."""
    root = tmp_path / "project"
    for name, text in PIPELINES.items():
        write(root / "pipelines" / name, text)
    return root


MakeApp = Callable[..., WorkbenchApp]


@pytest.fixture
def make_app(project: Path) -> MakeApp:
    """Build an app on the test project; watching is off unless asked for."""

    def make(
        pipeline: str | None = None, *, theme: str | None = None, watch: bool = False
    ) -> WorkbenchApp:
        path = project / "pipelines" / pipeline if pipeline else None
        app = WorkbenchApp(project, path, watch=watch)
        if theme is not None:
            app.theme = theme
        return app

    return make
