"""Where the headless commands print: Rich consoles that go quiet when their reader goes away.

Data goes to stdout (Rich, or JSON with ``--format json``), problems to stderr;
under ``--format json`` a failure prints the error object of :func:`error_json`.

``workbench run X | head -1`` closes the pipe after one line, and a closed
terminal fails every write. Neither may end a run half-way: output stops, the run
finishes and is recorded, and the command exits with the run's own code and no
traceback. Data written with :func:`emit` (JSON, DOT, Markdown) follows the same rule.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from workbench.engine.errors import Problem

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
    """Rich on stdout, for a command's data."""
    global _stdout
    if _stdout is None:
        _stdout = _Console(highlight=False)
        if not _stdout.is_terminal:
            # CI logs and pipes: long lines stay whole instead of wrapping at 80.
            _stdout = _Console(highlight=False, width=160)
    return _stdout


def error_console() -> Console:
    """Rich on stderr, for problems and progress that is not the command's data."""
    global _stderr
    if _stderr is None:
        _stderr = _Console(stderr=True, highlight=False)
        if not _stderr.is_terminal:
            _stderr = _Console(stderr=True, highlight=False, width=160)
    return _stderr


def problems_json(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """Pipeline problems as JSON objects: kind, message, file, line, column, stage."""
    return [p.to_json() for p in problems]


def dumps(data: Any) -> str:
    """The JSON every command prints: indented, UTF-8 as is, anything else as text."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def error_json(
    title: str,
    message: str,
    exit_code: int,
    *,
    path: str | None = None,
    problems: Sequence[Problem] = (),
) -> str:
    """The one shape of a failed command under ``--format json``.

    ``{"error": {"title", "message", "exit_code"[, "path"]}[, "problems": [...]]}``:
    a script tells success from failure by the ``error`` key (and the exit code),
    and an invalid pipeline's problems come with kind, path, line, column and stage.
    """
    error: dict[str, Any] = {"title": title, "message": message, "exit_code": exit_code}
    if path is not None:
        error["path"] = path
    data: dict[str, Any] = {"error": error}
    if problems:
        data["problems"] = problems_json(problems)
    return dumps(data)


def fail(
    title: str,
    message: str,
    exit_code: int,
    *,
    as_json: bool,
    path: str | None = None,
    problems: Sequence[Problem] = (),
) -> int:
    """Say why a command stops and return its exit code.

    The person reads it on stderr; under ``--format json`` stdout also gets the
    error object, so a script parsing stdout gets JSON exactly when it needs the reason.
    """
    from rich.markup import escape

    error_console().print(f"[bold red]{escape(title)}:[/] {escape(message)}", highlight=False)
    if as_json:
        emit(error_json(title, message, exit_code, path=path, problems=problems))
    return exit_code
