"""The command line in tests: a project using the ``kit.*`` stages, and what a command gave back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kit.projects import BROKEN as BROKEN
from kit.stages import LOCAL_STAGES

PIPELINES = {
    "good": """
        [pipeline]
        name = "good"

        [context]
        value = "from the file"

        [stages.load]
        uses = "kit.write"
        config = { key = "rows", value = [1, 2, 3] }

        [stages.read]
        uses = "kit.read"
        depends_on = ["load"]

        [stages.side]
        uses = "kit.sleep"

        [stages.join]
        uses = "core.noop"
        depends_on = ["read", "side"]
        """,
    "failing": """
        [pipeline]
        name = "failing"

        [stages.ok]
        uses = "core.noop"

        [stages.bad]
        uses = "kit.fail"
        config = { message = "the disk is full" }
        depends_on = ["ok"]

        [stages.after]
        uses = "core.noop"
        depends_on = ["bad"]
        """,
    "wide": """
        [pipeline]
        name = "wide"

        [stages.a]
        uses = "kit.sleep"
        [stages.b]
        uses = "kit.sleep"
        [stages.c]
        uses = "kit.sleep"
        """,
}
"""The command-line project's pipelines: one that works, one that fails, three at once."""


@dataclass
class Project:
    """A project folder whose ``stage_paths`` name the ``kit.*`` stages."""

    root: Path

    @classmethod
    def make(cls, root: Path) -> Project:
        """The project with :data:`PIPELINES` saved in its ``pipelines/`` folder."""
        (root / "workbench.toml").write_text(f'stage_paths = ["{LOCAL_STAGES.as_posix()}"]\n')
        (root / "pipelines").mkdir()
        made = cls(root)
        for name, text in PIPELINES.items():
            made.write(name, text)
        return made

    def pipeline(self, name: str) -> Path:
        return self.root / "pipelines" / f"{name}.toml"

    def write(self, name: str, text: str) -> Path:
        path = self.pipeline(name)
        path.write_text(textwrap.dedent(text))
        return path


@dataclass
class Outcome:
    """What one command gave back."""

    code: int
    out: str
    err: str


Cli = Callable[..., Outcome]
"""The type of the command-line tests' ``cli`` fixture: ``cli("run", path)``."""


def workbench(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m workbench ARGS`` in its own process (a minute at most)."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
