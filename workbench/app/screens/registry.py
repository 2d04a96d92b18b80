"""The stage registry screen: every registered stage by namespace, a live filter, the
selected stage's details, and the plugins that failed to load."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Input, Static, Tree

from workbench.app.screens.base import WorkbenchScreen
from workbench.app.widgets.common.stage_details import StageDetails
from workbench.engine.project import Project
from workbench.engine.registry import PluginLoadError, StageMetadata


def matches(meta: StageMetadata, words: list[str]) -> bool:
    """Every word of the filter appears in the name, the description or the capabilities."""
    haystack = " ".join((meta.name, meta.description, *meta.provides, *meta.requires)).lower()
    return all(word in haystack for word in words)


def plugin_errors_content(errors: Iterable[PluginLoadError]) -> Content:
    lines = []
    for error in errors:
        lines.append(
            Content.assemble(
                Content.styled("✘ ", "$text-error bold"),
                Content.styled(error.plugin, "bold"),
                Content.styled(f"  ({error.kind})", "$foreground-muted"),
            )
        )
        lines.append(Content(f"  {error.message}"))
    return Content("\n").join(lines)


class StageTree(Tree[StageMetadata]):
    """Stages grouped under their namespace; namespaces start expanded."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("stages", id=id)
        self.show_root = False
        self.guide_depth = 3

    def set_stages(self, stages: Iterable[StageMetadata]) -> tuple[int, StageMetadata | None]:
        """Show ``stages`` (already sorted by name).

        Returns how many are shown and the stage the cursor lands on: the same one
        as before when it is still shown, else the first.
        """
        current = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        groups: dict[str, list[StageMetadata]] = {}
        for meta in stages:
            groups.setdefault(meta.namespace, []).append(meta)
        select = None
        for namespace, members in groups.items():
            group = self.root.add(
                Text.assemble((namespace, "bold"), (f"  {len(members)}", "dim")),
                expand=True,
            )
            for meta in members:
                node = group.add_leaf(meta.name.split(".", 1)[1], data=meta)
                if current is not None and meta.name == current.name:
                    select = node
        first_leaf = next((g.children[0] for g in self.root.children if g.children), None)
        target = select or first_leaf
        if target is not None:
            # Node lines are only known once the tree has laid itself out again.
            self.call_after_refresh(self.move_cursor, target)
        return sum(len(m) for m in groups.values()), target.data if target else None


class RegistryScreen(WorkbenchScreen):
    """Browse and search the stages a pipeline can use."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="registry-filter"),
        Binding("escape", "leave_filter", "Stages", show=False, id="registry-leave-filter"),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="registry-body"):
            with Vertical(id="registry-side", classes="side"):
                yield Input(placeholder="Filter stages  ( / )", id="stage-filter")
                yield StageTree(id="stage-tree")
            with Vertical(id="registry-main"):
                yield StageDetails("Choose a stage to see its details.", id="stage-details")
                yield Static(id="plugin-errors")

    def on_mount(self) -> None:
        self.query_one(StageDetails).border_title = "Stage"
        self.query_one("#plugin-errors").border_title = "Plugin errors"
        self.query_one(StageTree).focus()

    def show_project(self, project: Project) -> None:
        self._apply_filter(self.query_one(Input).value)
        errors = project.plugin_errors
        panel = self.query_one("#plugin-errors", Static)
        panel.display = bool(errors)
        panel.update(plugin_errors_content(errors))
        panel.border_title = f"Plugin errors ({len(errors)})"

    def _apply_filter(self, text: str) -> None:
        registry = self.workbench.project.registry
        words = text.lower().split()
        tree = self.query_one(StageTree)
        shown, current = tree.set_stages(m for m in registry if matches(m, words))
        total = len(registry)
        tree.border_title = "Stages"
        tree.border_subtitle = f"{shown} of {total}" if words else f"{total}"
        self.query_one(StageDetails).show_stage(current)

    @on(Input.Changed, "#stage-filter")
    def _on_filter(self, event: Input.Changed) -> None:
        self._apply_filter(event.value)

    @on(Input.Submitted, "#stage-filter")
    def _on_filter_done(self) -> None:
        self.query_one(StageTree).focus()

    @on(Tree.NodeHighlighted, "#stage-tree")
    def _on_stage(self, event: Tree.NodeHighlighted[StageMetadata]) -> None:
        if event.node.data is not None:
            self.query_one(StageDetails).show_stage(event.node.data)

    def action_focus_filter(self) -> None:
        self.query_one(Input).focus()

    def action_leave_filter(self) -> None:
        self.query_one(StageTree).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_filter":
            return self.focused is self.query_one(Input)
        return True
