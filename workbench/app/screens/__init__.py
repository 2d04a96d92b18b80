"""The app's screens, one module each, and the table of views that wires them in.

Every view is an App *mode*: a screen with its own stack, switched to by a key
in the footer and by a ``view: <title>`` command in the palette. :data:`VIEWS`
is the single place that lists them; the app builds ``MODES``, the global
bindings and the palette entries from it. To add a screen:

1. write ``screens/<name>.py`` with a :class:`~workbench.app.screens.base.WorkbenchScreen`
   subclass (``compose_body``, and ``show_pipeline`` / ``show_project`` to follow
   the app's state; ``palette_commands`` for screen-specific commands);
2. add one :class:`View` line below, with a free key.

Keys taken by the frame: p, g, s, q, ctrl+p. Inside the graph, the DagView binds
u, d, t, [ and ] while it has focus (widget bindings win over the app's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen

from workbench.app.screens.dry_run import DryRunScreen
from workbench.app.screens.editor import EditorScreen
from workbench.app.screens.graph import GraphScreen
from workbench.app.screens.history import HistoryScreen
from workbench.app.screens.pipelines import PipelinesScreen
from workbench.app.screens.registry import RegistryScreen
from workbench.app.screens.run import RunScreen


@dataclass(frozen=True, slots=True)
class View:
    """One screen of the app, reachable by a key and from the palette."""

    mode: str
    """The App mode name, also used in ``switch_mode('...')`` and binding ids."""
    title: str
    """Shown in the footer and as ``view: <title>`` in the palette."""
    key: str
    screen: Callable[[], Screen[None]]
    description: str


VIEWS: tuple[View, ...] = (
    View("pipelines", "Pipelines", "p", PipelinesScreen, "Every pipeline file of the project"),
    View("graph", "Graph", "g", GraphScreen, "The open pipeline's dependency graph"),
    View("registry", "Stages", "s", RegistryScreen, "Browse and search the stage registry"),
    View("editor", "Editor", "e", EditorScreen, "Build and change the pipeline with forms"),
    View("run", "Run", "r", RunScreen, "Run the open pipeline, step through it, read its logs"),
    View("history", "History", "h", HistoryScreen, "Past runs of the project, read-only"),
    View("dry-run", "Dry run", "y", DryRunScreen, "What a run would do; two plans side by side"),
)
"""Every view, in footer order."""
