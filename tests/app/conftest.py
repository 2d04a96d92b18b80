"""Shared fixtures for the app tests: an isolated config folder, a steady cursor,
and small projects built in ``tmp_path`` (made by :mod:`kit.projects`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kit.app import MakeApp, isolate, open_app
from kit.projects import app_project, run_project, write

from workbench.app.app import WorkbenchApp


@pytest.fixture(autouse=True)
def isolated_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the person's own settings out of reach and stop the cursor blinking,
    so snapshots are the same on every run."""
    isolate(monkeypatch, tmp_path / "config")


@pytest.fixture(name="write")
def write_fixture() -> Callable[[Path, str], Path]:
    """Write a text file (dedented), making its folder."""
    return write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a valid chain, a diamond and a broken pipeline."""
    return app_project(tmp_path / "project")


@pytest.fixture(name="run_project")
def run_project_fixture(tmp_path: Path) -> Path:
    """The run screen's project (:func:`kit.projects.run_project`)."""
    return run_project(tmp_path / "runs")


@pytest.fixture
def make_app(project: Path) -> MakeApp:
    """Build an app on the test project; watching is off unless asked for."""

    def make(
        pipeline: str | None = None, *, theme: str | None = None, watch: bool = False
    ) -> WorkbenchApp:
        app = open_app(project, pipeline.removesuffix(".toml") if pipeline else None, watch=watch)
        if theme is not None:
            app.theme = theme
        return app

    return make
