"""The app's own files: user config, theme files, and what a file change touches."""

from __future__ import annotations

from pathlib import Path

import pytest
from watchfiles import Change

from workbench.app.catalog import classify, scan
from workbench.app.config import UserConfig, config_path, load_config, save_config
from workbench.app.themes import (
    BUNDLED_THEMES_DIR,
    ThemeProblem,
    load_theme_file,
    load_themes,
    theme_label,
)
from workbench.app.watch_filter import ProjectFilter
from workbench.engine.project import Project


def test_config_round_trip_in_the_isolated_folder(tmp_path: Path) -> None:
    assert config_path().is_relative_to(tmp_path)
    assert load_config() == UserConfig()
    save_config(UserConfig(theme="workbench-light"))
    assert load_config().theme == "workbench-light"


@pytest.mark.parametrize(
    ("text", "said"),
    [("theme = ", "cannot read"), ("theme = 3", "theme: Input should be a valid string")],
)
def test_a_damaged_config_file_gives_defaults_and_says_why(text: str, said: str) -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text(text)
    config = load_config()
    assert config.theme is None
    assert config.problem is not None and said in config.problem
    assert str(config_path()) in config.problem


def test_the_bundled_themes_are_a_dark_a_light_and_a_high_contrast_one() -> None:
    themes, failed = load_themes([BUNDLED_THEMES_DIR])
    assert failed == []
    by_name = {t.name: t for t in themes}
    assert by_name["workbench-dark"].dark
    assert not by_name["workbench-light"].dark
    assert "workbench-high-contrast" in by_name
    assert theme_label("workbench-high-contrast") == "Workbench High Contrast"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('name = "x"\nprimary = "blurple"\n', "primary: Value error, 'blurple' is not a colour"),
        ('name = "x"\n', "primary: Field required"),
        ('name = "Bad Name"\nprimary = "#fff"\n', "name: String should match pattern"),
        ('name = "x"\nprimary = "#fff"\nshade = 1\n', "shade: Extra inputs are not permitted"),
        ("name = [\n", "not valid TOML"),
    ],
)
def test_each_theme_mistake_names_the_file_and_the_field(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "theme.toml"
    path.write_text(text)
    problem = load_theme_file(path)
    assert isinstance(problem, ThemeProblem)
    assert said in problem.message
    assert problem.describe().startswith(str(path))


def test_a_project_theme_replaces_a_bundled_one_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "dark.toml").write_text('name = "workbench-dark"\nprimary = "#123456"\n')
    themes, _ = load_themes([BUNDLED_THEMES_DIR, tmp_path])
    assert {t.name: t for t in themes}["workbench-dark"].primary == "#123456"


def test_changes_are_sorted_by_what_they_touch(project: Path) -> None:
    p = Project.open(project)
    root = str(project)
    found = classify(
        p,
        [
            (Change.modified, f"{root}/pipelines/alpha.toml"),
            (Change.added, f"{root}/themes/new.toml"),
            (Change.modified, f"{root}/notes/readme.toml"),
        ],
    )
    assert found.pipelines == {(project / "pipelines" / "alpha.toml").resolve()}
    assert found.themes and not found.stages and not found.settings
    assert classify(p, [(Change.modified, f"{root}/workbench.toml")]).settings
    assert not classify(p, [(Change.modified, f"{root}/somewhere/else.py")])


def test_the_watch_filter_keeps_toml_and_python_files_only() -> None:
    keep = ProjectFilter()
    assert keep(Change.modified, "/p/pipelines/a.toml")
    assert keep(Change.modified, "/p/stages/a.py")
    assert not keep(Change.modified, "/p/pipelines/.a.toml.x1.tmp")
    assert not keep(Change.modified, "/p/.git/config.toml")


def test_the_catalog_is_in_natural_order_with_validity(project: Path, write) -> None:
    write(project / "pipelines" / "s10.toml", '[pipeline]\nname = "s10"\n')
    write(project / "pipelines" / "s2.toml", '[pipeline]\nname = "s2"\n')
    entries = scan(Project.open(project))
    assert [e.path.name for e in entries] == [
        "alpha.toml",
        "broken.toml",
        "diamond.toml",
        "s2.toml",
        "s10.toml",
    ]
    assert [e.valid for e in entries[:3]] == [True, False, True]
    assert entries[1].problem_count == 3
