"""The shape the code keeps: the engine never reaches up into the app or the command line.

A second line of defence beside ``lint-imports`` (pyproject.toml's contracts, run by
.ci/run with ruff and mypy): this test follows imports through the project's own
modules, so an engine module that imports a helper which imports the command line
is caught as surely as a direct import. Lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "workbench" / "engine"
CLI_MODULES = ("workbench.cli",)
"""The command line: the package ``workbench.cli`` covers all its modules by prefix."""
FORBIDDEN = ("textual", "rich", "workbench.app", *CLI_MODULES, "stages")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _project_modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for top in ("workbench", "stages"):
        for path in (ROOT / top).rglob("*.py"):
            found[_module_name(path)] = path
    return found


@cache
def _imports(name: str) -> tuple[tuple[int, str], ...]:
    """``(line, module)`` for every import in a project module, relative ones resolved."""
    path = _project_modules()[name]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            # ``from workbench.engine import graph`` imports the submodule too
            found += [
                (node.lineno, f"{base}.{alias.name}")
                for alias in node.names
                if f"{base}.{alias.name}" in _project_modules()
            ]
    return tuple(found)


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def _project_module(module: str) -> str | None:
    """The project module an import loads (the longest known prefix), if it is ours."""
    modules = _project_modules()
    while module:
        if module in modules:
            return module
        module = module.rpartition(".")[0]
    return None


def _chains(start: str) -> Iterator[list[str]]:
    """Every forbidden import reachable from ``start``, with the chain that reaches it."""
    seen = {start}
    todo: list[list[str]] = [[start]]
    while todo:
        chain = todo.pop()
        for line, imported in _imports(chain[-1]):
            if _forbidden(imported):
                yield [*chain[:-1], f"{chain[-1]}:{line}", imported]
                continue
            target = _project_module(imported)
            if target is not None and target not in seen and not _forbidden(target):
                seen.add(target)
                todo.append([*chain[:-1], f"{chain[-1]}:{line}", target])


@pytest.mark.parametrize("path", sorted(ENGINE.rglob("*.py")), ids=lambda p: p.name)
def test_the_engine_imports_nothing_above_it(path: Path) -> None:
    """Directly or through any chain of project modules: the arrow points one way."""
    bad = [" -> ".join(chain) for chain in _chains(_module_name(path))]
    assert not bad, bad


def test_an_import_through_a_helper_is_caught(tmp_path: Path) -> None:
    """The chain check itself: a helper that reaches the command line taints its importer."""
    _project_modules()  # warm the real table, then add two made-up modules to it
    modules = _project_modules()
    helper = tmp_path / "helper.py"
    helper.write_text("def f():\n    from workbench.cli.render import x\n", encoding="utf-8")
    user = tmp_path / "user.py"
    user.write_text("from workbench.engine import helper_for_test\n", encoding="utf-8")
    modules["workbench.engine.helper_for_test"] = helper
    modules["workbench.engine.user_for_test"] = user
    try:
        chains = list(_chains("workbench.engine.user_for_test"))
    finally:
        del modules["workbench.engine.helper_for_test"], modules["workbench.engine.user_for_test"]
        _imports.cache_clear()
    assert chains == [
        [
            "workbench.engine.user_for_test:1",
            "workbench.engine.helper_for_test:2",
            "workbench.cli.render",
        ]
    ]


def test_a_stage_author_imports_from_the_package_in_a_fresh_interpreter() -> None:
    """The README's ``from workbench import Stage, …`` works before anything else is loaded."""
    code = "from workbench import Stage, StageResult, WrittenPath, LocalUrl; print(Stage.__name__)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "Stage"
