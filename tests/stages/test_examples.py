"""Every example pipeline validates, dry-runs without side effects, and runs to its outputs.

The pipelines and their data are copied into ``tmp_path`` first, so a run writes
only there (``out/`` of the copy) and the repository stays clean.
"""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.engine import StageStatus
from workbench.engine.manager import StageManager
from workbench.engine.run.runner import RunResult

REPO = Path(__file__).parents[2]
EXAMPLES = sorted(p.stem for p in (REPO / "pipelines").glob("*.toml"))


@pytest.fixture(scope="module")
def manager() -> StageManager:
    return StageManager()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(
        REPO / "pipelines", root / "pipelines", ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == "pipelines" or m.startswith("pipelines.")]:
        monkeypatch.delitem(sys.modules, name)
    return root


def test_every_example_is_here() -> None:
    assert EXAMPLES == [
        "composite",
        "hello",
        "ingest",
        "keep-going",
        "licence-similarity",
        "lifecycle",
        "parallel",
        "sales-report",
        "vocabulary",
    ]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates_and_dry_runs_without_touching_anything(
    name: str, project: Path, manager: StageManager
) -> None:
    pipeline = manager.load(project / "pipelines" / f"{name}.toml")
    assert pipeline.description
    report = manager.dry_run(pipeline, pipeline.parameters())
    assert report.conflicts == ()
    assert report.total_operations >= len(pipeline.stages)
    assert not (project / "out").exists()


def _run(manager: StageManager, project: Path, name: str) -> RunResult:
    pipeline = manager.load(project / "pipelines" / f"{name}.toml")
    return manager.run(pipeline, params=pipeline.parameters())


def _out(project: Path, *parts: str) -> Path:
    return project.joinpath("out", *parts)


def test_hello(project: Path, manager: StageManager) -> None:
    result = _run(manager, project, "hello")
    assert result.ok, result.to_json()
    stats = json.loads(_out(project, "hello", "stats.json").read_text(encoding="utf-8"))
    assert stats["words"] == 110
    assert result.results["count"].message.startswith("110 words")


def test_sales_report(project: Path, manager: StageManager) -> None:
    result = _run(manager, project, "sales-report")
    assert result.ok, result.to_json()
    summary = json.loads(_out(project, "sales-report", "summary.json").read_text("utf-8"))
    assert summary["totals"][0]["orders"] == 120
    revenue = sum(r["revenue"] for r in summary["by_region"])
    assert revenue == pytest.approx(summary["totals"][0]["revenue"])
    revenues = [r["revenue"] for r in summary["by_region"]]
    assert revenues == sorted(revenues, reverse=True)
    report = _out(project, "sales-report", "report.md").read_text("utf-8")
    assert report.startswith("# Sales for region *, period 2024\n")
    assert "## By region" in report and "| region | orders |" in report
    assert result.results["validate"].message.startswith("120 items valid")


def test_vocabulary_writes_an_anki_csv(project: Path, manager: StageManager) -> None:
    result = _run(manager, project, "vocabulary")
    assert result.ok, result.to_json()
    text = _out(project, "vocabulary", "cards.csv").read_text("utf-8")
    header = text.splitlines()[:3]
    assert header == ["#separator:Comma", "#html:true", "#tags column:3"]
    rows = list(csv.reader(text.splitlines()[3:]))
    assert len(rows) == 15
    assert rows[0][0] == "ephemeral" and rows[0][1].startswith("<i>adjective</i>")
    assert all(len(row) == 3 for row in rows)


def test_vocabulary_with_an_unknown_word_fails_naming_it(
    project: Path, manager: StageManager
) -> None:
    words = project / "pipelines" / "data" / "vocabulary" / "words.txt"
    words.write_text(words.read_text("utf-8") + "qwertyuiop\n", encoding="utf-8")
    result = _run(manager, project, "vocabulary")
    assert result.results["cards"].status is StageStatus.FAILURE
    cards = result.results["cards"]
    assert "qwertyuiop" in " ".join([cards.message, *cards.errors])
    assert result.results["anki"].status is StageStatus.SKIPPED


def test_ingest_builds_a_searchable_index(project: Path, manager: StageManager) -> None:
    result = _run(manager, project, "ingest")
    assert result.ok, result.to_json()
    with sqlite3.connect(_out(project, "ingest", "search.sqlite")) as db:
        (rows,) = db.execute("SELECT count(*) FROM chunks").fetchone()
        hits = db.execute("SELECT doc_id FROM chunks WHERE chunks MATCH 'atomic'").fetchall()
    assert rows >= 12
    assert {"search-index"} <= {doc for (doc,) in hits}
    assert result.results["enough"].message == "1 condition held; gate open"


def test_ingest_gate_closes_on_too_few_chunks(project: Path, manager: StageManager) -> None:
    pipeline = project / "pipelines" / "ingest.toml"
    pipeline.write_text(pipeline.read_text("utf-8").replace("value = 12", "value = 500"), "utf-8")
    result = _run(manager, project, "ingest")
    gate = result.results["enough"]
    assert gate.status is StageStatus.FAILURE
    assert "index.rows >= 500 failed: value is" in gate.message + " ".join(gate.errors)


