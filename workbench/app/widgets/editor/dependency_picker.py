"""Choose what one stage depends on: every other stage, each none, required or optional.

Space or Enter on a row cycles its state (none → required → optional → none) and
announces the wish with :class:`DependencyPicker.Toggled`; the owner applies it
(and may refuse it, e.g. for a cycle) and then calls :meth:`set_stage` with the
result, so the list always shows the spec, never a wish.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from textual import on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

DependencyState = Literal["none", "required", "optional"]
NEXT_STATE: dict[DependencyState, DependencyState] = {
    "none": "required",
    "required": "optional",
    "optional": "none",
}
MARKS: dict[DependencyState, tuple[str, str]] = {
    "none": ("[ ]", "$foreground-muted"),
    "required": ("[✔]", "$text-success"),
    "optional": ("[?]", "$text-warning"),
}


class DependencyPicker(OptionList):
    """Rows of the other stages of a pipeline, marked by how this stage depends on them."""

    DEFAULT_CSS = """
    DependencyPicker {
        height: auto;
        max-height: 10;
    }
    """

    BINDINGS = [Binding("space", "cycle", "Cycle dependency", id="dependency-cycle")]

    class Toggled(Message):
        """The person asked for ``dependency`` to become ``state`` for the shown stage."""

        def __init__(
            self, picker: DependencyPicker, dependency: str, state: DependencyState
        ) -> None:
            super().__init__()
            self.picker = picker
            self.dependency = dependency
            self.state = state

        @property
        def control(self) -> DependencyPicker:
            return self.picker

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, compact=True)
        self._states: dict[str, DependencyState] = {}
        self._implicit: dict[str, str] = {}

    _shown: tuple[object, ...] | None = None
    """What the rows were last drawn from."""

    def set_stage(
        self,
        others: Sequence[str],
        states: Mapping[str, DependencyState],
        implicit: Mapping[str, str] | None = None,
    ) -> None:
        """Show ``others`` with their states; ``implicit`` notes edges the file does not write.

        Nothing is redrawn when nothing changed: hundreds of rows re-laid out on every
        refresh of the editor would cost more than the edit.
        """
        shown = (
            tuple(others),
            tuple(sorted(states.items())),
            tuple(sorted((implicit or {}).items())),
        )
        if shown == self._shown:
            return
        self._shown = shown
        keep = self.highlighted
        self._states = {sid: states.get(sid, "none") for sid in others}
        self._implicit = dict(implicit or {})
        self.clear_options()
        if not others:
            self.add_option(
                Option(
                    Content.styled("no other stages yet", "$foreground-muted italic"), disabled=True
                )
            )
            return
        for sid in others:
            state = self._states[sid]
            mark, style = MARKS[state]
            parts = [Content.styled(mark, style), Content(f" {sid}")]
            if state == "optional":
                parts.append(Content.styled("  optional", "$foreground-muted"))
            if sid in self._implicit:
                parts.append(Content.styled(f"  ({self._implicit[sid]})", "$foreground-muted"))
            self.add_option(Option(Content.assemble(*parts), id=sid))
        # Always a highlighted row, so space works at once (not only after ↓).
        self.highlighted = min(keep, len(others) - 1) if keep is not None else 0

    def action_cycle(self) -> None:
        index = self.highlighted
        if index is None and self.option_count:
            index = self.highlighted = 0
        if index is None:
            return
        option = self.get_option_at_index(index)
        if option.id is not None and not option.disabled:
            state = NEXT_STATE[self._states.get(option.id, "none")]
            self.post_message(self.Toggled(self, option.id, state))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_cycle()

    @on(OptionList.OptionHighlighted)
    def _quiet(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
