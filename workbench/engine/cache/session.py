"""The cache as one run sees it: the seam the runner asks before and after each stage.

Before a stage runs, :meth:`RunCache.lookup` fingerprints it; when the fingerprint
is in the cache, the files it wrote are still intact and every value it wrote can
be read back, its writes are restored into the context and the stage is reported
``cached`` instead of run. After a stage ran, :meth:`RunCache.record` stores its
writes under the fingerprint. Because fingerprints cover the *content* of what a
stage reads, a stage that reruns and writes what it wrote before leaves its
downstream cached (early cutoff).

Nothing the cache does can fail a run: a damaged entry is a miss with a warning in
the stage's log, a value that cannot be hashed or pickled makes the stage
uncacheable with the reason, a full disk only costs the entry.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.engine.cache.files import FileHasher
from workbench.engine.cache.fingerprint import Fingerprinter, FingerprintParts
from workbench.engine.cache.store import (
    INLINE_BYTES,
    CacheEntry,
    CacheStore,
    DamagedEntry,
    manifest_mark,
)
from workbench.engine.cache.values import UnhashableValue, hash_parts, hash_value
from workbench.engine.context import summarize
from workbench.engine.stage import StageResult, StageStatus
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.context import StageContext
    from workbench.engine.pipeline import Pipeline, PipelineStage

log = logging.getLogger(__name__)

NOT_CACHEABLE = "not_cacheable"
"""Manifest field: why a stage is never cached."""


def pipeline_key(pipeline: Pipeline) -> str:
    """Where a pipeline's manifest is kept: by its file, else by its name."""
    where = str(pipeline.path.resolve()) if pipeline.path is not None else pipeline.name
    return hash_parts(where)


def not_cacheable(pipeline: Pipeline, ps: PipelineStage) -> str | None:
    """Why this pipeline stage is never cached, or None."""
    if not pipeline.spec.pipeline.cache:
        return "the pipeline sets cache = false"
    if not ps.spec.cache:
        return "the stage sets cache = false"
    assert ps.stage is not None
    try:
        return ps.stage.not_cacheable()
    except Exception as exc:  # a plugin's check must not break the run
        return f"{ps.uses} could not tell whether it can be cached: {exc}"


@dataclass(slots=True)
class CacheTimings:
    """Seconds spent in each part of the cache's work during a run (for benchmarks)."""

    fingerprint: float = 0.0
    lookup: float = 0.0
    restore: float = 0.0
    record: float = 0.0


@dataclass(slots=True)
class _Pending:
    parts: FingerprintParts
    start: int
    """Number of context changes when the stage started: its own follow."""
    written: tuple[str, ...] = ()


