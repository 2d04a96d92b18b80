"""The footer, fitted to the terminal: as many of the view's keys as there is room for.

Textual's footer lays every shown binding out in one row and cuts the row at the
edge, so at 80 columns a view with many keys lost its last ones mid-word (`i Cont`).
This footer drops the view's own keys from the end until the row fits, and always
keeps `?` (which lists every key of the view, the dropped ones included) and `q`.
The order of a screen's bindings is therefore its order of importance.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS_SHOWN = frozenset({"question_mark", "q"})
"""Keys the footer never drops: the help that lists the others, and quit."""


def key_width(key: FooterKey) -> int:
    """Cells a compact footer key takes: key, space, description, and its right margin."""
    text = cell_len(key.key_display)
    if key.description:
        text += 1 + cell_len(key.description)
    return text + 1


class FittingFooter(Footer):
    """A compact footer whose row of keys never runs past the right edge."""

    def __init__(self) -> None:
        super().__init__(compact=True)

    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.call_after_refresh(self.fit)

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show every key, then hide the view's last ones until the row fits."""
        keys = list(self.query(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        others = [k for k in keys if not k.has_class("-command-palette")]
        room = self.size.width - sum(key_width(k) + 1 for k in palette)
        needed = sum(key_width(k) for k in others)
        for key in others:
            key.display = True
        for key in reversed(others):
            if needed <= room:
                break
            if key.key in ALWAYS_SHOWN:
                continue
            key.display = False
            needed -= key_width(key)

    @property
    def shown_keys(self) -> list[FooterKey]:
        """The keys on screen now, in order (for tests and the help overlay)."""
        return [k for k in self.query(FooterKey) if k.display]
