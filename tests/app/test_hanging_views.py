"""Wrapped text stays under its label in the views the details panes did not cover.

The Pipelines preview and its list, the recent runs, the Run view's result
header, History's summary and stage result, the problems list and the dry-run
summary all wrapped their long lines back to column 0 (or, in the result header,
split a figure from its unit). Each test draws the text at a narrow width, row by
row, and checks where the continuation rows start.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.projects import dry_run_project
from test_hanging_text import indent, rows
from textual.widgets import OptionList

from workbench.app.app import WorkbenchApp
from workbench.app.catalog import PipelineEntry
from workbench.app.run.controller import StageState
from workbench.app.screens.history import (
    run_summary as history_summary,
    stage_result as history_stage_result,
)
from workbench.app.screens.pipelines import preview, recent_runs
from workbench.app.widgets.common.hanging import Hanging
from workbench.app.widgets.common.pipeline_list import entry_prompt
from workbench.app.widgets.common.problem_list import problem_prompt
from workbench.app.widgets.common.stage_details import describe_stage
from workbench.app.widgets.report.report_compare import ReportCompare
from workbench.app.widgets.report.report_view import cache_lines, summary_content
from workbench.app.widgets.run.stage_result import LABEL_WIDTH, result_lines
from workbench.engine.cache.reasons import Reason, ReasonKind
from workbench.engine.dryrun.models import DryRunReport, StagePlan
from workbench.engine.errors import Problem
from workbench.engine.history.store import RunDetail, RunRecord, StageRecord
from workbench.engine.project import Project
from workbench.engine.registry import StageRegistry
from workbench.engine.stage import StageResult, StageStatus

LONG_MESSAGE = "sh failed with exit code 3: upload target is read-only (simulated failure)"


def loaded(tmp_path: Path, stages: str = "") -> PipelineEntry:
    path = tmp_path / "pipelines" / "keep-going.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[pipeline]\nname = "keep-going"\ndescription = "Fails on purpose"\n\n'
        '[stages.a_rather_long_stage_name]\nuses = "core.noop"\n' + stages,
        encoding="utf-8",
    )
    return PipelineEntry(path, Project.open(tmp_path).load_pipeline(path))


def a_run(status: str = "failure", run_id: int = 6) -> RunRecord:
    return RunRecord(run_id, "keep-going", None, "app", status, 1_000.0, 0.028, {})


def continuation(out: list[str], starts: str) -> list[str]:
    """The rows after the first one that starts with ``starts``, up to the next line."""
    first = next(i for i, row in enumerate(out) if row.startswith(starts))
    following = []
    for row in out[first + 1 :]:
        if indent(row) == 0 or not row.strip():
            break
        following.append(row)
    assert following, out
    return following


# -- the Pipelines view -----------------------------------------------------------------------


def test_the_preview_last_run_wraps_under_the_summary(tmp_path: Path) -> None:
    out = rows(preview(loaded(tmp_path), len(str(tmp_path)) + 1, a_run()), 38)
    label = len("last run #6: ")
    for row in continuation(out, "last run #6: "):
        assert indent(row) == label, out


def test_the_preview_stage_type_wraps_under_the_type(tmp_path: Path) -> None:
    entry = loaded(tmp_path, '[stages.b]\nuses = "local.a_stage_type_with_a_very_long_name"\n')
    out = rows(preview(entry), 44)
    label = len("  a_rather_long_stage_name  ")
    for row in continuation(out, "  b "):
        assert indent(row) == label, out


def test_recent_runs_wrap_under_the_summary() -> None:
    out = rows(recent_runs([a_run(), a_run("success", 5)]), 30)
    label = len("✘ keep-going  ")
    assert [row.split()[0] for row in out if indent(row) == 0] == ["✘", "✔"], out
    assert all(indent(row) == label for row in out if indent(row)), out


def test_a_pipeline_row_wraps_its_problem_count_under_the_file(tmp_path: Path) -> None:
    entry = loaded(tmp_path, '[stages.b]\nuses = "core.nop"\n')
    assert not entry.valid
    out = rows(entry_prompt(entry, width=10), 30)
    text = "\n".join(out)
    assert "problem" in text
    assert all(indent(row) >= 2 for row in out[1:]), out


def test_a_problem_wraps_under_its_place_and_its_message() -> None:
    problem = Problem(
        "unknown_stage",
        "stage 'b' uses 'core.nop', which is not a registered stage",
        path="pipelines/a/rather/deep/folder/broken.toml",
        line=10,
        hint="check the name with workbench stages",
    )
    out = rows(problem_prompt(problem), 30)
    assert out[0].startswith("✘ ")
    assert all(indent(row) >= 2 for row in out[1:]), out


# -- the Run view and History ------------------------------------------------------------------


def test_the_run_result_header_hangs_every_value() -> None:
    state = StageState(
        status=StageStatus.FAILURE,
        message=LONG_MESSAGE,
        result=StageResult.failure(
            LONG_MESSAGE, "$ sh -c 'echo checking the upload target; exit 3'", exit_code=3
        ),
    )
    out = rows(Hanging(result_lines("flaky", "shell.run", state, [])), 40)
    body = out[1:]
    assert all(indent(row) == LABEL_WIDTH for row in body if indent(row)), out
    labels = [row.split()[0] for row in body if indent(row) == 0]
    assert labels[:3] == ["message", "exit", "error"], out  # the short fact before the long one


def test_a_cached_stage_says_so_in_words_without_its_fingerprint() -> None:
    state = StageState(
        status=StageStatus.CACHED,
        message="up to date: restored 'sales'",
        result=StageResult.cached(
            "up to date", fingerprint="8e1b94fef157bb79004019c973f60b14", ran_for=0.0085
        ),
    )
    text = Hanging(result_lines("load", "files.load", state, ["sales"])).plain
    assert "≡ restored from the cache" in text
    assert "fingerprint" not in text and "8e1b94" not in text
    assert "ran_for" not in text and "its cached run took 8 ms" in text


def test_history_summary_hangs_the_failure_under_its_message() -> None:
    failed = StageRecord("flaky", "shell.run", "failure", 1.0, 0.01, LONG_MESSAGE, [], 1, None)
    detail = RunDetail(a_run(), [failed])
    out = rows(history_summary(detail, Path("/")), 40)
    label = len("✘ flaky: ")
    for row in continuation(out, "✘ flaky: "):
        assert indent(row) == label, out


def test_history_stage_result_is_labelled_like_the_run_view() -> None:
    record = StageRecord(
        "flaky",
        "shell.run",
        "failure",
        1.0,
        0.01,
        LONG_MESSAGE,
        [LONG_MESSAGE, "$ sh -c 'echo checking the upload target; exit 3'"],
        1,
        None,
        data={"exit_code": 3},
    )
    out = rows(history_stage_result(record), 40)
    text = "\n".join(out)
    assert text.count("upload target is read-only") == 1, out  # the error that repeats it goes
    assert any(row.startswith("exit code ") and row.endswith("3") for row in out), out
    for row in continuation(out, "message"):
        assert indent(row) == LABEL_WIDTH, out


# -- the Dry run view and the details ------------------------------------------------------------


def test_the_dry_run_summary_wraps_under_wall_and_under_the_counts() -> None:
    plans = [
        StagePlan(
            stage_id=f"stage_number_{n}",
            uses="core.noop",
            layer=n,
            depends_on=(f"stage_number_{n - 1}",) if n else (),
            config={},
            supported=True,
            operations=(),
            estimated_seconds=None,
            estimate_source="unknown",
        )
        for n in range(4)
    ]
    report = DryRunReport(
        pipeline="keep-going",
        path=None,
        order=tuple(p.stage_id for p in plans),
        layers=tuple((p.stage_id,) for p in plans),
        stages=tuple(plans),
        conflicts=(),
        concurrency=2,
        critical_path=tuple(p.stage_id for p in plans),
        critical_seconds=0.0,
        wall_seconds=0.0,
    )
    out = rows(summary_content(report), 44)
    wall = next(i for i, row in enumerate(out) if row.startswith("wall "))
    assert wall > 0
    assert all(indent(row) == len("keep-going  ") for row in out[1:wall]), out
    assert all(indent(row) == len("wall ") for row in out[wall + 1 :]), out


def test_reasons_and_defaults_are_written_as_people_write_them() -> None:
    plan = StagePlan(
        stage_id="flaky",
        uses="shell.run",
        layer=0,
        depends_on=(),
        config={},
        supported=True,
        operations=(),
        estimated_seconds=None,
        estimate_source="unknown",
        reasons=(Reason(ReasonKind.NOT_CACHEABLE, "a command's effects are unknown"),),
    )
    text = Hanging(cache_lines(plan)).plain
    assert "not cacheable" in text and "not_cacheable" not in text
    registry = StageRegistry()
    registry.discover()
    details = describe_stage(registry.metadata("api.call")).plain
    assert 'default "GET"' in details and "'GET'" not in details
    details = describe_stage(registry.metadata("core.config_load")).plain
    assert "default false" in details and "False" not in details


def test_compared_time_totals_say_unknown_rather_than_zero(tmp_path: Path) -> None:
    """The side-by-side totals added up missing estimates as 0 ms ("wall seconds 0 ms")
    while the titles above said the wall time was unknown."""
    root = dry_run_project(tmp_path / "project")

    async def go() -> list[str]:
        app = WorkbenchApp(root, root / "pipelines" / "plan.toml", watch=False)
        async with app.run_test(size=(120, 36)) as pilot:
            for group in (["y"], ["c", "o"], ["enter"]):
                await pilot.press(*group)
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
            options = app.screen.query_one(ReportCompare).query_one(OptionList)
            return [
                " | ".join(cell.plain for cell in option.prompt.cells)
                for option in options.options
                if option.id and option.id.startswith("total:")
            ]

    totals = asyncio.run(go())
    wall = next(t for t in totals if t.startswith("wall seconds"))
    # plan.toml has no estimate at all; plan-fixed.toml has one of four
    assert wall == "wall seconds  unknown | unknown | wall seconds  ≥ 0 ms (3 of 4 unknown)"


def test_a_count_and_its_unit_read_as_one_figure() -> None:
    state = StageState(
        status=StageStatus.FAILURE,
        message="sh failed with exit code 3",
        result=StageResult.failure("sh failed with exit code 3", count=1, unit="lines"),
    )
    text = Hanging(result_lines("flaky", "shell.run", state, [])).plain
    assert "result    1 line" in text and "unit:" not in text, text
