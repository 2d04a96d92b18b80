"""Counts in result messages: "3 files", "1,204 rows", "1 row", "12.3 kB".

Every stage says how much it produced, in its message for people and in
``result.data`` (``count`` and ``unit``) for the app and the history, so a run's
summary can show "load: 1,204 rows" without knowing the stage.
"""

from __future__ import annotations

from typing import Any

from workbench.engine import StageResult

_IRREGULAR = {"entry": "entries", "match": "matches", "dictionary": "dictionaries"}


def plural(unit: str, count: int) -> str:
    if count == 1:
        return unit
    if unit in _IRREGULAR:
        return _IRREGULAR[unit]
    if unit.endswith("s"):
        return unit
    return unit + "s"


def counted(count: int, unit: str) -> str:
    """``counted(1204, "row")`` is ``"1,204 rows"``."""
    return f"{count:,} {plural(unit, count)}"


def human_bytes(size: int | None) -> str:
    if size is None:
        return "size unknown"
    if size < 1000:
        return f"{size:,} B"
    value = float(size)
    for suffix in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or suffix == "TB":
            return f"{value:.1f} {suffix}"
    raise AssertionError("unreachable")


def produced(count: int, unit: str, detail: str = "", **data: Any) -> StageResult:
    """A success whose message starts with the count and whose data carries it too."""
    message = counted(count, unit)
    if detail:
        message += f" {detail}"
    return StageResult.success(message, count=count, unit=plural(unit, 2), **data)
