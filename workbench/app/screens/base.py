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
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

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
        yield Header()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        """The screen's own widgets, between the header and the footer."""
        yield from ()

    def on_mount(self) -> None:
        app = self.workbench
        app.project_changed.subscribe(self, self.show_project)
        app.pipeline_changed.subscribe(self, self.show_pipeline)
        self.show_project(app.project)
        self.show_pipeline(app.pipeline)

    def show_project(self, project: Project) -> None:
        """The project's pipelines or registry changed; ``workbench.catalog`` is fresh."""

    def show_pipeline(self, pipeline: Pipeline | None) -> None:
        """The open pipeline changed (another was opened, or its file was reloaded)."""

    def palette_commands(self) -> Iterable[PaletteCommand]:
        """Commands this screen adds to the palette while it is active."""
        return ()
