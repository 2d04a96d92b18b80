"""The editor's left pane: the pipeline's own settings, then each stage with a validity mark.

It is drawn from the edit session and redrawn only when something it shows
changed (a keystroke in a config field usually changes nothing here). Drawing and
highlighting in code post no messages: only a person's move selects (the
selection echo that once froze the app).
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from workbench.app.editing import EditSession

PIPELINE_ITEM = "⚙ pipeline"
PIPELINE_ID = "\0"
"""The option id of the pipeline's own settings (no stage id can be it)."""


class EditorStageList(OptionList):
    """The pipeline first, then its stages in file order, each marked ✔ or ✘."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._drawn: tuple[Any, ...] | None = None
        """What the list was last drawn from: redrawn only when it changes."""

    def show(self, session: EditSession | None, selected: str | None) -> None:
        with self.prevent(OptionList.OptionHighlighted):
            self._fill(session, selected)

    def _fill(self, session: EditSession | None, selected: str | None) -> None:
        if session is None:
            self._drawn = None
            self.clear_options()
            return
        pipeline = session.pipeline
        with_problems = {p.stage for p in pipeline.problems if p.stage}
        general = [p for p in pipeline.problems if not p.stage]
        key = (
            tuple((sid, s.uses) for sid, s in session.spec.stages.items()),
            tuple(sorted(with_problems)),
            bool(general),
            selected,
        )
        if key == self._drawn:
            return  # a keystroke changed nothing the list shows
        self._drawn = key
        self.clear_options()
        mark = Content.styled("✘ ", "$text-error") if general else Content("  ")
        self.add_option(
            Option(Content.assemble(mark, Content.styled(PIPELINE_ITEM, "bold")), id=PIPELINE_ID)
        )
        for sid in session.spec.stages:
            ps = pipeline.stages.get(sid)
            bad = sid in with_problems
            self.add_option(
                Option(
                    Content.assemble(
                        Content.styled(
                            "✘ " if bad else "✔ ", "$text-error" if bad else "$text-success"
                        ),
                        Content.styled(sid, "bold" if not bad else "bold $text-error"),
                        Content.styled(f"\n    {ps.uses if ps else ''}", "$foreground-muted"),
                    ),
                    id=sid,
                )
            )
        known = selected is not None and selected in session.spec.stages
        target = selected if known and selected is not None else PIPELINE_ID
        index = self.get_option_index(target)
        if self.highlighted != index:
            self.highlighted = index
