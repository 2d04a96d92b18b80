"""Composite stages: ``uses = "pipeline.call"`` runs another pipeline as one stage.

::

    [stages.prepare]
    uses = "pipeline.call"
    config = { path = "pipelines/part.toml", inputs = { rows = "input_rows" }, outputs = { summary = "part_summary" } }

``inputs`` maps a key of this pipeline's context to a parameter of the child
(the child sees it as a context value from the start); ``outputs`` maps a key the
child wrote back to a key of this pipeline. ``params`` sets other parameters of
the child (``${name}`` of the parent works there). Instead of ``path``, a
composite may group inline stages: ``config.stages`` is a table written exactly
like a pipeline file's ``[stages]``.

The child is loaded and checked when the parent is built, with the same
registry: its problems are the parent's problems, and a cycle between pipeline
files is an error naming the chain of files. Its result rolls up: every child
succeeded -> success; some failed where their ``continue_on_error`` allowed it ->
partial, with the counts and every child's errors; a required child failed ->
failure. ``result.data["children"]`` holds each child's outcome, which the
command line and the history show nested under the parent; while it runs, its
progress messages say which child started or finished (:func:`child_progress`),
so the app shows each child's status live; the dry run adds the
child's planned operations (prefixed with the child's id, which their
``child`` field also holds, for the app to fold them) to the parent's, so
their estimates add up.

A composite is cached like any stage, and is up to date only while its child
pipeline file, every child's stage, version, config and dependencies, the files
the children read and the inputs it passes in are unchanged; `workbench status`
names the child that changed. A composite with a child that is never cached
(``shell.run`` without outputs, ``cache = false``, ...) is never cached either,
and says which child. When it reruns, all of its children run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from workbench.engine.dryrun.models import PlannedOperation
from workbench.engine.errors import StageError
from workbench.engine.fileio import real_path
from workbench.engine.stage import Stage, StageConfig, StageResult, StageStatus

if TYPE_CHECKING:
    from workbench.engine.context import StageContext
    from workbench.engine.events import RunEvent
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.registry import StageRegistry


class PipelineCallConfig(StageConfig):
    path: str | None = Field(
        default=None, description="The pipeline file to run, relative to the project folder."
    )
    stages: dict[str, Any] | None = Field(
        default=None, description="Inline stages, written like a pipeline's [stages] table."
    )
    inputs: dict[str, str] = Field(
        default_factory=dict, description="parent key = child parameter, passed in."
    )
    outputs: dict[str, str] = Field(
        default_factory=dict, description="child key = parent key, passed back."
    )
    params: dict[str, Any] = Field(
        default_factory=dict, description="Other parameters of the child pipeline."
    )

    @model_validator(mode="after")
    def _one_source(self) -> PipelineCallConfig:
        if (self.path is None) == (self.stages is None):
            raise ValueError("give either path (a pipeline file) or stages (inline stages)")
        return self


class PipelineCall(Stage):
    """Runs a whole pipeline (a file, or inline stages) as one stage of this one."""

    name = "pipeline.call"
    description = "Run another pipeline file (or inline stages) as one composite stage."
    Config = PipelineCallConfig
    config: PipelineCallConfig

    child: Pipeline | None = None
    """The child pipeline, set by :meth:`bind` when the parent is built."""

    def keys_read(self) -> tuple[str, ...]:
        return tuple(self.config.inputs)

    def keys_written(self) -> tuple[str, ...]:
        return tuple(self.config.outputs.values())

    # -- caching ------------------------------------------------------------------------
    def not_cacheable(self) -> str | None:
        from workbench.engine.cache.session import not_cacheable

        if self.child is None:
            return "its child pipeline was not loaded"
        for cid in self.child.graph.order:
            reason = not_cacheable(self.child, self.child.stages[cid])
            if reason is not None:
                return f"child {cid} is not cacheable: {reason}"
        return None

    def cache_config(self) -> dict[str, Any]:
        """Without inline ``stages``: the children are fingerprinted one by one, so a
        change is explained by the child it is in."""
        config = super().cache_config()
        config.pop("stages", None)
        return config

    def cache_children(self) -> Pipeline | None:
        return self.child

    def cache_paths(self, ctx: StageContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The child pipeline file (its children's files are kept per child), and every
        file the children write, so a deleted output reruns the composite."""
        from workbench.engine.context import ContextStore, ExecutionMode

        assert self.child is not None
        read = (str(self.child.path),) if self.config.path and self.child.path else ()
        store = ContextStore(self.child.parameters(), ExecutionMode.DRY_RUN, record=False)
        written: list[str] = []
        for cid in self.child.graph.order:
            stage = self.child.stages[cid].stage
            assert stage is not None
            written.extend(stage.cache_paths(store.for_stage(cid))[1])
        return read, tuple(dict.fromkeys(written))

    def describe_source(self) -> str:
        return self.config.path or f"inline stages of {self.id!r}"

    def bind(
        self,
        registry: StageRegistry,
        root: Path,
        chain: tuple[Path, ...],
    ) -> list[str]:
        """Load and check the child; returns problems as messages (empty when it is valid)."""
        from workbench.engine.pipeline import Pipeline
        from workbench.engine.spec import PipelineSpec, load_spec

        overrides = dict(self.config.params)
        if self.config.path is not None:
            path = Path(self.config.path)
            path = real_path(path if path.is_absolute() else root / path)
            if path in chain:
                files = " -> ".join(_short(p, root) for p in (*chain, path))
                return [f"pipeline files call each other in a cycle: {files}"]
            if not path.is_file():
                return [f"calls {self.config.path}, which does not exist"]
            loaded = load_spec(path)
            child = Pipeline.from_loaded(loaded, registry, overrides, chain=(*chain, path))
        else:
            spec = PipelineSpec.model_validate(
                {"pipeline": {"name": f"{self.id}"}, "stages": self.config.stages}
            )
            child = Pipeline.from_spec(spec, registry, overrides=overrides, chain=chain)
            child.path = chain[-1] if chain else None
        self.child = child
        if child.valid:
            return []
        return [
            f"calls {self.describe_source()}, which has a problem: {p.describe()}"
            for p in child.problems
        ]

    def _child_params(self, ctx: StageContext) -> dict[str, Any]:
        params = dict(self.config.params)
        for parent_key, child_key in self.config.inputs.items():
            if parent_key not in ctx:
                raise StageError(f"input {parent_key!r} is not in the context")
            params[child_key] = ctx.get(parent_key)
        return params

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        from workbench.engine.dryrun.build import build_report

        assert self.child is not None
        report = build_report(self.child, self.config.params)
        out = [PlannedOperation(f"run {self.describe_source()} ({len(report.stages)} stages)")]
        for plan in report.stages:
            for op in plan.operations:
                out.append(
                    PlannedOperation(
                        f"{plan.stage_id}: {op.description}",
                        op.action,
                        op.paths_read,
                        op.paths_written,
                        op.estimated_bytes,
                        op.estimated_seconds,
                        child=plan.stage_id,
                    )
                )
        return out

    async def run(self, ctx: StageContext) -> StageResult:
        from workbench.engine.events import StageFinished, StageLog, StageStarted
        from workbench.engine.run.runner import Runner

        assert self.child is not None
        runner = Runner(self.child, params=self._child_params(ctx))
        total = len(runner.order)
        done = 0

        def forward(event: RunEvent) -> None:
            nonlocal done
            if isinstance(event, StageLog):
                ctx.log(f"{event.stage_id} | {event.message}", event.level, event.stream)
            elif isinstance(event, StageStarted):
                ctx.progress(done, total, child_progress(event.stage_id, StageStatus.RUNNING))
            elif isinstance(event, StageFinished):
                done += 1
                r = event.result
                ctx.log(f"{event.stage_id}: {r.status.value} {r.message}".rstrip(), "info")
                ctx.progress(done, total, child_progress(event.stage_id, r.status))
            if ctx.cancelled:
                runner.cancel()

        runner.subscribe(forward)
        result = await runner.run()
        children = [
            {
                "id": sid,
                "uses": self.child.stages[sid].uses,
                "status": r.status.value,
                "duration_s": round(r.duration, 6),
                "message": r.message,
                "errors": list(r.errors),
                "attempts": r.attempts,
                **({"children": r.data["children"]} if "children" in r.data else {}),
            }
            for sid, r in result.results.items()
        ]
        counts = result.counts()
        data: dict[str, Any] = {
            "children": children,
            "counts": counts,
            "count": total,
            "unit": "stages",
        }
        failed = [c for c in children if c["status"] in ("failure", "cancelled", "skipped")]
        errors = [f"{c['id']}: {e}" for c in failed for e in (c["errors"] or [c["message"]])]
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        if result.status is StageStatus.CANCELLED:
            return StageResult(StageStatus.CANCELLED, f"cancelled ({summary})", data, errors)
        if result.status is not StageStatus.SUCCESS:
            names = ", ".join(c["id"] for c in failed)
            return StageResult(
                StageStatus.FAILURE,
                f"{names} failed in {self.describe_source()} ({summary})",
                data,
                errors,
            )
        for child_key, parent_key in self.config.outputs.items():
            if child_key not in result.store:
                raise StageError(
                    f"output {child_key!r} was not written by {self.describe_source()}"
                )
            ctx.set(parent_key, result.store.get(child_key))
        if failed:
            names = ", ".join(c["id"] for c in failed)
            return StageResult(
                StageStatus.PARTIAL,
                f"{total - len(failed)} of {total} stages succeeded; {names} failed ({summary})",
                data,
                errors,
            )
        return StageResult(StageStatus.SUCCESS, f"{total} stages succeeded", data)


def child_progress(child_id: str, status: StageStatus) -> str:
    """The progress message a composite reports when a child starts or finishes:
    ``"load: running"``, ``"load: success"``. Read back by :func:`read_child_progress`."""
    return f"{child_id}: {status.value}"


def read_child_progress(message: str) -> tuple[str, StageStatus] | None:
    """(child id, status) from a composite's progress message; None for any other message.

    A front end follows a composite's children live with it (the app's run view).
    """
    child_id, sep, value = message.rpartition(": ")
    if not sep or not child_id:
        return None
    try:
        return child_id, StageStatus(value)
    except ValueError:
        return None


def _short(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
