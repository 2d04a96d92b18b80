"""`workbench status`: which stages are up to date, and why each other one will run.

Walks the pipeline in run order without running anything, the way a run would
consult the cache: a stage whose fingerprint is cached (and whose written files are
intact) is up to date, and the digests of what it wrote feed its readers'
fingerprints. A stage that will run makes its downstream run too
(``upstream_will_run``): what it will write is not known before it runs. Each other
stage that will run is explained against the fingerprint of its last recorded run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.engine.cache.files import FileHasher
from workbench.engine.cache.fingerprint import (
    Fingerprinter,
    FingerprintParts,
    config_changes,
    explain,
)
from workbench.engine.cache.reasons import Reason, ReasonKind, StageState, StageStatusLine, short
from workbench.engine.cache.session import NOT_CACHEABLE, not_cacheable, pipeline_key
from workbench.engine.cache.store import CacheEntry, CacheStore, DamagedEntry
from workbench.engine.cache.values import UnhashableValue
from workbench.engine.context import ContextStore, ExecutionMode

if TYPE_CHECKING:
    from workbench.engine.pipeline import Pipeline, PipelineStage


@dataclass(frozen=True, slots=True)
class PipelineStatus:
    """Every stage of a pipeline, up to date or will run, in run order."""

    pipeline: str
    stages: tuple[StageStatusLine, ...]

    @property
    def will_run(self) -> list[str]:
        return [s.stage_id for s in self.stages if s.will_run]

    @property
    def up_to_date(self) -> list[str]:
        return [s.stage_id for s in self.stages if not s.will_run]

    def stage(self, stage_id: str) -> StageStatusLine:
        for line in self.stages:
            if line.stage_id == stage_id:
                return line
        raise KeyError(stage_id)

    def summary(self) -> str:
        return f"{len(self.will_run)} will run, {len(self.up_to_date)} up to date"

    def to_json(self) -> dict[str, Any]:
        return {
            "pipeline": self.pipeline,
            "summary": self.summary(),
            "will_run": len(self.will_run),
            "up_to_date": len(self.up_to_date),
            "stages": [s.to_json() for s in self.stages],
        }


def pipeline_status(
    pipeline: Pipeline,
    store: CacheStore | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    force: bool = False,
    force_stages: Iterable[str] = (),
    use_cache: bool = True,
    save_stamps: bool = True,
) -> PipelineStatus:
    """What a run with these parameters and flags would reuse, and why the rest runs.

    ``save_stamps=False`` leaves the cache folder untouched (dry runs never write);
    otherwise the file stamps learnt here spare the next command re-hashing.
    """
    from workbench.engine.project import importable

    importable(pipeline.project_dir)
    store = store or CacheStore.for_project(pipeline.project_dir)
    if not store.root.is_dir():
        never = Reason(ReasonKind.NEVER_RUN, "the project has no cache yet")
        return PipelineStatus(
            pipeline.name,
            tuple(_fresh(sid, pipeline, never, use_cache) for sid in pipeline.graph.order),
        )
    files = FileHasher(store.files_state)
    fp = Fingerprinter(pipeline, files)
    manifest = _LazyManifest(store, pipeline_key(pipeline))
    context = ContextStore(pipeline.parameters(params), ExecutionMode.DRY_RUN, record=False)
    forced = frozenset(force_stages)
    running: set[str] = set()
    lines: list[StageStatusLine] = []
    for sid in pipeline.graph.order:
        ps = pipeline.stages[sid]
        why = "--force" if force else ("--force-stage" if sid in forced else None)
        line = _stage(sid, ps, pipeline, store, fp, context, manifest, running, why, use_cache)
        if line.will_run:
            running.add(sid)
            if ps.stage is not None:
                fp.note_writes(sid, dict.fromkeys(ps.stage.keys_written()))
        lines.append(line)
    if save_stamps:
        files.save()
    return PipelineStatus(pipeline.name, tuple(lines))


class _LazyManifest:
    """The last run's fingerprint parts, read from disk only when a change is explained."""

    def __init__(self, store: CacheStore, key: str) -> None:
        self._store = store
        self._key = key
        self._data: dict[str, Any] | None = None

    def get(self, sid: str) -> Any:
        if self._data is None:
            self._data = self._store.read_manifest(self._key)
        return self._data.get(sid)


def _fresh(sid: str, pipeline: Pipeline, never: Reason, use_cache: bool) -> StageStatusLine:
    ps = pipeline.stages[sid]
    reason = not_cacheable(pipeline, ps) if ps.stage is not None and use_cache else None
    if reason is not None:
        never = Reason(ReasonKind.NOT_CACHEABLE, reason)
    elif not use_cache:
        never = Reason(ReasonKind.NOT_CACHEABLE, "the cache is off for this run (--no-cache)")
    return StageStatusLine(sid, StageState.WILL_RUN, (never,))


