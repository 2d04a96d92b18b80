"""The base of every workbench screen: header, footer, and the app's news.

A screen subclasses :class:`WorkbenchScreen`, yields its body from
:meth:`compose_body`, and overrides the hooks it cares about:

- :meth:`show_project` when the project's pipeline list changes (a file added,
  removed or changed on disk, or the registry reloaded);
- :meth:`show_pipeline` when another pipeline is opened or the open one reloads;
- :meth:`palette_commands` to add its own ``"pipeline: Run"``-style commands to
  the command palette while it is the active screen.

Screens are built lazily (on the first switch to their mode, or ahead of it by
the app's warm-up), so each hook is also called once on mount with the app's
current state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from workbench.app.screens import VIEWS
from workbench.app.widgets.common.footer import FittingFooter
from workbench.app.widgets.common.view_bar import ViewBar

if TYPE_CHECKING:
    from workbench.app.app import WorkbenchApp
    from workbench.engine.pipeline import Pipeline
    from workbench.engine.project import Project


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    """One command-palette entry: ``"pipeline: Run"`` with what it does."""

    title: str
    run: Callable[[], object]
    help: str = ""


class WorkbenchScreen(Screen[None]):
    """A screen that follows the open project and pipeline through the app's signals."""

    mode_name: str = ""
    """The app mode this screen belongs to: set by the view that builds it (views may be
    built ahead of their first visit), else the mode it was opened in (a pushed screen)."""
    been_on_view: bool = False
    """Whether the screen has been on view; until then news to a screen built ahead only
    marks it as having missed news."""
    missed_news: bool = False
    """News came while the screen was never shown: :meth:`catch_up` takes it in."""
    built_ahead: bool = False
    """Built before its first visit: the project and pipeline are shown once it is laid out."""
    _styled_for: tuple[int, bool] | None = None
    """The app's stylesheet version and focus when every widget here was last styled."""

    @property
    def workbench(self) -> WorkbenchApp:
        """The app, typed: screens read its ``project`` and ``pipeline``."""
        return cast("WorkbenchApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ViewBar([(v.mode, v.key, v.title) for v in VIEWS], id="view-bar")
        yield from self.compose_body()
        yield FittingFooter()

    @on(ViewBar.ViewChosen)
    def _switch_view(self, event: ViewBar.ViewChosen) -> None:
        self.app.switch_mode(event.mode)

    def mark_styled(self) -> None:
        """Every widget of this screen has just been styled for the app as it is now."""
        self._styled_for = (self.app._css_update_count, self.app.app_focus)

    @on(events.ScreenResume)
    def _restyle_only_when_stale(self, event: events.ScreenResume) -> None:
        """Let Textual restyle the screen on resume only when something app-wide changed.

        Textual restyles every widget of a screen each time it is shown (20-40 ms for a
        view of 50-100 widgets), in case the app changed while it was hidden. A widget
        that changes itself (a class, focus, hover, mounting) is restyled on the spot
        wherever its screen is; what a hidden screen misses is the stylesheet changing
        (a theme, new CSS: the app's ``_css_update_count`` moves) and the app gaining or
        losing focus. When neither happened since this screen was last styled in full,
        its styles are current and the restyle is skipped.
        """
        if not event.refresh_styles:
            return
        if self._styled_for == (self.app._css_update_count, self.app.app_focus):
            event.refresh_styles = False
        else:
            self.mark_styled()  # Textual's own handler restyles it next

    def on_idle(self) -> None:
        # Never shown, with a layout or a repaint pending, which Textual does for the
        # current screen only: done ahead, the first visit finds it ready (ViewCache).
        hidden = self.built_ahead and not self.been_on_view and not self.is_current
        if hidden and (self._layout_required or self._dirty_widgets):
            self.workbench.views.prepare_later(self)

    def on_screen_resume(self) -> None:
        self.query_one(ViewBar).refresh()
        self.been_on_view = True
        self.catch_up()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the footer."""
        yield from ()

    def on_mount(self) -> None:
        app = self.workbench
        if self in app.open_screens:
            # Textual calls this handler itself after a subclass's ``on_mount``; one that
            # also calls ``super().on_mount()`` must not subscribe (and redraw) twice.
            return
        if not self.mode_name:
            self.mode_name = app.current_mode
        app.open_screens.append(self)
        app.project_changed.subscribe(self, self._project_news)
        app.pipeline_changed.subscribe(self, self._pipeline_news)
        if self.built_ahead:
            self.missed_news = True  # filled in once laid out (see ViewCache)
            return
        self.show_project(app.project)
        self.show_pipeline(app.pipeline)

    # -- news for a screen never shown yet -------------------------------------------------
    # A view built ahead of its first visit holds nothing of the person's yet: it need not
    # follow each change the moment it happens (with every view built, opening a pipeline
    # would redraw all of them at once). It takes in the latest state after the frame that
    # shows the change, one view at a time, or at once when it is shown first.

    def _project_news(self, project: Project) -> None:
        if self.been_on_view or not self.built_ahead:
            self.show_project(project)
        else:
            self._note_missed_news()

    def _pipeline_news(self, pipeline: Pipeline | None) -> None:
        if self.been_on_view or not self.built_ahead:
            self.show_pipeline(pipeline)
        else:
            self._note_missed_news()

    def _note_missed_news(self) -> None:
        self.missed_news = True
        self.workbench.views.catch_up_later(self)

    def catch_up(self) -> None:
        """Take in the project and pipeline as they are now, if news came while never shown."""
        if self.missed_news:
            self.missed_news = False
            app = self.workbench
            self.show_project(app.project)
            self.show_pipeline(app.pipeline)

    def on_unmount(self) -> None:
        if self in self.workbench.open_screens:
            self.workbench.open_screens.remove(self)

    def has_unsaved_changes(self) -> bool:
        """True while the screen holds work that quitting would lose."""
        return False

    def ask_before_quit(self) -> object:
        """Asked instead of quitting when :meth:`has_unsaved_changes`; exits if agreed.

        It may start a worker (a dialog) and return at once.
        """
        self.app.exit()
        return None

    def answers_reload_of(self, path: Path) -> bool:
        """True when this screen tells the person itself that ``path`` changed on disk
        (the editor's conflict dialog); the app then stays silent about it."""
        return False

    def show_project(self, project: Project) -> None:
        """The project's pipelines or registry changed; ``workbench.catalog`` is fresh."""

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        """The open pipeline changed (another was opened, or its file was reloaded)."""

    def palette_commands(self) -> Iterable[PaletteCommand]:
        """Commands this screen adds to the palette while it is active."""
        return ()
