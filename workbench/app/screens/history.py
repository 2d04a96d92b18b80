"""The history screen: every recorded run, newest first, and any one of them read-only.

Runs come from the project's history database (``.workbench/history.sqlite3``),
written by runs in the app and on the command line alike. The list is read in a
thread worker (a database of thousands of runs never stalls a key press) each
time the screen is shown, so a run that just finished is there. Enter opens a run
in :class:`RecordedRunScreen`: the same stage list and log pane as the run screen,
with the log read back from its file (the last :data:`LOG_TAIL` lines; the full
log's path is shown) and the context inspector replaying the recorded changes.
A composite stage's recorded children are rows nested under it, as in the run
screen, and ``o`` folds them away or shows them again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from workbench.app.run.controller import LogBuffer, StageState, children_from_data
from workbench.app.run.last_runs import RUN_MARKS, STATUS_STYLES
from workbench.app.screens.base import PaletteCommand, WorkbenchScreen
from workbench.app.screens.stage_stats import StageStatsScreen
from workbench.app.widgets.common.hanging import Hanging, Line, labelled
from workbench.app.widgets.common.stage_details import toml_value
from workbench.app.widgets.run.context_inspector import ContextInspector
from workbench.app.widgets.run.log_view import LogPane
from workbench.app.widgets.run.stage_pane import StageStatusList
from workbench.app.widgets.run.stage_result import ResultText, fact
from workbench.engine.changelog import ChangeLog
from workbench.engine.history.store import (
    History,
    RunDetail,
    RunRecord,
    StageRecord,
    db_path,
    read_log,
)
from workbench.engine.pipeline import Pipeline
from workbench.engine.stage import StageStatus
from workbench.engine.units import counted, format_seconds

RUNS_SHOWN = 200
"""Runs listed, newest first; older ones stay in the database (`workbench history --limit`)."""
LOG_TAIL = 2_000
"""Lines of a recorded stage log read back; the full log stays on disk."""


def started_text(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def status_content(status: str, width: int = 0) -> Content:
    """``✔ success`` in the status's theme colour, padded to ``width``."""
    text = f"{RUN_MARKS.get(status, '?')} {status}".ljust(width)
    return Content.styled(text, STATUS_STYLES.get(status, ""))


COLUMNS = ("run", "pipeline", "started", "duration", "status", "from")


def run_prompt(run: RunRecord, width: int) -> Content:
    """One line of the run list, in the columns of :func:`header_prompt`."""
    duration = format_seconds(run.duration) if run.duration is not None else "—"
    return Content.assemble(
        Content.styled(f"{run.id:>5}  ", "$foreground-muted"),
        Content.styled(run.pipeline.ljust(width), "bold"),
        Content(f"  {started_text(run.started)}  {duration:>9}  "),
        status_content(run.status, 14),
        Content.styled(run.source, "$foreground-muted"),
    )


def header_prompt(width: int) -> Content:
    return Content.styled(
        f"{'run':>5}  {'pipeline'.ljust(width)}  {'started':<19}  {'duration':>9}  "
        f"{'status':<14}from",
        "$foreground-muted bold",
    )


HIDDEN_PARAMS = ("project_dir",)
"""Parameters the engine adds to every run: the project folder is the one open, so it is noise."""


def shown_params(params: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in params.items() if k not in HIDDEN_PARAMS}


