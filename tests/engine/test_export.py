"""Reports and comparisons written as JSON and Markdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_compare import CHAIN, record_run, write_project

from workbench.engine.dryrun.compare import (
    compare_parameters,
    compare_pipelines,
    plan_against_run,
    report_with_history,
)
from workbench.engine.dryrun.dry_run import DryRunReport
from workbench.engine.dryrun.export import (
    default_name,
    format_for,
    render,
    to_markdown,
    write_export,
)
from workbench.engine.pipeline import Pipeline
from workbench.engine.registry import StageRegistry


@pytest.fixture
def chain(tmp_path: Path, registry: StageRegistry) -> Pipeline:
    return Pipeline.load(write_project(tmp_path, chain=CHAIN)["chain"], registry)


def test_report_markdown_has_the_summary_the_stages_and_the_conflict(chain: Pipeline) -> None:
    text = to_markdown(report_with_history(chain))
    assert text.startswith("## Dry run: chain\n")
    assert "**3 stages, 3 operations, 20 B, ~1.5 s wall, 1 conflict**" in text
    assert "Order and layers: {a, b} → c" in text
    assert "| 1 | 0 | `a` | `kit.write` | set x | 10 B | 500 ms (stage) |" in text
    assert "Critical path: a → c (~1.5 s)" in text
    assert "- ⚠ write_path: a and b both write path 'out/a.txt'" in text


def test_json_round_trips_to_the_same_report(chain: Pipeline) -> None:
    report = report_with_history(chain)
    assert DryRunReport.from_json(json.loads(render(report, "json"))) == report


def test_comparison_markdown_shows_config_differences_totals_and_conflicts(
    tmp_path: Path, chain: Pipeline, registry: StageRegistry
) -> None:
    fixed = CHAIN.replace('key = "y", path = "out/a.txt"', 'key = "y", path = "out/b.txt"')
    other = Pipeline.load(write_project(tmp_path, fixed=fixed)["fixed"], registry)
    text = to_markdown(compare_pipelines(chain, other))
    assert text.startswith("## Dry-run comparison: chain.toml → fixed.toml\n")
    assert "| `b` | reconfigured |" in text
    assert '| | `path` | `"out/a.txt"` | `"out/b.txt"` |' in text
    assert "| stages | 3 | 3 | = |" in text
    assert "- ✔ resolved conflict: a and b both write path 'out/a.txt'" in text


def test_parameter_comparison_lists_the_parameters(chain: Pipeline) -> None:
    text = to_markdown(compare_parameters(chain, {}, {"label": "other"}))
    assert '| `label` | `"first"` | `"other"` |' in text
    assert "No stage differs." in text


def test_plan_against_run_markdown(tmp_path: Path, chain: Pipeline) -> None:
    run_id = record_run(tmp_path, chain, {"a": ("success", 0.5), "b": ("failure", 0.1)})
    text = to_markdown(plan_against_run(chain, run_id))
    assert f"## Plan against run #{run_id}: chain" in text
    assert (
        "| `b` | set y | 500 ms (stage) | failure: b failure | 100 ms | −400 ms | failed |" in text
    )
    assert "| wall seconds | 1.5 s | 9.0 s |" in text
    data = json.loads(render(plan_against_run(chain, run_id), "json"))
    assert data["kind"] == "run" and data["stages"][1]["verdict"] == "failed"


def test_exports_go_under_out_or_to_a_chosen_path(tmp_path: Path, chain: Pipeline) -> None:
    report = report_with_history(chain)
    written = write_export(report, "markdown", tmp_path)
    assert written == tmp_path / "out" / "dry-run" / "chain.md"
    assert written.read_text().startswith("## Dry run: chain")
    chosen = write_export(report, "json", tmp_path, Path("elsewhere/plan.json"))
    assert json.loads(chosen.read_text())["pipeline"] == "chain"
    assert format_for(Path("x.JSON")) == "json" and format_for(Path("x.txt")) == "markdown"
    assert default_name(compare_parameters(chain, {}, {"label": "b"})) == "chain-parameters"


def test_markdown_says_unknown_where_estimates_are_missing(
    tmp_path: Path, registry: StageRegistry
) -> None:
    text = """
    [pipeline]
    name = "blind"

    [stages.a]
    uses = "kit.sleep"
    config = { seconds = 0 }

    [stages.b]
    uses = "kit.sleep"
    depends_on = ["a"]
    config = { seconds = 0 }
    """
    pipeline = Pipeline.load(write_project(tmp_path, blind=text)["blind"], registry)
    markdown = to_markdown(report_with_history(pipeline))
    assert "wall unknown (no estimates)" in markdown
    assert "0 ms" not in markdown