@dataclass(slots=True)
class RunCache:
    """One run's use of the cache. ``force`` reruns everything; ``force_stages`` only those."""

    pipeline: Pipeline
    store: CacheStore
    force: bool = False
    force_stages: frozenset[str] = frozenset()
    files: FileHasher | None = None
    hits: int = 0
    misses: int = 0
    timings: CacheTimings = field(default_factory=CacheTimings)
    _fp: Fingerprinter | None = None
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _starts: dict[str, int] = field(default_factory=dict)
    _manifest: dict[str, FingerprintParts | dict[str, str]] = field(default_factory=dict)
    """What this run learnt per stage: its fingerprint parts, or why it is not cacheable."""
    _wrote: bool = False

    def __post_init__(self) -> None:
        if self.files is None:
            self.files = FileHasher(self.store.files_state)
        self._fp = Fingerprinter(self.pipeline, self.files)

    @classmethod
    def for_pipeline(
        cls,
        pipeline: Pipeline,
        *,
        max_bytes: int | None = None,
        force: bool = False,
        force_stages: Iterable[str] = (),
    ) -> RunCache:
        from workbench.engine.cache.store import DEFAULT_MAX_BYTES

        store = CacheStore.for_project(pipeline.project_dir, max_bytes or DEFAULT_MAX_BYTES)
        return cls(pipeline, store, force=force, force_stages=frozenset(force_stages))

    # -- before a stage ------------------------------------------------------------------
    async def lookup(self, sid: str, ps: PipelineStage, ctx: StageContext) -> StageResult | None:
        """A ``cached`` result after restoring the stage's writes, or None: run it."""
        assert self._fp is not None and self.files is not None and ps.stage is not None
        start = self._starts[sid] = len(ctx.store.changes)
        reason = not_cacheable(self.pipeline, ps)
        if reason is not None:
            self._manifest[sid] = {NOT_CACHEABLE: reason}
            return None
        began = time.perf_counter()
        try:
            paths = ps.stage.cache_paths(ctx)
            if any(self.files.needs_hashing(p) for p in paths[0]):
                parts = await asyncio.to_thread(self._fp.parts, sid, ps, ctx, paths)
            else:
                parts = self._fp.parts(sid, ps, ctx, paths)
        except UnhashableValue as exc:
            self._manifest[sid] = {NOT_CACHEABLE: f"it reads a value the cache cannot hash: {exc}"}
            return None
        except Exception as exc:  # a plan that fails only costs the cache
            self._manifest[sid] = {NOT_CACHEABLE: f"its files could not be listed: {exc}"}
            return None
        finally:
            self.timings.fingerprint += time.perf_counter() - began
        if parts is None:
            return None
        self._pending[sid] = _Pending(parts, start, paths[1])
        if self.force or sid in self.force_stages:
            return None
        began = time.perf_counter()
        try:
            entry = self._usable_entry(parts, ctx)
        finally:
            self.timings.lookup += time.perf_counter() - began
        if entry is None:
            self.misses += 1
            return None
        began = time.perf_counter()
        try:
            result = self._restore(sid, entry, ctx)
        finally:
            self.timings.restore += time.perf_counter() - began
        if result is None:
            self.misses += 1
        else:
            self.hits += 1
            self._manifest[sid] = parts
        return result

    def _usable_entry(self, parts: FingerprintParts, ctx: StageContext) -> CacheEntry | None:
        try:
            entry = self.store.get(parts.digest)
        except DamagedEntry as exc:
            ctx.log(f"cache: {exc}; running the stage instead", "warning")
            return None
        if entry is None:
            return None
        assert self.files is not None
        for path, (_size, _mtime_ns, digest) in entry.files.items():
            stamp = self.files.stamp(path)
            if stamp is None or stamp.digest != digest:
                return None
        return entry

    def _restore(self, sid: str, entry: CacheEntry, ctx: StageContext) -> StageResult | None:
        """Put the recorded writes into the context; None (a miss) if any value is gone."""
        values: dict[str, Any] = {}
        for key, digest in entry.writes.items():
            try:
                inline = entry.inline.get(digest)
                if inline is not None:
                    values[key] = _unpickle(inline, digest)
                    continue
                values[key] = self.store.get_object(digest)
            except KeyError:
                return None  # evicted: an ordinary miss
            except DamagedEntry as exc:
                ctx.log(f"cache: {exc}; running the stage instead", "warning")
                return None
        for key, value in values.items():
            ctx.set(key, value)
        for key in entry.removed:
            ctx.delete(key)
        assert self._fp is not None
        self._fp.note_writes(sid, entry.writes, entry.removed)
        self.store.touch(entry)
        return StageResult.cached(
            _reused(values, entry), fingerprint=entry.fingerprint, ran_for=round(entry.duration, 6)
        )

    # -- after a stage ---------------------------------------------------------------------
    async def record(
        self, sid: str, ps: PipelineStage, ctx: StageContext, result: StageResult
    ) -> None:
        """Store what a successful stage wrote under its fingerprint."""
        assert self._fp is not None and ps.stage is not None
        pending = self._pending.pop(sid, None)
        start = self._starts.pop(sid, len(ctx.store.changes))
        written, removed = _changes(ctx, sid, start, ps.stage.keys_written())
        self._fp.forget([*written, *removed])
        self._fp.writer_of.update(dict.fromkeys([*written, *removed], sid))
        if pending is None or result.status is not StageStatus.SUCCESS:
            return
        began = time.perf_counter()
        try:
            entry, objects = self._entry(sid, ps, ctx, pending, written, removed, result)
        except _Uncacheable as exc:
            self._manifest[sid] = {NOT_CACHEABLE: str(exc)}
            return
        if pending.written:
            entry.files = await asyncio.to_thread(self._stamps, pending.written)
        try:
            for digest, payload in objects.items():
                self.store.put_object(digest, payload)
            self.store.put(entry)
            self._wrote = True
        except OSError as exc:
            ctx.log(f"cache: could not store the result: {exc}", "warning")
        self._fp.note_writes(sid, entry.writes, removed)
        self._manifest[sid] = pending.parts
        self.timings.record += time.perf_counter() - began

    def _entry(
        self,
        sid: str,
        ps: PipelineStage,
        ctx: StageContext,
        pending: _Pending,
        written: list[str],
        removed: list[str],
        result: StageResult,
    ) -> tuple[CacheEntry, dict[str, bytes]]:
        objects: dict[str, bytes] = {}
        inline: dict[str, bytes] = {}
        writes: dict[str, str] = {}
        secrets = ctx.store.secrets
        for key in written:
            if secrets.is_secret(key):  # named like one, or holding a secret's value
                raise _Uncacheable(
                    f"it writes {key!r}, which holds a secret; secrets are never stored"
                )
        for key in written:
            value = ctx.get(key)
            try:
                digest = hash_value(value)
            except UnhashableValue as exc:
                raise _Uncacheable(
                    f"it writes {key!r}, which the cache cannot hash: {exc}"
                ) from None
            try:
                if digest not in inline and not self.store.has_object(digest):
                    payload = pickle.dumps(value, protocol=5)
                    if len(payload) < INLINE_BYTES:
                        inline[digest] = payload
                    else:
                        objects[digest] = payload
            except Exception as exc:
                raise _Uncacheable(
                    f"it writes {key!r}, which cannot be serialized: {type(exc).__name__}: {exc}"
                ) from None
            writes[key] = digest
        assert ps.stage is not None
        entry = CacheEntry(
            fingerprint=pending.parts.digest,
            stage_id=sid,
            uses=ps.uses,
            version=str(type(ps.stage).version),
            writes=writes,
            removed=tuple(removed),
            message=secrets.mask_text(result.message),
            duration=result.duration,
            created=time.time(),
            inline=inline,
        )
        return entry, objects

    def _stamps(self, paths: Iterable[str]) -> dict[str, tuple[int, int, str]]:
        """Size, mtime and digest of each file a stage wrote (hashing: off the loop)."""
        assert self.files is not None
        out: dict[str, tuple[int, int, str]] = {}
        for path in paths:
            stamp = self.files.stamp(path)
            if stamp is not None:
                out[path] = (stamp.size, stamp.mtime_ns, stamp.digest)
        return out

    # -- after the run ------------------------------------------------------------------------
    def close(self) -> None:
        """Keep the manifest, the file stamps and the run's hit rate; evict over the cap."""
        assert self.files is not None
        try:
            key = pipeline_key(self.pipeline)
            index = self.store.read_manifest_index(key)
            changed = {
                sid: item.to_data() if isinstance(item, FingerprintParts) else item
                for sid, item in self._manifest.items()
                if index.get(sid)
                != (item.digest if isinstance(item, FingerprintParts) else manifest_mark(item))
            }
            if changed:  # an unchanged pipeline's run reads one small file here, writes none
                manifest = self.store.read_manifest(key)
                manifest.update(changed)
                self.store.write_manifest(key, manifest)
            self.files.save()
            self.store.record_run(self.hits, self.misses)
            if self._wrote:
                self.store.evict()
        except OSError as exc:
            log.warning("cache: could not save the run's cache state: %s", exc)


class _Uncacheable(Exception):
    pass


def _changes(
    ctx: StageContext, sid: str, start: int, declared: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """Keys the stage set and keys it removed, from the context's change records."""
    store = ctx.store
    if not store.record:
        return [k for k in declared if k in store], []
    final: dict[str, bool] = {}
    for change in store.changes[start:]:
        if change.stage == sid:
            final[change.key] = change.kind != "removed"
    return [k for k, kept in final.items() if kept], [k for k, kept in final.items() if not kept]


def _unpickle(payload: bytes, digest: str) -> Any:
    try:
        return pickle.loads(payload)
    except Exception as exc:
        raise DamagedEntry(f"value {digest[:12]} cannot be unpickled: {exc}") from None


def _reused(values: dict[str, Any], entry: CacheEntry) -> str:
    parts = [f"{k!r} ({summarize(v, 30)})" for k, v in list(values.items())[:3]]
    if len(values) > 3:
        parts.append(f"{len(values) - 3} more")
    what = "restored " + ", ".join(parts) if parts else "nothing to restore"
    if entry.files:
        n = len(entry.files)
        what += f"; {counted(n, 'file')} intact"
    return "up to date: " + what
