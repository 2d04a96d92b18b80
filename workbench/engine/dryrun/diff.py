"""Comparing two dry-run reports stage by stage: added, removed, moved, reconfigured,
rewired, other operations, now running or now cached; conflicts new and resolved;
the totals on each side. A report compared with itself has no differences.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workbench.engine.dryrun.format import diff_summary
from workbench.engine.dryrun.models import Conflict, DryRunReport, StagePlan

ChangeKind = Literal[
    "added",
    "removed",
    "reordered",
    "reconfigured",
    "rewired",
    "operations",
    "now_runs",
    "now_cached",
]
"""``now_runs``: up to date on the left, will run on the right; ``now_cached`` the reverse."""


@dataclass(frozen=True, slots=True)
class StageChange:
    """How one stage differs between two reports. One record per stage that differs."""

    stage_id: str
    kinds: tuple[ChangeKind, ...]
    config_changes: tuple[tuple[str, Any, Any], ...] = ()
    """(dotted key, before, after); a missing side is None."""
    operations_added: tuple[str, ...] = ()
    operations_removed: tuple[str, ...] = ()
    seconds_before: float | None = None
    seconds_after: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "kinds": list(self.kinds),
            "config_changes": [
                {"key": k, "before": a, "after": b} for k, a, b in self.config_changes
            ],
            "operations_added": list(self.operations_added),
            "operations_removed": list(self.operations_removed),
            "seconds_before": self.seconds_before,
            "seconds_after": self.seconds_after,
        }


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """The differences between two reports, ``left`` (before) and ``right`` (after)."""

    left: str
    right: str
    stages: tuple[StageChange, ...]
    conflicts_new: tuple[Conflict, ...]
    conflicts_resolved: tuple[Conflict, ...]
    totals: dict[str, tuple[float, float]]
    """name -> (before, after) for stages, operations, bytes, seconds, wall_seconds."""

    @property
    def empty(self) -> bool:
        return not (self.stages or self.conflicts_new or self.conflicts_resolved) and all(
            a == b for a, b in self.totals.values()
        )

    def of_kind(self, kind: ChangeKind) -> list[str]:
        return [c.stage_id for c in self.stages if kind in c.kinds]

    def summary(self) -> str:
        """ "1 added, 1 removed, 2 reconfigured, 1 new conflict"."""
        return diff_summary(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "left": self.left,
            "right": self.right,
            "summary": self.summary(),
            "stages": [c.to_json() for c in self.stages],
            "conflicts_new": [c.to_json() for c in self.conflicts_new],
            "conflicts_resolved": [c.to_json() for c in self.conflicts_resolved],
            "totals": {k: {"before": a, "after": b} for k, (a, b) in self.totals.items()},
        }


def diff_reports(left: DryRunReport, right: DryRunReport) -> ReportDiff:
    """Compare two reports stage by stage. A report compared with itself has no differences."""
    a = {p.stage_id: p for p in left.stages}
    b = {p.stage_id: p for p in right.stages}
    common_left = [s for s in left.order if s in b]
    common_right = [s for s in right.order if s in a]
    moved = _moved(common_left, common_right)
    changes: dict[str, StageChange] = {}
    for sid in left.order:
        if sid not in b:
            changes[sid] = StageChange(sid, ("removed",), seconds_before=a[sid].estimated_seconds)
    for sid in right.order:
        if sid not in a:
            changes[sid] = StageChange(sid, ("added",), seconds_after=b[sid].estimated_seconds)
            continue
        before, after = a[sid], b[sid]
        kinds: list[ChangeKind] = []
        if sid in moved:
            kinds.append("reordered")
        config = _config_changes(before, after)
        if config:
            kinds.append("reconfigured")
        if set(before.depends_on) != set(after.depends_on):
            kinds.append("rewired")
        ops_before = [op.description for op in before.operations]
        ops_after = [op.description for op in after.operations]
        added = tuple(d for d in ops_after if d not in ops_before)
        removed = tuple(d for d in ops_before if d not in ops_after)
        if added or removed:
            kinds.append("operations")
        if before.up_to_date and not after.up_to_date:
            kinds.append("now_runs")
        elif after.up_to_date and not before.up_to_date:
            kinds.append("now_cached")
        if kinds or before.estimated_seconds != after.estimated_seconds:
            changes[sid] = StageChange(
                sid,
                tuple(kinds),
                tuple(config),
                added,
                removed,
                before.estimated_seconds,
                after.estimated_seconds,
            )
    ordered = [changes[s] for s in _union_order(left.order, right.order) if s in changes]
    left_conflicts, right_conflicts = set(left.conflicts), set(right.conflicts)
    return ReportDiff(
        left=left.pipeline,
        right=right.pipeline,
        stages=tuple(c for c in ordered if c.kinds or c.seconds_before != c.seconds_after),
        conflicts_new=tuple(sorted(right_conflicts - left_conflicts)),
        conflicts_resolved=tuple(sorted(left_conflicts - right_conflicts)),
        totals={
            "stages": (len(left.stages), len(right.stages)),
            **_will_run_totals(left, right),
            "operations": (left.total_operations, right.total_operations),
            "bytes": (left.total_bytes, right.total_bytes),
            "seconds": (left.total_seconds, right.total_seconds),
            "wall_seconds": (left.wall_seconds, right.wall_seconds),
        },
    )


def _will_run_totals(left: DryRunReport, right: DryRunReport) -> dict[str, tuple[float, float]]:
    """Stages to run on each side, when either report consulted the cache."""
    consulted = any(p.up_to_date or p.reasons for p in (*left.stages, *right.stages))
    return {"will_run": (len(left.running), len(right.running))} if consulted else {}


def _moved(left: list[str], right: list[str]) -> set[str]:
    """Stages outside the longest common run of the two orders: the ones that moved."""
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    kept = {left[m.a + i] for m in matcher.get_matching_blocks() for i in range(m.size)}
    return set(left) - kept


def _union_order(left: tuple[str, ...], right: tuple[str, ...]) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(right)
    out = list(right)
    for sid in left:
        if sid not in seen:
            out.append(sid)
    return out


def _config_changes(before: StagePlan, after: StagePlan) -> list[tuple[str, Any, Any]]:
    flat_a = flatten_config(before.config)
    flat_b = flatten_config(after.config)
    if before.uses != after.uses:
        flat_a["(uses)"], flat_b["(uses)"] = before.uses, after.uses
    return [
        (key, flat_a.get(key), flat_b.get(key))
        for key in sorted(flat_a.keys() | flat_b.keys())
        if flat_a.get(key, _ABSENT) != flat_b.get(key, _ABSENT)
    ]


_ABSENT = object()


def flatten_config(value: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config as ``dotted.key -> value``, so changes can be named field by field."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping) and item:
            out.update(flatten_config(item, name + "."))
        else:
            out[name] = item
    return out
