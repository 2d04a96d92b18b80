"""The head of a stage's log in the Run view: everything its result says, in words.

Shown above the log of the selected stage: the status, how long it took and in
how many attempts, the full message (wrapped, never cut), every error, the exit
code of a command, and what the stage produced: the context keys it wrote and
the counts and files its result names. A stage that wrote no log lines still
says what it did here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from textual.content import Content
from textual.widgets import Static

from workbench.app.run.controller import StageState
from workbench.engine.stage import StageStatus
from workbench.engine.terminal_text import clean_output
from workbench.engine.units import format_elapsed

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
}
LABEL_WIDTH = 10
"""Labels are padded to this width; wrapped values stay indented under their label."""


def labelled(label: str, value: str, style: str = "", width: int = 0) -> Content:
    """``label    value``; a value wider than ``width`` wraps under itself, not under
    the label (a hanging indent), so the labels stay a column of their own."""
    lines = hanging_wrap(value, max(10, width - LABEL_WIDTH)) if width else value.splitlines()
    head = Content.styled(label.ljust(LABEL_WIDTH), "bold $foreground-muted")
    pad = Content(" " * LABEL_WIDTH)
    return Content("\n").join(
        Content.assemble(head if i == 0 else pad, Content.styled(line, style))
        for i, line in enumerate(lines or [""])
    )


def hanging_wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells, breaking at spaces where it can (never mid-word
    unless a word is wider than the line); the text's own line breaks are kept."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out.extend(
            textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""]
        )
    return out


def _data_items(data: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for key, value in data.items():
        if key == "exit_code":
            continue
        if isinstance(value, list | tuple):
            shown = ", ".join(str(v) for v in value[:5]) + (" …" if len(value) > 5 else "")
        elif isinstance(value, float):
            shown = f"{value:,.3g}"
        elif isinstance(value, int) and not isinstance(value, bool):
            shown = f"{value:,}"
        else:
            shown = str(value)
        yield key, shown


def result_lines(
    stage_id: str, uses: str, state: StageState, written: list[str], width: int = 0
) -> list[Content]:
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
    lines = [
        Content.assemble(
            Content.styled(stage_id, "bold"),
            Content.styled(f"  {uses}  ", "$foreground-muted"),
            Content.styled(" ".join(facts), style),
        )
    ]
    message = state.message  # cleaned of control sequences when it was recorded
    if message:
        lines.append(labelled("message", message, style if state.status.finished else "", width))
    if result is not None:
        for raw in result.errors:
            error = clean_output(raw, keep_colour=False)
            if raw != result.message:
                lines.append(labelled("error", error, "$text-error", width))
        code = result.data.get("exit_code")
        if code is not None:
            lines.append(
                labelled("exit code", str(code), "$text-error" if code else "$text-success", width)
            )
        items = list(_data_items(result.data))
        if items:
            lines.append(labelled("result", "  ".join(f"{k}: {v}" for k, v in items), "", width))
    if written:
        lines.append(labelled("wrote", ", ".join(written), "", width))
    elif state.status is StageStatus.SUCCESS and not state.reused:
        lines.append(labelled("wrote", "no context keys", "$foreground-muted", width))
    return lines


class StageResultHeader(Static):
    """The selected stage's result above its log (see the module docstring)."""

    DEFAULT_CSS = """
    StageResultHeader {
        height: auto;
        max-height: 9;
        padding: 0 1;
        background: $panel;
        overflow-y: auto;
    }
    """

    _shown: tuple[str | None, str, StageState | None, list[str]] = (None, "", None, [])
    _width = 0

    def show_state(
        self, stage_id: str | None, uses: str, state: StageState | None, written: list[str]
    ) -> None:
        self._shown = (stage_id, uses, state, written)
        if stage_id is None or state is None:
            self.display = False
            return
        self.display = True
        width = self.content_region.width or (self.app.size.width // 2)
        self.update(Content("\n").join(result_lines(stage_id, uses, state, written, width)))

    def on_resize(self) -> None:
        width = self.content_region.width
        stage_id, uses, state, written = self._shown
        if stage_id is not None and width != self._width:
            self._width = width
            self.show_state(stage_id, uses, state, written)
