"""What a dry run can be compared with, and the comparisons themselves.

A person decides whether a change is safe by putting two plans side by side, the
way an infrastructure plan is read before it is applied. Four pairs are worth
comparing, and each has one function here:

- :func:`compare_edited`: the pipeline as edited (a :class:`PipelineSpec` held in
  memory) against the file as saved on disk;
- :func:`compare_pipelines`: two pipeline files;
- :func:`compare_parameters`: one pipeline with two sets of ``[context]`` values;
- :func:`plan_against_run`: the plan against what really happened in a past run
  from the history: planned operations and estimates against real durations and
  outcomes.

Every report is built by :func:`report_with_history`, which fills in estimates
from the project's run history (only when a history database already exists: a
dry run never creates files). Rows are aligned here, not in the app, so the app,
the command line and the Markdown export show the same comparison.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.engine.assignments import AssignmentError, parse_assignments
from workbench.engine.dryrun.dry_run import (
    DryRunReport,
    ReportDiff,
    StageChange,
    StagePlan,
    build_report,
    diff_reports,
)
from workbench.engine.errors import WorkbenchError
from workbench.engine.history.store import (
    DB_NAME,
    STATE_DIR,
    History,
    HistoryUnavailable,
    RunDetail,
    StageRecord,
)
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry
from workbench.engine.secrets import Secrets, split_context
from workbench.engine.spec import PipelineSpec
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.cache.reasons import StageStatusLine

ComparisonKind = Literal["edited", "pipelines", "parameters"]


class CompareError(WorkbenchError):
    """A comparison that cannot be made, with the reason and what to do instead."""

    title = "Cannot compare"


# -- building reports ---------------------------------------------------------------------------


def history_estimates(pipeline: Pipeline, root: Path | None) -> dict[str, float]:
    """Seconds per stage id from the project's run history; empty without a history.

    The database is only read when it already exists, so a dry run of a fresh
    project (or one on a read-only disk) leaves no trace.
    """
    if root is None or not (root / STATE_DIR / DB_NAME).is_file():
        return {}
    try:
        with History.open(root, create=False) as history:
            return history.estimates(pipeline)
    except (HistoryUnavailable, sqlite3.Error, OSError):
        return {}


def report_with_history(
    pipeline: Pipeline,
    params: Mapping[str, Any] | None = None,
    *,
    root: Path | None = None,
    concurrency: int | None = None,
    cache: bool = True,
) -> DryRunReport:
    """The dry-run report of a pipeline, with estimates from the history under ``root``
    and, with ``cache``, what the project's cache would reuse (and why the rest runs).

    Raises :class:`CompareError` for a pipeline that cannot be planned (a cycle or
    unknown stages), naming its problems, since a report of half a graph misleads.
    """
    require_plannable(pipeline)
    root = root if root is not None else _root_of(pipeline)
    estimates = history_estimates(pipeline, root)
    status = cache_status(pipeline, params, root) if cache else None
    return build_report(
        pipeline, params, estimates=estimates, concurrency=concurrency, status=status
    )


def cache_status(
    pipeline: Pipeline, params: Mapping[str, Any] | None, root: Path | None
) -> dict[str, StageStatusLine] | None:
    """Each stage's line of `workbench status`, read without writing; None without a project."""
    if root is None:
        return None
    from workbench.engine.cache.status import pipeline_status
    from workbench.engine.cache.store import CacheStore

    store = CacheStore.for_project(root)
    if not store.root.is_dir():
        return None  # never run with a cache: every stage runs, nothing to explain
    try:
        status = pipeline_status(pipeline, store, params, save_stamps=False)
    except Exception:  # a broken cache never stops a dry run
        return None
    return {line.stage_id: line for line in status.stages}


def require_plannable(pipeline: Pipeline) -> None:
    """Refuse a pipeline with problems: its order and its plans would be guesses."""
    if pipeline.valid:
        return
    where = pipeline.path.name if pipeline.path else pipeline.name
    first = pipeline.problems[0].describe()
    more = len(pipeline.problems) - 1
    tail = f" (and {more} more)" if more else ""
    raise CompareError(
        f"{where} has problems, so it cannot be planned: {first}{tail}. "
        "Fix them first; the graph view lists them all.",
        title="Invalid pipeline",
    )


