"""The head of a stage's log in the Run view: everything its result says, in words.

Shown above the log of the selected stage: the status, how long it took and in
how many attempts, the full message (wrapped, never cut), every error, the exit
code of a command, and what the stage produced: the context keys it wrote and
the counts and files its result names. A stage that wrote no log lines still
says what it did here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from workbench.app.run.controller import StageState
from workbench.app.widgets.common.hanging import Hanging, Labelled, Line, labelled
from workbench.engine.stage import StageStatus
from workbench.engine.terminal_text import clean_output
from workbench.engine.units import format_elapsed, format_seconds

STATUS_WORDS = {
    StageStatus.PENDING: ("○ not started", "$foreground-muted"),
    StageStatus.WAITING: ("◌ waiting", "$text-warning"),
    StageStatus.PAUSED: ("⏸ paused before it", "$text-warning"),
    StageStatus.RUNNING: ("● running", "$text-primary"),
    StageStatus.SUCCESS: ("✔ succeeded", "$text-success"),
    StageStatus.FAILURE: ("✘ failed", "$text-error"),
    StageStatus.SKIPPED: ("⊘ skipped", "$foreground-muted"),
    StageStatus.PARTIAL: ("◐ partly done", "$text-warning"),
    StageStatus.CANCELLED: ("■ cancelled", "$text-error"),
    StageStatus.CACHED: ("≡ restored from the cache", "$text-secondary"),
}
LABEL_WIDTH = 10
"""Labels are padded to this width; wrapped values stay indented under their label."""
HIDDEN_DATA = ("exit_code", "children", "fingerprint", "ran_for")
"""Result data with a line of its own (the exit code, a cached run's time), rows of
its own (a composite's children), or no meaning to a person (the cache's fingerprint)."""


def fact(label: str, value: str, style: str = "") -> Labelled:
    """``label    value``: the value wraps under itself, never under the label, so
    the labels stay a column of their own; each of its own lines does the same."""
    return labelled(
        Content.styled(label.ljust(LABEL_WIDTH), "bold $foreground-muted"),
        Content.styled(value, style),
    )


def _data_items(data: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    unit = data.get("unit")
    for key, value in data.items():
        if key in HIDDEN_DATA or (key == "unit" and "count" in data):
            continue
        if key == "count" and isinstance(value, int) and isinstance(unit, str):
            # "count: 1  unit: lines" reads as "1 line"
            word = unit[:-1] if value == 1 and unit.endswith("s") else unit
            yield "", f"{value:,} {word}"
            continue
        if isinstance(value, dict) and all(isinstance(n, int) for n in value.values()):
            shown = ", ".join(f"{n:,} {k}" for k, n in value.items())  # counts by status
        elif isinstance(value, list | tuple):
            shown = ", ".join(str(v) for v in value[:5]) + (" …" if len(value) > 5 else "")
        elif isinstance(value, float):
            shown = f"{value:,.3g}"
        elif isinstance(value, int) and not isinstance(value, bool):
            shown = f"{value:,}"
        else:
            shown = str(value)
        yield key, shown


def result_lines(stage_id: str, uses: str, state: StageState, written: list[str]) -> list[Line]:
    """The header's lines, one per fact; each is a label and its value."""
    words, style = STATUS_WORDS.get(state.status, (state.status.value, ""))
    result = state.result
    facts = [words]
    took = format_elapsed(state.elapsed()) if state.started is not None or state.reused else ""
    if result is not None and result.duration:
        took = format_elapsed(result.duration)
    if took:
        facts.append(f"in {took}")
    attempts = result.attempts if result is not None else state.attempt
    if attempts > 1:
        facts.append(f"after {attempts} attempts")
    if state.reused:
        facts.append("(reused from the last run, not run again)")
    ran_for = result.data.get("ran_for") if result is not None else None
    if state.status is StageStatus.CACHED and isinstance(ran_for, int | float):
        facts.append(f"(its cached run took {format_seconds(ran_for)})")
    lines: list[Line] = [
        labelled(
            Content.assemble(
                Content.styled(stage_id, "bold"), Content.styled(f"  {uses}  ", "$foreground-muted")
            ),
            Content.styled(" ".join(facts), style),
        )
    ]
    message = state.message  # cleaned of control sequences when it was recorded
    if message:
        lines.append(fact("message", message, style if state.status.finished else ""))
    if result is not None:
        code = result.data.get("exit_code")
        if code is not None:  # before the errors: one short line, seen without scrolling
            lines.append(fact("exit code", str(code), "$text-error" if code else "$text-success"))
        for raw in result.errors:
            error = clean_output(raw, keep_colour=False)
            if raw != result.message:
                lines.append(fact("error", error, "$text-error"))
        items = list(_data_items(result.data))
        if items:
            lines.append(fact("result", "  ".join(f"{k}: {v}" if k else v for k, v in items)))
    if written:
        lines.append(fact("wrote", ", ".join(written)))
    elif state.status is StageStatus.SUCCESS and not state.reused:
        lines.append(fact("wrote", "no context keys", "$foreground-muted"))
    return lines


class ResultText(VerticalScroll):
    """A result that may be longer than the rows it is given: it scrolls (wheel,
    scrollbar, and the keys once Tab reaches it) rather than losing its last lines.

    Tab stops here only while there is more to see, so the panes around it keep
    their order when it all fits.
    """

    DEFAULT_CSS = """
    ResultText {
        height: auto;
        scrollbar-size-vertical: 1;
        & > Static { height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static()

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0

    def update(self, content: Hanging | Content | str) -> None:
        self.query_one(Static).update(content)
        self.scroll_home(animate=False)

    @property
    def plain(self) -> str:
        """The text shown, for tests and copying."""
        return str(self.query_one(Static).render())


class StageResultHeader(ResultText):
    """The selected stage's result above its log (see the module docstring)."""

    DEFAULT_CSS = """
    StageResultHeader {
        max-height: 9;
        padding: 0 1;
        background: $panel;
    }
    """

    def show_state(
        self, stage_id: str | None, uses: str, state: StageState | None, written: list[str]
    ) -> None:
        if stage_id is None or state is None:
            self.display = False
            return
        self.display = True
        self.update(Hanging(result_lines(stage_id, uses, state, written)))