def test_licence_similarity_ranks_the_near_duplicates_first(
    project: Path, manager: StageManager
) -> None:
    pipeline = project / "pipelines" / "licence-similarity.toml"
    text = pipeline.read_text("utf-8")
    assert "permutations = 768" in text
    pipeline.write_text(text.replace("permutations = 768", "permutations = 64"), "utf-8")
    result = _run(manager, project, "licence-similarity")
    assert result.ok, result.to_json()
    pairs = json.loads(_out(project, "licence-similarity", "pairs.json").read_text("utf-8"))
    first = pairs[0]
    assert (first["left"], first["right"]) == (
        "pipelines/data/licences/GFDL-1.2.txt",
        "pipelines/data/licences/GFDL-1.3.txt",
    )
    assert first["similarity"] > 0.7
    assert [p["similarity"] for p in pairs] == sorted(
        (p["similarity"] for p in pairs), reverse=True
    )
    report = _out(project, "licence-similarity", "report.md").read_text("utf-8")
    assert (
        "| pipelines/data/licences/GFDL-1.2.txt | pipelines/data/licences/GFDL-1.3.txt |" in report
    )


def test_lifecycle(project: Path, manager: StageManager) -> None:
    result = _run(manager, project, "lifecycle")
    assert result.ok, result.to_json()
    summary = json.loads(_out(project, "lifecycle", "summary.json").read_text("utf-8"))
    assert summary["ready"] is True and summary["plugins_loaded"] >= 10
    assert list(result.results) == [
        "bootstrap",
        "config_load",
        "plugin_load",
        "plugin_init",
        "ui_init",
        "ready",
        "shutdown",
    ]


def test_parallel_branches_overlap(project: Path, manager: StageManager) -> None:
    result = _run(manager, project, "parallel")
    assert result.ok, result.to_json()
    waits = [result.results[f"{b}_wait"].duration for b in ("harbour", "orchard", "workshop")]
    assert sum(waits) >= 2.9
    assert result.duration < 2.5
    report = _out(project, "parallel", "report.md").read_text("utf-8")
    assert report.count("## ") == 3


def test_keep_going_fails_one_branch_and_finishes_the_other(
    project: Path, manager: StageManager
) -> None:
    result = _run(manager, project, "keep-going")
    statuses = {stage: r.status for stage, r in result.results.items()}
    assert result.status is StageStatus.FAILURE
    assert statuses["flaky"] is StageStatus.FAILURE
    assert statuses["publish"] is StageStatus.SKIPPED
    assert statuses["notes_save"] is StageStatus.SUCCESS
    assert result.results["flaky"].data["exit_code"] == 3
    assert "read-only (simulated failure)" in result.results["flaky"].message
    assert _out(project, "keep-going", "notes.json").is_file()
    assert not _out(project, "keep-going", "published.txt").exists()


def test_command_line_exit_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(project / "pipelines" / "hello.toml")]) == 0
    assert main(["run", str(project / "pipelines" / "keep-going.toml")]) == 1
    assert main(["validate", *map(str, (project / "pipelines").glob("*.toml"))]) == 0


def test_sales_report_region_parameter_changes_what_is_written(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`${region}` in the file decides the report; `--set region=…` changes it again."""
    monkeypatch.chdir(project)
    path = project / "pipelines" / "sales-report.toml"
    summary_path = _out(project, "sales-report", "summary.json")
    path.write_text(path.read_text("utf-8").replace('region = "*"', 'region = "West"'), "utf-8")
    assert main(["run", str(path), "--no-history"]) == 0
    west = json.loads(summary_path.read_text("utf-8"))
    assert [r["region"] for r in west["by_region"]] == ["West"]
    assert main(["run", str(path), "--no-history", "--set", "region=North"]) == 0
    north = json.loads(summary_path.read_text("utf-8"))
    assert [r["region"] for r in north["by_region"]] == ["North"]
    assert north["totals"] != west["totals"]
    report = _out(project, "sales-report", "report.md").read_text("utf-8")
    assert report.startswith("# Sales for region North, period 2024\n")
    assert main(["run", str(path), "--no-history", "--set", "period=2024-03"]) == 0
    march = json.loads(summary_path.read_text("utf-8"))
    assert march["totals"][0]["orders"] < west["totals"][0]["orders"]


def test_hello_top_parameter_keeps_its_type(project: Path, manager: StageManager) -> None:
    pipeline = manager.load(project / "pipelines" / "hello.toml")
    assert pipeline.stages["count"].stage is not None
    assert pipeline.stages["count"].stage.config.top == 5
    result = manager.run(pipeline, params={"top": 2})
    assert result.ok, result.to_json()
    stats = json.loads(_out(project, "hello", "stats.json").read_text(encoding="utf-8"))
    assert len(stats["top_words"]) == 2


def test_composite_runs_pipelines_as_stages_and_rolls_up(
    project: Path, manager: StageManager
) -> None:
    result = _run(manager, project, "composite")
    assert result.ok, result.to_json()
    assert result.results["checks"].status is StageStatus.PARTIAL
    assert result.results["words"].message == "3 stages succeeded"
    totals = json.loads(_out(project, "composite", "west-totals.json").read_text("utf-8"))
    summary = json.loads(_out(project, "sales-report", "summary.json").read_text("utf-8"))
    assert [r["region"] for r in summary["by_region"]] == ["West"]
    assert totals == summary["totals"]
