"""Plugin discovery: the built-in library, a third-party distribution, project stage folders.

The plugin distribution in ``tests/fixtures/plugin_dist`` is "installed" the way
pip would leave it, but by hand and fast: its package is copied into a folder
with a ``*.dist-info`` holding ``METADATA`` and ``entry_points.txt``, and that
folder is put on ``sys.path``, where ``importlib.metadata`` finds it.
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from workbench.engine import StageRegistry
from workbench.engine.project import Project

FIXTURE = Path(__file__).parents[1] / "fixtures" / "plugin_dist"
BUILT_IN = {
    "core.noop",
    "core.bootstrap",
    "core.config_load",
    "core.plugin_load",
    "core.plugin_init",
    "core.ui_init",
    "core.ready",
    "core.shutdown",
    "files.load",
    "files.save",
    "shell.run",
    "http.download",
    "gate.check",
    "validate.schema",
    "transform.call",
    "text.stats",
    "text.chunk",
    "docs.parse",
    "sqlite.index",
    "csv.aggregate",
    "report.markdown",
}


def install_by_hand(site: Path) -> None:
    """What ``pip install --target site`` leaves behind, without pip."""
    project = tomllib.loads((FIXTURE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    shutil.copytree(FIXTURE / "wb_fixture_plugin", site / "wb_fixture_plugin")
    dist_info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
        encoding="utf-8",
    )
    lines: list[str] = []
    for group, entries in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    install_by_hand(site)
    monkeypatch.syspath_prepend(str(site))
    for name in [m for m in sys.modules if m.startswith("wb_fixture_plugin")]:
        monkeypatch.delitem(sys.modules, name)


def test_the_built_in_library_loads_through_entry_points_without_errors() -> None:
    registry = StageRegistry()
    registry.discover()
    assert registry.errors == []
    assert set(registry.names()) >= BUILT_IN
    for meta in registry:
        if meta.name in BUILT_IN:
            assert meta.source.endswith(f"= {meta.cls.__module__}"), meta.source
            assert meta.description, meta.name
            assert meta.config_schema.get("additionalProperties", False) is False, meta.name


def test_every_built_in_config_field_is_described() -> None:
    registry = StageRegistry()
    registry.discover()
    for name in BUILT_IN:
        schema = registry.metadata(name).config_schema
        for field, spec in schema.get("properties", {}).items():
            assert spec.get("description"), f"{name}: config field {field!r} has no description"
        assert registry.get(name).__doc__, f"{name} has no docstring saying why"


def test_a_plugin_distribution_loads_its_good_stages(installed_plugin: None) -> None:
    registry = StageRegistry()
    registry.discover()
    names = set(registry.names())
    assert {
        "fixture.upper",
        "fixture.length",
        "fixture.reverse",
        "fixture.say_hello",
        "fixture.say_goodbye",
    } <= names
    assert names >= BUILT_IN
    assert registry.metadata("fixture.reverse").source == (
        "fixture_class = wb_fixture_plugin.single:Reverse"
    )


def test_each_broken_plugin_becomes_an_error_naming_it(installed_plugin: None) -> None:
    registry = StageRegistry()
    registry.discover()
    errors = {e.plugin: e for e in registry.errors}
    assert set(errors) == {
        "fixture_broken = wb_fixture_plugin.broken",
        "fixture_not_a_stage = wb_fixture_plugin.not_a_stage:SETTINGS",
        "fixture_duplicate = wb_fixture_plugin.duplicate:AnotherNoop",
    }
    broken = errors["fixture_broken = wb_fixture_plugin.broken"]
    assert broken.kind == "import"
    assert "wb_fixture_dependency_that_is_not_installed" in broken.message
    assert errors["fixture_not_a_stage = wb_fixture_plugin.not_a_stage:SETTINGS"].kind == (
        "not_a_stage"
    )
    duplicate = errors["fixture_duplicate = wb_fixture_plugin.duplicate:AnotherNoop"]
    assert duplicate.kind == "duplicate" and "core.noop" in duplicate.message
    assert registry.get("core.noop").__module__ == "stages.core"


def test_project_stage_folders_load_next_to_installed_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "my_stages").mkdir()
    (tmp_path / "my_stages" / "greet.py").write_text(
        "from workbench.engine import Stage, StageResult\n\n"
        "class Greet(Stage):\n"
        "    name = 'local.greet'\n"
        "    description = 'Say hello.'\n\n"
        "    def run(self, ctx):\n"
        "        return StageResult.success('1 greeting', count=1, unit='greetings')\n",
        encoding="utf-8",
    )
    (tmp_path / "my_stages" / "typo.py").write_text("def broken(:\n", encoding="utf-8")
    (tmp_path / "workbench.toml").write_text('stage_paths = ["my_stages"]\n', encoding="utf-8")
    registry = Project.open(tmp_path).registry
    assert "local.greet" in registry and "files.load" in registry
    (error,) = registry.errors
    assert error.plugin == str(tmp_path / "my_stages" / "typo.py")
    assert "SyntaxError" in error.message
