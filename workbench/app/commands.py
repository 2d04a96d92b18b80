"""The command palette's one provider.

Commands read ``"view: Graph"``, ``"pipeline: Open sales-report"``,
``"theme: Workbench Light"``. The list is built each time the palette opens from
:meth:`WorkbenchApp.palette_commands`, which adds the active screen's own
commands, so a new screen only has to implement
:meth:`WorkbenchScreen.palette_commands`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.app.screens.base import PaletteCommand

if TYPE_CHECKING:
    from workbench.app.app import WorkbenchApp


class WorkbenchCommands(Provider):
    """Views, pipelines, themes, the active screen's commands and Textual's own."""

    def _commands(self) -> list[PaletteCommand]:
        app = cast("WorkbenchApp", self.app)
        return list(app.palette_commands(self.screen))

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