def _root_of(pipeline: Pipeline) -> Path | None:
    return pipeline.project_dir if pipeline.path is not None else None


# -- two reports --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompareRow:
    """One line of a side-by-side view: a stage on either side, and how it changed."""

    stage_id: str
    left: StagePlan | None
    right: StagePlan | None
    change: StageChange | None

    @property
    def marks(self) -> tuple[str, ...]:
        """Short words for the change: ``added``, ``reconfigured``, ``estimate``..."""
        if self.change is None:
            return ()
        return self.change.kinds or ("estimate",)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two reports of the same kind of thing, ``left`` (before) and ``right`` (after)."""

    kind: ComparisonKind
    left_label: str
    right_label: str
    left: DryRunReport
    right: DryRunReport
    diff: ReportDiff
    parameter_changes: tuple[tuple[str, Any, Any], ...] = ()
    """(key, before, after) of ``[context]`` values that differ; None for a missing side."""

    @property
    def rows(self) -> tuple[CompareRow, ...]:
        """Every stage of either side, in the right side's order, removed ones where they were."""
        a = {p.stage_id: p for p in self.left.stages}
        b = {p.stage_id: p for p in self.right.stages}
        changes = {c.stage_id: c for c in self.diff.stages}
        return tuple(
            CompareRow(sid, a.get(sid), b.get(sid), changes.get(sid))
            for sid in aligned_order(self.left.order, self.right.order)
        )

    @property
    def empty(self) -> bool:
        return self.diff.empty and not self.parameter_changes

    def summary(self) -> str:
        """One line: what differs, or "no differences"."""
        parts: list[str] = []
        if self.parameter_changes:
            n = len(self.parameter_changes)
            parts.append(f"{counted(n, 'parameter')} changed")
        text = self.diff.summary()
        if text != "no differences" or not parts:
            parts.append(text)
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "left_label": self.left_label,
            "right_label": self.right_label,
            "summary": self.summary(),
            "parameter_changes": [
                {"key": k, "before": a, "after": b} for k, a, b in self.parameter_changes
            ],
            "left": self.left.to_json(),
            "right": self.right.to_json(),
            "diff": self.diff.to_json(),
        }


def aligned_order(left: Sequence[str], right: Sequence[str]) -> list[str]:
    """The right order, with each stage only on the left placed after its left neighbour.

    So a removed stage shows where it used to be, not at the end.
    """
    out = [sid for sid in right]
    placed = set(out)
    previous: str | None = None
    for sid in left:
        if sid not in placed:
            at = out.index(previous) + 1 if previous is not None else 0
            out.insert(at, sid)
            placed.add(sid)
        previous = sid
    return out


def compare_reports(
    left: DryRunReport,
    right: DryRunReport,
    kind: ComparisonKind = "pipelines",
    left_label: str | None = None,
    right_label: str | None = None,
    parameter_changes: Sequence[tuple[str, Any, Any]] = (),
) -> Comparison:
    return Comparison(
        kind,
        left_label or _label(left),
        right_label or _label(right),
        left,
        right,
        diff_reports(left, right),
        tuple(parameter_changes),
    )


def compare_pipelines(
    left: Pipeline,
    right: Pipeline,
    params: Mapping[str, Any] | None = None,
    *,
    root: Path | None = None,
    concurrency: int | None = None,
) -> Comparison:
    """Two pipeline files, each with its own ``[context]`` (plus ``params`` on both)."""
    a = report_with_history(left, params, root=root, concurrency=concurrency)
    b = report_with_history(right, params, root=root, concurrency=concurrency)
    return compare_reports(a, b, "pipelines")


