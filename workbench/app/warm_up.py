"""Views built ahead of their first visit, once the first frame is on screen.

Importing a view's module and building its screen the first time costs far more
than showing it again: the module and its widgets are imported, every widget is
composed, mounted and styled, and Textual parses the whole stylesheet again for
the screen's ``.tcss`` (twice: once for the new file, once because the new screen's
styles predate the app's). Paid on the first key press, that made a first visit
take 0.3-1.6 s. :class:`ViewCache` moves that work to the moment after the first
frame: each view's module is imported in a thread (imports do not hold up keys
for long), then its screen is built on the event loop, one view at a time with a
frame between them. A view the person opens before the warm-up reached it is
built on the spot, as before; one the warm-up is building is handed over as it is.

A first visit should then cost no more than showing a screen that is ready, so the
cache also does the work a visit used to find waiting:

- a finished screen is handed to its mode at once, as Textual's first switch to the
  mode would: the switch then shows it with one ``ScreenResume`` (Textual's first
  switch to a mode sends two, and each restyled every widget of the screen);
- a screen never shown is laid out and painted (into nothing: what is kept is each
  widget's rendered lines) whenever it has a layout or a repaint pending, once every
  view is built: Textual lays out and paints the current screen only, so every
  layout a hidden screen asked for (after taking in a newly opened pipeline, a
  dry-run report arriving, its footer's keys changing) waited for the visit, widgets
  resized by that layout asked for a second, and every widget rendered on the visit;
- once every view is built, one full collection and ``gc.freeze()``: the app's
  ~150,000 long-lived objects (the registry, the views' widgets) made each full
  collection of the cyclic garbage collector take 100-170 ms, and one fell in a
  visit every few visits; after the views catch up with a newly opened pipeline and
  are prepared, one full collection runs (over what was made since the freeze), so
  that the next one is not due during the next visit.

Textual has no public call for "mount this screen without showing it", so the
cache uses the steps ``App._init_mode`` takes itself (load the screen's CSS,
register the screen, lay it out, mark its styles current, give it its mode's
stack) and lays out and paints a hidden screen with the screen's own private
calls (``_refresh_layout``, ``_compositor``): those are the only places the app
reaches under Textual's public API, and it is pinned to ``textual>=8.2,<9``.
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from typing import TYPE_CHECKING

from textual.widget import AwaitMount

from workbench.app.heap import HeapSettler
from workbench.app.screens import View, view_for

if TYPE_CHECKING:
    from textual.app import App

    from workbench.app.screens.base import WorkbenchScreen

WARM_ORDER = ("graph", "editor", "run", "dry-run", "history", "registry", "pipelines")
"""Views in the order they are built ahead: the ones people go to first after the list."""


class ViewCache:
    """Each view's screen, built once: ahead of time by :meth:`warm_up`, or on first visit."""

    def __init__(self, app: App[None], heap: HeapSettler | None = None) -> None:
        self._app = app
        self._heap = heap or HeapSettler()
        """Settles the heap once every view is built (the app's, which also settles it in
        pauses of input)."""
        self._ready: dict[str, WorkbenchScreen] = {}
        """Screens built ahead and not yet handed to their mode."""
        self._handed: set[str] = set()
        """Modes whose screen Textual has asked for, or that were given their screen built
        ahead (they are never built again)."""
        self._stale: dict[int, WorkbenchScreen] = {}
        """Screens never shown that missed news, in the order they missed it."""
        self._catching_up = False
        self._preparing: set[int] = set()
        """Hidden screens with a step of :meth:`_prepare` to come."""
        self._warming = False
        """True while :meth:`warm_up` builds views; screens are prepared after it."""
        self._deferred: dict[int, WorkbenchScreen] = {}
        """Screens to prepare once the warm-up has built every view."""
        self._unpainted: set[int] = set()
        """Hidden screens laid out since they were last painted."""
        self._collect_due = False
        """A full collection is to run once the screens have caught up and been prepared."""
        self._froze = False
        """Whether :meth:`warm_up` moved the objects alive then out of the collector's sight."""

    def screen_for(self, mode: str) -> WorkbenchScreen:
        """What Textual calls on the first switch to ``mode``: the screen built ahead, or a new one."""
        self._handed.add(mode)
        ready = self._ready.pop(mode, None)
        return ready if ready is not None else view_for(mode).build()

    def is_built(self, mode: str) -> bool:
        return mode in self._handed or mode in self._ready

    async def warm_up(self, current: str) -> list[str]:
        """Import and build every view not built yet, in :data:`WARM_ORDER`; return their modes."""
        built: list[str] = []
        self._warming = True
        try:
            for mode in WARM_ORDER:
                if mode == current or self.is_built(mode):
                    continue
                view = view_for(mode)
                await asyncio.to_thread(view.screen_class)  # the import, off the event loop
                if self.is_built(mode) or not self._app.is_running:
                    continue  # visited while its module was imported, or the app is closing
                await self._build(view)
                built.append(mode)
                await asyncio.sleep(0)  # let a key press or a repaint in between
        finally:
            self._warming = False
            deferred, self._deferred = list(self._deferred.values()), {}
            for screen in deferred:
                self.prepare_later(screen)  # held back while views were being built
        if not self._app.is_running:
            return built
        if not self._froze:
            # One full collection first (~0.1 s, like building a view), so that no garbage
            # is frozen with the living; from then on a full collection walks only what
            # was made since.
            self._heap.settle()
            self._froze = True
        return built

    def release(self) -> None:
        """The app is closing: let the collector see what the warm-up hid from it."""
        self._froze = False
        self._heap.release()

    def catch_up_later(self, screen: WorkbenchScreen) -> None:
        """Bring a never-shown screen up to date after the next frame, one screen a frame."""
        self._stale.setdefault(id(screen), screen)
        if not self._catching_up:
            self._catching_up = True
            self._app.call_after_refresh(self._catch_up_next)

    def _catch_up_next(self) -> None:
        if not self._stale:
            self._catching_up = False
            if self._froze:
                # Catching up made the garbage of what the views showed before (an edit
                # session, forms, a report), and preparing them makes lines and layouts:
                # collect once that is done, while nothing waits, rather than in the
                # middle of the next visit.
                self._collect_due = True
                self._app.set_timer(0.001, self._collect_if_settled, name="collect")
            return
        screen = self._stale.pop(next(iter(self._stale)))
        if screen.is_attached:
            screen.catch_up()
            screen.refresh_bindings()  # the footer's keys too, while it is hidden
        self._app.call_after_refresh(self._catch_up_next)

    def prepare_later(self, screen: WorkbenchScreen) -> None:
        """Lay out and paint a screen that is not on view, in a moment (once however often asked).

        Textual lays out and paints the current screen only: what changed on a hidden
        one waits for its next visit. Done here, one step at a time, the visit finds it
        laid out and each widget's lines rendered, and only puts them together. A
        never-shown screen asks for this itself whenever a layout or a repaint is
        pending and it is idle (:meth:`WorkbenchScreen.on_idle`), so the layouts that
        one layout causes (a container whose content grew) are done too, and the
        paint waits for them.
        """
        if self._warming:
            # Building the views comes first: each sooner is a visit that finds it built.
            self._deferred[id(screen)] = screen
            return
        if id(screen) not in self._preparing:
            self._preparing.add(id(screen))
            # A timer, not call_after_refresh: each step is then a turn of the event loop of
            # its own, and a key read in between is handled before the next step.
            self._app.set_timer(0.001, partial(self._prepare, screen), name="prepare")

    def _collect_if_settled(self) -> None:
        """The full collection after news, once no screen is left to catch up or prepare."""
        if self._collect_due and not self._preparing and not self._stale:
            self._collect_due = False
            gc.collect()

    def _prepare(self, screen: WorkbenchScreen) -> None:
        try:
            self._prepare_step(screen)
        finally:
            self._collect_if_settled()

    def _prepare_step(self, screen: WorkbenchScreen) -> None:
        self._preparing.discard(id(screen))
        app = self._app
        if not screen.is_attached or screen.is_current or not app.is_running:
            return
        if screen._layout_required:
            screen._refresh_layout(app.size)  # not current: lays out, does not paint
            screen._layout_required = False
            # Paint once the layouts this one causes are done too, not after each of them.
            self._unpainted.add(id(screen))
            self.prepare_later(screen)
            return
        if not (screen._dirty_widgets or id(screen) in self._unpainted):
            return
        self._unpainted.discard(id(screen))
        screen._compositor.update_widgets(screen._dirty_widgets)
        screen._dirty_widgets.clear()
        # Paint into nothing: what is kept is each widget's rendered lines, which the
        # visit's paint then reuses (a widget changed later renders again, as usual).
        screen._compositor.render_update(full=True)

    async def _build(self, view: View) -> None:
        app = self._app
        screen = view.build()
        screen.built_ahead = True
        self._ready[view.mode] = screen
        try:
            app._load_screen_css(screen)
            await AwaitMount(screen, app._register(app, screen))
            # Lay the screen out, as a visit would, before it shows the project and pipeline:
            # widgets that place a cursor or scroll to it then do so knowing their size.
            screen._refresh_layout(app.size)
            screen._css_update_count = app._css_update_count
            screen.mark_styled()  # mounted just now: each widget was styled as it mounted
            screen.catch_up()
        except Exception:
            # Never hand over a half-built view: the visit builds it afresh and shows why.
            self._ready.pop(view.mode, None)
            raise
        if self._ready.get(view.mode) is screen and view.mode not in app._screen_stacks:
            # Give the screen its mode now, as Textual's first switch to the mode would
            # (``App._init_mode``, which also sends an extra ScreenResume): the visit is then
            # an ordinary switch.
            del self._ready[view.mode]
            self._handed.add(view.mode)
            app._screen_stacks[view.mode] = [screen]
        screen.refresh_bindings()  # its footer's keys, made while it is hidden
