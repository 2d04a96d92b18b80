"""A small project for the dry-run view: a conflict, a stage that cannot dry-run, a
second version of the pipeline that fixes the conflict, and a recorded run."""

from __future__ import annotations

import textwrap
from pathlib import Path

from workbench.engine.history.store import History
from workbench.engine.project import Project

PLAN = """
[pipeline]
name = "plan"
description = "Load a note and save it twice"
max_concurrency = 2

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
config = { key = "text", path = "out/result.txt" }

[stages.notify]
uses = "local.opaque"
depends_on = ["save_a", "save_b"]
"""

FIXED = """
[pipeline]
name = "plan-fixed"
description = "The same, each copy to its own file"
max_concurrency = 2

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
config = { key = "text", path = "out/copy.txt" }

[stages.done]
uses = "core.noop"
depends_on = ["save_a", "save_b"]
"""

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


def make_project(root: Path) -> Path:
    files = {
        "workbench.toml": 'stage_paths = ["stages"]\n',
        "stages/opaque.py": OPAQUE,
        "data/note.txt": "a short note\n" * 4,
        "pipelines/plan.toml": PLAN,
        "pipelines/plan-fixed.toml": FIXED,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def record_run(root: Path) -> int:
    """A finished run of ``plan`` with fixed durations: save_b fails, notify never runs."""
    project = Project.open(root)
    pipeline = project.load_pipeline(root / "pipelines" / "plan.toml")
    rows = {"load": ("success", 0.2), "save_a": ("success", 1.5), "save_b": ("failure", 0.1)}
    with History.open(root) as history:
        run_id = history.start_run(
            pipeline, "cli", {"greeting": "hello"}, list(pipeline.graph.order)
        )
        for sid, (status, seconds) in rows.items():
            history.stage_started(run_id, sid)
            errors = ["PermissionError: out/result.txt is read-only"] if status == "failure" else []
            history.stage_finished(
                run_id, sid, status, seconds, f"{sid}: {status}", errors, 1, None, []
            )
        history.finish_run(run_id, "failure", 2.0)
    return run_id
