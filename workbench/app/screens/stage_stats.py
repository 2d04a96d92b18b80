"""Stage statistics of one pipeline over its recorded runs: ``workbench history stats`` in the app.

Opened from the history screen with ``S`` for the pipeline of the highlighted run
(the open pipeline when no run is highlighted). Per stage: how many recorded runs
it ran in, its median and 95th-percentile duration, its failure rate and its last
outcome. The figures come from :func:`workbench.engine.stats.stage_stats`, the
function the command line prints, over the same window of newest runs, so the app
and ``workbench history stats PIPELINE`` always agree. Durations are those of the
stages that ran (succeeded, failed, partial or cancelled); a skipped stage, or one
restored from the cache, counts only as a last outcome. The database is read in a
thread worker, each time the screen is shown and on ``f5``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from workbench.app.run.last_runs import RUN_MARKS, STATUS_STYLES
from workbench.app.screens.base import WorkbenchScreen
from workbench.engine.history.store import History, db_path
from workbench.engine.stats import StageStats, stage_stats
from workbench.engine.units import counted, format_seconds

RECENT_RUNS = 100
"""Newest runs of the pipeline the figures are taken over (the command line's window too)."""
STAGE_WIDTH = 28
"""Widest stage column; longer ids end with an ellipsis."""


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """A pipeline's per-stage statistics and how many recorded runs they cover."""

    pipeline: str
    runs: int
    """Recorded runs of the pipeline read (at most :data:`RECENT_RUNS`)."""
    stages: list[StageStats]


def load_stats(root: Path, pipeline: str) -> PipelineStats:
    """Read the statistics from the project's history; none when there is no history yet."""
    if not db_path(root).is_file():
        return PipelineStats(pipeline, 0, [])
    with History.open(root, create=False) as history:
        runs = len(history.list_runs(limit=RECENT_RUNS, pipeline=pipeline))
        return PipelineStats(pipeline, runs, stage_stats(history.db, pipeline, RECENT_RUNS))


def stage_width(stages: Sequence[StageStats]) -> int:
    return min(STAGE_WIDTH, max([len("stage"), *(len(s.stage_id) for s in stages)]))


def clipped(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def seconds(value: float | None) -> str:
    return format_seconds(value) if value is not None else "—"


def failure_text(stats: StageStats) -> str:
    """``25% (1/4)``, as the command line writes it; ``—`` for a stage that never ran."""
    rate = stats.failure_rate
    return f"{rate:.0%} ({stats.failures}/{stats.runs})" if rate is not None else "—"


def header_prompt(width: int) -> Content:
    return Content.styled(
        f"{'stage'.ljust(width)}  {'runs':>5}  {'median':>9}  {'p95':>9}  "
        f"{'failure rate':>14}  last",
        "$foreground-muted bold",
    )


def stage_prompt(stats: StageStats, width: int) -> Content:
    """One stage's row, in the columns of :func:`header_prompt`."""
    failing = stats.failures > 0
    return Content.assemble(
        Content.styled(clipped(stats.stage_id, width).ljust(width), "bold"),
        Content(f"  {stats.runs:>5}  {seconds(stats.median_s):>9}  {seconds(stats.p95_s):>9}  "),
        Content.styled(f"{failure_text(stats):>14}", "$text-error" if failing else ""),
        "  ",
        Content.styled(
            f"{RUN_MARKS.get(stats.last_status, '?')} {stats.last_status}",
            STATUS_STYLES.get(stats.last_status, ""),
        ),
    )


def summary_text(stats: PipelineStats) -> Content:
    """The line over the table: which pipeline, over how many runs."""
    if not stats.runs:
        return Content.styled(
            f"No recorded runs of {stats.pipeline}. Runs in the app and `workbench run` "
            "on the command line are recorded, and their figures appear here.",
            "$foreground-muted",
        )
    window = f"its last {counted(stats.runs, 'run')}"
    if stats.runs == RECENT_RUNS:
        window = f"its newest {RECENT_RUNS} runs"
    return Content.assemble(
        Content.styled(stats.pipeline, "bold $text-primary"),
        Content.styled(f" · over {window}", "$foreground-muted"),
    )


class StageStatsList(OptionList):
    """One row per stage; arrows and page keys move through a long pipeline."""


class StageStatsScreen(WorkbenchScreen):
    """Per-stage median and p95 duration, failure rate and last outcome of one pipeline."""

    CSS_PATH = "history.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to runs", id="stats-back"),
        Binding("f5", "refresh_stats", "Refresh", id="stats-refresh"),
    ]

    def __init__(self, root: Path, pipeline: str) -> None:
        super().__init__()
        self.root = root
        self.pipeline = pipeline
        """The pipeline's name, as the history records it."""
        self.stats: PipelineStats | None = None
        """The figures shown, once read."""

    def compose_body(self) -> ComposeResult:
        yield Static(f"Reading the runs of {self.pipeline}…", id="stats-head")
        with Vertical(id="stats-panel"):
            yield Static(id="stats-columns")
            yield StageStatsList(id="stats-stages")

    def on_mount(self) -> None:
        panel = self.query_one("#stats-panel")
        panel.border_title = f"Stage statistics · {self.pipeline}"
        self.query_one("#stats-stages", OptionList).focus()

    def on_screen_resume(self) -> None:
        self._load(self.root, self.pipeline)

    def action_refresh_stats(self) -> None:
        self._load(self.root, self.pipeline)

    @work(thread=True, group="stage-stats", exclusive=True, exit_on_error=False)
    def _load(self, root: Path, pipeline: str) -> PipelineStats:
        return load_stats(root, pipeline)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "stage-stats":
            return
        if event.state is WorkerState.ERROR:
            self.notify(str(worker.error), title="Cannot read the run history", severity="error")
        elif event.state is WorkerState.SUCCESS and isinstance(worker.result, PipelineStats):
            self.show_stats(worker.result)

    def show_stats(self, stats: PipelineStats) -> None:
        self.stats = stats
        self.query_one("#stats-head", Static).update(summary_text(stats))
        width = stage_width(stats.stages)
        self.query_one("#stats-columns", Static).update(
            header_prompt(width) if stats.stages else ""
        )
        stages = self.query_one("#stats-stages", OptionList)
        highlighted = stages.highlighted
        stages.clear_options()
        stages.add_options(Option(stage_prompt(s, width), id=s.stage_id) for s in stats.stages)
        if stats.stages:
            stages.highlighted = min(highlighted or 0, len(stats.stages) - 1)
        self.query_one("#stats-panel").border_subtitle = counted(len(stats.stages), "stage")

    def action_back(self) -> None:
        self.dismiss()
