"""Every template of `workbench new` validates and runs on the example data shipped in the repo."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from kit.projects import REPO

from workbench.cli import main
from workbench.engine.templates import TEMPLATES


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(
        REPO / "pipelines" / "data",
        root / "pipelines" / "data",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.chdir(root)
    return root


def test_the_four_templates_are_offered() -> None:
    assert list(TEMPLATES) == [
        "empty",
        "load-transform-save",
        "validate-and-report",
        "download-and-index",
    ]


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_template_validates_and_runs(
    template: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", f"try {template}", "--template", template]) == 0
    path = project / "pipelines" / f"try-{template}.toml"
    assert path.is_file()
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["run", str(path), "--format", "json", "--no-history"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "success"
    if template != "empty":
        assert (project / "out" / f"try-{template}").is_dir()
        assert all(s["status"] == "success" for s in result["stages"])


def test_new_never_replaces_a_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "twice"]) == 0
    assert main(["new", "twice", "--template", "load-transform-save"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["new", "other", "--template", "nope"]) == 2
    assert "templates: empty, load-transform-save" in capsys.readouterr().err
