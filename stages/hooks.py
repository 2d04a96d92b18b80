"""Hooks that ship with the workbench, offered through the ``workbench.hooks`` entry points.

``jsonl``: appends one JSON line per finished stage to a file, for dashboards,
``jq`` and spreadsheets::

    [hooks]
    after_stage = [{ hook = "jsonl", path = "out/stages.jsonl" }]

``command``: runs a command when the run ends (a desktop notification, a chat
message, a script), with the outcome in its environment::

    [hooks]
    after_run = [{ hook = "command", command = ["notify-send", "pipeline finished"] }]
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from workbench.engine.context import StageContext
    from workbench.engine.pipeline import Pipeline, PipelineStage
    from workbench.engine.run.runner import RunResult
    from workbench.engine.stage import StageResult


class JsonLines:
    """An after-stage hook: one JSON object per finished stage, appended to ``path``.

    Each line holds the time, pipeline, stage id, the stage it uses, status,
    message, errors, attempts, duration and the result's data (counts, paths).
    ``path`` is relative to the project folder; its folder is created.
    """

    def __init__(self, path: str = ".workbench/stages.jsonl") -> None:
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, stage: PipelineStage, ctx: StageContext, result: StageResult) -> None:
        target = Path(self.path)
        if not target.is_absolute():
            target = Path(str(ctx.params.get("project_dir", "."))) / target
        record = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "stage": stage.id,
            "uses": stage.uses,
            "status": result.status.value,
            "message": result.message,
            "errors": list(result.errors),
            "attempts": result.attempts,
            "duration_s": round(result.duration, 6),
            "data": result.data,
        }
        line = json.dumps(record, default=str, ensure_ascii=False) + "\n"
        with self._lock:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as handle:
                handle.write(line)


class RunCommand:
    """An after-run hook: runs ``command`` (a list, no shell) when the run ends.

    ``when`` is ``always`` (default), ``success`` or ``failure``. The command sees
    ``WORKBENCH_PIPELINE``, ``WORKBENCH_STATUS`` and ``WORKBENCH_DURATION`` in its
    environment and runs in the project folder; it is stopped after ``timeout``
    seconds. A command that fails is logged; the run's outcome does not change.
    """

    def __init__(
        self,
        command: list[str],
        when: Literal["always", "success", "failure"] = "always",
        timeout: float = 60.0,
    ) -> None:
        if not command or not all(isinstance(part, str) for part in command):
            raise ValueError("command must be a non-empty list of strings")
        if when not in ("always", "success", "failure"):
            raise ValueError(f"when must be always, success or failure, not {when!r}")
        self.command = list(command)
        self.when = when
        self.timeout = timeout

    def __call__(self, pipeline: Pipeline, result: RunResult) -> None:
        if self.when == "success" and not result.ok:
            return
        if self.when == "failure" and result.ok:
            return
        env = {
            **os.environ,
            "WORKBENCH_PIPELINE": pipeline.name,
            "WORKBENCH_STATUS": result.status.value,
            "WORKBENCH_DURATION": f"{result.duration:.3f}",
        }
        done = subprocess.run(
            self.command,
            cwd=pipeline.project_dir,
            env=env,
            timeout=self.timeout,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{self.command[0]} exited with {done.returncode}: "
                + done.stderr.decode(errors="replace").strip()[-300:]
            )
