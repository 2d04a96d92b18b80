"""Building a dry-run report: ask every stage for its plan, then find the conflicts.

:func:`build_report` is a pure function of the pipeline, its parameters and the
estimates it is given, so two reports of the same input are equal. Conflicts are
two stages writing the same key or path with no order between them, keys read that
nothing upstream writes, stages that cannot dry-run or whose plan fails, and paths
outside the project. The wall time is a list schedule at the run's concurrency.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from workbench.engine.dryrun.models import (
    Conflict,
    DryRunReport,
    EstimateSource,
    PlannedOperation,
    StagePlan,
)

if TYPE_CHECKING:
    from workbench.engine.cache.reasons import StageStatusLine
    from workbench.engine.pipeline import Pipeline


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
