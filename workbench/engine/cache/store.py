"""The content-addressed cache on disk: ``.workbench/cache/`` in the project.

Layout::

    entries/ab/abcdef...   one per fingerprint: what the stage wrote (value digests),
                           the files it wrote (stamps), its message
    objects/12/1234...     one per value digest: the pickled value, shared by every
                           entry that wrote an equal value
    manifests/<pipeline>   per pipeline, the last fingerprint parts of each stage
                           (what `workbench status` compares to explain a change)
    files.state            size + mtime + digest of every file hashed
    runs.json              hits and misses of recent runs

Every file is written beside its target and renamed over it, so a reader (another
run at the same time) sees a whole file or none. Every file starts with a magic and
a digest of its body: a damaged file is detected and treated as a cache miss, with
a warning, never as a failure. No fsync: a cache that loses its last entries in a
power cut only reruns those stages.

Eviction is least recently used: a hit touches the entry's and its objects'
modification times, and :meth:`CacheStore.evict` deletes the oldest files until the
cache is under its size cap.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine.cache.values import new_hasher

CACHE_DIR = Path(".workbench") / "cache"
DEFAULT_MAX_BYTES = 1 << 30
"""1 GiB."""
_MAGIC = b"WBC1"
_DIGEST = 16
_RECENT_RUNS = 20
_TOUCH_AFTER = 3600.0
"""Seconds: a used file whose mtime is older than this is marked used again."""
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
INLINE_BYTES = 4096
"""Values that pickle smaller than this live in their entry: one file read per hit."""


def manifest_mark(data: Mapping[str, Any]) -> str:
    """A manifest entry in short: its fingerprint, or why the stage is not cacheable."""
    if "digest" in data:
        return str(data["digest"])
    return "not_cacheable:" + str(data.get("not_cacheable", ""))


def _name(path: str | Path) -> str:
    return os.path.basename(path)[:12]


class DamagedEntry(Exception):
    """A cache file that exists but cannot be read back; the message says why."""


@dataclass(slots=True)
class CacheEntry:
    """What one stage run produced, keyed by its fingerprint."""

    fingerprint: str
    stage_id: str
    uses: str
    version: str
    writes: dict[str, str]
    """context key -> digest of the value written (the object's name)."""
    removed: tuple[str, ...] = ()
    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    """path written -> (size, mtime_ns, digest) right after the run."""
    message: str = ""
    duration: float = 0.0
    created: float = 0.0
    inline: dict[str, bytes] = field(default_factory=dict)
    """digest -> pickled value, for small values (no object file to read)."""
    used: float = 0.0
    """When the entry file was last marked used (its mtime when read)."""

    def to_data(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "stage_id": self.stage_id,
            "uses": self.uses,
            "version": self.version,
            "writes": dict(self.writes),
            "removed": list(self.removed),
            "files": {p: list(s) for p, s in self.files.items()},
            "message": self.message,
            "duration": self.duration,
            "created": self.created,
            "inline": self.inline,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CacheEntry:
        """Read back what :meth:`to_data` wrote (a missing field is damage: KeyError)."""
        return cls(
            fingerprint=data["fingerprint"],
            stage_id=data["stage_id"],
            uses=data["uses"],
            version=data["version"],
            writes=data["writes"],
            removed=tuple(data["removed"]),
            files=data["files"],
            message=data["message"],
            duration=data["duration"],
            created=data["created"],
            inline=data["inline"],
        )


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """What `workbench cache info` shows."""

    path: str
    entries: int
    objects: int
    bytes: int
    max_bytes: int
    runs: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float | None:
        looked = self.hits + self.misses
        return self.hits / looked if looked else None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "entries": self.entries,
            "objects": self.objects,
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "recent_runs": self.runs,
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": None if self.hit_rate is None else round(self.hit_rate, 4),
        }


class CacheStore:
    """Reads and writes the cache folder. Cheap to create; nothing is read up front."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._made: set[str] = set()
        self._entries = os.path.join(self.root, "entries")
        self._objects = os.path.join(self.root, "objects")
        self._stale = time.time() - _TOUCH_AFTER
        self._mtime = 0.0

    @classmethod
    def for_project(cls, project_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> CacheStore:
        return cls(Path(project_dir) / CACHE_DIR, max_bytes)

    # -- paths -------------------------------------------------------------------------
    # Plain strings, not Path objects: a cached run reads an entry per stage, and
    # pathlib's joins cost more than the read itself.
    def _entry_path(self, fingerprint: str) -> str:
        return f"{self._entries}/{fingerprint[:2]}/{fingerprint}"

    def _object_path(self, digest: str) -> str:
        return f"{self._objects}/{digest[:2]}/{digest}"

    @property
    def files_state(self) -> Path:
        return self.root / "files.state"

    def manifest_path(self, pipeline_key: str) -> Path:
        return self.root / "manifests" / pipeline_key

    # -- entries -----------------------------------------------------------------------
    def get(self, fingerprint: str) -> CacheEntry | None:
        """The entry, or None when there is none. Raises :class:`DamagedEntry`."""
        path = self._entry_path(fingerprint)
        data = self._read(path)
        if data is None:
            return None
        try:
            entry = CacheEntry.from_data(pickle.loads(data))
            entry.used = self._mtime
        except Exception as exc:
            raise DamagedEntry(f"entry {fingerprint[:12]} cannot be read: {exc}") from None
        if entry.fingerprint != fingerprint:
            raise DamagedEntry(f"entry {fingerprint[:12]} holds another fingerprint")
        return entry

    def put(self, entry: CacheEntry) -> None:
        self._write(self._entry_path(entry.fingerprint), pickle.dumps(entry.to_data(), 5))

    def has_object(self, digest: str) -> bool:
        return os.path.isfile(self._object_path(digest))

    def get_object(self, digest: str) -> Any:
        """A stored value. Raises :class:`DamagedEntry`, or KeyError when it was evicted."""
        data = self._read(self._object_path(digest))
        if data is None:
            raise KeyError(digest)
        try:
            return pickle.loads(data)
        except Exception as exc:
            raise DamagedEntry(f"value {digest[:12]} cannot be unpickled: {exc}") from None

    def put_object(self, digest: str, payload: bytes) -> None:
        """Store an already pickled value (the caller pickles, to learn whether it can)."""
        path = self._object_path(digest)
        if not os.path.exists(path):
            self._write(path, payload)

    def touch(self, entry: CacheEntry) -> None:
        """Mark an entry and its values as used now (for least-recently-used eviction).

        Only entries last marked over an hour ago are touched: eviction needs the
        order of use, not the second, and a cached run then costs no writes.
        """
        if entry.used >= self._stale:
            return
        paths = [self._entry_path(entry.fingerprint)]
        paths += [self._object_path(d) for d in entry.writes.values() if d not in entry.inline]
        for path in paths:
            with contextlib.suppress(OSError):
                os.utime(path)

    # -- manifests and run statistics ---------------------------------------------------
    def read_manifest(self, pipeline_key: str) -> dict[str, Any]:
        try:
            data = self._read(self.manifest_path(pipeline_key))
            return dict(pickle.loads(data)) if data is not None else {}
        except Exception:  # a damaged manifest only costs the reasons of one run
            return {}

    def write_manifest(self, pipeline_key: str, manifest: Mapping[str, Any]) -> None:
        """The manifest, and beside it its index (stage -> what its entry says, in short),
        which is all a run of an unchanged pipeline needs to read."""
        self._write(self.manifest_path(pipeline_key), pickle.dumps(dict(manifest), 5))
        index = {sid: manifest_mark(data) for sid, data in manifest.items()}
        self._write(f"{self.manifest_path(pipeline_key)}.index", pickle.dumps(index, 5))

    def read_manifest_index(self, pipeline_key: str) -> dict[str, str]:
        try:
            data = self._read(f"{self.manifest_path(pipeline_key)}.index")
            return dict(pickle.loads(data)) if data is not None else {}
        except Exception:  # damaged: the next run rewrites it
            return {}

    def record_run(self, hits: int, misses: int) -> None:
        path = self.root / "runs.json"
        runs = self._runs()
        runs.append({"at": time.time(), "hits": hits, "misses": misses})
        data = json.dumps(runs[-_RECENT_RUNS:]).encode()
        self._write(path, data, framed=False)

    def _runs(self) -> list[dict[str, Any]]:
        try:
            runs = json.loads((self.root / "runs.json").read_text(encoding="utf-8"))
            return [r for r in runs if isinstance(r, dict)]
        except (OSError, ValueError):
            return []

    # -- maintenance -------------------------------------------------------------------
    def _files(self) -> list[tuple[Path, os.stat_result]]:
        out: list[tuple[Path, os.stat_result]] = []
        for part in ("entries", "objects"):
            folder = self.root / part
            if not folder.is_dir():
                continue
            for sub in os.scandir(folder):
                if not sub.is_dir():
                    continue
                for item in os.scandir(sub.path):
                    with contextlib.suppress(OSError):
                        out.append((Path(item.path), item.stat()))
        return out

    def info(self) -> CacheInfo:
        files = self._files()
        entries = sum(1 for p, _ in files if p.parent.parent.name == "entries")
        runs = self._runs()
        return CacheInfo(
            path=str(self.root),
            entries=entries,
            objects=len(files) - entries,
            bytes=sum(st.st_size for _, st in files),
            max_bytes=self.max_bytes,
            runs=len(runs),
            hits=sum(int(r.get("hits", 0)) for r in runs),
            misses=sum(int(r.get("misses", 0)) for r in runs),
        )

    def evict(self) -> int:
        """Delete the least recently used files until the cache fits its cap; returns how many."""
        files = self._files()
        total = sum(st.st_size for _, st in files)
        if total <= self.max_bytes:
            return 0
        removed = 0
        for path, st in sorted(files, key=lambda f: f[1].st_mtime_ns):
            if total <= self.max_bytes:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= st.st_size
            removed += 1
        return removed

    def clear(self) -> int:
        """Empty the cache; returns the number of entries that were in it."""
        entries = self.info().entries
        if self.root.is_dir():
            shutil.rmtree(self.root, ignore_errors=True)
        self._made.clear()
        return entries

    # -- framing -------------------------------------------------------------------------
    def _read(self, path: str | Path) -> bytes | None:
        # os.open and one os.read of the size fstat gives: a cached run reads a small
        # entry per stage, and a file object's set-up cost more than the read itself.
        try:
            fd = os.open(path, _READ_FLAGS)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DamagedEntry(f"{_name(path)} cannot be read: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            self._mtime = st.st_mtime
            raw = os.read(fd, st.st_size + 1)
            if len(raw) > st.st_size:  # grew while being read: read the rest
                chunks = [raw]
                while chunk := os.read(fd, 1 << 20):
                    chunks.append(chunk)
                raw = b"".join(chunks)
        except OSError as exc:
            raise DamagedEntry(f"{_name(path)} cannot be read: {exc.strerror}") from None
        finally:
            os.close(fd)
        head = len(_MAGIC) + _DIGEST
        if len(raw) < head or raw[: len(_MAGIC)] != _MAGIC:
            raise DamagedEntry(f"{_name(path)} is not a cache file (truncated or overwritten)")
        body = raw[head:]
        h = new_hasher()
        h.update(body)
        if h.digest()[:_DIGEST] != raw[len(_MAGIC) : head]:
            raise DamagedEntry(f"{_name(path)} is damaged (its checksum does not match)")
        return body

    def _write(self, path: str | Path, body: bytes, *, framed: bool = True) -> None:
        folder, name = os.path.split(path)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        if framed:
            h = new_hasher()
            h.update(body)
            body = _MAGIC + h.digest()[:_DIGEST] + body
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as handle:
                handle.write(body)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
