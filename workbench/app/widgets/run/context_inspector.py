"""The context inspector: a run's shared context as a tree of keys, values and writers.

Two sources feed it. A live run hands over its :class:`ContextStore`, whose values
are real objects; a past run from the history database has only the summaries and
JSON previews recorded with each change, which are parsed back where they were
not cut short. Either way each top-level key shows its value's summary, its type
and the stage that wrote it, and when a stage is chosen, the keys that stage
added, changed or removed are marked, with the value before and after.

Values can be huge (a 100,000-row table), so nothing is walked until a person
asks: a node's children are built when it is first expanded, a page at a time
(:data:`PAGE`), with a "… N more" node that loads the next page when selected.
A list of dicts sharing the same keys is a *table*; ``t`` opens it in a paged
:class:`TableScreen` instead of as a tree of rows.

Secret keys (see :mod:`workbench.engine.secrets`) show ``••••``; ``v`` reveals the
value under the cursor until the next run or until pressed again. What was revealed
lives only in this widget, never in a file.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static, Tree
from textual.widgets.tree import TreeNode

from workbench.engine.context import ContextStore, summarize
from workbench.engine.history.store import ChangeSummary
from workbench.engine.secrets import MASK, Secrets
from workbench.engine.units import counted

PAGE = 100
"""Children built per page when a node is expanded or its "… more" node selected."""
TABLE_PAGE = 100
"""Rows shown per page of a table."""
TABLE_PROBE = 200
"""Rows checked to decide that a list of dicts is a table (all must share keys)."""
TEXT_CHUNK = 100
"""Characters per line when a long string or a cut preview is expanded."""
KEY_WIDTH = 24
"""Top-level key names up to this long are padded so their values line up."""
SUMMARY_WIDTH = 48
"""Characters of a value's summary, so the type and the writer stay in view."""

NetChange = Literal["added", "changed", "removed"]


class _Missing:
    """A value the inspector does not have (a removed key, a preview cut short)."""

    def __repr__(self) -> str:
        return "—"


MISSING: Any = _Missing()


class _Masked:
    """A secret value, not shown until revealed."""

    def __repr__(self) -> str:
        return MASK


MASKED: Any = _Masked()


@dataclass(frozen=True, slots=True)
class Preview:
    """A recorded value that could not be parsed back: only its cut JSON text is known."""

    text: str


@dataclass(slots=True)
class Entry:
    """What one tree node stands for; the label is drawn from it at render time."""

    name: str
    value: Any = MISSING
    summary: str = ""
    writer: str | None = None
    change: NetChange | None = None
    before: str = ""
    role: Literal["key", "item", "more", "note"] = "key"
    offset: int = 0
    """For a "more" node: the index of the first child not yet built."""
    loaded: bool = False
    """Whether this node's first page of children has been built."""


@dataclass(frozen=True, slots=True)
class KeyChange:
    """The net effect of one stage on one key, across all its writes."""

    key: str
    kind: NetChange
    before: str
    after: str


# -- pure helpers: what a value looks like, and what a stage did -------------------------------


def type_label(value: Any) -> str:
    """The short type shown beside a scalar (containers say it in their summary)."""
    if isinstance(value, Preview):
        return "preview"
    if isinstance(value, _Masked):
        return "secret (v reveals)"
    return type(value).__name__


def value_summary(value: Any) -> str:
    if isinstance(value, _Masked):
        return MASK
    if isinstance(value, Preview):
        return summarize(value.text, SUMMARY_WIDTH)
    if isinstance(value, Salvaged):
        total = value.total if value.total is not None else len(value)
        kind = (
            f"table {total:,} rows × {len(value[0])} columns"
            if is_table(value)
            else (f"list[{total:,}]")
        )
        return f"{kind}, first {len(value):,} recorded"
    if is_table(value):
        rows = len(value)
        return f"table {counted(rows, 'row')} × {len(value[0])} columns"
    return summarize(value, SUMMARY_WIDTH)


