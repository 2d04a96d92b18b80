"""Project folders on disk, built in a test's ``tmp_path``.

Every helper writes text dedented, making the folders it needs, so a test states
only what is in its project. The projects here are the ones several test folders
share: the app's three pipelines, the run screen's project with stages the test
controls, the dry-run project, and copies of the repository's examples.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
from pathlib import Path

from kit.history import record_run
from workbench.engine.project import Project

REPO = Path(__file__).resolve().parents[2]
"""The checkout: its README, its example pipelines, its packages."""
DATA = REPO / "tests" / "data"
"""Files kept as test data (broken pipelines, odd themes)."""
BROKEN = DATA / "broken"
"""One broken pipeline file per kind of problem."""


def write(path: Path, text: str) -> Path:
    """Write a text file (dedented, leading blank lines dropped), making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write each ``relative path: text`` below ``root``; returns ``root``."""
    for name, text in files.items():
        write(root / name, text)
    return root


def example_project(root: Path, pipeline: str, data: str | None = None) -> Path:
    """A project holding one of the repository's example pipelines and its data folder."""
    folder = root / "pipelines"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pipelines" / f"{pipeline}.toml", folder)
    if data is not None:
        shutil.copytree(REPO / "pipelines" / "data" / data, folder / "data" / data)
    return root


# -- the app tests' project: a chain, a diamond and a broken pipeline ----------------------------

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

BROKEN_PIPELINE = """
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


def app_project(root: Path) -> Path:
    """``alpha`` (a chain), ``diamond`` and ``broken`` (a cycle, a misspelt stage, a ghost)."""
    return write_files(
        root,
        {
            "pipelines/alpha.toml": ALPHA,
            "pipelines/diamond.toml": DIAMOND,
            "pipelines/broken.toml": BROKEN_PIPELINE,
        },
    )


# -- the run screen's project: local stages the test controls ------------------------------------

RUN_STAGES = '''
import asyncio

from pydantic import BaseModel

from workbench.engine import Stage, StageContext, StageResult


class Empty(BaseModel):
    pass


class Gate(Stage):
    """Logs, then waits until the test opens its gate; writes a key when done."""

    name = "test.gate"
    description = "Waits for the test"
    reads = ("greeting",)
    writes = ("opened",)
    GATES: dict = {}

    @classmethod
    def gate(cls, stage_id):
        return cls.GATES.setdefault(stage_id, asyncio.Event())

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log(f"{ctx.stage_id}: waiting for the gate")
        await type(self).gate(ctx.stage_id).wait()
        ctx.set(f"opened.{ctx.stage_id}", True)
        return StageResult.success("gate opened")


class Step(Stage):
    """Records the greeting and the keys it saw, quickly."""

    name = "test.step"
    description = "A quick stage that writes what it saw"
    reads = ("greeting",)
    writes = ("seen",)

    async def run(self, ctx: StageContext) -> StageResult:
        seen = dict(ctx.get("seen", {}))
        seen[ctx.stage_id] = ctx.get("greeting", None)
        ctx.set("seen", seen)
        ctx.set(f"ran.{ctx.stage_id}", True)
        ctx.log(f"{ctx.stage_id} says {ctx.get('greeting', None)}")
        return StageResult.success(f"greeting {ctx.get('greeting', None)}")


class Flaky(Stage):
    """Fails while the context key ``fixed`` is not set."""

    name = "test.flaky"
    description = "Fails until fixed"

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log("checking the input", stream="stdout")
        if not ctx.params.get("fixed"):
            ctx.log("ValueError: the input is broken", "error", "stderr")
            return StageResult.failure("the input is broken")
        ctx.set("flaky", "ok")
        return StageResult.success("fixed")


class Progress(Stage):
    """Draws a progress line with carriage returns, like a terminal progress bar."""

    name = "test.progress"
    description = "A redrawn progress line"

    async def run(self, ctx: StageContext) -> StageResult:
        ctx.log("starting")
        for pct in (10, 50, 100):
            ctx.log(f"\\rdownloading {pct}%")
            ctx.progress(pct, 100, "downloading")
        ctx.log("one\\rtwo\\rthree")
        ctx.log("done")
        return StageResult.success("downloaded")
'''

RUN_PIPELINES = {
    "chain": """
        [pipeline]
        name = "chain"
        description = "Three quick stages in a row"

        [context]
        greeting = "hello"

        [stages.first]
        uses = "test.step"

        [stages.second]
        uses = "test.step"
        depends_on = ["first"]

        [stages.third]
        uses = "test.step"
        depends_on = ["second"]
        """,
    "gated": """
        [pipeline]
        name = "gated"
        description = "A quick stage, then one that waits for the test"
        max_concurrency = 2

        [context]
        greeting = "hello"

        [stages.prepare]
        uses = "test.step"

        [stages.wait]
        uses = "test.gate"
        depends_on = ["prepare"]

        [stages.after]
        uses = "test.step"
        depends_on = ["wait"]
        """,
    "flaky": """
        [pipeline]
        name = "flaky"
        description = "A stage that fails until fixed, between two that work"

        [context]
        greeting = "hi"
        fixed = false

        [stages.load]
        uses = "test.step"

        [stages.side]
        uses = "test.step"
        depends_on = ["load"]

        [stages.check]
        uses = "test.flaky"
        depends_on = ["load"]

        [stages.report]
        uses = "test.step"
        depends_on = ["check", "side"]
        """,
    "progress": """
        [pipeline]
        name = "progress"

        [stages.fetch]
        uses = "test.progress"
        """,
    "keepgoing": """
        [pipeline]
        name = "keepgoing"
        description = "One branch fails at once while the other pauses at a breakpoint"
        max_concurrency = 2

        [context]
        greeting = "hi"
        fixed = false

        [stages.bad]
        uses = "test.flaky"

        [stages.good]
        uses = "test.step"

        [stages.later]
        uses = "test.step"
        depends_on = ["good"]
        """,
}


def run_project(root: Path) -> Path:
    """A project for the run screen: ``test.gate`` waits on an :class:`asyncio.Event`
    held on its class until the test releases it (see :func:`kit.app.gate`), so a
    snapshot can be taken mid-run at a known moment.

    The stage module is written into the project's ``local_stages/`` folder (loaded
    through ``stage_paths``), so it is imported fresh for every app.
    """
    files = {
        "workbench.toml": 'stage_paths = ["local_stages"]\n',
        "local_stages/ctl.py": RUN_STAGES,
    }
    files.update({f"pipelines/{name}.toml": text for name, text in RUN_PIPELINES.items()})
    return write_files(root, files)


# -- the dry-run project: a conflict, a stage that cannot dry-run, a fixed version ---------------

PLAN_STAGES = """
[context]
greeting = "hello"

