"""Edits of a pipeline spec as pure functions: each takes a spec and returns a new one.

The editor never mutates a :class:`PipelineSpec` in place: every operation deep-copies
what it changes, so a spec kept on the undo stack stays exactly as it was. A refused
edit raises :class:`EditError` whose message is the reason a person reads ("'load' is
taken", "that would make a cycle: a -> b -> a").

Dependencies are written in the file's canonical form: a required dependency as a
plain id, an optional one as ``{ stage = "id", required = false }`` — the same form
:meth:`PipelineSpec.to_toml_data` writes, so a saved file loads back equal.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from workbench.engine.spec import (
    DependencySpec,
    PipelineMeta,
    PipelineSpec,
    StageSpec,
    stage_id_is_valid,
)


class EditError(ValueError):
    """An edit that was refused; ``str(error)`` is the reason, ready to show."""


@dataclass(frozen=True, slots=True)
class Reference:
    """One place where a stage names another: ``stage`` lists ``target`` under ``key``."""

    stage: str
    target: str
    key: str
    """``depends_on`` or ``before``."""
    required: bool = True

    def describe(self) -> str:
        if self.key == "before":
            return f"{self.stage} runs before {self.target}"
        kind = "" if self.required else " (optional)"
        return f"{self.stage} depends on {self.target}{kind}"


# -- ids --------------------------------------------------------------------------------


def id_problem(spec: PipelineSpec, stage_id: str, *, current: str | None = None) -> str | None:
    """Why ``stage_id`` cannot name a stage here, or None when it can.

    ``current`` is the stage being renamed: keeping its own id is allowed.
    """
    if not stage_id:
        return "a stage needs an id"
    if not stage_id_is_valid(stage_id):
        return (
            f"{stage_id!r} is not a valid id: use letters, digits, '_', '.', '-', "
            "not starting with '.' or '-'"
        )
    if stage_id != current and stage_id in spec.stages:
        return f"{stage_id!r} is taken by another stage of this pipeline"
    return None


def propose_id(spec: PipelineSpec, uses: str) -> str:
    """A free id for a new stage of type ``uses``: ``load``, then ``load_2``, ``load_3``..."""
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", uses.rsplit(".", 1)[-1]) or "stage"
    if not stage_id_is_valid(base):
        base = f"s_{base}"
    if base not in spec.stages:
        return base
    n = 2
    while f"{base}_{n}" in spec.stages:
        n += 1
    return f"{base}_{n}"


# -- references -------------------------------------------------------------------------


def references_to(spec: PipelineSpec, target: str) -> list[Reference]:
    """Every ``depends_on`` / ``before`` entry of another stage that names ``target``."""
    out: list[Reference] = []
    for sid, stage in spec.stages.items():
        if sid == target:
            continue
        out.extend(
            Reference(sid, target, "depends_on", dep.required)
            for dep in stage.dependencies()
            if dep.stage == target
        )
        out.extend(Reference(sid, target, "before") for later in stage.before if later == target)
    return out


def _dep_id(entry: str | DependencySpec) -> str:
    return entry if isinstance(entry, str) else entry.stage


def _canonical(stage_id: str, required: bool) -> str | DependencySpec:
    return stage_id if required else DependencySpec(stage=stage_id, required=False)


def _replace_stage(spec: PipelineSpec, stage_id: str, stage: StageSpec) -> PipelineSpec:
    stages = dict(spec.stages)
    stages[stage_id] = stage
    return spec.model_copy(update={"stages": stages})


def _stage(spec: PipelineSpec, stage_id: str) -> StageSpec:
    try:
        return spec.stages[stage_id]
    except KeyError:
        raise EditError(f"there is no stage {stage_id!r} in this pipeline") from None


# -- stages -----------------------------------------------------------------------------


def add_stage(
    spec: PipelineSpec,
    uses: str,
    stage_id: str | None = None,
    config: Mapping[str, Any] | None = None,
) -> tuple[PipelineSpec, str]:
    """Append a stage of type ``uses``; returns the new spec and the id it got."""
    stage_id = stage_id if stage_id is not None else propose_id(spec, uses)
    problem = id_problem(spec, stage_id)
    if problem:
        raise EditError(problem)
    stage = StageSpec(uses=uses, config=dict(config or {}))
    return _replace_stage(spec, stage_id, stage), stage_id


def remove_stage(spec: PipelineSpec, stage_id: str) -> PipelineSpec:
    """Drop a stage and every ``depends_on`` / ``before`` entry that names it.

    The editor asks before calling this when :func:`references_to` is not empty.
    """
    _stage(spec, stage_id)
    stages: dict[str, StageSpec] = {}
    for sid, stage in spec.stages.items():
        if sid == stage_id:
            continue
        if any(_dep_id(d) == stage_id for d in stage.depends_on) or stage_id in stage.before:
            stage = stage.model_copy(
                update={
                    "depends_on": [d for d in stage.depends_on if _dep_id(d) != stage_id],
                    "before": [b for b in stage.before if b != stage_id],
                }
            )
        stages[sid] = stage
    return spec.model_copy(update={"stages": stages})


def rename_stage(spec: PipelineSpec, old: str, new: str) -> PipelineSpec:
    """Give a stage another id, in place, and update every entry that names it.

    A stage without ``uses`` takes its type from its id, so renaming one writes
    ``uses = "<old id>"`` first: the stage keeps doing what it did.
    """
    stage = _stage(spec, old)
    if new == old:
        return spec
    problem = id_problem(spec, new, current=old)
    if problem:
        raise EditError(problem)
    stages: dict[str, StageSpec] = {}
    for sid, entry in spec.stages.items():
        if sid == old:
            stages[new] = stage if stage.uses else stage.model_copy(update={"uses": old})
            continue
        if any(_dep_id(d) == old for d in entry.depends_on) or old in entry.before:
            entry = entry.model_copy(
                update={
                    "depends_on": [
                        (
                            new
                            if d == old
                            else (
                                d.model_copy(update={"stage": new})
                                if isinstance(d, DependencySpec) and d.stage == old
                                else d
                            )
                        )
                        for d in entry.depends_on
                    ],
                    "before": [new if b == old else b for b in entry.before],
                }
            )
        stages[sid] = entry
    return spec.model_copy(update={"stages": stages})


def set_config(spec: PipelineSpec, stage_id: str, config: Mapping[str, Any]) -> PipelineSpec:
    """Replace a stage's config. Invalid values are kept: the pipeline reports them."""
    stage = _stage(spec, stage_id)
    return _replace_stage(spec, stage_id, stage.model_copy(update={"config": dict(config)}))


