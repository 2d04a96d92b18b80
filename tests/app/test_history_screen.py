"""The history screen: recorded runs listed, and one opened read-only with its logs and context."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from kit.app import MakeApp
from kit.cli import workbench
from kit.history import run_and_record
from kit.projects import write
from textual.widgets import DataTable

from workbench.app.screens.context_table import TableScreen
from workbench.app.screens.dialogs.keys_help import collect_sections
from workbench.app.screens.history import HistoryScreen, RecordedRunScreen, RunList
from workbench.app.widgets.run.context_inspector import ContextInspector
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.engine.history.store import DB_NAME, STATE_DIR
from workbench.engine.project import Project

REPORT = """
[pipeline]
name = "report"
description = "Load a small table, check it (which fails), save it"

[context]
region = "north"

[stages.load]
uses = "files.load"
config = { path = "data/sales.csv", key = "sales", column_types = { amount = "float" } }

[stages.check]
uses = "shell.run"
depends_on = ["load"]
config = { command = ["sh", "-c", "echo 'checking 4 rows' >&2; echo 'row 3: amount is negative' >&2; exit 2"] }

[stages.save]
uses = "files.save"
depends_on = ["check"]
config = { key = "sales", path = "out/sales.json" }
"""

SALES = """
region,product,amount
north,tea,12.5
south,coffee,8.0
east,tea,-1.0
west,cocoa,4.25
"""


OLD_HISTORY = Path(__file__).parents[1] / "data" / "history" / "old_previews.sql"
"""A history database written before previews were bounded."""


BASE = 1_700_000_000.0
"""A fixed clock for the pictures: 2023-11-14 22:13:20 UTC."""


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def record(root: Path, pipeline: str) -> None:
    """Run a pipeline of the project with the history recorder attached, as the CLI does."""
    loaded = Project.open(root).load_pipeline(root / "pipelines" / pipeline)
    run_and_record(root, loaded, source="cli")


def freeze(root: Path) -> None:
    """Fixed start times and durations, so the pictures do not change from run to run."""
    db = sqlite3.connect(root / STATE_DIR / DB_NAME)
    with db:
        db.execute("UPDATE runs SET started = ? + id * 60, duration = id * 1.25", (BASE,))
        db.execute(
            "UPDATE stages SET started = ? + run_id * 60 + position, duration = 0.5 "
            "WHERE started IS NOT NULL",
            (BASE,),
        )
    db.close()


@pytest.fixture
def recorded(project: Path) -> Path:
    """The test project with two recorded runs: alpha (success), then report (failure)."""
    write(project / "pipelines" / "report.toml", REPORT)
    write(project / "data" / "sales.csv", SALES)
    record(project, "alpha.toml")
    record(project, "report.toml")
    freeze(project)
    return project


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_runs_are_listed_newest_first(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            assert isinstance(app.screen, HistoryScreen)
            runs = app.screen.query_one(RunList)
            assert [(r.pipeline, r.status, r.source) for r in runs.runs.values()] == [
                ("report", "failure", "cli"),
                ("alpha", "success", "cli"),
            ]
            preview = str(app.screen.query_one("#history-preview").render())
            assert "run 2 · report" in preview
            assert "✘ check: sh failed with exit code 2" in preview
            assert 'region = "north"' in preview

    asyncio.run(go())


def test_opening_a_run_shows_the_failure_first_with_its_log_and_context(
    recorded: Path, make_app: MakeApp
) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RecordedRunScreen)
            stages = screen.query_one(StageStatusList)
            assert stages.order == ["load", "check", "save"]
            assert stages.selected == "check"  # the failure opens first
            log = screen.query_one(LogPane)
            assert log.view.buffer is not None
            lines = log.view.buffer.lines
            assert ("stderr", "checking 4 rows") in lines
            assert ("stderr", "row 3: amount is negative") in lines
            assert log.border_subtitle.endswith("full log: .workbench/logs/2/check.log")
            inspector = screen.query_one(ContextInspector)
            keys = {n.data.name: n.data for n in inspector.root.children if n.data is not None}
            assert keys["sales"].writer == "load" and keys["sales"].change is None
            assert keys["region"].writer is None  # a parameter

            await pilot.press("up")  # load: its change is marked, its table opens
            await settle(pilot)
            keys = {n.data.name: n.data for n in inspector.root.children if n.data is not None}
            assert keys["sales"].change == "added"
            assert len(keys["sales"].value) == 4
            inspector.focus()
            inspector.move_cursor(
                next(n for n in inspector.root.children if n.data.name == "sales")
            )
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TableScreen)
            await pilot.press("escape")
            await pilot.pause()

            await pilot.press("escape")  # back to the list
            await pilot.pause()
            assert isinstance(app.screen, HistoryScreen)

    asyncio.run(go())


CHECKS = """
[pipeline]
name = "checks"

