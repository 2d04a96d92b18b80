"""The command-line package reads top-down: no import cycle, and nothing reaches back into the entry."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import workbench.cli

PACKAGE = Path(workbench.cli.__file__).parent


def _imports(path: Path) -> set[str]:
    """Modules of ``workbench.cli`` this file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "workbench.cli":
                found.update(f"workbench.cli.{alias.name}" for alias in node.names)
            elif node.module.startswith("workbench.cli."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("workbench.cli."))
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("workbench.cli", *parts))


def _graph() -> dict[str, set[str]]:
    return {
        _module(path): _imports(path)
        for path in PACKAGE.rglob("*.py")
        if path.parent != PACKAGE or path.stem != "__init__"
    }


def test_the_cli_modules_import_each_other_without_a_cycle() -> None:
    graph = _graph()
    assert "workbench.cli.commands" in graph and "workbench.cli.watch" in graph

    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError

    assert order.index("workbench.cli.exits") < order.index("workbench.cli.entry")


def test_only_the_package_itself_imports_the_entry() -> None:
    importers = sorted(
        name for name, imports in _graph().items() if "workbench.cli.entry" in imports
    )

    assert importers == []


def test_every_command_the_parser_knows_has_a_handler() -> None:
    from workbench.cli.commands import handler_for
    from workbench.cli.entry import COMMANDS

    handlers = {command: handler_for(command) for command in COMMANDS}

    assert all(callable(h) for h in handlers.values())
    assert handlers["dry-run"].__name__ == "cmd_dry_run"
