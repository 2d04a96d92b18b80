"""Counts in result messages: "3 files", "1,204 rows", "1 row", "12.3 kB".

Every stage says how much it produced, in its message for people and in
``result.data`` (``count`` and ``unit``) for the app and the history, so a run's
summary can show "load: 1,204 rows" without knowing the stage.
"""

from __future__ import annotations

from typing import Any

from workbench.engine import StageResult
from workbench.engine.units import counted, format_bytes, plural

__all__ = ["counted", "human_bytes", "plural", "produced"]


def human_bytes(size: int | None) -> str:
    """A size for a result message; a stage that could not tell says so."""
    return "size unknown" if size is None else format_bytes(size)


def produced(count: int, unit: str, detail: str = "", **data: Any) -> StageResult:
    """A success whose message starts with the count and whose data carries it too."""
    message = counted(count, unit)
    if detail:
        message += f" {detail}"
    return StageResult.success(message, count=count, unit=plural(unit, 2), **data)