[context]
words = 120

[stages.checks]
uses = "pipeline.call"

[stages.checks.config]
inputs = { words = "words" }

[stages.checks.config.stages.enough_words]
uses = "gate.check"
config = { conditions = [{ key = "words", op = "ge", value = 50 }] }

[stages.checks.config.stages.a_novel]
uses = "gate.check"
depends_on = ["enough_words"]
continue_on_error = true
config = { conditions = [{ key = "words", op = "ge", value = 50000 }] }

[stages.after]
uses = "gate.check"
depends_on = ["checks"]
config = { conditions = [{ key = "words", op = "ge", value = 1 }] }
"""


def test_a_recorded_composites_children_are_rows_under_it_that_o_folds(
    project: Path, make_app: MakeApp
) -> None:
    write(project / "pipelines" / "checks.toml", CHECKS)
    record(project, "checks.toml")

    def rows(stages: StageStatusList) -> list[str]:
        return [stages.render_line(y).text.rstrip() for y in range(len(stages._lines))]

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RecordedRunScreen)
            stages = screen.query_one(StageStatusList)
            assert stages.selected == "checks"
            shown = rows(stages)
            assert len(shown) == 4
            # Partial: one child failed under continue_on_error, and the run went on.
            assert shown[0].split()[:3] == ["◐", "checks", "▾"]
            assert "├ ✔ enough_words" in shown[1]
            assert "└ ✘ a_novel" in shown[2]
            assert shown[3].split()[:2] == ["✔", "after"]
            assert screen.check_action("toggle_children", ())
            offered = app.active_bindings["o"]  # in the footer
            assert offered.binding.description == "Children" and offered.enabled
            sections = dict(collect_sections(screen))  # and in the ? overlay
            assert ("o", "Children") in sections["This view"]

            await pilot.press("o")
            await pilot.pause()
            folded = rows(stages)
            assert len(folded) == 2
            assert "checks ▸" in folded[0] and "after" in folded[1]
            await pilot.press("o")
            await pilot.pause()
            assert len(rows(stages)) == 4

            # The key is offered on a composite only.
            await pilot.press("down")
            await settle(pilot)
            assert stages.selected == "after"
            assert not screen.check_action("toggle_children", ())
            assert "o" not in app.active_bindings  # nor in the footer
            await pilot.press("o")
            await pilot.pause()
            assert len(rows(stages)) == 4

    asyncio.run(go())


def test_a_stage_that_never_ran_has_no_context_after_it(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("down")  # save was skipped
            await settle(pilot)
            inspector = app.screen.query_one(ContextInspector)
            notes = [n.data.name for n in inspector.root.children if n.data is not None]
            assert notes == ["save did not finish in this run."]

    asyncio.run(go())


def test_a_cached_stage_shows_the_context_it_restored(project: Path, make_app: MakeApp) -> None:
    """A stage restored from the cache never starts, yet the context after it is known."""
    write(project / "pipelines" / "report.toml", REPORT)
    write(project / "data" / "sales.csv", SALES)
    for _ in range(2):  # as the command line runs it, so the second run uses the cache
        done = workbench("run", "pipelines/report.toml", cwd=project)
        assert "Traceback" not in done.stderr

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")  # the newest run
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RecordedRunScreen)
            assert screen.states["load"].status == "cached"
            assert screen.query_one(StageStatusList).selected == "check"  # the failure first
            await pilot.press("up")  # load, restored from the cache
            await settle(pilot)
            keys = _entries(screen.query_one(ContextInspector))
            assert "load did not finish in this run." not in keys
            assert keys["sales"].data.writer == "load"

    asyncio.run(go())


def test_f_lists_only_the_open_pipelines_runs(recorded: Path, make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app("alpha.toml")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("f")
            await settle(pilot)
            runs = app.screen.query_one(RunList)
            assert [r.pipeline for r in runs.runs.values()] == ["alpha"]
            assert app.screen.query_one("#history-runs-panel").border_subtitle == "1 run of alpha"
            await pilot.press("f")
            await settle(pilot)
            assert len(runs.runs) == 2

    asyncio.run(go())


def test_a_new_run_shows_up_when_the_screen_is_shown_again(
    recorded: Path, make_app: MakeApp
) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await asyncio.to_thread(record, recorded, "diamond.toml")
            await pilot.press("p")
            await pilot.press("h")
            await settle(pilot)
            runs = app.screen.query_one(RunList)
            assert next(iter(runs.runs.values())).pipeline == "diamond"

    asyncio.run(go())


def test_an_empty_history_says_how_runs_get_there(make_app: MakeApp) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            assert app.screen.query_one(RunList).option_count == 0
            assert "No runs recorded yet" in str(app.screen.query_one("#history-preview").render())

    asyncio.run(go())


BIG = """
[pipeline]
name = "big"

