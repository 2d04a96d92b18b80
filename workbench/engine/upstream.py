"""Whether a stage may run once one of its upstream stages has finished.

Kept apart from the runner's scheduling so the rule reads in one place:

- an upstream that succeeded (or was partial) lets its dependents run;
- a failed upstream with ``continue_on_error`` lets them run too;
- an *optional* upstream (``{ stage = "x", required = false }`` in ``depends_on``,
  or a stage class's optional :class:`~workbench.engine.stage.Dependency`) that
  failed, was skipped or was cancelled still lets its dependent run; the
  dependent's result then names the optional input that was missing;
- otherwise the dependent is skipped with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.engine.stage import StageResult, StageStatus

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline


def optional_upstreams(pipeline: Pipeline) -> dict[str, frozenset[str]]:
    """stage id -> ids of the upstream stages it depends on only optionally."""
    out: dict[str, frozenset[str]] = {}
    by_uses: dict[str, list[str]] = {}
    for sid, ps in pipeline.stages.items():
        by_uses.setdefault(ps.uses, []).append(sid)
    for sid, ps in pipeline.stages.items():
        optional = {target for target, required in ps.spec.dependency_ids() if not required}
        required = {target for target, required in ps.spec.dependency_ids() if required}
        if ps.stage is not None:
            for own in type(ps.stage).dependency_list():
                if own.order == "after" and not own.required:
                    optional.update(by_uses.get(own.stage, ()))
                elif own.order == "after":
                    required.update(by_uses.get(own.stage, ()))
        optional -= required
        if optional:
            out[sid] = frozenset(optional)
    return out


def upstream_lets_run(result: StageResult, continue_on_error: bool, optional: bool) -> bool:
    """True when a dependent may run given how this upstream stage finished."""
    if result.status.ok:
        return True
    if result.status is StageStatus.FAILURE and continue_on_error:
        return True
    return optional


def note_missing_optional(result: StageResult, missing: dict[str, StageStatus]) -> None:
    """Say in a dependent's result which optional inputs it ran without, and why."""
    if not missing or result.status in (StageStatus.SKIPPED, StageStatus.CANCELLED):
        return
    result.data["missing_optional"] = sorted(missing)
    parts = [f"{sid!r} {_verb(status)}" for sid, status in sorted(missing.items())]
    note = "ran without optional input " + ", ".join(parts)
    result.message = f"{result.message} ({note})" if result.message else note


def _verb(status: StageStatus) -> str:
    return {
        StageStatus.FAILURE: "failed",
        StageStatus.SKIPPED: "was skipped",
        StageStatus.CANCELLED: "was cancelled",
    }.get(status, status.value)
