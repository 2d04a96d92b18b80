"""Hashes of files, streamed, with a size + modification-time fast path.

A file whose size and modification time (in nanoseconds) match what was seen the
last time is not read again: its recorded digest is reused. Only a file that was
touched is read, in 1 MiB chunks into one reused buffer, so memory stays flat for
any size. A file touched without a change of content gets the same digest, so
nothing that depends on it reruns.

The known stats are kept in one small file (``files.state``) in the cache folder,
rewritten atomically when something changed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path

from workbench.engine.cache.values import new_hasher
from workbench.engine.fileio import atomic_write_bytes

CHUNK = 1 << 20
ABSENT = "absent"
"""The digest of a file that does not exist (so its creation is a change)."""


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What the fast path compares: size and modification time, and the content digest."""

    size: int
    mtime_ns: int
    digest: str


def hash_file(path: str | os.PathLike[str], chunk: int = CHUNK) -> str:
    """The blake2b digest of a file's content, read in chunks into one buffer."""
    h = new_hasher()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            h.update(view[:n])
    return str(h.hexdigest())


class FileHasher:
    """Digests of files, reusing the last one while size and mtime are unchanged.

    Safe to share between threads; ``bytes_hashed`` counts what was really read.
    """

    def __init__(self, state_path: Path | None = None) -> None:
        self.state_path = state_path
        self._stamps: dict[str, FileStamp] = {}
        self._dirty = False
        self._lock = threading.Lock()
        self.bytes_hashed = 0
        if state_path is not None:
            self._stamps = _read_state(state_path)

    def stamp(self, path: str) -> FileStamp | None:
        """The file's stamp now, hashing it only when its size or mtime changed; None if absent."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        with self._lock:
            known = self._stamps.get(path)
        if known is not None and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
            return known
        try:
            digest = hash_file(path)
        except OSError:
            return None
        fresh = FileStamp(st.st_size, st.st_mtime_ns, digest)
        with self._lock:
            self._stamps[path] = fresh
            self._dirty = True
            self.bytes_hashed += st.st_size
        return fresh

    def digest(self, path: str) -> str:
        stamp = self.stamp(path)
        return stamp.digest if stamp is not None else ABSENT

    def needs_hashing(self, path: str) -> bool:
        """True when :meth:`stamp` would read the file (so the caller can move it off the loop)."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        known = self._stamps.get(path)
        return known is None or known.size != st.st_size or known.mtime_ns != st.st_mtime_ns

    def save(self) -> None:
        """Keep the stamps for the next run (atomically); a failure only costs re-hashing."""
        if self.state_path is None or not self._dirty:
            return
        with self._lock:
            data = pickle.dumps(
                {p: (s.size, s.mtime_ns, s.digest) for p, s in self._stamps.items()},
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            self._dirty = False
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.state_path, data)


def _read_state(path: Path) -> dict[str, FileStamp]:
    try:
        raw = pickle.loads(path.read_bytes())
        return {str(p): FileStamp(int(s), int(m), str(d)) for p, (s, m, d) in raw.items()}
    except Exception:  # a missing or damaged state file only means re-hashing
        return {}