[stages.load]
uses = "files.load"
config = { path = "data/big.csv", key = "sales", column_types = { amount = "float" } }
"""


def _entries(inspector: ContextInspector) -> dict[str, Any]:
    return {n.data.name: n for n in inspector.root.children if n.data is not None}


def test_a_recorded_runs_table_shows_its_first_whole_rows_and_its_real_size(
    project: Path, make_app: MakeApp
) -> None:
    """A table too big for its preview shows its first whole rows and its real size."""
    write(project / "pipelines" / "big.toml", BIG)
    lines = ["region,product,amount"] + [f"r{i % 4},p{i},{i}.5" for i in range(300)]
    write(project / "data" / "big.csv", "\n".join(lines) + "\n")
    record(project, "big.toml")

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            inspector = app.screen.query_one(ContextInspector)
            entries = _entries(inspector)
            sales = entries["sales"].data
            assert (sales.writer, sales.change) == ("load", "added")
            shown = len(sales.value)
            assert 10 < shown < 300
            assert sales.value == [
                {"region": f"r{i % 4}", "product": f"p{i}", "amount": i + 0.5} for i in range(shown)
            ]
            label = inspector.render_label(
                entries["sales"], app.screen.rich_style, app.screen.rich_style
            ).plain
            assert f"table 300 rows × 3 columns, first {shown} recorded" in label
            assert "← load" in label
            assert inspector.border_subtitle == "after load · +1  ~0  −0 · 1 key"
            inspector.focus()
            inspector.move_cursor(entries["sales"])
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, TableScreen)
            assert app.screen.query_one(DataTable).row_count == shown

    asyncio.run(go())


def test_a_run_recorded_by_an_older_version_opens_with_its_old_previews_marked(
    project: Path, make_app: MakeApp
) -> None:
    path = project / STATE_DIR / DB_NAME
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(OLD_HISTORY.read_text(encoding="utf-8"))
    db.close()

    async def go() -> None:
        app = make_app()
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RecordedRunScreen)
            inspector = screen.query_one(ContextInspector)
            entries = _entries(inspector)
            assert set(entries) == {"region", "rows", "note"}
            label = inspector.render_label(
                entries["rows"], app.screen.rich_style, app.screen.rich_style
            ).plain
            assert '\'[{"region": "r0", "amount": 0.0}, ' in label
            assert "old preview" in label and "← load" in label
            rows = entries["rows"]
            rows.expand()  # the raw text, line by line
            await pilot.pause()
            assert rows.children[0].data.name == "0"
            await pilot.press("down")  # total: a secret withheld, a removal marked
            await settle(pilot)
            entries = _entries(inspector)
            assert entries["api_token"].data.summary == "••••"
            assert entries["note"].data.change == "removed"
            assert entries["total"].data.value == 4

    asyncio.run(go())


# -- pictures ------------------------------------------------------------------------------


def test_snapshot_history_list(recorded: Path, make_app: MakeApp, snap_compare: Any) -> None:
    assert snap_compare(make_app(), press=["h"], run_before=settle, terminal_size=(120, 36))


def test_snapshot_recorded_run(recorded: Path, make_app: MakeApp, snap_compare: Any) -> None:
    async def open_run(pilot: Any) -> None:
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), run_before=open_run, terminal_size=(120, 36))
