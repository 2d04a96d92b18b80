"""Pick a stage type from the registry by typing part of its name.

A filter box above a list of every registered stage. Typing narrows the list
with Textual's fuzzy matcher (``fl`` finds ``files.load``), best match first,
matching letters highlighted; the description matches too, at a lower rank.
Up/Down move in the list while the filter keeps focus, so a person never has to
leave the box; Enter picks (:class:`StagePicker.Picked`).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalGroup
from textual.content import Content
from textual.fuzzy import Matcher
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from workbench.engine.registry import StageMetadata, StageRegistry


def rank(query: str, stages: list[StageMetadata]) -> list[tuple[float, StageMetadata]]:
    """Stages matching ``query``, best first; names count more than descriptions."""
    if not query.strip():
        return [(1.0, meta) for meta in stages]
    matcher = Matcher(query)
    scored: list[tuple[float, StageMetadata]] = []
    for meta in stages:
        score = matcher.match(meta.name)
        if not score:
            score = matcher.match(meta.description) * 0.5
        if score:
            scored.append((score, meta))
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return scored


class StagePicker(VerticalGroup):
    """A fuzzy filter over the registry; announces the chosen stage name."""

    DEFAULT_CSS = """
    StagePicker {
        height: auto;
        & > Input { margin: 0 0 1 0; }
        & > OptionList { height: 12; border: round $foreground 25%; background: $surface; }
        & > OptionList:focus { border: round $primary; }
    }
    """

    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False, id="picker-next"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker-previous"),
    ]

    class Picked(Message):
        """A stage type was chosen (Enter in the filter or on the list)."""

        def __init__(self, picker: StagePicker, name: str) -> None:
            super().__init__()
            self.picker = picker
            self.name = name

        @property
        def control(self) -> StagePicker:
            return self.picker

    class Highlighted(Message):
        """The stage under the cursor changed (None when nothing matches)."""

        def __init__(self, picker: StagePicker, name: str | None) -> None:
            super().__init__()
            self.picker = picker
            self.name = name

        @property
        def control(self) -> StagePicker:
            return self.picker

    def __init__(self, registry: StageRegistry, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._stages = list(registry)
        self._shown: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type to filter stage types, e.g. “load”", id="picker-filter")
        yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self.refilter("")

    @property
    def highlighted(self) -> str | None:
        """The stage name under the list's cursor."""
        index = self.query_one(OptionList).highlighted
        return self._shown[index] if index is not None and index < len(self._shown) else None

    def refilter(self, query: str) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        ranked = rank(query, self._stages)
        self._shown = [meta.name for _, meta in ranked]
        matcher = Matcher(query) if query.strip() else None
        for _, meta in ranked:
            name = matcher.highlight(meta.name) if matcher else Content(meta.name)
            first_line = (meta.description.splitlines() or [""])[0]
            prompt = Content.assemble(
                Content.from_text(name).stylize("bold"),
                Content.styled(f"  {first_line}", "$foreground-muted"),
            )
            listing.add_option(Option(prompt, id=meta.name))
        if not ranked:
            listing.add_option(Option(Content.styled("no stage matches", "italic"), disabled=True))
        else:
            listing.highlighted = 0
        self.post_message(self.Highlighted(self, self.highlighted))

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        event.stop()
        self.refilter(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if self.highlighted is not None:
            self.post_message(self.Picked(self, self.highlighted))

    @on(OptionList.OptionSelected, "#picker-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_id is not None:
            self.post_message(self.Picked(self, event.option_id))

    @on(OptionList.OptionHighlighted, "#picker-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self, self.highlighted))

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))
