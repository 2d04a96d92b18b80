"""The consoles every command prints through, and the JSON they print.

Data goes to stdout (Rich, or JSON with ``--format json``), problems to stderr.
The consoles are made on first use, so the entry module and ``--help`` never
import Rich. Off a terminal (CI logs, pipes) lines are 160 wide so they stay whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.engine.errors import Problem

_stdout: Console | None = None
_stderr: Console | None = None


def console() -> Console:
    """Rich on stdout, for a command's data."""
    global _stdout
    if _stdout is None:
        from rich.console import Console

        _stdout = Console(highlight=False)
        if not _stdout.is_terminal:
            # CI logs and pipes: long lines stay whole instead of wrapping at 80.
            _stdout = Console(highlight=False, width=160)
    return _stdout


def error_console() -> Console:
    """Rich on stderr, for problems and progress that is not the command's data."""
    global _stderr
    if _stderr is None:
        from rich.console import Console

        _stderr = Console(stderr=True, highlight=False)
        if not _stderr.is_terminal:
            _stderr = Console(stderr=True, highlight=False, width=160)
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
        print(error_json(title, message, exit_code, path=path, problems=problems))
    return exit_code
