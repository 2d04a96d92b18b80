"""At 80x24 nothing is cut: whole list rows, the selected stage in view, room for the list.

These drive the app as a person does in a small terminal and check what they
would notice: a pipeline row missing its last line, the graph scrolled away from
the selected stage after zooming and restoring it, a recent-runs box eating the
rows of the list it repeats.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from kit.app import MakeApp, finish, open_app, screen, until
from kit.projects import write_files
from rich.segment import Segment
from rich.style import Style
from test_history_screen import recorded, settle
from textual.geometry import Region
from textual.strip import Strip

from workbench.app.screens.dialogs.keys_help import collect_sections
from workbench.app.screens.history import stage_result
from workbench.app.screens.pipelines import PipelinesScreen
from workbench.app.widgets.common.pipeline_list import PipelineList
from workbench.app.widgets.graph.dag_view import DagView
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.stage_pane import fit_row

__all__ = ["recorded"]

NARROW = (80, 24)
NAMES = (
    "composite",
    "hello",
    "ingest",
    "keep-going",
    "licence-similarity",
    "lifecycle",
    "parallel",
    "sales-report",
    "vocabulary",
)
"""The example project's pipelines: "hello" beside an 18-letter name fills a row to
within one column of the list's width, so the scrollbar decides whether it wraps."""


def test_every_pipeline_row_gets_all_its_lines_at_80x24(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "examples",
        {
            f"pipelines/{name}.toml": f'[pipeline]\nname = "{name}"\n\n[stages.a]\nuses = "core.noop"\n'
            for name in NAMES
        },
    )

    async def go() -> None:
        app = open_app(root)
        async with app.run_test(size=NARROW) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, PipelinesScreen)
            # The list is filled again when the last runs have been read: its options
            # are measured while it is empty, before its scrollbar comes back.
            app.screen.show_project(app.project)
            await pilot.pause()
            pipelines = app.screen.query_one(PipelineList)
            width = pipelines.scrollable_content_region.width - 2  # the options' padding
            given = pipelines._line_cache.heights
            for index in range(pipelines.option_count):
                option = pipelines.get_option_at_index(index)
                needed = pipelines._get_visual(option).get_height(pipelines.styles, width)
                assert given[index] == needed, (NAMES[index], given[index], needed)

    asyncio.run(go())


def test_recent_runs_give_their_rows_to_the_list_in_a_short_terminal(
    recorded: Path, make_app: MakeApp
) -> None:
    async def go(size: tuple[int, int]) -> bool:
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, PipelinesScreen)
            assert app.screen.last_runs.recent, "the project has recorded runs"
            return app.screen.query_one("#recent-runs").display

    assert asyncio.run(go((120, 36))) is True
    assert asyncio.run(go(NARROW)) is False


def test_the_selected_stage_stays_in_view_after_zooming_the_graph(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "keepgoing")
        async with app.run_test(size=NARROW) as pilot:
            await pilot.press("r")
            run = screen(app)
            dag = run.query_one(DagView)
            await until(pilot, lambda: dag.layout_result.nodes.get("later") is not None)
            dag.focus()
            dag.selected = "later"
            await pilot.pause()

            def in_view() -> bool:
                return box_in_view(dag, "later")

            assert in_view()
            await pilot.press("z")
            assert run.maximized is dag
            await pilot.pause()
            await pilot.press("z")
            assert run.maximized is None
            await pilot.pause()
            await pilot.pause()
            assert in_view()

    asyncio.run(go())


def test_a_long_recorded_result_scrolls_to_its_last_line_at_80x24(
    recorded: Path, make_app: MakeApp
) -> None:
    async def go() -> None:
        app = make_app()
        async with app.run_test(size=NARROW) as pilot:
            await pilot.press("h")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            result = app.screen.query_one("#recorded-result")
            detail = app.screen.detail
            record = next(s for s in detail.stages if s.stage_id == "check")
            box = result.scrollable_content_region
            needed = len(stage_result(record).wrap(box.width))
            # The failed check's error is the whole command and its output: more
            # lines than the box has rows. Every one of them can be scrolled to.
            assert needed > box.height
            assert result.allow_vertical_scroll  # the wheel and the scrollbar reach them
            assert result.max_scroll_y + box.height >= needed

    asyncio.run(go())


