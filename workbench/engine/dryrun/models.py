"""What a dry run reports: each stage's planned operations, its estimate, the conflicts.

A stage's :meth:`~workbench.engine.stage.Stage.plan` returns
:class:`PlannedOperation` records without side effects;
:func:`~workbench.engine.dryrun.build.build_report` gathers them for a pipeline into
a :class:`DryRunReport`. Every record is frozen and converts to and from JSON, so a
report can be stored, exported and compared
(:func:`~workbench.engine.dryrun.diff.diff_reports`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from workbench.engine.cache.reasons import Reason
from workbench.engine.dryrun.format import estimate_text, report_summary


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
    child: str | None = None
    """The child stage this operation belongs to, on a composite's (``pipeline.call``)
    plan; None for the stage's own operations. The description still starts with the
    child's id, so text and Markdown read the same; the app folds by this field."""

    @property
    def writes(self) -> bool:
        """True when the operation puts bytes on disk (its bytes count as disk usage)."""
        return bool(self.paths_written)

    def to_json(self) -> dict[str, Any]:
        """The operation as JSON; ``child`` only on a child's operation, so reports
        without composites read as before."""
        data: dict[str, Any] = {
            "description": self.description,
            "action": self.action,
            "paths_read": list(self.paths_read),
            "paths_written": list(self.paths_written),
            "estimated_bytes": self.estimated_bytes,
            "estimated_seconds": self.estimated_seconds,
        }
        if self.child is not None:
            data["child"] = self.child
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedOperation:
        return cls(
            description=data["description"],
            action=data.get("action", "run"),
            paths_read=tuple(data.get("paths_read", ())),
            paths_written=tuple(data.get("paths_written", ())),
            estimated_bytes=data.get("estimated_bytes"),
            estimated_seconds=data.get("estimated_seconds"),
            child=data.get("child"),
        )


EstimateSource = Literal["stage", "history", "unknown"]


@dataclass(frozen=True, slots=True)
class StagePlan:
    """One stage's part of a report."""

    stage_id: str
    uses: str
    layer: int
    depends_on: tuple[str, ...]
    config: dict[str, Any]
    supported: bool
    operations: tuple[PlannedOperation, ...]
    estimated_seconds: float | None
    estimate_source: EstimateSource
    error: str | None = None
    up_to_date: bool = False
    """The cache holds this stage's result: a run would reuse it, not run it."""
    reasons: tuple[Reason, ...] = ()
    """Why it will run (empty when up to date, or when the cache was not consulted)."""

    @property
    def will_run(self) -> bool:
        return not self.up_to_date

    @property
    def estimated_bytes(self) -> int:
        """Bytes this stage would write or download: the disk it would use.

        Bytes a stage only reads are shown on its operation but not counted here.
        """
        return sum(op.estimated_bytes or 0 for op in self.operations if op.writes)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "uses": self.uses,
            "layer": self.layer,
            "depends_on": list(self.depends_on),
            "config": self.config,
            "supports_dry_run": self.supported,
            "operations": [op.to_json() for op in self.operations],
            "estimated_bytes": self.estimated_bytes,
            "estimated_seconds": self.estimated_seconds,
            "estimate_source": self.estimate_source,
            "error": self.error,
            "state": "up_to_date" if self.up_to_date else "will_run",
            "reasons": [r.to_json() for r in self.reasons],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StagePlan:
        return cls(
            stage_id=data["id"],
            uses=data["uses"],
            layer=data.get("layer", 0),
            depends_on=tuple(data.get("depends_on", ())),
            config=data.get("config", {}),
            supported=data.get("supports_dry_run", True),
            operations=tuple(PlannedOperation.from_json(o) for o in data.get("operations", ())),
            estimated_seconds=data.get("estimated_seconds"),
            estimate_source=data.get("estimate_source", "unknown"),
            error=data.get("error"),
            up_to_date=data.get("state") == "up_to_date",
            reasons=tuple(Reason.from_json(r) for r in data.get("reasons", ())),
        )


ConflictKind = Literal[
    "write_key", "write_path", "unread_key", "no_dry_run", "plan_error", "outside_project"
]


