"""The app's screens, one module each, and the table of views that wires them in.

Every view is an App *mode*: a screen with its own stack, switched to by a key
in the footer and by a ``view: <title>`` command in the palette. :data:`VIEWS`
is the single place that lists them; the app builds ``MODES``, the global
bindings and the palette entries from it. To add a screen:

1. write ``screens/<name>.py`` with a :class:`~workbench.app.screens.base.WorkbenchScreen`
   subclass (``compose_body``, and ``show_pipeline`` / ``show_project`` to follow
   the app's state; ``palette_commands`` for screen-specific commands);
2. add one :class:`View` line below, with a free key.

The table names each screen by module and class instead of importing it: a
screen's module (and the widgets, Rich syntax and engine models it pulls in) is
imported on the first visit to its view, or earlier by the app's warm-up once the
first frame is on screen, so the app starts without paying for views it has not
shown yet.

Keys taken by the frame: p, g, s, q, ctrl+p. Inside the graph, the DagView binds
u, d, t, [ and ] while it has focus (widget bindings win over the app's).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from workbench.app.screens.base import WorkbenchScreen

PACKAGE = __name__


@dataclass(frozen=True, slots=True)
class View:
    """One screen of the app, reachable by a key and from the palette."""

    mode: str
    """The App mode name, also used in ``switch_mode('...')`` and binding ids."""
    title: str
    """Shown in the footer and as ``view: <title>`` in the palette."""
    key: str
    module: str
    """The screen's module under ``workbench.app.screens``, imported on first use."""
    class_name: str
    description: str

    def screen_class(self) -> type[WorkbenchScreen]:
        """The screen's class, importing its module the first time it is asked for."""
        module = import_module(f"{PACKAGE}.{self.module}")
        return cast("type[WorkbenchScreen]", getattr(module, self.class_name))

    def build(self) -> WorkbenchScreen:
        """A new screen for this view, told which mode it belongs to."""
        screen = self.screen_class()()
        screen.mode_name = self.mode
        return screen


VIEWS: tuple[View, ...] = (
    View("pipelines", "Pipelines", "p", "pipelines", "PipelinesScreen",
         "Every pipeline file of the project"),
    View("graph", "Graph", "g", "graph", "GraphScreen", "The open pipeline's dependency graph"),
    View("registry", "Stages", "s", "registry", "RegistryScreen",
         "Browse and search the stage registry"),
    View("editor", "Editor", "e", "editor", "EditorScreen",
         "Build and change the pipeline with forms"),
    View("run", "Run", "r", "run", "RunScreen",
         "Run the open pipeline, step through it, read its logs"),
    View("history", "History", "h", "history", "HistoryScreen",
         "Past runs of the project, read-only"),
    View("dry-run", "Dry run", "y", "dry_run", "DryRunScreen",
         "What a run would do; two plans side by side"),
)  # fmt: skip
"""Every view, in footer order."""


def view_for(mode: str) -> View:
    """The view of an app mode (``KeyError`` for a mode that is not a view)."""
    for view in VIEWS:
        if view.mode == mode:
            return view
    raise KeyError(mode)
