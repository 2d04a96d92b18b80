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


def _graph() -> dict[str, set[str]]:
    return {
        f"workbench.cli.{path.stem}": _imports(path)
        for path in PACKAGE.glob("*.py")
        if path.stem != "__init__"
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
