"""The `workbench` command: the app on a project folder, or the engine headless.

``workbench [DIR]`` opens the app; ``workbench COMMAND ...`` runs one headless
command and prints with Rich, or JSON with ``--format json``. Textual is imported
only when the app opens, so headless commands start fast. Exit codes: 0 success,
1 an invalid pipeline or a failed stage, 2 bad usage or an unreadable file, and
for a run stopped from outside 128 + the signal: 130 Ctrl+C, 143 SIGTERM, 129
SIGHUP (see :mod:`workbench.cli.stopping`). A user's mistake never ends in a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from workbench.cli.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from workbench.engine.errors import UsageError, WorkbenchError

COMMANDS = (
    "stages",
    "validate",
    "graph",
    "dry-run",
    "run",
    "status",
    "cache",
    "history",
    "schema",
    "screenshots",
    "new",
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a one-line hint, never a traceback.

    Under ``--format json`` the hint is also printed on stdout as the error object
    every command prints when it fails, so a script never meets plain text there.
    """

    json_errors = False
    """Set by :func:`main` when the command line asks for ``--format json``."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        if _Parser.json_errors:
            _print_json_error("Bad usage", message, EXIT_USAGE)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _asks_for_json(args_list: Sequence[str]) -> bool:
    """``--format json`` or ``--format=json`` anywhere, before argparse has read it."""
    pairs = zip(args_list, [*args_list[1:], ""], strict=True)
    return "--format=json" in args_list or any(a == "--format" and b == "json" for a, b in pairs)


def _print_json_error(title: str, message: str, code: int) -> None:
    from workbench.cli.consoles import error_json

    sys.stdout.write(error_json(title, message, code) + "\n")
    sys.stdout.flush()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        usage=USAGE,
        description="A terminal workbench for stage-based pipelines.\n\n"
        "`workbench [DIR]` opens the app on a project folder (default: the current one);\n"
        "--pipeline FILE opens that pipeline first. The commands below run headless.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    common = _Parser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    common.add_argument(
        "--log-file",
        type=Path,
        help="write every event and log line, with timestamps, to this file",
    )
    common.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="format of the --log-file: text lines, or one JSON object per line",
    )
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
    p.add_argument(
        "--concurrency", type=_positive_int, metavar="N", help="override max_concurrency"
    )
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
    p.add_argument(
        "--from-run",
        type=_positive_int,
        metavar="RUN",
        help="with --from: take the context from this recorded run (default: the newest that fits)",
    )
    p.add_argument("--to", dest="end", metavar="STAGE", help="run this stage and what it needs")
    p.add_argument(
        "--concurrency", type=_positive_int, metavar="N", help="override max_concurrency"
    )
    p.add_argument(
        "--watch", action="store_true", help="re-run when the pipeline or its inputs change"
    )
    p.add_argument("--no-history", action="store_true", help="do not record this run")
    _executor_options(p)
    _cache_flags(p)
    p = sub.add_parser(
        "status",
        parents=[common, fmt],
        help="which stages are up to date and why the others will run",
    )
    p.add_argument("pipeline", type=Path)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    _cache_flags(p)
    p = sub.add_parser("cache", parents=[common, fmt], help="the stage cache: info, or clear it")
    p.add_argument(
        "action", choices=("info", "clear"), help="info: size and hit rate; clear: empty it"
    )
    p = sub.add_parser("history", parents=[common, fmt], help="past runs from the history database")
    p.add_argument(
        "target",
        nargs="?",
        metavar="RUN|prune|stats",
        help="a run id to show in detail, `prune` to apply the retention limits now, "
        "or `stats PIPELINE` for per-stage statistics",
    )
    p.add_argument(
        "stats_pipeline", nargs="?", metavar="PIPELINE", help="with stats: a name or file"
    )
    p.add_argument("--limit", type=_positive_int, default=20, metavar="N")
    p.add_argument(
        "--keep",
        type=_positive_int,
        metavar="N",
        help="with prune: runs to keep (default: workbench.toml's)",
    )
    sub.add_parser("schema", parents=[common], help="JSON Schema of the pipeline file format")
    p = sub.add_parser(
        "new", parents=[common, fmt], help="a new pipeline file in pipelines/, from a template"
    )
    p.add_argument("name", nargs="?", help="the pipeline's name; its file is pipelines/NAME.toml")
    p.add_argument(
        "--template",
        default="empty",
        metavar="T",
        help="empty, load-transform-save, validate-and-report or download-and-index",
    )
    p.add_argument("--description", default="", help="what the pipeline does, in a sentence")
    p.add_argument("--list", action="store_true", help="list the templates")
    p = sub.add_parser("screenshots", parents=[common], help="write an SVG of every screen")
    p.add_argument("--out", type=Path, default=Path("screenshots"), metavar="DIR")
    parser.epilog = _options_epilog(sub.choices)
    return parser


USAGE = """workbench [-h] [--version] [DIR] [--pipeline FILE]
       workbench COMMAND [options]   (workbench COMMAND --help for one command)"""

_SHARED_OPTIONS = {"-h", "--help", "-v", "--verbose", "--log-file", "--project"}


def _options_epilog(commands: Mapping[str, argparse.ArgumentParser]) -> str:
    """Each command's own options, read from its parser so the overview never drifts."""
    lines = ["options of the commands:"]
    for name, command in commands.items():
        options: list[str] = []
        for action in command._actions:
            if not action.option_strings or action.option_strings[0] in _SHARED_OPTIONS:
                continue
            flag = action.option_strings[-1]
            if action.choices is not None:
                flag += " " + "|".join(str(c) for c in action.choices)
            elif action.nargs != 0:
                flag += f" {action.metavar or action.dest.upper()}"
            options.append(flag)
        if options:
            lines.append(f"  {name:<12} {', '.join(options)}")
    lines.append("  every command: -v/--verbose, --log-file FILE, --project DIR")
    lines.append("")
    lines.append(
        "Exit codes: 0 success, 1 invalid pipeline or failed stage, "
        "2 bad usage or unreadable file, 130/143/129 run stopped by Ctrl+C/SIGTERM/SIGHUP."
    )
    return "\n".join(lines)