def is_table(value: Any) -> bool:
    """A non-empty list of dicts with the same keys (checked on the first rows only)."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    first = value[0]
    if not isinstance(first, dict) or not first:
        return False
    keys = first.keys()
    return all(
        isinstance(row, dict) and row.keys() == keys for row in itertools.islice(value, TABLE_PROBE)
    )


def child_count(value: Any) -> int:
    """How many children expanding ``value`` shows (0 for a leaf)."""
    if isinstance(value, Preview):
        return _chunks(value.text)
    if isinstance(value, str):
        return _chunks(value) if len(value) > TEXT_CHUNK or "\n" in value else 0
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        return len(value)
    if isinstance(value, BaseModel):
        return len(type(value).model_fields)
    if is_dataclass(value) and not isinstance(value, type):
        return len(fields(value))
    return 0


def children(value: Any, start: int, stop: int) -> list[tuple[str, Any]]:
    """(label, value) pairs of ``value``'s children ``start`` to ``stop``, built lazily."""
    if isinstance(value, (Preview, str)):
        text = value.text if isinstance(value, Preview) else value
        return [(f"{i}", piece) for i, piece in enumerate(_pieces(text, start, stop), start)]
    if isinstance(value, dict):
        return [(str(k), v) for k, v in itertools.islice(value.items(), start, stop)]
    if isinstance(value, (list, tuple)):
        return [(f"[{i}]", value[i]) for i in range(start, min(stop, len(value)))]
    if isinstance(value, (set, frozenset)):
        return [(f"·{i}", v) for i, v in enumerate(itertools.islice(value, start, stop), start)]
    if isinstance(value, BaseModel):
        names = list(type(value).model_fields)[start:stop]
        return [(name, getattr(value, name)) for name in names]
    if is_dataclass(value) and not isinstance(value, type):
        return [(f.name, getattr(value, f.name)) for f in fields(value)[start:stop]]
    return []


