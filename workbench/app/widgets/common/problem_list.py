"""The problems of a pipeline, one entry each: where, what, and the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from workbench.app.widgets.common.hanging import Hanging, Line, labelled
from workbench.engine.errors import Problem
from workbench.engine.fileio import real_path


def short_place(problem: Problem, root: Path | None) -> str:
    """:attr:`Problem.place` with the file shown relative to the project folder."""
    place = problem.place
    if problem.path and root is not None:
        try:
            relative = real_path(Path(problem.path)).relative_to(root)
        except ValueError:
            return place
        place = place.replace(problem.path, str(relative), 1)
    return place


def problem_prompt(problem: Problem, root: Path | None = None) -> Hanging:
    """Three short lines: the place, the message, the hint (when there is one); each
    wraps under its own first word, so the place, the message and the hint stay apart."""
    lines: list[Line] = [
        labelled(
            Content.styled("✘ ", "$error bold"),
            Content.styled(short_place(problem, root), "$foreground-muted"),
        ),
        labelled("  ", problem.message),
    ]
    if problem.hint:
        lines.append(
            labelled(
                Content.styled("  hint: ", "$foreground-muted italic"),
                Content.styled(problem.hint, "$foreground-muted italic"),
            )
        )
    return Hanging(lines)


class ProblemList(OptionList):
    """Problems of the open pipeline. Choosing one with a stage asks for that stage.

    A cycle is listed with its whole path (``a -> b -> c -> a``), as the engine
    reports it.
    """

    @dataclass
    class Chosen(Message):
        """A problem was chosen; its ``problem.stage`` is the stage to look at."""

        problem_list: ProblemList
        problem: Problem

        @property
        def control(self) -> ProblemList:
            return self.problem_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._problems: list[Problem] = []
        self._root: Path | None = None

    def set_problems(self, problems: Sequence[Problem], root: Path | None = None) -> None:
        """Show ``problems``; the same problems again leave the list (and its highlight) alone.

        The editor calls this after every pause in typing, and re-creating the rows
        lays the screen out again while the person is still typing.
        """
        if list(problems) == self._problems and root == self._root and self.option_count:
            return
        self._problems = list(problems)
        self._root = root
        self.clear_options()
        if not problems:
            self.add_option(
                Option(
                    Content.styled("✔ No problems: this pipeline can run.", "$success"),
                    disabled=True,
                )
            )
            return
        self.add_options(Option(problem_prompt(p, root), id=str(i)) for i, p in enumerate(problems))
        self.highlighted = 0

    @on(OptionList.OptionSelected)
    def _announce(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.post_message(self.Chosen(self, self._problems[int(event.option_id)]))

    @on(OptionList.OptionHighlighted)
    def _quiet(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
