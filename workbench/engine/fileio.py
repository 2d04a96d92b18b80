"""Atomic file writes: a reader, or a crash, sees the old file or the new one, never half.

The data goes to a temporary file beside the target (same filesystem, so the
rename is atomic), is flushed and fsynced, and then ``os.replace`` moves it over
the target. The folder is fsynced too where the platform allows it, so the rename
itself survives a power cut. Pipeline files, settings, exports and every stage
that writes a file go through here.

Saving behaves as an editor's save would:

- a symbolic link is followed: its target gets the new bytes and the link stays
  a link (a pipeline kept in a dotfiles repository stays linked);
- an existing file keeps its mode; a new one gets the mode the umask allows
  (created with ``0o666`` and the kernel applies the umask, as ``open`` does);
- the temporary file is removed on every failure, and one left by a process that
  was killed outright (its pid is in the name) is swept by the next save.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workbench.engine.procinfo import pid_exists

_TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[bytes]]:
    """Yield a binary file; on a clean exit it replaces ``path``, on an error it vanishes."""
    target = _write_target(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(target)
    tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, target.stat().st_mode & 0o7777)  # an existing file keeps its mode
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def _write_target(path: Path) -> Path:
    """Where the bytes go: the final target of a symbolic link, else the path itself."""
    if path.is_symlink():
        return real_path(path)
    return path


_swept: set[Path] = set()
"""Folders already swept by this process: listed once, not on every save."""


def _sweep_stale(target: Path) -> None:
    """Remove temporary files in ``target``'s folder left by processes that no longer exist."""
    folder = target.parent
    if folder in _swept:
        return
    _swept.add(folder)
    try:
        leftovers = list(folder.glob(f".*{_TMP_SUFFIX}"))
    except OSError:
        return
    for leftover in leftovers:
        parts = leftover.name.split(".")  # "", name..., pid, random, "tmp"
        ours = len(parts) >= 5 and parts[-3].isdigit() and _is_token(parts[-2])
        if ours and pid_exists(int(parts[-3])) is False:  # unsure: keep it
            with contextlib.suppress(OSError):
                leftover.unlink()


def _is_token(text: str) -> bool:
    return len(text) == 8 and all(ch in "0123456789abcdef" for ch in text)


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
