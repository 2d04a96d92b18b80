"""What a stage author imports from ``workbench`` is typed and explicitly exported.

``mypy --strict`` on an author's module (tests/fixtures/stage_author) reports nothing
from us; the lazy runtime table and the names type checkers read agree.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import workbench
import workbench.engine as engine

ROOT = Path(__file__).resolve().parents[1]
AUTHOR = ROOT / "tests" / "fixtures" / "stage_author" / "shout.py"


def test_mypy_strict_on_a_stage_authors_module_finds_nothing(tmp_path: Path) -> None:
    # The author's own settings (strict, nothing else); our modules are checked but,
    # as for any installed package, only the author's file may report.
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--config-file",
            str(config),
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "stage-author"),
            str(AUTHOR.relative_to(ROOT)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Success" in result.stdout


def _type_checking_names(path: Path) -> set[str]:
    """Names imported ``as`` themselves under ``if TYPE_CHECKING:`` (explicit re-exports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    names |= {a.asname for a in inner.names if a.asname == a.name}
    return names


def test_every_exported_name_is_listed_imported_for_checkers_and_loadable() -> None:
    exported = set(engine.__all__)
    assert exported == set(engine._EXPORTS)
    assert _type_checking_names(Path(engine.__file__)) == exported
    assert set(workbench.__all__) == exported | {"__version__"}
    assert _type_checking_names(Path(workbench.__file__)) == exported
    for name in sorted(exported):
        assert getattr(workbench, name) is getattr(engine, name)


def test_importing_workbench_loads_none_of_the_engine() -> None:
    """``import workbench`` stays cheap: names load on first use."""
    code = (
        "import sys, workbench; "
        "print(sorted(m for m in sys.modules if m.startswith(('workbench.', 'pydantic'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_the_package_ships_its_type_marker() -> None:
    assert (ROOT / "workbench" / "py.typed").is_file()
    assert "py.typed" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
