"""Dry runs: what each stage would do, the whole plan's totals and conflicts, and diffs.

A stage's :meth:`~workbench.engine.stage.Stage.plan` returns
:class:`PlannedOperation` records without side effects. :func:`build_report`
gathers them for a pipeline into a :class:`DryRunReport`, a pure function of the
pipeline, its parameters and the estimates it is given, so two reports of the same
input are equal and two different ones can be compared with :func:`diff_reports`.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from workbench.engine.cache.reasons import Reason
from workbench.engine.units import counted, format_bytes, format_seconds

if TYPE_CHECKING:
    from workbench.engine.cache.reasons import StageStatusLine
    from workbench.engine.pipeline import Pipeline


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

    @property
    def writes(self) -> bool:
        """True when the operation puts bytes on disk (its bytes count as disk usage)."""
        return bool(self.paths_written)

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
        unsupported = sum(1 for s in self.stages if not s.supported)
        cached = self.up_to_date
        parts = [
            counted(len(self.stages), "stage")
            + (f" ({len(self.stages) - cached} to run, {cached} up to date)" if cached else ""),
            counted(self.total_operations, "operation"),
            format_bytes(self.total_bytes)
            + (f" (+{self.unknown_writes} of unknown size)" if self.unknown_writes else ""),
            f"{self.wall_text()} wall"
            if not self.unknown_estimates
            else f"wall {self.wall_text()}",
            counted(len(self.conflicts), "conflict"),
        ]
        if unsupported:
            parts.append(f"{unsupported} cannot dry-run")
        return ", ".join(parts)

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


def build_report(
    pipeline: Pipeline,
    params: Mapping[str, Any] | None = None,
    *,
    estimates: Mapping[str, float] | None = None,
    concurrency: int | None = None,
    status: Mapping[str, StageStatusLine] | None = None,
) -> DryRunReport:
    """Ask every stage for its plan, without side effects, and gather the report.

    ``estimates`` are seconds per stage id from elsewhere (the run history), used
    where a stage gives no estimate of its own. ``status`` is what the cache says
    of each stage (``workbench status``): up-to-date stages are marked and left out
    of the totals and the wall time, the others carry their reasons.
    """
    from workbench.engine.context import ContextStore, ExecutionMode
    from workbench.engine.project import importable
    from workbench.engine.secrets import Secrets

    importable(pipeline.project_dir)
    pipeline = pipeline.with_parameters(params)
    values = pipeline.parameters(params)
    secrets = Secrets.for_pipeline(pipeline, values)
    store = ContextStore(values, ExecutionMode.DRY_RUN, secrets=secrets)
    graph = pipeline.graph
    estimates = estimates or {}
    plans: list[StagePlan] = []
    conflicts: list[Conflict] = []
    for stage_id in graph.order:
        ps = pipeline.stages[stage_id]
        stage = ps.stage
        config = stage.config.model_dump(mode="json") if stage is not None else dict(ps.spec.config)
        config = secrets.mask_data(config)
        operations: tuple[PlannedOperation, ...] = ()
        error: str | None = None
        supported = stage is not None and type(stage).supports_dry_run
        if stage is not None and supported:
            try:
                planned = stage.plan(store.for_stage(stage_id))
                operations = tuple(_masked(op, secrets.mask_text) for op in planned)
            except Exception as exc:  # a plan that fails is reported, never fatal
                error = secrets.mask_text(f"{type(exc).__name__}: {exc}")
                conflicts.append(
                    Conflict(
                        "plan_error", stage_id, (stage_id,), f"{stage_id}: plan failed: {error}"
                    )
                )
        elif stage is not None:
            conflicts.append(
                Conflict(
                    "no_dry_run",
                    stage_id,
                    (stage_id,),
                    f"{stage_id} ({ps.uses}) cannot dry-run; its effects are unknown",
                )
            )
        own = [op.estimated_seconds for op in operations if op.estimated_seconds is not None]
        seconds: float | None
        source: EstimateSource
        if own:
            seconds, source = float(sum(own)), "stage"
        elif stage_id in estimates:
            seconds, source = float(estimates[stage_id]), "history"
        else:
            seconds, source = None, "unknown"
        line = status.get(stage_id) if status is not None else None
        plans.append(
            StagePlan(
                stage_id,
                ps.uses,
                graph.layer_of(stage_id) or 0,
                tuple(graph.parents(stage_id)),
                config,
                supported,
                operations,
                seconds,
                source,
                error,
                up_to_date=line is not None and not line.will_run,
                reasons=line.reasons if line is not None else (),
            )
        )
    conflicts.extend(_write_conflicts(pipeline, plans))
    conflicts.extend(_unread_keys(pipeline, store.params))
    conflicts.extend(_outside_project(pipeline, plans))
    seconds_by_id = {p.stage_id: 0.0 if p.up_to_date else p.estimated_seconds for p in plans}
    critical = graph.critical_path(seconds_by_id)
    level = max(1, concurrency or pipeline.max_concurrency)
    return DryRunReport(
        pipeline=pipeline.name,
        path=str(pipeline.path) if pipeline.path else None,
        order=tuple(graph.order),
        layers=tuple(tuple(layer) for layer in graph.layers),
        stages=tuple(plans),
        conflicts=tuple(sorted(conflicts)),
        concurrency=level,
        critical_path=critical.stages,
        critical_seconds=critical.seconds,
        wall_seconds=_simulate(pipeline, seconds_by_id, level),
    )


def _masked(op: PlannedOperation, mask: Callable[[str], str]) -> PlannedOperation:
    """The operation with secret values masked in its description and paths."""
    description = mask(op.description)
    read = tuple(mask(p) for p in op.paths_read)
    written = tuple(mask(p) for p in op.paths_written)
    if (description, read, written) == (op.description, op.paths_read, op.paths_written):
        return op
    return replace(op, description=description, paths_read=read, paths_written=written)


def _write_conflicts(pipeline: Pipeline, plans: list[StagePlan]) -> list[Conflict]:
    """Two stages writing the same key or path with no order between them."""
    graph = pipeline.graph
    by_key: dict[str, list[str]] = {}
    by_path: dict[str, list[str]] = {}
    for plan in plans:
        stage = pipeline.stages[plan.stage_id].stage
        if stage is not None:
            for key in stage.keys_written():
                by_key.setdefault(key, []).append(plan.stage_id)
        for path in sorted({p for op in plan.operations for p in op.paths_written}):
            by_path.setdefault(path, []).append(plan.stage_id)
    out: list[Conflict] = []
    for kind, table, noun in (
        ("write_key", by_key, "context key"),
        ("write_path", by_path, "path"),
    ):
        for subject, writers in table.items():
            for i, a in enumerate(writers):
                for b in writers[i + 1 :]:
                    if not graph.is_ordered(a, b):
                        out.append(
                            Conflict(
                                kind,  # type: ignore[arg-type]
                                subject,
                                (a, b),
                                f"{a} and {b} both write {noun} {subject!r} with no order "
                                "between them; the result depends on timing",
                            )
                        )
    return out


def _unread_keys(pipeline: Pipeline, params: Mapping[str, Any]) -> list[Conflict]:
    """A key read that no upstream stage writes and no parameter provides."""
    graph = pipeline.graph
    writers: dict[str, set[str]] = {}
    for stage_id, ps in pipeline.stages.items():
        if ps.stage is not None:
            for key in ps.stage.keys_written():
                writers.setdefault(key, set()).add(stage_id)
    out: list[Conflict] = []
    for stage_id in graph.order:
        stage = pipeline.stages[stage_id].stage
        reads = [k for k in (stage.keys_read() if stage else ()) if k not in params]
        if not reads:
            continue
        upstream = graph.upstream(stage_id)
        for key in reads:
            if not writers.get(key, set()) & upstream:
                elsewhere = sorted(writers.get(key, set()) - {stage_id})
                hint = (
                    f"; {', '.join(elsewhere)} writes it but is not upstream: add a dependency"
                    if elsewhere
                    else "; no stage writes it and it is not a [context] parameter"
                )
                out.append(
                    Conflict("unread_key", key, (stage_id,), f"{stage_id} reads {key!r}{hint}")
                )
    return out


def _outside_project(pipeline: Pipeline, plans: list[StagePlan]) -> list[Conflict]:
    """Every path a stage would read or write outside the project folder, one conflict each.

    Writes there are refused at validation unless ``allow_write`` opens the place, so
    an allowed write is still listed: a person reading the plan sees it leave.
    """
    from workbench.engine.paths import WritePolicy, declared_paths, resolve_under
    from workbench.engine.settings import read_settings

    root = pipeline.project_dir
    policy = WritePolicy.for_project(root, read_settings(root)[0].allow_write)
    out: list[Conflict] = []
    for plan in plans:
        touched: dict[str, str] = {}
        stage = pipeline.stages[plan.stage_id].stage
        if stage is not None:
            for item in declared_paths(stage.config, root):
                touched.setdefault(
                    str(item.resolved), "writes" if item.kind == "write" else "reads"
                )
        for op in plan.operations:
            for text in op.paths_written:
                touched[str(resolve_under(root, text))] = "writes"
            for text in op.paths_read:
                touched.setdefault(str(resolve_under(root, text)), "reads")
        for path, verb in sorted(touched.items()):
            resolved = resolve_under(root, path)
            if policy.inside(resolved):
                continue
            if verb == "reads":
                note = ""
            elif policy.permits(resolved):
                note = " (allowed by allow_write)"
            else:
                note = " (refused: not in allow_write)"
            out.append(
                Conflict(
                    "outside_project",
                    path,
                    (plan.stage_id,),
                    f"{plan.stage_id} {verb} {path}, outside the project folder{note}",
                )
            )
    return out


def _simulate(pipeline: Pipeline, seconds: Mapping[str, float | None], concurrency: int) -> float:
    """Wall time of a list schedule at the concurrency limit, ties by file order."""
    graph = pipeline.graph
    position = {sid: i for i, sid in enumerate(graph.order)}
    waiting = {sid: len(graph.parents(sid)) for sid in graph.order}
    ready = [position[s] for s in graph.order if not waiting[s]]
    heapq.heapify(ready)
    running: list[tuple[float, int]] = []
    clock = 0.0
    while ready or running:
        while ready and len(running) < concurrency:
            i = heapq.heappop(ready)
            heapq.heappush(running, (clock + (seconds.get(graph.order[i]) or 0.0), i))
        clock, i = heapq.heappop(running)
        for child in graph.children(graph.order[i]):
            waiting[child] -= 1
            if not waiting[child]:
                heapq.heappush(ready, position[child])
    return clock


# -- comparing ---------------------------------------------------------------------------

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
        counts: dict[str, int] = {}
        for change in self.stages:
            for kind in change.kinds:
                counts[kind] = counts.get(kind, 0) + 1
        label = {
            "operations": "with other operations",
            "now_runs": "now to run",
            "now_cached": "now up to date",
        }
        parts = [f"{n} {label.get(kind, kind)}" for kind, n in counts.items()]
        if self.conflicts_new:
            parts.append(f"{counted(len(self.conflicts_new), 'new conflict')}")
        if self.conflicts_resolved:
            parts.append(f"{counted(len(self.conflicts_resolved), 'conflict')} resolved")
        return ", ".join(parts) if parts else "no differences"

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


def estimate_text(seconds: float, unknown: int, total: int) -> str:
    """A sum of estimates where ``unknown`` of ``total`` parts have none (counted as 0)."""
    if total and unknown >= total:
        return "unknown (no estimates)" if total > 1 else "unknown (no estimate)"
    if unknown:
        return f"at least ~{format_seconds(seconds)} ({unknown} of {total} estimates unknown)"
    return f"~{format_seconds(seconds)}"
