"""The context inspector: a run's shared context as a tree of keys, values and writers.

Two sources feed it through the same change log: a live run's
:class:`ContextStore`, whose values are real objects, and a past run from the
history, whose values are its bounded previews read back (see
:mod:`workbench.app.run.context_values`, which holds everything here that is not
drawing). Either way each top-level key shows its value's summary, its type and
the stage that wrote it, and when a stage is chosen, the keys that stage added,
changed or removed are marked, with the value before and after.

Values can be huge (a 100,000-row table), so nothing is walked until a person
asks: a node's children are built when it is first expanded, a page at a time
(:data:`PAGE`), with a "… N more" node that loads the next page when selected.
A list of dicts sharing the same keys is a *table*; ``t`` opens it in a paged
:class:`~workbench.app.screens.context_table.TableScreen` instead of as a tree of rows.

Secret keys (see :mod:`workbench.engine.secrets`) show ``••••``; ``v`` reveals the
value under the cursor until the next run or until pressed again. What was revealed
lives only in this widget, never in a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from workbench.app.run.context_values import (
    MASKED,
    MISSING,
    PAGE,
    ContextView,
    Entry,
    child_count,
    children,
    is_container,
    is_table,
    type_label,
    value_summary,
    view_of,
)
from workbench.engine.changelog import ChangeLog, KeyChange
from workbench.engine.context import ContextStore
from workbench.engine.secrets import Secrets
from workbench.engine.units import counted

KEY_WIDTH = 24
"""Top-level key names up to this long are padded so their values line up."""


# -- the widget ----------------------------------------------------------------------------


class ContextInspector(Tree[Entry]):
    """A run's context as a tree: keys, values, types, writers and one stage's changes."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("t", "show_table", "As table", id="inspector-table"),
        Binding("v", "reveal", "Reveal secret", id="inspector-reveal"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "context-inspector--key",
        "context-inspector--muted",
        "context-inspector--writer",
        "context-inspector--added",
        "context-inspector--changed",
        "context-inspector--removed",
        "context-inspector--table",
    }

    DEFAULT_CSS = """
    ContextInspector {
        & > .context-inspector--key { text-style: bold; }
        & > .context-inspector--muted { color: $foreground-muted; }
        & > .context-inspector--writer { color: $text-accent; }
        & > .context-inspector--added { color: $text-success; text-style: bold; }
        & > .context-inspector--changed { color: $text-warning; text-style: bold; }
        & > .context-inspector--removed { color: $text-error; text-style: bold; }
        & > .context-inspector--table { color: $text-primary; }
    }
    """

    MARKS: ClassVar[dict[str, str]] = {"added": "+", "changed": "~", "removed": "−"}

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, disabled: bool = False
    ) -> None:
        super().__init__("context", id=id, classes=classes, disabled=disabled)
        self.show_root = False
        self.guide_depth = 2
        self.after_stage: str | None = None
        """The stage whose finish the tree shows, or None for the context now."""
        self.changes: dict[str, KeyChange] = {}
        """The chosen stage's net changes, by key."""
        self._key_width = 0
        """Top-level key names are padded to this width so values line up."""
        self._top: list[Entry] = []
        """The top-level keys, paged into the tree like any other children."""
        self.secrets = Secrets()
        """Which keys and values to mask: the live run's, or none for a recorded run
        (whose secrets were masked before they were stored)."""
        self.revealed: set[str] = set()
        """Secret keys shown in clear on request; forgotten when another run is shown."""
        self._shown: tuple[Any, ...] | None = None
        """The arguments of the last :meth:`_show`, to redraw after a reveal."""

    # -- what it shows --------------------------------------------------------------------
    def show_live(self, store: ContextStore, after_stage: str | None = None) -> None:
        """Show a live run's context now, or as it was right after ``after_stage`` finished."""
        if store.secrets is not self.secrets:
            self.secrets = store.secrets
            self.revealed.clear()
        if after_stage is None:
            self._show(store.snapshot(), store.writers(), {}, None)
            return
        self._show_view(store.log, after_stage, store.params)

    def show_recorded(
        self,
        log: ChangeLog,
        after_stage: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Show a past run's context, replayed from its recorded change log.

        Values are the recorded previews read back (a cut one says how much of it
        was recorded); ``params`` are the run's parameters.
        """
        self.secrets = Secrets()
        self.revealed.clear()
        self._show_view(log, after_stage, params)

    def _show_view(
        self, log: ChangeLog, after_stage: str | None, params: Mapping[str, Any] | None
    ) -> None:
        try:
            view: ContextView = view_of(log, after_stage, params)
        except KeyError:
            self._show_note(f"{after_stage} has not finished yet", after_stage)
            return
        self._show(view.values, view.writers, view.changes, view.after_stage)

    def clear_context(self, message: str = "no run yet") -> None:
        self._show_note(message, None)

    # -- building -----------------------------------------------------------------------
    def _show(
        self,
        values: Mapping[str, Any],
        writers: Mapping[str, str],
        made: dict[str, KeyChange],
        after_stage: str | None,
    ) -> None:
        self._shown = (values, writers, made, after_stage)
        expanded, cursor = self._remember()
        self.after_stage = after_stage
        self.changes = made
        self.clear()
        values = {key: self._masked(key, value) for key, value in values.items()}
        entries = [
            Entry(
                key,
                value,
                value_summary(value)
                if key in self.revealed
                else self.secrets.mask_text(value_summary(value)),
                writer=writers.get(key),
                change=made[key].kind if key in made else None,
                before=made[key].before if key in made else "",
            )
            for key, value in values.items()
        ]
        for change in made.values():
            if change.kind == "removed":
                entries.append(
                    Entry(
                        change.key,
                        MISSING,
                        "—",
                        writer=after_stage,
                        change="removed",
                        before=change.before,
                    )
                )
        self._top = entries
        self._key_width = min(KEY_WIDTH, max((len(e.name) for e in entries), default=0))
        self.root.data = Entry("context", loaded=True)
        if entries:
            self._load(self.root)
        else:
            self.root.add_leaf("", Entry("the context is empty", role="note"))
        self._subtitle(len(values))
        self._restore(expanded, cursor)

    def _masked(self, key: str, value: Any) -> Any:
        """The value to show for ``key``: masked when secret and not revealed."""
        if key in self.revealed or not self.secrets.is_secret(key):
            return value
        return MASKED

    def _show_note(self, message: str, after_stage: str | None) -> None:
        self.after_stage = after_stage
        self.changes = {}
        self.clear()
        self.root.add_leaf("", Entry(message, role="note"))
        self.border_subtitle = ""

    def _subtitle(self, count: int) -> None:
        noun = counted(count, "key")
        if self.after_stage is None:
            self.border_subtitle = noun
            return
        kinds = [c.kind for c in self.changes.values()]
        made = "  ".join(
            f"{self.MARKS[k]}{kinds.count(k)}" for k in ("added", "changed", "removed")
        )
        self.border_subtitle = f"after {self.after_stage} · {made} · {noun}"

    def _add_page(self, node: TreeNode[Entry], entries: Sequence[Entry], start: int) -> None:
        """Add ``entries`` (children ``start``..) under ``node`` and a "more" node if cut."""
        total = self._total(node)
        for entry in entries:
            node.add(
                "", entry, allow_expand=entry.change != "removed" and child_count(entry.value) > 0
            )
        shown = start + len(entries)
        if shown < total:
            node.add_leaf("", Entry(f"… {total - shown:,} more", role="more", offset=shown))

    def _total(self, node: TreeNode[Entry]) -> int:
        if node is self.root:
            return len(self._top)
        return child_count(node.data.value) if node.data is not None else 0

    def _load(self, node: TreeNode[Entry], start: int = 0) -> None:
        """Build one page of ``node``'s children, from index ``start``."""
        entry = node.data
        if entry is None:
            return
        entry.loaded = True
        if node is self.root:
            self._add_page(node, self._top[start : start + PAGE], start)
            return
        pairs = children(entry.value, start, start + PAGE)
        mask = self.secrets
        items = [
            Entry(name, value, mask.mask_text(value_summary(value)), role="item")
            for name, value in ((n, MASKED if mask.is_secret(n) else v) for n, v in pairs)
        ]
        self._add_page(node, items, start)

    # -- keeping the place across updates -----------------------------------------------
    def _remember(self) -> tuple[set[tuple[str, ...]], tuple[str, ...] | None]:
        expanded: set[tuple[str, ...]] = set()

        def walk(node: TreeNode[Entry], path: tuple[str, ...]) -> None:
            for child in node.children:
                if child.is_expanded and child.data is not None:
                    here = (*path, child.data.name)
                    expanded.add(here)
                    walk(child, here)

        walk(self.root, ())
        cursor = self.cursor_node
        return expanded, (_path(cursor) if cursor is not None else None)

    def _restore(self, expanded: set[tuple[str, ...]], cursor: tuple[str, ...] | None) -> None:
        def walk(node: TreeNode[Entry], path: tuple[str, ...]) -> None:
            for child in list(node.children):
                if child.data is None:
                    continue
                here = (*path, child.data.name)
                if here in expanded and child.allow_expand:
                    self._load(child)
                    child.expand()
                    walk(child, here)

        if expanded:
            walk(self.root, ())
        target = _find(self.root, cursor) if cursor else None
        if target is not None:
            self.call_after_refresh(self.move_cursor, target)

    # -- events ---------------------------------------------------------------------------
    def _on_tree_node_expanded(self, event: Tree.NodeExpanded[Entry]) -> None:
        entry = event.node.data
        if entry is not None and not entry.loaded:
            self._load(event.node)

    def _on_tree_node_selected(self, event: Tree.NodeSelected[Entry]) -> None:
        node = event.node
        entry = node.data
        if entry is None or entry.role != "more" or node.parent is None:
            return
        parent = node.parent
        node.remove()
        self._load(parent, entry.offset)

    # -- actions --------------------------------------------------------------------------
    def action_show_table(self) -> None:
        node = self.cursor_node
        if node is not None and node.data is not None and is_table(node.data.value):
            # Imported here: the screens package imports the screens that hold this widget.
            from workbench.app.screens.context_table import TableScreen

            self.app.push_screen(TableScreen(_path_label(node), node.data.value))

    def action_reveal(self) -> None:
        """Show (or hide again) the secret value of the top-level key under the cursor."""
        key = self._cursor_key()
        if key is None or self._shown is None:
            return
        self.revealed.symmetric_difference_update({key})
        self._show(*self._shown)

    def _cursor_key(self) -> str | None:
        node = self.cursor_node
        while node is not None and node.parent is not None and node.parent is not self.root:
            node = node.parent
        if node is None or node.data is None or node.data.role != "key":
            return None
        return node.data.name if self.secrets.is_secret(node.data.name) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self._cursor_key() is not None
        if action == "show_table":
            node = self.cursor_node
            return node is not None and node.data is not None and is_table(node.data.value)
        return super().check_action(action, parameters)

    @on(Tree.NodeHighlighted)
    def _refresh_bindings(self) -> None:
        self.refresh_bindings()

    # -- drawing --------------------------------------------------------------------------
    def render_label(self, node: TreeNode[Entry], base_style: Style, style: Style) -> Text:
        entry = node.data
        if entry is None:
            return super().render_label(node, base_style, style)
        muted = self.get_component_rich_style("context-inspector--muted", partial=True)
        if entry.role in ("more", "note"):
            text = Text(entry.name, style=muted + Style(italic=True))
        else:
            text = self._entry_text(entry, muted)
        text.stylize(style)
        if node.allow_expand:
            prefix = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
        else:
            prefix = " " * len(self.ICON_NODE)  # leaves line up with their siblings
        return Text.assemble((prefix, base_style), text)

    def _entry_text(self, entry: Entry, muted: Style) -> Text:
        style = self.get_component_rich_style
        text = Text()
        if entry.role == "key":
            key = style("context-inspector--key", partial=True)
            if entry.change is not None:
                mark = style(f"context-inspector--{entry.change}", partial=True)
                text.append(f"{self.MARKS[entry.change]} ", mark)
                key += mark
            else:
                text.append("  ")
            text.append(entry.name.ljust(self._key_width), key)
        else:
            text.append(entry.name, muted)
        text.append("  ")
        if entry.change == "changed":
            text.append(entry.before, muted)
            text.append(" → ", muted)
        if entry.change == "removed":
            text.append(f"was {entry.before}", muted)
        elif is_table(entry.value):
            text.append(entry.summary, style("context-inspector--table", partial=True))
        else:
            text.append(entry.summary)
        if entry.change != "removed" and not is_container(entry.value):
            text.append(f"  {type_label(entry.value)}", muted)
        if entry.role == "key":
            writer = entry.writer or "parameter"
            text.append("  ← ", muted)
            text.append(
                writer, style("context-inspector--writer", partial=True) if entry.writer else muted
            )
        return text


def _path(node: TreeNode[Entry]) -> tuple[str, ...]:
    names: list[str] = []
    current: TreeNode[Entry] | None = node
    while current is not None and current.parent is not None:
        if current.data is not None:
            names.append(current.data.name)
        current = current.parent
    return tuple(reversed(names))


def _path_label(node: TreeNode[Entry]) -> str:
    parts = _path(node)
    return "".join(p if p.startswith("[") or i == 0 else f".{p}" for i, p in enumerate(parts))


def _find(root: TreeNode[Entry], path: tuple[str, ...]) -> TreeNode[Entry] | None:
    node = root
    for name in path:
        match = next((c for c in node.children if c.data is not None and c.data.name == name), None)
        if match is None:
            return None
        node = match
    return node