def box_in_view(dag: DagView, stage_id: str) -> bool:
    """Whether the stage's whole box is inside the graph pane's visible window."""
    box = dag.layout_result.nodes[stage_id]
    window = Region(*dag.scroll_offset, *dag.scrollable_content_region.size)
    return window.contains_region(Region(box.x, box.y, box.w, box.h))


def test_a_small_graph_leaves_the_rows_it_does_not_need_to_the_log(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r")
            await pilot.pause()
            run = screen(app)
            dag, log = run.query_one(DagView), run.query_one(LogPane)
            assert dag.size.height <= dag.virtual_size.height  # no empty rows under it
            assert log.outer_size.height > 2 * dag.outer_size.height

    asyncio.run(go())


KEEP_GOING = """
[pipeline]
name = "keep-going"

[stages.notes]
uses = "core.noop"

[stages.stats]
uses = "core.noop"
depends_on = ["notes"]

[stages.flaky]
uses = "shell.run"
config = { command = ["sh", "-c", "echo 'checking the upload target'; echo 'upload target is read-only (simulated failure)' >&2; exit 3"] }

[stages.publish]
uses = "core.noop"
depends_on = ["flaky"]
"""
"""The example project's keep-going: a command fails with a long error, under a branch
that succeeds; its result header takes most of the rows the header may have."""


def test_after_a_failure_at_80x24_the_failed_stage_and_its_log_both_show(
    tmp_path: Path,
) -> None:
    root = write_files(tmp_path / "keep", {"pipelines/keep-going.toml": KEEP_GOING})

    async def go() -> None:
        app = open_app(root, "keep-going")
        async with app.run_test(size=NARROW) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            run = screen(app)
            dag, log = run.query_one(DagView), run.query_one(LogPane)
            assert dag.selected == "flaky"  # the failure opens first
            assert box_in_view(dag, "flaky")  # its whole box, borders and mark
            assert log.outer_size.height >= 7  # a few lines of the log between its borders

    asyncio.run(go())


def test_the_keys_overlay_says_what_z_zooms(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=NARROW) as pilot:
            await pilot.press("r")
            await pilot.pause()
            rows = dict(dict(collect_sections(screen(app)))["This view"])
            assert "graph" in rows["z"] and "log" in rows["z"], rows["z"]

    asyncio.run(go())


def test_a_row_cut_only_in_its_padding_has_no_ellipsis() -> None:
    pending = Strip([Segment("○   load      "), Segment(" " * 8), Segment("")])
    assert fit_row(pending, 12, Style()).text == "○   load    "
    cut = Strip([Segment("✘   flaky  0.1s  "), Segment("sh failed")])
    assert fit_row(cut, 20, Style()).text == "✘   flaky  0.1s  sh…"


def test_the_footer_names_copy_log_once_when_the_log_has_focus(run_project: Path) -> None:
    async def go() -> None:
        app = open_app(run_project, "chain")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r", "R")
            await finish(pilot)
            screen(app).query_one(LogPane).query_one("#log-lines").focus()
            await pilot.pause()
            shown = [b.binding.description for b in app.active_bindings.values() if b.binding.show]
            assert shown.count("Copy log") == 1, shown

    asyncio.run(go())


def test_one_line_bars_end_with_an_ellipsis_when_cut_at_80x24(tmp_path: Path) -> None:
    root = write_files(tmp_path / "keep", {"pipelines/keep-going.toml": KEEP_GOING})
    long = KEEP_GOING.replace(
        'name = "keep-going"',
        'name = "keep-going"\ndescription = "Fails on purpose: a command exits 3, the rest goes on"',
    )
    (root / "pipelines" / "keep-going.toml").write_text(long, encoding="utf-8")

    async def go() -> None:
        app = open_app(root, "keep-going")
        async with app.run_test(size=NARROW) as pilot:
            await pilot.press("g")
            await pilot.pause()
            summary = app.screen.query_one("#graph-summary").render_line(0).text.rstrip()
            assert summary.endswith("…"), summary
            await pilot.press("r", "R")
            await finish(pilot)
            banner = screen(app).query_one("#run-banner").render_line(0).text.rstrip()
            assert "RUN FAILED" in banner and banner.endswith("…"), banner

    asyncio.run(go())
