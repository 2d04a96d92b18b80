"""The exception a stage's ``ctx.check_cancelled()`` raises once its attempt is cancelled.

Apart from :mod:`workbench.engine.run.cancellation` because it needs asyncio, which
discovery and ``workbench validate`` never import.
"""

from __future__ import annotations

import asyncio


class StageCancelled(asyncio.CancelledError):
    """This attempt was cancelled (timeout, cancel, or the run ended): stop now.

    A :class:`asyncio.CancelledError`, so ``except Exception`` in stage code lets it
    through and code that caught ``CancelledError`` from ``raise_if_cancelled`` still does.
    """

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"stage {stage!r} was cancelled: {reason}")
        self.stage = stage
        self.reason = reason
