"""The `workbench` command: the app on a project folder, or the engine headless.

``workbench [DIR]`` opens the app; ``workbench COMMAND ...`` runs one headless
command and prints with Rich, or JSON with ``--format json``. Textual is imported
only when the app opens, so headless commands start fast. Exit codes: 0 success,
1 an invalid pipeline or a failed stage, 2 bad usage or an unreadable file, and
for a run stopped from outside 128 + the signal: 130 Ctrl+C, 143 SIGTERM, 129
SIGHUP (see :mod:`workbench.stopping`). A user's mistake never ends in a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from workbench.engine.errors import Problem, UsageError, WorkbenchError
from workbench.engine.params import RESERVED_PARAMS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""Ctrl+C, as shells report it (128 + SIGINT)."""

COMMANDS = ("stages", "validate", "graph", "dry-run", "run", "history", "schema", "screenshots")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a one-line hint, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="A terminal workbench for stage-based pipelines. "
        "`workbench [DIR]` opens the app on a project folder; the commands below run headless.",
        epilog="Exit codes: 0 success, 1 invalid pipeline or failed stage, 2 bad usage or "
        "unreadable file, 130/143/129 run stopped by Ctrl+C/SIGTERM/SIGHUP.",
    )
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    common.add_argument("--log-file", type=Path, help="also write the log to this file")
    common.add_argument(
        "--project", type=Path, help="project folder (default: the pipeline's, or the current one)"
    )
    fmt = _Parser(add_help=False)
    fmt.add_argument("--format", choices=("text", "json"), default="text", help="output format")

    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser(
        "stages", parents=[common, fmt], help="list the registered stages and plugin errors"
    )
    p = sub.add_parser(
        "validate", parents=[common, fmt], help="check pipeline files; exit 1 if any is invalid"
    )
    p.add_argument("pipelines", nargs="+", type=Path, metavar="PIPELINE")
    p = sub.add_parser("graph", parents=[common], help="order, layers and edges of a pipeline")
    p.add_argument("pipeline", type=Path)
    p.add_argument("--format", choices=("text", "json", "dot", "mermaid"), default="text")
    p = sub.add_parser(
        "dry-run", parents=[common, fmt], help="what a run would do, without doing it"
    )
    p.add_argument("pipeline", type=Path)
    p.add_argument(
        "--compare", type=Path, metavar="OTHER", help="a second pipeline to compare with"
    )
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument(
        "--set-right",
        dest="right_overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="compare the pipeline with itself under these [context] values",
    )
    p.add_argument(
        "--against-run",
        type=_positive_int,
        metavar="RUN_ID",
        help="set the plan beside what a past run really did",
    )
    p.add_argument(
        "--markdown", action="store_true", help="print Markdown, for a pull request or a ticket"
    )
    p.add_argument("--concurrency", type=_positive_int, help="override max_concurrency")
    _executor_options(p)
    p = sub.add_parser("run", parents=[common, fmt], help="run a pipeline with live progress")
    p.add_argument("pipeline", type=Path)
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a [context] parameter (value read as TOML, else as text)",
    )
    p.add_argument(
        "--from", dest="start", metavar="STAGE", help="run this stage and what follows it"
    )
    p.add_argument("--to", dest="end", metavar="STAGE", help="run this stage and what it needs")
    p.add_argument("--concurrency", type=_positive_int, help="override max_concurrency")
    p.add_argument(
        "--watch", action="store_true", help="re-run when the pipeline or its inputs change"
    )
    p.add_argument("--no-history", action="store_true", help="do not record this run")
    _executor_options(p)
    p = sub.add_parser("history", parents=[common, fmt], help="past runs from the history database")
    p.add_argument(
        "target",
        nargs="?",
        metavar="RUN|prune",
        help="a run id to show in detail, or `prune` to apply the retention limits now",
    )
    p.add_argument("--limit", type=_positive_int, default=20)
    p.add_argument(
        "--keep", type=_positive_int, help="with prune: runs to keep (default: workbench.toml's)"
    )
    sub.add_parser("schema", parents=[common], help="JSON Schema of the pipeline file format")
    p = sub.add_parser("screenshots", parents=[common], help="write an SVG of every screen")
    p.add_argument("--out", type=Path, default=Path("screenshots"))
    return parser


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        choices=("local", "dask"),
        help="where stages run: this process, or a Dask cluster (default: the pipeline's "
        "[pipeline] executor, else workbench.toml's [executor] kind, else local)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask); "
        "without it Dask runs on an embedded LocalCluster",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes of the embedded cluster (default: the machine's cores)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    if first not in COMMANDS and not any(a in ("-h", "--help", "--version") for a in args_list):
        return _open_app(args_list)
    args = build_parser().parse_args(args_list)
    _setup_logging(args.verbose, args.log_file)
    from workbench import commands

    handler = getattr(commands, "cmd_" + args.command.replace("-", "_"))
    commands.reported_settings.clear()
    try:
        return int(handler(args))
    except WorkbenchError as exc:
        from rich.markup import escape

        commands.error_console().print(
            f"[bold red]{exc.title}:[/] {escape(exc.message)}", highlight=False
        )
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED
    except KeyboardInterrupt:
        commands.error_console().print("[yellow]interrupted[/]")
        return EXIT_INTERRUPTED


def _open_app(args_list: list[str]) -> int:
    parser = _Parser(prog="workbench", description="Open the workbench app on a project folder.")
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument("--pipeline", type=Path, help="open this pipeline first")
    args = parser.parse_args(args_list)
    if not args.dir.is_dir():
        if args.dir.suffix == ".toml" and args.dir.is_file():
            args.pipeline, args.dir = args.dir, _project_of(args.dir)
        else:
            parser.error(f"{args.dir} is not a folder (or a command: {', '.join(COMMANDS)})")
    if not sys.stdout.isatty() and not _forced_app():
        parser.error("the app needs a terminal; use a headless command such as `workbench run`")
    from workbench.app.app import run

    return run(args.dir.resolve(), args.pipeline)


def _forced_app() -> bool:

    return os.environ.get("WORKBENCH_FORCE_APP") == "1"


def _project_of(pipeline: Path) -> Path:
    from workbench.engine.pipeline import find_project_root

    return find_project_root(pipeline)


def _setup_logging(verbose: int, log_file: Path | None) -> None:
    """Configure logging only when asked (-v, --log-file).

    Without either, Python's last-resort handler already shows warnings on stderr,
    and not importing logging keeps every command's start-up shorter.
    """
    if not verbose and log_file is None:
        return
    import logging

    level = logging.WARNING - 10 * min(verbose, 2)
    stream = logging.StreamHandler(sys.stderr)
    # A run's own lines reach the terminal through its printer; only the file takes them.
    stream.addFilter(lambda record: not record.name.startswith("workbench.run"))
    handlers: list[logging.Handler] = [stream]
    if log_file is not None:
        try:
            if not log_file.exists():  # a new log file is private: it holds stage output
                os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT, 0o600))
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as exc:
            sys.stderr.write(f"workbench: cannot write the log file {log_file}: {exc.strerror}\n")
            raise SystemExit(EXIT_USAGE) from None
        level = min(level, logging.INFO)
    logging.basicConfig(
        level=level,
        handlers=handlers,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value is read as a TOML value when it is one, else as text."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(
                f"--set {item!r}: write KEY=VALUE, for example --set input=data/sales.csv"
            )
        control = next((ch for ch in item if _is_control(ch)), None)
        if control is not None:
            raise UsageError(
                f"--set {key}: the value holds a control character ({control!r}); "
                "pass one line of plain text, or put longer values in the pipeline's [context]"
            )
        if key in RESERVED_PARAMS:
            raise UsageError(
                f"--set {key}: {key!r} is reserved (the workbench sets it to the project folder); "
                "use another name"
            )
        try:
            out[key] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = raw
    return out


def _is_control(ch: str) -> bool:
    """C0 and C1 control characters and DEL: a newline would cut a value short silently."""
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


def problems_json(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [p.to_json() for p in problems]


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