def _cache_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="run every stage, ignoring cached results")
    p.add_argument(
        "--force-stage",
        dest="force_stages",
        action="append",
        default=[],
        metavar="ID",
        help="rerun this stage (repeatable); its downstream reruns only if its writes change",
    )
    p.add_argument("--no-cache", action="store_true", help="neither use nor record cached results")


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
    _Parser.json_errors = _asks_for_json(args_list)
    args = build_parser().parse_args(args_list)
    _setup_logging(args.verbose, args.log_file, args.log_format)
    from workbench.cli.commands import handler_for
    from workbench.cli.commands.loading import reported_settings, wants_json
    from workbench.cli.consoles import error_console, fail

    as_json = wants_json(args)
    handler = handler_for(args.command)
    reported_settings.clear()
    try:
        return int(handler(args))
    except WorkbenchError as exc:
        code = EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED
        return fail(exc.title, exc.message, code, as_json=as_json)
    except KeyboardInterrupt:
        error_console().print("[yellow]interrupted[/]")
        if as_json:
            _print_json_error("Interrupted", "stopped with Ctrl+C", EXIT_INTERRUPTED)
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


def _setup_logging(verbose: int, log_file: Path | None, log_format: str = "text") -> None:
    """Configure logging only when asked (-v, --log-file).

    Without either, Python's last-resort handler already shows warnings on stderr,
    and not importing logging keeps every command's start-up shorter. The log
    file takes every record at INFO (DEBUG with -vv), with timestamps, as text or
    JSON lines; stderr shows WARNING (INFO with -v, DEBUG with -vv) but not a
    run's events, which `run` already prints.
    """
    if not verbose and log_file is None:
        return
    import logging

    from workbench.engine.runlog import LOGGER, JsonLineFormatter

    text_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    stderr_level = logging.WARNING - 10 * min(verbose, 2)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(stderr_level)
    stderr.addFilter(lambda record: not record.name.startswith(LOGGER))
    stderr.setFormatter(logging.Formatter(text_format))
    handlers: list[logging.Handler] = [stderr]
    level = stderr_level
    if log_file is not None:
        try:
            if not log_file.exists():  # a new log file is private: it holds stage output
                os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT, 0o600))
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            message = f"cannot write the log file {log_file}: {exc.strerror}"
            sys.stderr.write(f"workbench: {message}\n")
            if _Parser.json_errors:
                _print_json_error("Bad usage", message, EXIT_USAGE)
            raise SystemExit(EXIT_USAGE) from None
        file_level = logging.DEBUG if verbose >= 2 else logging.INFO
        file_handler.setLevel(file_level)
        file_handler.setFormatter(
            JsonLineFormatter() if log_format == "json" else logging.Formatter(text_format)
        )
        handlers.append(file_handler)
        level = min(level, file_level)
    logging.basicConfig(level=level, handlers=handlers, force=True)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