def _stage(
    sid: str,
    ps: PipelineStage,
    pipeline: Pipeline,
    store: CacheStore,
    fp: Fingerprinter,
    context: ContextStore,
    manifest: _LazyManifest,
    running: set[str],
    forced: str | None,
    use_cache: bool,
) -> StageStatusLine:
    def run(*reasons: Reason) -> StageStatusLine:
        return StageStatusLine(sid, StageState.WILL_RUN, reasons)

    if ps.stage is None:
        return run(Reason(ReasonKind.NOT_CACHEABLE, "the stage is not valid"))
    if not use_cache:
        return run(Reason(ReasonKind.NOT_CACHEABLE, "the cache is off for this run (--no-cache)"))
    reason = not_cacheable(pipeline, ps)
    if reason is not None:
        return run(Reason(ReasonKind.NOT_CACHEABLE, reason))

    def last() -> FingerprintParts | None:
        """The parts of the last recorded run, read only to explain a change."""
        old_data = manifest.get(sid)
        if old_data and NOT_CACHEABLE not in old_data:
            return FingerprintParts.from_data(old_data)
        return None

    waiting = [p for p in pipeline.graph.parents(sid) if p in running]
    if waiting:
        reasons = [
            Reason(ReasonKind.UPSTREAM_WILL_RUN, f"{p} will run", {"stage": p}) for p in waiting
        ]
        old = last()
        if old is not None:
            reasons += _static_changes(old, ps, fp)
        if forced:
            reasons.insert(0, Reason(ReasonKind.FORCED, f"{forced} was given"))
        return run(*reasons)
    ctx = context.for_stage(sid)
    try:
        paths = ps.stage.cache_paths(ctx)
        parts = fp.parts(sid, ps, ctx, paths)
    except UnhashableValue as exc:
        return run(
            Reason(ReasonKind.NOT_CACHEABLE, f"it reads a value the cache cannot hash: {exc}")
        )
    except Exception as exc:
        return run(Reason(ReasonKind.NOT_CACHEABLE, f"its files could not be listed: {exc}"))
    if parts is None:  # reads a key written by a stage that will run, not a parent
        return run(Reason(ReasonKind.UPSTREAM_WILL_RUN, "a value it reads will be rewritten"))
    if forced:
        return run(Reason(ReasonKind.FORCED, f"{forced} was given"))
    try:
        entry = store.get(parts.digest)
    except DamagedEntry as exc:
        return run(Reason(ReasonKind.CACHE_MISS, f"the cached result is damaged: {exc}"))
    if entry is None:
        old_data = manifest.get(sid)
        if old_data and NOT_CACHEABLE in old_data:
            return run(Reason(ReasonKind.NOT_CACHEABLE, str(old_data[NOT_CACHEABLE])))
        reasons = explain(last(), parts)
        if not reasons:
            reasons = [Reason(ReasonKind.CACHE_MISS, "its cached result was cleared or evicted")]
        return run(*reasons)
    problem = _outputs(entry, fp.files) or _objects(entry, store)
    if problem is not None:
        return run(problem)
    fp.note_writes(sid, entry.writes, entry.removed)
    return StageStatusLine(sid, StageState.UP_TO_DATE, (), _message(entry))


def _static_changes(old: FingerprintParts, ps: PipelineStage, fp: Fingerprinter) -> list[Reason]:
    """Config and version changes, which are known even before upstream runs."""
    assert ps.stage is not None
    config, digest = fp.config_of(ps)
    version = str(type(ps.stage).version)
    new = FingerprintParts(
        ps.uses, version, config, old.inputs, old.outputs, "", digest, old.children
    )
    return [r for r in explain(old, new) if r.kind is not ReasonKind.INPUT_CHANGED]


def _outputs(entry: CacheEntry, files: FileHasher) -> Reason | None:
    for path, (_, _, digest) in entry.files.items():
        stamp = files.stamp(path)
        if stamp is None:
            return Reason(ReasonKind.OUTPUT_MISSING, f"{path} is missing", {"file": path})
        if stamp.digest != digest:
            return Reason(
                ReasonKind.OUTPUT_MISSING,
                f"{path} was changed since it was written",
                {"file": path},
            )
    return None


def _objects(entry: CacheEntry, store: CacheStore) -> Reason | None:
    for key, digest in entry.writes.items():
        if digest not in entry.inline and not store.has_object(digest):
            return Reason(ReasonKind.CACHE_MISS, f"the cached value of {key!r} was evicted")
    return None


def _message(entry: CacheEntry) -> str:
    keys = ", ".join(short(k, 30) for k in list(entry.writes)[:3])
    more = f" and {len(entry.writes) - 3} more" if len(entry.writes) > 3 else ""
    return f"reuses {keys}{more}" if keys else "reuses its last run (no values written)"


__all__ = ["PipelineStatus", "config_changes", "pipeline_status"]
