"""Helpers of the command-line tests: the test project's pipelines and the outcome of a command."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

KIT = Path(__file__).parent / "local_stages"
BROKEN = Path(__file__).parents[1] / "data" / "broken"

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


@dataclass
class Project:
    root: Path

    def pipeline(self, name: str) -> Path:
        return self.root / "pipelines" / f"{name}.toml"

    def write(self, name: str, text: str) -> Path:
        path = self.pipeline(name)
        path.write_text(textwrap.dedent(text))
        return path


@dataclass
class Outcome:
    code: int
    out: str
    err: str
