"""The list of a project's pipeline files: validity mark, file, and how its last run went."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from workbench.app.catalog import PipelineEntry
from workbench.app.run.last_runs import (
    NO_RUNS,
    RUN_MARKS,
    STATUS_STYLES,
    LastRuns,
    path_key,
    run_summary,
)
from workbench.app.widgets.common.hanging import Hanging, labelled
from workbench.engine.units import counted

if TYPE_CHECKING:
    from workbench.engine.history.store import RunRecord


PENDING_MARK = "·"
"""The mark of a file not checked yet (the app checks every file once its list is drawn)."""


def no_run_line(runs_read: bool) -> Content:
    """What a pipeline without a recorded run shows: ``never run``, or ``…`` while the
    history is not read yet (it may yet hold a run)."""
    if not runs_read:
        return Content.styled("…", "$foreground-muted")
    return Content.styled("never run", "$foreground-muted italic")


def entry_prompt(
    entry: PipelineEntry,
    *,
    is_open: bool = False,
    width: int = 0,
    last: RunRecord | None = None,
    runs_read: bool = True,
) -> Hanging:
    """``✔ sales-report  sales.toml`` or ``✘ broken  broken.toml · 3 problems``,
    over a second line with the last run: ``✘ failed 3 min ago · 2.1s`` or ``never run``.
    In a narrow list each wraps under its own text, not back under the mark.

    A file not checked yet has a neutral mark and no problem count, and while the
    history is not read (``runs_read`` false) the second line says nothing: neither
    may claim what a moment later could contradict.
    """
    if not entry.checked:
        mark = Content.styled(PENDING_MARK, "$foreground-muted")
    elif entry.valid:
        mark = Content.styled("✔", "$success")
    else:
        mark = Content.styled("✘", "$error bold")
    name = Content.styled(entry.name.ljust(width), "bold" if is_open else "")
    detail = entry.path.name
    if entry.checked and not entry.valid:
        detail += f" · {counted(entry.problem_count, 'problem')}"
    shown = Content.styled(detail, "$foreground-muted")
    if is_open:
        shown += Content.styled("  (open)", "$text-accent")
    if last is None:
        ran = no_run_line(runs_read)
    else:
        style = STATUS_STYLES.get(last.status, "")
        ran = Content.styled(f"{RUN_MARKS.get(last.status, '?')} {run_summary(last)}", style)
    return Hanging([labelled(Content.assemble(mark, " ", name, "  "), shown), labelled("  ", ran)])


class PipelineList(OptionList):
    """Pipeline files in natural order; Enter or a click chooses one.

    The list keeps the highlighted file across refreshes (a file rewritten on
    disk must not move the cursor back to the top).
    """

    BINDINGS = [Binding("enter", "select", "Open", id="pipeline-open")]

    @dataclass
    class Highlighted(Message):
        """The cursor moved to a pipeline file."""

        pipeline_list: PipelineList
        entry: PipelineEntry

        @property
        def control(self) -> PipelineList:
            return self.pipeline_list

    @dataclass
    class Chosen(Message):
        """A pipeline was chosen to be opened."""

        pipeline_list: PipelineList
        entry: PipelineEntry

        @property
        def control(self) -> PipelineList:
            return self.pipeline_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._entries: dict[str, PipelineEntry] = {}

    def set_entries(
        self,
        entries: list[PipelineEntry],
        open_path: Path | None = None,
        last_runs: LastRuns = NO_RUNS,
    ) -> None:
        """Show ``entries``; ``open_path`` is marked as the pipeline now open."""
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        if keep is None and open_path is not None:
            keep = str(open_path)
        self._entries = {str(e.path): e for e in entries}
        self.clear_options()
        width = max((len(e.name) for e in entries), default=0)
        self.add_options(
            Option(
                entry_prompt(
                    e,
                    is_open=e.path == open_path,
                    width=width,
                    last=last_runs.of(e.path, e.name),
                    runs_read=last_runs.read,
                ),
                id=str(e.path),
            )
            for e in entries
        )
        if not entries:
            return
        index = 0
        if keep is not None and keep in self._entries:
            index = self.get_option_index(keep)
        self.highlighted = index

    def highlight_path(self, path: Path) -> None:
        """Move the cursor to a file's row (a file just written, say)."""
        for candidate in (path_key(path), str(path)):
            if candidate in self._entries:
                self.highlighted = self.get_option_index(candidate)
                return

    @property
    def highlighted_entry(self) -> PipelineEntry | None:
        option = self.highlighted_option
        return self._entries.get(option.id) if option is not None and option.id else None

    @on(OptionList.OptionHighlighted)
    def _announce_highlight(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        entry = self._entries.get(event.option_id or "")
        if entry is not None:
            self.post_message(self.Highlighted(self, entry))

    @on(OptionList.OptionSelected)
    def _announce_choice(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self._entries.get(event.option_id or "")
        if entry is not None:
            self.post_message(self.Chosen(self, entry))
