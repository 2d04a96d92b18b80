"""Dry runs: what each stage would do, the whole plan's totals and conflicts, and diffs.

A stage's :meth:`~workbench.engine.stage.Stage.plan` returns
:class:`PlannedOperation` records without side effects. :func:`build_report`
gathers them for a pipeline into a :class:`DryRunReport`, a pure function of the
pipeline, its parameters and the estimates it is given, so two reports of the same
input are equal and two different ones can be compared with :func:`diff_reports`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    """One thing a stage would do: "write out/report.json (2.1 kB)"."""

    description: str
    action: str = "run"
    """A short verb for grouping: read, write, exec, fetch, check, run."""
    paths_read: tuple[str, ...] = ()
    paths_written: tuple[str, ...] = ()
    estimated_bytes: int | None = None
    """Bytes written (or downloaded); None when the stage cannot tell."""
    estimated_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "action": self.action,
            "paths_read": list(self.paths_read),
            "paths_written": list(self.paths_written),
            "estimated_bytes": self.estimated_bytes,
            "estimated_seconds": self.estimated_seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedOperation:
        return cls(
            description=data["description"],
            action=data.get("action", "run"),
            paths_read=tuple(data.get("paths_read", ())),
            paths_written=tuple(data.get("paths_written", ())),
            estimated_bytes=data.get("estimated_bytes"),
            estimated_seconds=data.get("estimated_seconds"),
        )


_unused = field  # report models follow below