def shown_path(path: str | None, root: Path) -> str:
    """A pipeline file relative to the project folder when it is inside it."""
    if not path:
        return ""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def run_summary(detail: RunDetail, root: Path) -> Hanging:
    """The highlighted run in a few lines: counts, the first failure, parameters."""
    run = detail.run
    counts: dict[str, int] = {}
    for stage in detail.stages:
        counts[stage.status] = counts.get(stage.status, 0) + 1
    tally = Content("  ").join(
        Content.styled(f"{RUN_MARKS.get(s, '?')} {n} {s}", STATUS_STYLES.get(s, ""))
        for s, n in sorted(counts.items())
    )
    lines: list[Line] = [
        labelled(
            Content.styled(f"run {run.id} · {run.pipeline}   ", "bold $text-primary"),
            Content.styled(shown_path(run.path, root), "$foreground-muted"),
        ),
        labelled(
            Content(f"{len(detail.stages)} stages   "),
            tally
            + Content.styled(
                f"   {counted(len(detail.changes), 'context change')}",
                "$foreground-muted",
            ),
        ),
    ]
    failed = next((s for s in detail.stages if s.status == "failure"), None)
    if failed is not None:
        message = failed.message.splitlines()[0] if failed.message else ""
        lines.append(
            labelled(
                Content.styled(f"✘ {failed.stage_id}: ", "$text-error"),
                Content.styled(message, "$text-error"),
            )
        )
    params = shown_params(run.params)
    if params:
        shown = ", ".join(f"{k} = {toml_value(v)}" for k, v in params.items())  # as in the file
        lines.append(
            labelled(
                Content.styled("parameters: ", "$foreground-muted"),
                Content.styled(shown, "$foreground-muted"),
            )
        )
    lines.append(Content.styled("Enter opens the run", "$foreground-muted italic"))
    return Hanging(lines)