def compare_edited(
    edited: PipelineSpec,
    saved_path: Path,
    registry: StageRegistry,
    *,
    root: Path | None = None,
) -> Comparison:
    """The pipeline as saved on disk (left) against the one being edited (right)."""
    saved = Pipeline.load(saved_path, registry)
    current = Pipeline.from_spec(edited, registry, path=saved_path)
    if not current.valid:
        first = current.problems[0].describe()
        raise CompareError(
            f"the edited pipeline has problems, so it cannot be planned yet: {first}",
            title="Edits not plannable",
        )
    a = report_with_history(saved, root=root)
    b = report_with_history(current, root=root)
    left, right = split_context(saved.spec.context)[0], split_context(edited.context)[0]
    secrets = _secrets_of(current, left, right)
    changes = parameter_changes(left, right, secrets)
    return compare_reports(a, b, "edited", "as saved", "as edited", changes)


def compare_parameters(
    pipeline: Pipeline,
    left: Mapping[str, Any],
    right: Mapping[str, Any],
    *,
    root: Path | None = None,
    concurrency: int | None = None,
) -> Comparison:
    """One pipeline with two sets of ``[context]`` overrides (an empty set: the file's own)."""
    a = report_with_history(pipeline, left, root=root, concurrency=concurrency)
    b = report_with_history(pipeline, right, root=root, concurrency=concurrency)
    before, after = pipeline.parameters(left), pipeline.parameters(right)
    secrets = _secrets_of(pipeline, before, after)
    changes = parameter_changes(before, after, secrets)
    return compare_reports(
        a,
        b,
        "parameters",
        _params_label(left, secrets),
        _params_label(right, secrets),
        changes,
    )


def parameter_changes(
    left: Mapping[str, Any], right: Mapping[str, Any], secrets: Secrets | None = None
) -> list[tuple[str, Any, Any]]:
    """(key, before, after) of the values that differ; secret ones masked with ``secrets``."""
    shown = secrets or Secrets()
    return [
        (key, shown.mask_value(key, left.get(key)), shown.mask_value(key, right.get(key)))
        for key in sorted(left.keys() | right.keys())
        if key not in left or key not in right or left[key] != right[key]
    ]


def _secrets_of(pipeline: Pipeline, *param_sets: Mapping[str, Any]) -> Secrets:
    """The secrets of a pipeline under several sets of parameters at once."""
    secrets = Secrets.for_pipeline(pipeline, {})
    for params in param_sets:
        for key, value in params.items():
            if secrets.is_secret(key):
                secrets.add(value, key)
    return secrets


def parse_parameters(items: Sequence[str]) -> dict[str, Any]:
    """``key=value`` texts, read by :mod:`workbench.engine.assignments` as ``--set`` is."""
    try:
        return parse_assignments(items, option="")
    except AssignmentError as exc:
        raise CompareError(exc.message, title="Bad parameter") from None


def _label(report: DryRunReport) -> str:
    return Path(report.path).name if report.path else report.pipeline


def _params_label(params: Mapping[str, Any], secrets: Secrets) -> str:
    if not params:
        return "file's parameters"
    return ", ".join(f"{k}={secrets.mask_value(k, v)}" for k, v in params.items())


# -- the plan against a past run ------------------------------------------------------------------

Verdict = Literal[
    "as planned", "slower", "faster", "failed", "skipped", "cached", "not run", "not planned"
]

SLOWER_FACTOR = 1.5
"""A stage that took this many times its estimate (and half a second more) ran slow."""
SLOWER_MARGIN = 0.5