STAGE_SETTINGS = ("description", "retries", "timeout", "continue_on_error")
"""The per-stage settings besides type, config and dependencies."""


def set_stage_settings(spec: PipelineSpec, stage_id: str, **values: Any) -> PipelineSpec:
    """Change ``description``, ``retries``, ``timeout`` or ``continue_on_error``.

    These are checked by the file format itself, so a bad value is refused here
    (the form shows why) rather than written into the spec.
    """
    stage = _stage(spec, stage_id)
    unknown = set(values) - set(STAGE_SETTINGS)
    if unknown:
        raise EditError(f"not a stage setting: {', '.join(sorted(unknown))}")
    data = stage.model_dump()
    data.update(values)
    try:
        new = StageSpec.model_validate(data)
    except ValidationError as exc:
        raise EditError(_first_error(exc)) from None
    return _replace_stage(spec, stage_id, new)


def set_uses(spec: PipelineSpec, stage_id: str, uses: str) -> PipelineSpec:
    """Change the type of a stage (its config is kept; the pipeline checks it)."""
    stage = _stage(spec, stage_id)
    return _replace_stage(spec, stage_id, stage.model_copy(update={"uses": uses}))


PIPELINE_SETTINGS = ("name", "description", "max_concurrency", "retry_delay", "executor")


def set_pipeline_settings(
    spec: PipelineSpec, *, context: Mapping[str, Any] | None = None, **values: Any
) -> PipelineSpec:
    """Change the ``[pipeline]`` table and, when given, the ``[context]`` parameters."""
    unknown = set(values) - set(PIPELINE_SETTINGS)
    if unknown:
        raise EditError(f"not a pipeline setting: {', '.join(sorted(unknown))}")
    data = spec.pipeline.model_dump()
    data.update(values)
    try:
        meta = PipelineMeta.model_validate(data)
    except ValidationError as exc:
        raise EditError(_first_error(exc)) from None
    update: dict[str, Any] = {"pipeline": meta}
    if context is not None:
        update["context"] = dict(context)
    return spec.model_copy(update=update)


# -- edges ------------------------------------------------------------------------------


def connect(
    spec: PipelineSpec,
    stage_id: str,
    dependency: str,
    *,
    required: bool = True,
    edges: Iterable[tuple[str, str]] = (),
) -> PipelineSpec:
    """Make ``stage_id`` depend on ``dependency`` (or change whether it is required).

    ``edges`` are the pipeline's current ``(before, after)`` edges, implicit ones
    included; an edge that would close a cycle through them is refused with the
    cycle spelled out.
    """
    stage = _stage(spec, stage_id)
    _stage(spec, dependency)
    if dependency == stage_id:
        raise EditError(f"{stage_id!r} cannot depend on itself")
    cycle = cycle_through(edges, dependency, stage_id)
    if cycle:
        raise EditError("that would make a cycle: " + " -> ".join(cycle))
    entry = _canonical(dependency, required)
    deps = list(stage.depends_on)
    for i, existing in enumerate(deps):
        if _dep_id(existing) == dependency:
            deps[i] = entry
            break
    else:
        deps.append(entry)
    return _replace_stage(spec, stage_id, stage.model_copy(update={"depends_on": deps}))


def disconnect(spec: PipelineSpec, stage_id: str, dependency: str) -> PipelineSpec:
    """Remove the explicit edge ``dependency -> stage_id`` (``depends_on`` or ``before``)."""
    stage = _stage(spec, stage_id)
    other = _stage(spec, dependency)
    named = any(_dep_id(d) == dependency for d in stage.depends_on)
    if not named and stage_id not in other.before:
        raise EditError(f"{stage_id!r} does not name {dependency!r} as a dependency")
    out = _replace_stage(
        spec,
        stage_id,
        stage.model_copy(
            update={"depends_on": [d for d in stage.depends_on if _dep_id(d) != dependency]}
        ),
    )
    if stage_id in other.before:
        out = _replace_stage(
            out,
            dependency,
            other.model_copy(update={"before": [b for b in other.before if b != stage_id]}),
        )
    return out


def cycle_through(
    edges: Iterable[tuple[str, str]], before: str, after: str
) -> tuple[str, ...] | None:
    """The cycle the edge ``before -> after`` would close, as ``before, after, ..., before``.

    A cycle exists exactly when ``after`` already reaches ``before``; the shortest
    such path (breadth first) is the one reported.
    """
    children: dict[str, list[str]] = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
    parent: dict[str, str] = {}
    queue = deque([after])
    seen = {after}
    while queue:
        node = queue.popleft()
        if node == before:
            path = [node]
            while path[-1] != after:
                path.append(parent[path[-1]])
            path.reverse()
            return (before, *path)
        for child in children.get(node, ()):
            if child not in seen:
                seen.add(child)
                parent[child] = node
                queue.append(child)
    return None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