@dataclass(frozen=True, slots=True, order=True)
class Conflict:
    """Something that may go wrong when the plan runs, with the stages involved."""

    kind: ConflictKind
    subject: str
    stages: tuple[str, ...]
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "stages": list(self.stages),
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Conflict:
        return cls(data["kind"], data["subject"], tuple(data["stages"]), data["message"])


@dataclass(frozen=True, slots=True)
class DryRunReport:
    """What a run would do. A pure function of the pipeline, parameters and estimates."""

    pipeline: str
    path: str | None
    order: tuple[str, ...]
    layers: tuple[tuple[str, ...], ...]
    stages: tuple[StagePlan, ...]
    conflicts: tuple[Conflict, ...]
    concurrency: int
    critical_path: tuple[str, ...]
    critical_seconds: float
    wall_seconds: float
    """Estimated wall time at the concurrency, unknown estimates counted as zero."""

    @property
    def running(self) -> list[StagePlan]:
        """The stages a run would really run (the cache reuses the others)."""
        return [s for s in self.stages if not s.up_to_date]

    @property
    def total_operations(self) -> int:
        return sum(len(s.operations) for s in self.running)

    @property
    def total_bytes(self) -> int:
        return sum(s.estimated_bytes for s in self.running)

    @property
    def total_seconds(self) -> float:
        return sum(s.estimated_seconds or 0.0 for s in self.running)

    @property
    def up_to_date(self) -> int:
        return len(self.stages) - len(self.running)

    @property
    def unknown_writes(self) -> int:
        """Writes whose size the plan cannot know (their data comes from upstream)."""
        return sum(
            1
            for s in self.running
            for op in s.operations
            if op.writes and op.estimated_bytes is None
        )

    @property
    def unknown_estimates(self) -> int:
        return sum(1 for s in self.running if s.estimated_seconds is None)

    def stage(self, stage_id: str) -> StagePlan:
        for plan in self.stages:
            if plan.stage_id == stage_id:
                return plan
        raise KeyError(stage_id)

    def unknown_on_critical_path(self) -> int:
        """Stages of the critical path without an estimate (counted as zero in its time)."""
        by_id = {s.stage_id: s for s in self.stages}
        return sum(
            1 for sid in self.critical_path if sid in by_id and by_id[sid].estimated_seconds is None
        )

    def wall_text(self) -> str:
        """The wall time as far as it is known: ``~3.1 s``; ``at least ~3.1 s (2 of 5
        estimates unknown)``; ``unknown (no stage has an estimate)``. Never a bare 0."""
        return estimate_text(self.wall_seconds, self.unknown_estimates, len(self.stages))

    def critical_text(self) -> str:
        """The critical path's time, said the same way as :meth:`wall_text`."""
        return estimate_text(
            self.critical_seconds, self.unknown_on_critical_path(), len(self.critical_path)
        )

    def summary(self) -> str:
        """One line: "5 stages, 9 operations, 12.0 kB, ~3.1 s, 0 conflicts"."""
        return report_summary(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "path": self.path,
            "summary": self.summary(),
            "order": list(self.order),
            "layers": [list(layer) for layer in self.layers],
            "stages": [s.to_json() for s in self.stages],
            "totals": {
                "stages": len(self.stages),
                "will_run": len(self.running),
                "up_to_date": self.up_to_date,
                "operations": self.total_operations,
                "bytes": self.total_bytes,
                "seconds": round(self.total_seconds, 6),
                "unknown_estimates": self.unknown_estimates,
                "unknown_writes": self.unknown_writes,
            },
            "concurrency": self.concurrency,
            "critical_path": {"stages": list(self.critical_path), "seconds": self.critical_seconds},
            "wall_seconds": self.wall_seconds,
            "conflicts": [c.to_json() for c in self.conflicts],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DryRunReport:
        return cls(
            pipeline=data["pipeline"],
            path=data.get("path"),
            order=tuple(data["order"]),
            layers=tuple(tuple(layer) for layer in data["layers"]),
            stages=tuple(StagePlan.from_json(s) for s in data["stages"]),
            conflicts=tuple(Conflict.from_json(c) for c in data["conflicts"]),
            concurrency=data.get("concurrency", 1),
            critical_path=tuple(data["critical_path"]["stages"]),
            critical_seconds=data["critical_path"]["seconds"],
            wall_seconds=data["wall_seconds"],
        )