@dataclass(frozen=True, slots=True)
class ActualRow:
    """One stage: what the plan said and what the run did."""

    stage_id: str
    plan: StagePlan | None
    actual: StageRecord | None

    @property
    def seconds_delta(self) -> float | None:
        """Real minus estimated seconds, when both are known."""
        if self.plan is None or self.actual is None:
            return None
        if self.plan.estimated_seconds is None or self.actual.duration is None:
            return None
        return self.actual.duration - self.plan.estimated_seconds

    @property
    def verdict(self) -> Verdict:
        if self.plan is None:
            return "not planned"
        if self.actual is None or self.actual.status in ("pending", "waiting"):
            return "not run"
        status = self.actual.status
        if status in ("failure", "cancelled", "interrupted"):
            return "failed"
        if status == "skipped":
            return "skipped"
        if status == "cached":
            return "cached"
        estimate, real = self.plan.estimated_seconds, self.actual.duration
        if estimate is not None and real is not None:
            if real > estimate * SLOWER_FACTOR and real - estimate > SLOWER_MARGIN:
                return "slower"
            if real * SLOWER_FACTOR < estimate and estimate - real > SLOWER_MARGIN:
                return "faster"
        return "as planned"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.stage_id,
            "verdict": self.verdict,
            "planned": self.plan.to_json() if self.plan else None,
            "actual": self.actual.to_json() if self.actual else None,
            "seconds_delta": self.seconds_delta,
        }


@dataclass(frozen=True, slots=True)
class PlanAgainstRun:
    """The plan of a pipeline next to a recorded run of it."""

    report: DryRunReport
    run: RunDetail

    @property
    def label(self) -> str:
        return f"run #{self.run.run.id}"

    @property
    def rows(self) -> tuple[ActualRow, ...]:
        plans = {p.stage_id: p for p in self.report.stages}
        records = {s.stage_id: s for s in self.run.stages}
        order = aligned_order([s.stage_id for s in self.run.stages], self.report.order)
        return tuple(ActualRow(sid, plans.get(sid), records.get(sid)) for sid in order)

    @property
    def actual_seconds(self) -> float:
        """The sum of every stage's real duration (the counterpart of the plan's total)."""
        return sum(s.duration or 0.0 for s in self.run.stages)

    @property
    def totals(self) -> dict[str, tuple[float | None, float | None]]:
        """name -> (planned, actual): stages, seconds (summed) and wall seconds."""
        ran = sum(1 for s in self.run.stages if s.status not in ("pending", "waiting"))
        return {
            "stages": (float(len(self.report.stages)), float(ran)),
            "seconds": (self.report.total_seconds, self.actual_seconds),
            "wall_seconds": (self.report.wall_seconds, self.run.run.duration),
        }

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row.verdict] = out.get(row.verdict, 0) + 1
        return out

    def summary(self) -> str:
        """ "run #3 success: 4 as planned, 1 slower; planned ~2.0 s wall, took 3.1 s"."""
        from workbench.engine.units import format_seconds

        counts = ", ".join(f"{n} {verdict}" for verdict, n in self.counts().items())
        return (
            f"{self.label} {self.run.run.status}: {counts}; planned "
            f"~{format_seconds(self.report.wall_seconds)} wall, took "
            f"{format_seconds(self.run.run.duration)}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "run",
            "summary": self.summary(),
            "plan": self.report.to_json(),
            "run": self.run.run.to_json(),
            "stages": [row.to_json() for row in self.rows],
            "totals": {k: {"planned": a, "actual": b} for k, (a, b) in self.totals.items()},
        }


def plan_against_run(
    pipeline: Pipeline, run_id: int, *, root: Path | None = None
) -> PlanAgainstRun:
    """Plan ``pipeline`` with the parameters a past run used, and set it beside that run."""
    root = root if root is not None else _root_of(pipeline)
    if root is None or not (root / STATE_DIR / DB_NAME).is_file():
        raise CompareError("this project has no run history yet; run the pipeline first")
    try:
        with History.open(root, create=False) as history:
            detail = history.get_run(run_id)
    except HistoryUnavailable as exc:
        raise CompareError(exc.message) from None
    if detail is None:
        raise CompareError(f"there is no run #{run_id} in the history")
    if detail.run.pipeline != pipeline.name:
        raise CompareError(
            f"run #{run_id} is of pipeline {detail.run.pipeline!r}, not {pipeline.name!r}"
        )
    params = {k: v for k, v in detail.run.params.items() if k != "project_dir"}
    return PlanAgainstRun(report_with_history(pipeline, params, root=root), detail)