class RunList(OptionList):
    """Recorded runs, newest first; the highlighted run is kept across refreshes."""

    @dataclass
    class Highlighted(Message):
        run_list: RunList
        run: RunRecord

        @property
        def control(self) -> RunList:
            return self.run_list

    @dataclass
    class Chosen(Message):
        """A run was chosen to be opened."""

        run_list: RunList
        run: RunRecord

        @property
        def control(self) -> RunList:
            return self.run_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: dict[str, RunRecord] = {}
        self.width = 8
        """Width of the pipeline column, shared with the header."""

    def set_runs(self, runs: list[RunRecord]) -> None:
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        self.runs = {str(r.id): r for r in runs}
        self.width = min(28, max((len(r.pipeline) for r in runs), default=8))
        self.clear_options()
        self.add_options(Option(run_prompt(r, self.width), id=str(r.id)) for r in runs)
        if runs:
            self.highlighted = self.get_option_index(keep) if keep in self.runs else 0

    @on(OptionList.OptionHighlighted)
    def _announce_highlight(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        run = self.runs.get(event.option_id or "")
        if run is not None:
            self.post_message(self.Highlighted(self, run))

    @on(OptionList.OptionSelected)
    def _announce_choice(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        run = self.runs.get(event.option_id or "")
        if run is not None:
            self.post_message(self.Chosen(self, run))


def load_runs(root: Path, pipeline: str | None) -> list[RunRecord]:
    """The recorded runs; none when there is no history yet (nothing is created to say so)."""
    if not db_path(root).is_file():
        return []
    with History.open(root, create=False) as history:
        return history.list_runs(limit=RUNS_SHOWN, pipeline=pipeline)


def load_run(root: Path, run_id: int) -> RunDetail | None:
    if not db_path(root).is_file():
        return None
    with History.open(root, create=False) as history:
        return history.get_run(run_id)


class HistoryScreen(WorkbenchScreen):
    """Every recorded run of the project; Enter opens one read-only."""

    CSS_PATH = "history.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh_runs", "Refresh", id="history-refresh"),
        Binding("f", "toggle_filter", "This pipeline", id="history-filter"),
        Binding("S", "stage_stats", "Stage stats", id="history-stats"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.only_open = False
        """List only the runs of the open pipeline."""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="history-body"):
            with Vertical(id="history-runs-panel"):
                yield Static(id="history-columns")
                yield RunList(id="history-runs")
            yield Static("No run chosen.", id="history-preview")

    def on_mount(self) -> None:
        self.query_one("#history-runs-panel").border_title = "Runs"
        self.query_one("#history-preview").border_title = "Run"
        self.query_one(RunList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_runs()

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        if self.only_open:
            self.refresh_runs()

    # -- loading ---------------------------------------------------------------------------
    def refresh_runs(self) -> None:
        pipeline = self.workbench.pipeline
        name = pipeline.name if self.only_open and pipeline is not None else None
        self._load_runs(self.workbench.project.root, name)

    @work(thread=True, group="history-runs", exclusive=True, exit_on_error=False)
    def _load_runs(self, root: Path, pipeline: str | None) -> tuple[list[RunRecord], str | None]:
        return load_runs(root, pipeline), pipeline

    @work(thread=True, group="history-preview", exclusive=True, exit_on_error=False)
    def _load_preview(self, root: Path, run_id: int) -> RunDetail | None:
        return load_run(root, run_id)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self.notify(str(worker.error), title="Cannot read the run history", severity="error")
        elif event.state is WorkerState.SUCCESS and worker.group == "history-runs":
            runs, pipeline = cast("tuple[list[RunRecord], str | None]", worker.result)
            self._show_runs(runs, pipeline)
        elif event.state is WorkerState.SUCCESS and worker.group == "history-preview":
            detail = worker.result
            if detail is not None:
                self.query_one("#history-preview", Static).update(
                    run_summary(detail, self.workbench.project.root)
                )

    def _show_runs(self, runs: list[RunRecord], pipeline: str | None) -> None:
        run_list = self.query_one(RunList)
        run_list.set_runs(runs)
        self.query_one("#history-columns", Static).update(header_prompt(run_list.width))
        panel = self.query_one("#history-runs-panel")
        shown = counted(len(runs), "run")
        panel.border_subtitle = f"{shown} of {pipeline}" if pipeline else shown
        if not runs:
            where = f" of {pipeline}" if pipeline else ""
            self.query_one("#history-preview", Static).update(
                Content.styled(
                    f"No runs{where} recorded yet. Runs in the app and `workbench run` "
                    "on the command line are recorded here.",
                    "$foreground-muted",
                )
            )

    # -- reacting --------------------------------------------------------------------------
    @on(RunList.Highlighted)
    def _on_highlight(self, event: RunList.Highlighted) -> None:
        self._load_preview(self.workbench.project.root, event.run.id)

    @on(RunList.Chosen)
    def _on_chosen(self, event: RunList.Chosen) -> None:
        self.open_run(event.run.id)

    def open_run(self, run_id: int) -> None:
        self.app.push_screen(RecordedRunScreen(self.workbench.project.root, run_id))

    def action_refresh_runs(self) -> None:
        self.refresh_runs()

    def stats_pipeline(self) -> str | None:
        """Whose stage statistics ``S`` shows: the highlighted run's pipeline, else the open one."""
        option = self.query_one(RunList).highlighted_option
        run = self.query_one(RunList).runs.get(option.id or "") if option is not None else None
        if run is not None:
            return run.pipeline
        pipeline = self.workbench.pipeline
        return pipeline.name if pipeline is not None else None

    def action_stage_stats(self) -> None:
        """``S``: per-stage durations, failure rate and last outcome over the recorded runs."""
        name = self.stats_pipeline()
        if name is None:
            self.notify("Open a pipeline or highlight a run first.", title="Stage stats")
            return
        self.app.push_screen(StageStatsScreen(self.workbench.project.root, name))

    def action_toggle_filter(self) -> None:
        self.only_open = not self.only_open
        self.refresh_runs()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_filter":
            return self.workbench.pipeline is not None or self.only_open
        return True

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand("history: Refresh", self.refresh_runs, "Read the run history again")
        run = self.query_one(RunList)
        option = run.highlighted_option
        if option is not None and option.id:
            yield PaletteCommand(
                f"history: Open run {option.id}",
                partial(self.open_run, int(option.id)),
                "Open the highlighted run read-only",
            )
        name = self.stats_pipeline()
        if name is not None:
            yield PaletteCommand(
                f"history: Stage stats of {name}",
                self.action_stage_stats,
                "Median and p95 duration, failure rate, last outcome per stage (S)",
            )


# -- one recorded run ------------------------------------------------------------------------


def stage_state(record: StageRecord) -> StageState:
    """A recorded stage in the run screen's terms; an interrupted one shows as cancelled.

    A composite's recorded children (``data["children"]``) become its child rows,
    read the way the run screen reads a finished composite's result.
    """
    try:
        status = StageStatus(record.status)
    except ValueError:
        status = StageStatus.CANCELLED
    message = record.message or ("interrupted" if record.status == "interrupted" else "")
    return StageState(
        status=status,
        duration=record.duration,
        message=message,
        children=children_from_data(record.data.get("children")),
    )


def stage_result(record: StageRecord) -> Hanging:
    """The recorded stage's result above its log, labelled as the run view labels it."""
    lines: list[Line] = [
        Content.assemble(
            Content.styled(record.stage_id, "bold"),
            Content.styled(f"  {record.uses}  ", "$foreground-muted"),
            status_content(record.status),
            Content.styled(
                f"  {format_seconds(record.duration) if record.duration is not None else ''}"
                + (f"  {record.attempts} attempts" if record.attempts > 1 else "")
                + (f"  on {record.worker}" if record.worker else ""),
                "$foreground-muted",
            ),
        )
    ]
    if record.message:
        lines.append(fact("message", record.message))
    code = record.data.get("exit_code")
    if code is not None:
        lines.append(fact("exit code", str(code), "$text-error" if code else "$text-success"))
    lines.extend(
        fact("error", error, "$text-error") for error in record.errors if error != record.message
    )
    lines.extend(child_lines(record.data.get("children"), 1))
    return Hanging(lines)


def child_lines(children: Any, depth: int) -> list[Line]:
    """A composite stage's children, indented under it (and theirs under them).

    The stage list shows the same children as rows, but a row keeps only a
    message's first line, cut to the list's narrow width; these lines give each
    child's status word and its whole message, wrapped under the message.
    """
    if not isinstance(children, list):
        return []
    children = [c for c in children if isinstance(c, dict)]  # as the rows read them
    out: list[Line] = []
    for number, child in enumerate(children, 1):
        duration = child.get("duration_s")
        took = format_seconds(duration) if isinstance(duration, (int, float)) else ""
        out.append(
            labelled(
                Content.assemble(
                    Content("  " * depth + ("└ " if number == len(children) else "├ ")),
                    Content.styled(str(child.get("id")), "bold"),
                    "  ",
                    status_content(str(child.get("status"))),
                    Content.styled(f"  {took}  ", "$foreground-muted"),
                ),
                Content.styled(str(child.get("message", "")), "$foreground-muted"),
            )
        )
        out.extend(child_lines(child.get("children"), depth + 1))
    return out


class RecordedRunScreen(WorkbenchScreen):
    """One past run, read-only: its stages, each stage's log and the context after it."""

    CSS_PATH = "history.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to runs", id="history-back"),
        Binding("ctrl+c", "copy_text", "Copy log", id="history-copy"),
        Binding("o", "toggle_children", "Children", id="history-children"),
    ]

    def __init__(self, root: Path, run_id: int) -> None:
        super().__init__()
        self.root = root
        self.run_id = run_id
        self.detail: RunDetail | None = None
        self.states: dict[str, StageState] = {}
        self._log: ChangeLog | None = None
        """The run's change log, read from its changes the first time a stage is chosen."""
        self.collapsed: set[str] = set()
        """Composite stages whose children are folded away (shown when the run opens)."""

    def compose_body(self) -> ComposeResult:
        yield Static(f"Reading run {self.run_id}…", id="recorded-head")
        with Horizontal(id="recorded-body"):
            yield StageStatusList(id="recorded-stages")
            with Vertical(id="recorded-main"):
                yield ResultText(id="recorded-result")
                yield LogPane(id="recorded-log")
                yield ContextInspector(id="recorded-context")

    def action_copy_text(self) -> None:
        """ctrl+c: the text selected with the mouse, else the selected stage's whole log."""
        if self.get_selected_text():
            super().action_copy_text()
        else:
            self.query_one(LogPane).action_copy_log()

    def on_mount(self) -> None:
        self.query_one(StageStatusList).border_title = "Stages"
        self.query_one(LogPane).border_title = "Log"
        self.query_one(ContextInspector).border_title = "Context"
        self._load(self.root, self.run_id)

    @work(thread=True, group="recorded-run", exit_on_error=False)
    def _load(self, root: Path, run_id: int) -> RunDetail | None:
        return load_run(root, run_id)

    @work(thread=True, group="recorded-log", exclusive=True, exit_on_error=False)
    def _read_log(self, stage_id: str, log_path: str) -> tuple[str, list[tuple[str, str]]]:
        return stage_id, read_log(self.root, log_path, last=LOG_TAIL)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR:
            self.notify(str(worker.error), title="Cannot read the run", severity="error")
        elif event.state is WorkerState.SUCCESS and worker.group == "recorded-run":
            self._show_run(worker.result)
        elif event.state is WorkerState.SUCCESS and worker.group == "recorded-log":
            stage_id, lines = cast("tuple[str, list[tuple[str, str]]]", worker.result)
            self._show_log(stage_id, lines)

    def _show_run(self, detail: RunDetail | None) -> None:
        head = self.query_one("#recorded-head", Static)
        if detail is None:
            head.update(Content.styled(f"Run {self.run_id} is not in the history.", "$text-error"))
            return
        self.detail = detail
        run = detail.run
        duration = format_seconds(run.duration) if run.duration is not None else "—"
        head.update(
            Content.assemble(
                Content.styled(f"run {run.id} · {run.pipeline}  ", "bold $text-primary"),
                status_content(run.status),
                Content.styled(
                    f"  {duration} · started {started_text(run.started)} · from {run.source}"
                    " · read-only",
                    "$foreground-muted",
                ),
            )
        )
        self.states = {s.stage_id: stage_state(s) for s in detail.stages}
        stages = self.query_one(StageStatusList)
        stages.set_stages([s.stage_id for s in detail.stages], self.states, "No stages recorded.")
        failed = next((s.stage_id for s in detail.stages if s.status == "failure"), None)
        if failed is not None:
            stages.selected = failed  # a failure's log opens first
        stages.focus()

    @on(StageStatusList.StageSelected)
    def _on_stage(self, event: StageStatusList.StageSelected) -> None:
        detail = self.detail
        record = (
            next((s for s in detail.stages if s.stage_id == event.stage_id), None)
            if detail
            else None
        )
        self.refresh_bindings()  # "o" (children) is offered on a composite only
        if detail is None or record is None:
            return
        self.query_one("#recorded-result", ResultText).update(stage_result(record))
        log = self.query_one(LogPane)
        if record.log_path:
            log.border_subtitle = f"last {LOG_TAIL:,} lines · full log: {record.log_path}"
            self._read_log(record.stage_id, record.log_path)
        else:
            log.border_subtitle = ""
            log.show(None, "This stage wrote no log lines.")
        self._show_context(detail, record)

    def _show_log(self, stage_id: str, lines: list[tuple[str, str]]) -> None:
        state = self.states.get(stage_id)
        if state is None or self.query_one(StageStatusList).selected != stage_id:
            return
        buffer = LogBuffer(limit=LOG_TAIL)
        for stream, text in lines:
            buffer.append(stream, text)
        state.log = buffer
        self.query_one(LogPane).show(buffer, "The log file is gone.")

    def _show_context(self, detail: RunDetail, record: StageRecord) -> None:
        inspector = self.query_one(ContextInspector)
        # a cached stage never starts, but it finished: it restored what it wrote
        finished = record.status == StageStatus.CACHED or (
            record.started is not None and record.duration is not None
        )
        if not finished:
            inspector.clear_context(f"{record.stage_id} did not finish in this run.")
            return
        if self._log is None:
            self._log = detail.change_log()
        inspector.show_recorded(self._log, record.stage_id, params=shown_params(detail.run.params))

    def selected_composite(self) -> str | None:
        """The selected stage when it is a composite with recorded children."""
        stages = self.query(StageStatusList)
        stage = stages.first().selected if stages else None
        state = self.states.get(stage or "")
        return stage if state is not None and state.children else None

    def action_toggle_children(self) -> None:
        """``o``: fold the selected composite's children away, or show them again."""
        stage = self.selected_composite()
        if stage is None:
            return
        self.collapsed ^= {stage}
        self.query_one(StageStatusList).set_collapsed(self.collapsed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_children":
            return self.selected_composite() is not None
        return True

    def action_back(self) -> None:
        self.dismiss()
