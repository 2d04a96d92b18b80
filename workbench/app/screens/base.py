"""The base of every workbench screen: header, footer, and the app's news.

A screen subclasses :class:`WorkbenchScreen`, yields its body from
:meth:`compose_body`, and overrides the hooks it cares about:

- :meth:`show_project` when the project's pipeline list changes (a file added,
  removed or changed on disk, or the registry reloaded);
- :meth:`show_pipeline` when another pipeline is opened or the open one reloads;
- :meth:`palette_commands` to add its own ``"pipeline: Run"``-style commands to
  the command palette while it is the active screen.

Screens are built lazily (on the first switch to their mode), so each hook is
also called once on mount with the app's current state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from workbench.app.widgets.common.footer import FittingFooter
from workbench.app.widgets.common.view_bar import ViewBar
from workbench.engine.pipeline import Pipeline
from workbench.engine.project import Project

if TYPE_CHECKING:
    from workbench.app.app import WorkbenchApp


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    """One command-palette entry: ``"pipeline: Run"`` with what it does."""

    title: str
    run: Callable[[], object]
    help: str = ""


class WorkbenchScreen(Screen[None]):
    """A screen that follows the open project and pipeline through the app's signals."""

    @property
    def workbench(self) -> WorkbenchApp:
        """The app, typed: screens read its ``project`` and ``pipeline``."""
        return cast("WorkbenchApp", self.app)

    def compose(self) -> ComposeResult:
        from workbench.app.screens import VIEWS  # the table imports every screen module

        yield Header()
        yield ViewBar([(v.mode, v.key, v.title) for v in VIEWS], id="view-bar")
        yield from self.compose_body()
        yield FittingFooter()

    @on(ViewBar.ViewChosen)
    def _switch_view(self, event: ViewBar.ViewChosen) -> None:
        self.app.switch_mode(event.mode)

    def on_screen_resume(self) -> None:
        self.query_one(ViewBar).refresh()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the footer."""
        yield from ()

    def on_mount(self) -> None:
        app = self.workbench
        self.mode_name = app.current_mode
        """The app mode this screen belongs to (screens are built on the first switch)."""
        app.open_screens.append(self)
        app.project_changed.subscribe(self, self.show_project)
        app.pipeline_changed.subscribe(self, self.show_pipeline)
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
