"""Watching folders that may vanish: the one file watcher of `run --watch` and the app.

A folder being deleted and recreated is ordinary (``git checkout``, a sync tool,
an editor's safe write of a whole folder), but an inotify watch dies with the
folder it was on: the watcher then goes deaf while the command still says it is
watching. :func:`follow` re-arms instead. It checks every second which folders
exist; a folder that is gone is watched through its nearest existing parent until
it is back, and both moments are announced through ``say``. When a folder comes
back, a batch naming it is yielded, since its files may all be new. A watcher
that fails is reported and started again, never left dead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from watchfiles import Change, awatch
from watchfiles.filters import BaseFilter

Changes = set[tuple[Change, str]]

CHECK_EVERY_MS = 1000
"""How often the folders' existence is checked, between changes."""
RESTART_DELAY = 0.5
"""Seconds before a failed watcher is started again."""


async def follow(
    folders: Sequence[Path],
    *,
    say: Callable[[str], None],
    recursive: bool = False,
    debounce: int = 300,
    step: int = 50,
    watch_filter: BaseFilter | None = None,
) -> AsyncIterator[Changes]:
    """Batches of changes under ``folders``, surviving their removal and recreation."""
    folders = tuple(dict.fromkeys(folders))
    announced: set[Path] = set()
    while True:
        present = _identities(folders)
        missing = [f for f in folders if f not in present]
        for folder in missing:
            if folder not in announced:
                announced.add(folder)
                say(f"{folder} is gone; watching {existing_ancestor(folder)} until it is back")
        roots = sorted({*present, *(existing_ancestor(f) for f in missing)})
        rearm = False
        try:
            stream = awatch(
                *roots,
                debounce=debounce,
                step=step,
                recursive=recursive and not missing,
                watch_filter=watch_filter,
                rust_timeout=CHECK_EVERY_MS,
                yield_on_timeout=True,
            )
            async with contextlib.aclosing(stream):
                async for changes in stream:
                    now = _identities(folders)
                    if now != present:
                        # Back, or replaced between two checks (a new folder, a dead watch).
                        back = [f for f in now if present.get(f) != now[f]]
                        for folder in back:
                            announced.discard(folder)
                            say(f"{folder} is back; watching it again")
                        if back:
                            yield {(Change.added, str(f)) for f in back} | set(changes)
                        rearm = True
                        break
                    if changes:
                        yield changes
        except Exception as exc:  # the notify backend can fail (a folder gone mid-setup)
            say(f"the file watcher stopped ({exc}); restarting it")
            await asyncio.sleep(RESTART_DELAY)
            continue
        if not rearm:
            say("the file watcher stopped; restarting it")
            await asyncio.sleep(RESTART_DELAY)


def _identities(folders: Sequence[Path]) -> dict[Path, tuple[int, int]]:
    """Each existing folder with its device and inode, so a replaced folder is noticed."""
    out: dict[Path, tuple[int, int]] = {}
    for folder in folders:
        with contextlib.suppress(OSError):
            info = folder.stat()
            if folder.is_dir():
                out[folder] = (info.st_dev, info.st_ino)
    return out


def existing_ancestor(path: Path) -> Path:
    """``path`` itself when it is a folder, else its nearest parent that is one."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path(path.anchor or ".")
