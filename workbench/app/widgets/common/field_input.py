"""A one-line text input that repaints itself as you type, without laying the screen out.

Textual's :class:`~textual.widgets.Input` records the width of its text as its
virtual size, and a change of virtual size asks the whole screen for a new layout.
In a form of a hundred widgets beside a large graph that is most of the time a key
takes (the editor, 500 stages: tens of milliseconds a key). A one-line field's
box never depends on its text (its width comes from the form, its height is one
row), so nothing around it moves when the text grows: only the field itself needs
repainting, and it scrolls its text with the cursor from its own virtual size.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FieldInput(Input):
    """An :class:`Input` whose typing repaints the field alone (no screen layout)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
    """As :attr:`Widget.virtual_size`, but a new text width only repaints this field."""
