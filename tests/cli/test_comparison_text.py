"""`workbench dry-run --compare` in text: human units, and the rows in the order the app shows."""

from __future__ import annotations

import re
from collections.abc import Callable

from kit.cli import Outcome, Project

from workbench.engine.dryrun.compare import compare_pipelines
from workbench.engine.dryrun.export import to_markdown
from workbench.engine.project import Project as WorkbenchProject

Cli = Callable[..., Outcome]


def _without_side(project: Project) -> Project:
    """A second pipeline: ``side`` removed (it sat between ``load`` and ``read`` in file order)."""
    text = project.pipeline("good").read_text()
    text = text.replace('[stages.side]\nuses = "kit.sleep"\n', "")
    text = text.replace('depends_on = ["read", "side"]', 'depends_on = ["read"]')
    project.write("lean", text)
    return project


def test_totals_read_in_human_units_never_field_names(cli: Cli, project: Project) -> None:
    _without_side(project)

    result = cli("dry-run", project.pipeline("good"), "--compare", project.pipeline("lean"))

    assert result.code == 0
    assert "wall_seconds" not in result.out
    assert "wall seconds" in result.out
    assert re.search(r"wall seconds\s+\S+ m?s\s+\S+ m?s", result.out)


def test_a_removed_stage_sits_where_it_was_as_in_the_app_and_markdown(
    cli: Cli, project: Project
) -> None:
    _without_side(project)
    opened = WorkbenchProject.open(project.root)
    comparison = compare_pipelines(
        opened.load_pipeline(project.pipeline("good")),
        opened.load_pipeline(project.pipeline("lean")),
        {},
        root=project.root,
    )
    expected = [row.stage_id for row in comparison.rows]
    assert expected.index("side") < len(expected) - 1, "the removed stage is not last"

    text = cli("dry-run", project.pipeline("good"), "--compare", project.pipeline("lean")).out

    shown = [
        sid
        for sid in re.findall(r"^\s*(\w+) (?:kit|core)\.", text, flags=re.MULTILINE)
        if sid in expected
    ]
    assert list(dict.fromkeys(shown)) == expected
    markdown = to_markdown(comparison)
    mentioned = [s for s in re.findall(r"`(\w+)`", markdown) if s in expected]
    assert list(dict.fromkeys(mentioned)) == [s for s in expected if s in mentioned]
