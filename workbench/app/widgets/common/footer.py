"""The footer, fitted to the terminal: as many of the view's keys as there is room for.

Textual's footer lays every shown binding out in one row and cuts the row at the
edge, so at 80 columns a view with many keys lost its last ones mid-word (`i Cont`).
This footer drops the view's own keys from the end until the row fits, and always
keeps `?` (which lists every key of the view, the dropped ones included) and `q`.
The order of a screen's bindings is therefore its order of importance.

Textual's footer also builds its keys afresh each time the screen's bindings may
have changed, which showing a screen does two or three times in a row: each time it
removes and mounts every key and lays the screen out again. This one rebuilds only
when the keys it would show differ from the ones it shows, once for a burst of
changes, and fits the row before the keys are mounted, so the first frame with
them is the fitted one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.screen import Screen

ALWAYS_SHOWN = frozenset({"question_mark", "q"})
"""Keys the footer never drops: the help that lists the others, and quit."""

KeyRow = tuple[tuple[object, ...], ...]
"""What the footer's keys are made from, one entry a key: compared to skip a rebuild."""


def key_width(key: FooterKey) -> int:
    """Cells a compact footer key takes: key, space, description, and its right margin."""
    text = cell_len(key.key_display)
    if key.description:
        text += 1 + cell_len(key.description)
    return text + 1


def hidden_keys(keys: list[FooterKey], width: int) -> set[FooterKey]:
    """The view's last keys that do not fit in ``width`` cells (never ``?`` and ``q``)."""
    palette = [k for k in keys if k.has_class("-command-palette")]
    others = [k for k in keys if not k.has_class("-command-palette")]
    room = width - sum(key_width(k) + 1 for k in palette)
    needed = sum(key_width(k) for k in others)
    hidden: set[FooterKey] = set()
    for key in reversed(others):
        if needed <= room:
            break
        if key.key in ALWAYS_SHOWN:
            continue
        hidden.add(key)
        needed -= key_width(key)
    return hidden


class FittingFooter(Footer):
    """A compact footer whose row of keys never runs past the right edge."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._row: KeyRow | None = None
        """What the mounted keys were made from; None before the first keys."""
        self._rebuild_pending = False

    def compose(self) -> ComposeResult:
        keys: list[FooterKey] = []
        for child in super().compose():
            if isinstance(child, FooterKey):
                keys.append(child)
            yield child
        if self._bindings_ready:
            self._row = self._wanted_row()
        # The keys are mounted once compose is done: hide the ones that do not fit now,
        # so the row is never drawn (nor laid out) uncut first.
        self._fit(keys, self.size.width or self.screen.size.width or self.app.size.width)

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild the keys after the next refresh, once however often this is called."""
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:
            return  # its screen closed in the meantime
        if self._row is not None and self._wanted_row() == self._row:
            return
        await self.recompose()

    def _wanted_row(self) -> KeyRow:
        """Everything :meth:`Footer.compose` makes the keys from, for the bindings now."""
        app = self.app
        row: list[tuple[object, ...]] = []
        palette_key = app.COMMAND_PALETTE_BINDING
        for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if binding.show or key == palette_key:
                row.append(
                    (
                        key,
                        binding.key,
                        app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        binding.group,
                        binding.show,
                        binding.tooltip,
                        enabled,
                        tooltip,
                    )
                )
        return tuple(row)

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Show every key that fits, and hide the view's last ones until the row fits."""
        self._fit(list(self.query(FooterKey)), self.size.width)

    @staticmethod
    def _fit(keys: list[FooterKey], width: int) -> None:
        hidden = hidden_keys(keys, width)
        for key in keys:
            shown = key not in hidden
            if key.display != shown:  # an unchanged key is left alone: no layout for it
                key.display = shown

    @property
    def shown_keys(self) -> list[FooterKey]:
        """The keys on screen now, in order (for tests and the help overlay)."""
        return [k for k in self.query(FooterKey) if k.display]