def _chunks(text: str) -> int:
    return sum(max(1, -(-len(line) // TEXT_CHUNK)) for line in text.split("\n"))


def _pieces(text: str, start: int, stop: int) -> list[str]:
    """Lines of ``text``, long ones cut into :data:`TEXT_CHUNK`-character pieces."""

    def all_pieces() -> Iterable[str]:
        for line in text.split("\n"):
            if not line:
                yield ""
            for i in range(0, len(line), TEXT_CHUNK):
                yield line[i : i + TEXT_CHUNK]

    return list(itertools.islice(all_pieces(), start, stop))


def net_changes(records: Iterable[tuple[str, str, str, str]]) -> dict[str, KeyChange]:
    """Fold (key, kind, before, after) writes of one stage into one change per key.

    A key the stage added and later removed again did not change, so it is left out.
    """
    first: dict[str, tuple[str, str]] = {}
    last: dict[str, tuple[str, str]] = {}
    for key, kind, before, after in records:
        first.setdefault(key, (kind, before))
        last[key] = (kind, after)
    out: dict[str, KeyChange] = {}
    for key, (first_kind, before) in first.items():
        last_kind, after = last[key]
        existed, exists = first_kind != "added", last_kind != "removed"
        if existed and exists:
            out[key] = KeyChange(key, "changed", before, after)
        elif exists:
            out[key] = KeyChange(key, "added", before, after)
        elif existed:
            out[key] = KeyChange(key, "removed", before, after)
    return out


class Salvaged(list[Any]):
    """The complete leading items of a list whose recorded preview was cut short."""

    def __init__(self, items: Iterable[Any], total: int | None) -> None:
        super().__init__(items)
        self.total = total
        """The list's real length, read from the recorded summary when it says."""


def salvage(text: str, summary: str = "") -> Salvaged | None:
    """The whole items at the start of a cut JSON list preview (``[{...}, {...}, {..…``)."""
    if not text.startswith("["):
        return None
    decoder = json.JSONDecoder()
    items: list[Any] = []
    at = 1
    while True:
        while at < len(text) and text[at] in " ,":
            at += 1
        try:
            item, at = decoder.raw_decode(text, at)
        except ValueError:
            break
        if not text.startswith(",", at):
            break  # the item the cut ran through may look whole (``4`` of ``45``)
        items.append(item)
    if not items:
        return None
    match = re.fullmatch(r"(?:list|tuple)\[([\d,]+)\]", summary)
    return Salvaged(items, int(match.group(1).replace(",", "")) if match else None)


def parse_preview(text: str | None, summary: str = "") -> Any:
    """The value a recorded JSON preview stands for.

    A preview cut at the history's limit is a :class:`Salvaged` list of its whole
    leading items when it was a list, else a :class:`Preview` of its text.
    """
    if text is None:
        return MISSING
    try:
        return json.loads(text)
    except ValueError:
        return salvage(text, summary) or Preview(text)


@dataclass(frozen=True, slots=True)
class RecordedState:
    """The context of a past run rebuilt from its change summaries."""

    values: dict[str, Any]
    writers: dict[str, str]
    changes: dict[str, KeyChange]


def replay(
    changes: Sequence[ChangeSummary],
    after_stage: str | None,
    params: Mapping[str, Any] | None = None,
) -> RecordedState:
    """Replay recorded changes up to the last one ``after_stage`` made (all of them for None).

    A stage that recorded no change leaves the whole list replayed: the caller passes
    only the changes of stages that had finished by then.
    """
    upto = len(changes)
    if after_stage is not None:
        mine = [i for i, c in enumerate(changes) if c.stage_id == after_stage]
        if mine:
            upto = mine[-1] + 1
    values: dict[str, Any] = dict(params or {})
    writers: dict[str, str] = {}
    for change in changes[:upto]:
        if change.kind == "removed":
            values.pop(change.key, None)
            writers.pop(change.key, None)
        else:
            values[change.key] = parse_preview(change.preview, change.after)
            writers[change.key] = change.stage_id
    made = (
        net_changes(
            (c.key, c.kind, c.before, c.after) for c in changes[:upto] if c.stage_id == after_stage
        )
        if after_stage is not None
        else {}
    )
    return RecordedState(values, writers, made)


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
        try:
            values = store.as_of(after_stage)
        except KeyError:
            self._show_note(f"{after_stage} has not finished yet", after_stage)
            return
        writers = _writers_upto(store, after_stage)
        made = net_changes(
            (c.key, c.kind, c.before, c.after) for c in store.changes_by(after_stage)
        )
        self._show(values, writers, made, after_stage)

    def show_recorded(
        self,
        changes: list[ChangeSummary],
        after_stage: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Show a past run's context, rebuilt from its recorded change summaries.

        Values are the recorded JSON previews parsed back; one cut short at the
        history's preview limit shows as text. ``params`` are the run's parameters.
        """
        self.secrets = Secrets()
        self.revealed.clear()
        state = replay(changes, after_stage, params)
        self._show(state.values, state.writers, state.changes, after_stage)

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
        container = isinstance(entry.value, (dict, list, tuple, set, frozenset, _Missing))
        if entry.change != "removed" and not container:
            text.append(f"  {type_label(entry.value)}", muted)
        if entry.role == "key":
            writer = entry.writer or "parameter"
            text.append("  ← ", muted)
            text.append(
                writer, style("context-inspector--writer", partial=True) if entry.writer else muted
            )
        return text


def _writers_upto(store: ContextStore, stage: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for change in store.changes[: store.finished_at[stage]]:
        if change.kind == "removed":
            out.pop(change.key, None)
        else:
            out[change.key] = change.stage
    return out


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


# -- tables --------------------------------------------------------------------------------


def cell(value: Any) -> str | Text:
    """One table cell: text cut at 40 characters, numbers right-aligned."""
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:39] + "…"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Text(summarize(value, 40), justify="right")
    return summarize(value, 40)


class TableScreen(ModalScreen[None]):
    """A list of rows shown as a table, one page at a time so a huge one opens at once."""

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "dismiss", "Close", id="table-close"),
        Binding("right_square_bracket", "page(1)", "Next page", id="table-next-page"),
        Binding("left_square_bracket", "page(-1)", "Previous page", id="table-previous-page"),
    ]

    DEFAULT_CSS = """
    TableScreen {
        align: center middle;
        & > #table-frame {
            width: 90%;
            height: 85%;
            border: round $primary;
            border-title-color: $text-primary;
            border-title-style: bold;
            border-subtitle-color: $foreground-muted;
            background: $surface;
        }
        & DataTable { height: 1fr; }
        & #table-page { height: 1; padding: 0 1; color: $foreground-muted; background: $panel; }
    }
    """

    def __init__(self, title: str, rows: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows
        self.page = 0

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // TABLE_PAGE))

    def compose(self) -> ComposeResult:
        with Vertical(id="table-frame"):
            yield DataTable(zebra_stripes=True, cursor_type="row")
            yield Static(id="table-page", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        frame = self.query_one("#table-frame")
        columns = list(self.rows[0]) if self.rows else []
        frame.border_title = self.title_text
        frame.border_subtitle = f"{len(self.rows):,} rows × {len(columns)} columns · Esc closes"
        table = self.query_one(DataTable)
        table.add_column("#", key="#")
        for name in columns:
            table.add_column(str(name), key=str(name))
        self._show_page()

    def _show_page(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        start = self.page * TABLE_PAGE
        stop = min(start + TABLE_PAGE, len(self.rows))
        columns = list(self.rows[0]) if self.rows else []
        for index in range(start, stop):
            row = self.rows[index]
            table.add_row(
                Text(str(index), justify="right"), *(cell(row.get(c, "")) for c in columns)
            )
        self.query_one("#table-page", Static).update(
            f"rows {start + 1:,}–{stop:,} of {len(self.rows):,} · page {self.page + 1} of "
            f"{self.pages}" + ("  ·  [ ] turn pages" if self.pages > 1 else "")
        )

    def action_page(self, step: int) -> None:
        page = min(max(0, self.page + step), self.pages - 1)
        if page != self.page:
            self.page = page
            self._show_page()