[stages.load]
uses = "files.load"
config = { path = "data/note.txt", key = "text" }

[stages.save_a]
uses = "files.save"
depends_on = ["load"]
config = { key = "text", path = "out/result.txt" }

[stages.save_b]
uses = "files.save"
depends_on = ["load"]
config = { key = "text", path = "%s" }
"""

PLAN = (
    """
[pipeline]
name = "plan"
description = "Load a note and save it twice"
max_concurrency = 2
"""
    + PLAN_STAGES % "out/result.txt"
    + """
[stages.notify]
uses = "local.opaque"
depends_on = ["save_a", "save_b"]
"""
)
"""Two stages write the same file (a conflict); ``notify`` cannot be planned."""

FIXED = (
    """
[pipeline]
name = "plan-fixed"
description = "The same, each copy to its own file"
max_concurrency = 2
"""
    + PLAN_STAGES % "out/copy.txt"
    + """
[stages.done]
uses = "core.noop"
depends_on = ["save_a", "save_b"]
"""
)
"""The same pipeline with the conflict resolved and ``notify`` replaced."""

OPAQUE = '''
"""A stage whose effects cannot be planned."""

from workbench.engine import Stage, StageResult


class Opaque(Stage):
    name = "local.opaque"
    description = "Tells someone; what it does cannot be planned."
    supports_dry_run = False

    async def run(self, ctx):
        return StageResult.success()
'''


def dry_run_project(root: Path) -> Path:
    """``plan`` (a conflict, a stage that cannot dry-run) and ``plan-fixed``, its fixed version."""
    return write_files(
        root,
        {
            "workbench.toml": 'stage_paths = ["stages"]\n',
            "stages/opaque.py": OPAQUE,
            "data/note.txt": "a short note\n" * 4,
            "pipelines/plan.toml": PLAN,
            "pipelines/plan-fixed.toml": FIXED,
        },
    )


GROUP = """
[pipeline]
name = "group"

[context]
greeting = "hello"

[stages.copy]
uses = "pipeline.call"
[stages.copy.config.stages.load]
uses = "files.load"
config = { path = "data/note.txt", key = "text" }
[stages.copy.config.stages.save]
uses = "files.save"
depends_on = ["load"]
config = { key = "text", path = "out/copy.txt" }
[stages.copy.config.stages.check]
uses = "gate.check"
depends_on = ["load"]
config = { conditions = [{ key = "text", op = "ne", value = "" }] }

[stages.after]
uses = "files.save"
depends_on = ["copy"]
config = { key = "greeting", path = "out/greeting.txt" }
"""
"""A composite with three children (its own line, then one operation each) and a plain
stage after it."""


def write_group(root: Path) -> Path:
    """Add ``group`` (a composite with three children, then a plain stage) to a
    :func:`dry_run_project`; returns its file."""
    path = root / "pipelines" / "group.toml"
    path.write_text(GROUP)
    return path


def record_plan_run(root: Path) -> int:
    """A finished run of ``plan`` with fixed durations: save_b fails, notify never runs."""
    project = Project.open(root)
    pipeline = project.load_pipeline(root / "pipelines" / "plan.toml")
    return record_run(
        root,
        pipeline,
        {"load": ("success", 0.2), "save_a": ("success", 1.5), "save_b": ("failure", 0.1)},
        source="cli",
        params={"greeting": "hello"},
        seconds=2.0,
        message="{sid}: {status}",
        errors={"save_b": ["PermissionError: out/result.txt is read-only"]},
    )
