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

from workbench.engine.stage import Dependency, StageResult, StageStatus

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline


def optional_upstreams(pipeline: Pipeline) -> dict[str, frozenset[str]]:
    """stage id -> ids of the upstream stages it depends on only optionally.

    Runs once per run over every stage, so it does no work for a stage that has
    neither an optional ``depends_on`` nor a stage class with dependencies of its own.
    """
    out: dict[str, frozenset[str]] = {}
    by_uses: dict[str, list[str]] | None = None
    own_after: dict[type, tuple[Dependency, ...]] = {}
    for sid, ps in pipeline.stages.items():
        own: tuple[Dependency, ...] = ()
        if ps.stage is not None:
            kind = type(ps.stage)
            found = own_after.get(kind)
            if found is None:
                found = own_after[kind] = tuple(
                    d for d in kind.dependency_list() if d.order == "after"
                )
            own = found
        if not own:
            for entry in ps.spec.depends_on:
                if not isinstance(entry, str):
                    break
            else:
                continue  # only plain ids, every one required: nothing optional
        optional: set[str] = set()
        required: set[str] = set()
        for target, needed in ps.spec.dependency_ids():
            (required if needed else optional).add(target)
        if own:
            if by_uses is None:
                by_uses = {}
                for other, other_ps in pipeline.stages.items():
                    by_uses.setdefault(other_ps.uses, []).append(other)
            for dependency in own:
                (required if dependency.required else optional).update(
                    by_uses.get(dependency.stage, ())
                )
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
