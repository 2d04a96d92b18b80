"""What a stage's run returned or raised, as a :class:`StageResult`.

One home for the rule, used wherever stage code runs: the runner on this machine
and the Dask task on a worker, so a stage fails in the same words either way.
"""

from __future__ import annotations

import traceback
from typing import Any

from workbench.engine.context import StageContext
from workbench.engine.errors import HookError, StageError
from workbench.engine.stage import StageResult


def as_result(value: Any) -> StageResult:
    """A stage's return value as a result: None is success, anything else its message."""
    if isinstance(value, StageResult):
        return value
    if value is None:
        return StageResult.success()
    return StageResult.success(str(value))


def failed_by(exc: BaseException, ctx: StageContext) -> StageResult:
    """The failure of a stage whose code raised ``exc`` (never the run's own cancel).

    A workbench error is reported by its message; any other exception with its
    traceback in the stage's log; ``SystemExit``, ``KeyboardInterrupt`` and the like
    fail this stage alone, in words.
    """
    if isinstance(exc, (HookError, StageError)):
        ctx.log(exc.message, "error", "stderr")
        return StageResult.failure(exc.message)
    if isinstance(exc, Exception):
        text = "".join(traceback.format_exception(exc)).rstrip()
        for line in text.splitlines():
            ctx.log(line, "error", "stderr")
        return StageResult.failure(f"{type(exc).__name__}: {exc}", text)
    text = base_message(exc)
    ctx.log(text, "error", "stderr")
    return StageResult.failure(text)


def base_message(exc: BaseException) -> str:
    """What a stage that raised SystemExit, KeyboardInterrupt and the like did, in words."""
    if isinstance(exc, SystemExit):
        code = exc.code
        args = "" if code is None else repr(code) if isinstance(code, str) else str(code)
        return f"stage called sys.exit({args})"
    text = str(exc)
    return f"stage raised {type(exc).__name__}" + (f": {text}" if text else "")
