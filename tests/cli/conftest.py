"""Fixtures of the command-line tests: a project folder using the test stage kit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kit.cli import KIT, PIPELINES, Outcome, Project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project folder with the test stages and a few pipelines; the current folder."""
    (tmp_path / "workbench.toml").write_text(f'stage_paths = ["{KIT.as_posix()}"]\n')
    (tmp_path / "pipelines").mkdir()
    made = Project(tmp_path)
    for name, text in PIPELINES.items():
        made.write(name, text)
    monkeypatch.chdir(tmp_path)
    return made


@pytest.fixture
def cli(project: Project, capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    """Run ``workbench ARGS`` in this process; returns the exit code and the output."""
    from workbench.cli import main

    def run(*args: str | Path) -> Outcome:
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's own exits
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The command configures the root logger; put it back for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
