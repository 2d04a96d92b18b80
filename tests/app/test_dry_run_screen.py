"""The dry-run view driven like a person: the graph link, choosing what to compare, export."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from kit.app import SIZE
from kit.projects import dry_run_project, record_plan_run, write_group
from textual.pilot import Pilot
from textual.widgets import OptionList

from workbench.app.app import WorkbenchApp
from workbench.app.editing.session import EditSession
from workbench.app.screens.dialogs.keys_help import collect_sections
from workbench.app.screens.dry_run import DryRunScreen
from workbench.app.widgets.graph.dag_view import DagView
from workbench.app.widgets.report.report_compare import ReportCompare
from workbench.app.widgets.report.report_view import ReportView
from workbench.engine.dryrun.compare import Comparison, PlanAgainstRun
from workbench.engine.dryrun.models import DryRunReport


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return dry_run_project(tmp_path / "project")


async def settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def drive(root: Path, steps: Callable[[Pilot[None], DryRunScreen], Awaitable[None]]) -> None:
    """Open the app on plan.toml, switch to the dry-run view, then run ``steps``."""

    async def go() -> None:
        app = WorkbenchApp(root, root / "pipelines" / "plan.toml", watch=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("y")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DryRunScreen)
            await steps(pilot, screen)

    asyncio.run(go())


def test_the_report_of_the_open_pipeline_is_built(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        assert isinstance(screen.shown, DryRunReport)
        report = screen.shown
        assert report.pipeline == "plan"
        assert {c.kind for c in report.conflicts} == {"write_path", "no_dry_run"}
        assert not report.stage("notify").supported
        assert screen.query_one(ReportView).selected_stage == "load"

    drive(root, steps)


def test_the_editors_session_is_announced_and_the_dry_run_compares_its_edits(
    root: Path,
) -> None:
    """The editor announces what it edits on the app's signal; the dry run reads it
    from the app (it never looks inside the editor screen)."""

    async def go() -> None:
        app = WorkbenchApp(root, root / "pipelines" / "plan.toml", watch=False)
        async with app.run_test(size=SIZE) as pilot:
            heard: list[EditSession | None] = []
            app.edit_session_changed.subscribe(app.screen, heard.append, immediate=True)
            assert app.edit_session is None
            await pilot.press("e")
            await settle(pilot)
            session = app.edit_session
            assert session is not None and session.path == root / "pipelines" / "plan.toml"
            assert heard == [session]
            session.set_config("save_b", {"key": "text", "path": "out/copy.txt"}, typing=False)
            await pilot.press("y")
            await settle(pilot)
            await pilot.press("c", "e")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DryRunScreen)
            shown = screen.shown
            assert isinstance(shown, Comparison) and shown.kind == "edited"
            [change] = [r.change for r in shown.rows if r.change is not None]
            assert change.config_changes == (("path", "out/result.txt", "out/copy.txt"),)

    asyncio.run(go())


def test_selecting_in_the_report_selects_in_the_graph_and_back(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        dag = screen.query_one(DagView)
        report = screen.query_one(ReportView)
        assert dag.selected == "load"
        await pilot.press("down")  # the layer heading is skipped
        await pilot.pause()
        assert report.selected_stage == "save_a"
        assert dag.selected == "save_a"
        dag.focus()
        await pilot.press("down")  # in the graph: the next layer down
        await pilot.pause()
        assert dag.selected == "notify"
        assert report.selected_stage == "notify"
        report.query_one("OptionList").focus()
        await pilot.press("end")  # the last conflict stands for its first stage
        await pilot.pause()
        assert dag.selected == report.selected_stage

    drive(root, steps)


def test_comparing_with_another_pipeline(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("o")  # another pipeline
        await pilot.pause()
        await pilot.press("enter")  # plan-fixed.toml, the only other file
        await settle(pilot)
        shown = screen.shown
        assert isinstance(shown, Comparison)
        marks = {row.stage_id: row.marks for row in shown.rows}
        assert marks["notify"] == ("removed",)
        assert marks["done"] == ("added",)
        assert marks["save_b"] == ("reconfigured", "operations")
        assert [c.kind for c in shown.diff.conflicts_resolved] == ["no_dry_run", "write_path"]
        compare = screen.query_one(ReportCompare)
        assert compare.display
        screen.query_one(DagView).selected = "done"  # only on the right: still in the graph
        await pilot.pause()
        assert compare.selected_stage == "done"
        await pilot.press("x")  # back to the single report
        await settle(pilot)
        assert isinstance(screen.shown, DryRunReport)

    drive(root, steps)


def test_comparing_with_other_parameters(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        await pilot.press("c", "k")
        await pilot.pause()
        await pilot.press("end", "ctrl+u", *"bye", "enter")  # replace the greeting
        await settle(pilot)
        shown = screen.shown
        assert isinstance(shown, Comparison) and shown.kind == "parameters"
        assert shown.parameter_changes == (("greeting", "hello", "bye"),)
        assert shown.right_label == "greeting=bye"

    drive(root, steps)


def test_comparing_edits_needs_an_editor_with_edits(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        await pilot.press("c", "e")
        await pilot.pause()
        assert isinstance(screen.shown, DryRunReport)  # nothing changed, it explained why
        titles = [n.title for n in pilot.app._notifications]
        assert "No edits to compare" in titles
        app = screen.workbench
        session = EditSession.open(root / "pipelines" / "plan.toml", app.project.registry)
        session.set_config("save_b", {"key": "text", "path": "out/copy.txt"}, typing=False)
        app.announce_edit_session(session)
        await pilot.press("c", "e")
        await settle(pilot)
        shown = screen.shown
        assert isinstance(shown, Comparison) and shown.kind == "edited"
        [change] = [r.change for r in shown.rows if r.change is not None]
        assert change.stage_id == "save_b"
        assert change.config_changes == (("path", "out/result.txt", "out/copy.txt"),)

    drive(root, steps)


def test_plan_against_a_past_run(root: Path) -> None:
    record_plan_run(root)

    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        await pilot.press("c", "h")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        shown = screen.shown
        assert isinstance(shown, PlanAgainstRun)
        verdicts = {row.stage_id: row.verdict for row in shown.rows}
        assert verdicts == {
            "load": "as planned",
            "save_a": "as planned",
            "save_b": "failed",
            "notify": "not run",
        }
        assert screen.query_one(DagView).status_of("save_b") == "failure"

    drive(root, steps)


def test_no_runs_yet_is_explained(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        await pilot.press("c", "h")
        await pilot.pause()
        assert "No runs to compare with" in [n.title for n in pilot.app._notifications]
        assert isinstance(screen.shown, DryRunReport)

    drive(root, steps)


def test_export_writes_json_and_markdown_under_out(root: Path) -> None:
    async def steps(pilot: Pilot[None], screen: DryRunScreen) -> None:
        await pilot.press("j", "m")
        await pilot.pause()
        data = json.loads((root / "out" / "dry-run" / "plan.json").read_text())
        assert data["pipeline"] == "plan"
        assert (root / "out" / "dry-run" / "plan.md").read_text().startswith("## Dry run: plan")
        messages = [n.message for n in pilot.app._notifications]
        assert "Wrote out/dry-run/plan.json" in messages
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("end", "ctrl+u", *"review.md", "enter")
        await pilot.pause()
        assert (root / "review.md").read_text().startswith("## Dry run: plan")

    drive(root, steps)


def test_o_folds_a_composites_child_operations_and_shows_them_again(root: Path) -> None:
    write_group(root)

    def card(view: ReportView, stage: str) -> list[str]:
        prompt = view.query_one(OptionList).get_option(f"stage:{stage}").prompt
        return str(prompt).splitlines()

    async def go() -> None:
        app = WorkbenchApp(root, root / "pipelines" / "group.toml", watch=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("y")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DryRunScreen)
            view = screen.query_one(ReportView)
            assert view.selected_stage == "copy"
            shown = card(view, "copy")
            assert shown[0].split()[1:3] == ["copy", "▾"]
            operations = [line.split(maxsplit=2)[1] for line in shown if "•" in line]
            assert operations == ["run", "load:", "save:", "check:"]
            assert screen.check_action("toggle_children", ())
            offered = app.active_bindings["o"]  # in the footer
            assert offered.binding.description == "Children" and offered.enabled
            sections = dict(collect_sections(screen))  # and in the ? overlay
            assert ("o", "Children") in sections["This view"]

            await pilot.press("o")
            await pilot.pause()
            folded = card(view, "copy")
            assert folded[0].split()[1:3] == ["copy", "▸"]
            assert [line.strip() for line in folded[1:]] == [
                "• run inline stages of 'copy' (3 stages)",
                "▸ 3 child stages folded — o shows them",
            ]

            await pilot.press("o")
            await pilot.pause()
            assert card(view, "copy") == shown

            # The key is offered on a composite only, and folds nothing elsewhere.
            await pilot.press("down")
            await pilot.pause()
            assert view.selected_stage == "after"
            assert not screen.check_action("toggle_children", ())
            assert "o" not in app.active_bindings  # not in the footer
            assert ("o", "Children") in dict(collect_sections(screen))["This view"]  # overlay
            after = card(view, "after")
            assert "▾" not in after[0] and "▸" not in after[0]
            await pilot.press("o")
            await pilot.pause()
            assert card(view, "after") == after and card(view, "copy") == shown

    asyncio.run(go())
