"""Showing a view as soon as it is ready, rather than 50 ms after the key.

Textual's ``App.switch_mode`` holds every screen update for 50 ms
(``App.delay_update``) so that the new screen is not drawn half-made while it
resumes and lays itself out. A workbench view is built before its visit, so it
is ready long before that: the hold alone made every switch of view take at
least 50 ms before anything changed on screen. :class:`SwitchHold` keeps the
hold but ends it once the new screen has handled its resume and the callbacks
that queued (the footer's keys among them), whichever comes first; a hold taken
for anything else (the command palette closing) is left to Textual.

Like the warm-up, this uses Textual's private calls: ``App._begin_batch`` and
``App._end_batch`` (what ``delay_update`` itself calls) and ``Screen._on_timer_update``
(what ``Pilot.pause`` calls to paint at once), pinned with ``textual>=8.2,<9``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


class SwitchHold:
    """The update hold of one switch of view, ended when the new screen is ready."""

    def __init__(self, app: App[None]) -> None:
        self._app = app
        self._end: Callable[[], None] | None = None
        """Ends the hold taken by the switch under way; None when there is none."""

    def begin(self, delay: float) -> None:
        """Hold updates as ``App.delay_update`` does, for ``delay`` seconds at most."""
        app = self._app
        app._begin_batch()
        ended = False

        def end(paint_now: bool = False) -> None:
            nonlocal ended
            if ended:
                return
            ended = True
            app._end_batch()
            if not app._batch_count:
                screen = app.screen
                screen.refresh()
                if paint_now:
                    screen._on_timer_update()

        app.set_timer(delay, end, name="delay_update")
        self._end = end

    def end_when_ready(self, screen: Screen[object]) -> None:
        """End the hold once ``screen`` has handled what is queued for it now, and paint it.

        Called right after the switch, when the screen's ``ScreenResume`` is queued:
        the first callback runs once that is handled, and waits once more for the
        callbacks the resume queued in its turn (a footer checking its keys). The
        screen is then painted at once, as ``Pilot.pause`` does: left to the screen's
        update timer, the first frame of a screen never shown before waited a whole
        timer period (1/60 s), since the timer starts counting when first resumed.
        """
        end, self._end = self._end, None
        if end is not None:
            screen.call_after_refresh(screen.call_after_refresh, end, True)
