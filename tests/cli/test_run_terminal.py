"""`workbench run` on a terminal: a live view while it runs, then each stage once in the summary."""

from __future__ import annotations

import io
import re

from kit.cli import Project
from rich.console import Console

from workbench.cli.run_output import RunOptions, RunPrinter
from workbench.engine.project import Project as WorkbenchProject

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run_on_a_terminal(project: Project, name: str, verbose: int = 0) -> str:
    stream = io.StringIO()
    out = Console(file=stream, force_terminal=True, width=120, color_system=None)
    opened = WorkbenchProject.open(project.root)
    pipeline = opened.load_pipeline(project.pipeline(name))
    RunPrinter.run_live(
        out, opened, pipeline, RunOptions({"value": 42}, None, None, False, verbose)
    )
    return ANSI.sub("", stream.getvalue())


def test_each_finished_stage_is_printed_once(project: Project) -> None:
    text = _run_on_a_terminal(project, "good")

    assert text.count("read 42") == 1
    assert "good success" in text
    for stage in ("load", "read", "side", "join"):
        assert len(re.findall(rf"^{stage}\s+✔ success", text, flags=re.MULTILINE)) == 1


def test_a_failed_stage_is_printed_once_with_the_verdict_last(project: Project) -> None:
    text = _run_on_a_terminal(project, "failing")

    assert text.count("the disk is full") == 1
    assert text.rstrip().splitlines()[-1].startswith("✘ failing failure")
