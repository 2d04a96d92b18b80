"""Atomic file writes: a reader, or a crash, sees the old file or the new one, never half.

The data goes to a temporary file beside the target (same filesystem, so the
rename is atomic), is flushed and fsynced, and then ``os.replace`` moves it over
the target, keeping the target's permissions. The folder is fsynced too where the
platform allows it, so the rename itself survives a power cut. Pipeline files,
settings, exports and every stage that writes a file go through here.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file; on a clean exit it replaces ``path``, on an error it vanishes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def real_path(path: str | os.PathLike[str]) -> Path:
    """The absolute path with links followed; a symlink loop is left as it is, not raised.

    ``Path.resolve`` raises ``RuntimeError`` on a loop (Python 3.11), which turned a
    looping link in ``pipelines/`` into a traceback; reading the file then reports
    the loop as a problem with its path.
    """
    return Path(os.path.realpath(path))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename still happened
    finally:
        os.close(fd)
