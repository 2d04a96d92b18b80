"""Where the headless commands print: Rich consoles that go quiet when their reader goes away.

``workbench run X | head -1`` closes the pipe after one line, and a closed
terminal fails every write. Neither may end a run half-way: output stops, the run
finishes and is recorded, and the command exits with the run's own code and no
traceback. Data written with :func:`emit` (JSON, DOT, Markdown) follows the same rule.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import IO

from rich.console import Console

_stdout: Console | None = None
_stderr: Console | None = None


class _Console(Console):
    """A console that goes quiet when its reader goes away, instead of ending the command.

    ``workbench run X | head -1``: once ``head`` has its line, writes fail with a
    broken pipe. Rich's own answer is to exit at once, which would abort the run
    half-way and leave it "running" in the history. Here the console stops
    printing, and the run finishes, is recorded, and sets the exit code as usual.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        silence(self.file)

    def _check_buffer(self) -> None:
        # A terminal that hung up (SIGHUP) fails writes with EIO, not a broken pipe:
        # the same goodbye, handled the same way.
        try:
            super()._check_buffer()
        except OSError as exc:
            if not reader_gone(exc):
                raise
            self.on_broken_pipe()


def silence(stream: IO[str]) -> None:
    """Point a stream whose reader went away at /dev/null.

    Whatever is still buffered, or written later, then goes nowhere quietly, and
    Python's flush at exit has nothing to complain about ("Exception ignored ...").
    """
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a real file (a test's capture): nothing to redirect
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def emit(text: str, end: str = "\n") -> None:
    """Print data to stdout; a reader that went away silences it rather than raising."""
    try:
        print(text, end=end, flush=True)
    except OSError as exc:
        if not reader_gone(exc):
            raise
        silence(sys.stdout)


def reader_gone(exc: OSError) -> bool:
    """A write failed because nobody reads any more: a closed pipe, a hung-up terminal."""
    return exc.errno in (errno.EPIPE, errno.EIO)


def console() -> Console:
    global _stdout
    if _stdout is None:
        _stdout = _Console(highlight=False)
        if not _stdout.is_terminal:
            # CI logs and pipes: long lines stay whole instead of wrapping at 80.
            _stdout = _Console(highlight=False, width=160)
    return _stdout


def error_console() -> Console:
    global _stderr
    if _stderr is None:
        _stderr = _Console(stderr=True, highlight=False)
        if not _stderr.is_terminal:
            _stderr = _Console(stderr=True, highlight=False, width=160)
    return _stderr
