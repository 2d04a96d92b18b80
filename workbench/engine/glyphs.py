"""The mark of each stage status, one table for the command line, the graph and the history.

The styles that colour them belong to each front end (Rich styles in the CLI,
theme variables in the app); the glyphs are shared so a stage reads the same
everywhere.
"""

from __future__ import annotations

from workbench.engine.status import StageStatus

STATUS_GLYPHS: dict[StageStatus, str] = {
    StageStatus.PENDING: "○",
    StageStatus.WAITING: "◌",
    StageStatus.PAUSED: "⏸",
    StageStatus.RUNNING: "●",
    StageStatus.SUCCESS: "✔",
    StageStatus.FAILURE: "✘",
    StageStatus.SKIPPED: "⊘",
    StageStatus.PARTIAL: "◐",
    StageStatus.CANCELLED: "■",
    StageStatus.CACHED: "≡",
}
"""The mark of every stage status."""

INTERRUPTED_GLYPH = "⚡"
"""A run the history found unfinished (the process ended without closing it)."""
