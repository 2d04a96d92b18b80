"""What the context inspector shows, free of Textual: a run's context as values, writers
and one stage's changes, and how each value is summarised and opened.

Two sources feed it, through the same :class:`~workbench.engine.changelog.ChangeLog`:
a live run's store, whose values are the real objects, and a past run read from the
history, whose values are its bounded previews read back
(:mod:`workbench.engine.history.previews`): a list, mapping or text that was cut
is a :class:`PartialList`, :class:`PartialDict` or :class:`PartialText` and says
how much of it was recorded; a value JSON cannot hold is its text
(:class:`ObjectText`); a preview stored by an older version, which may be JSON
cut mid-text, is shown as its raw text marked ``old preview``.

Values can be huge (a 100,000-row table), so nothing here walks a whole value:
:func:`children` builds one page of a node's children at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal

from pydantic import BaseModel

from workbench.engine.changelog import ChangeKind, ChangeLog, KeyChange
from workbench.engine.context import summarize
from workbench.engine.history.previews import (
    ObjectText,
    OldPreview,
    PartialDict,
    PartialList,
    PartialText,
    Withheld,
)
from workbench.engine.secrets import MASK
from workbench.engine.units import counted

PAGE = 100
"""Children built per page when a node is expanded or its "… more" node selected."""
TABLE_PROBE = 200
"""Rows checked to decide that a list of dicts is a table (all must share keys)."""
TEXT_CHUNK = 100
"""Characters per line when a long string or a recorded text is expanded."""
SUMMARY_WIDTH = 48
"""Characters of a value's summary, so the type and the writer stay in view."""


class _Missing:
    """A value the inspector does not have (a removed key)."""

    def __repr__(self) -> str:
        return "—"


MISSING: Any = _Missing()


class _Masked:
    """A secret value, not shown until revealed."""

    def __repr__(self) -> str:
        return MASK


MASKED: Any = _Masked()


@dataclass(slots=True)
class Entry:
    """What one tree node stands for; the label is drawn from it at render time."""

    name: str
    value: Any = MISSING
    summary: str = ""
    writer: str | None = None
    change: ChangeKind | None = None
    before: str = ""
    role: Literal["key", "item", "more", "note"] = "key"
    offset: int = 0
    """For a "more" node: the index of the first child not yet built."""
    loaded: bool = False
    """Whether this node's first page of children has been built."""


@dataclass(frozen=True, slots=True)
class ContextView:
    """The context to show: values, who wrote each, and the chosen stage's changes."""

    values: dict[str, Any]
    writers: dict[str, str]
    changes: dict[str, KeyChange]
    after_stage: str | None


def view_of(
    log: ChangeLog, after_stage: str | None, params: Mapping[str, Any] | None = None
) -> ContextView:
    """The context after ``after_stage`` finished (at the end for None), replayed from ``log``.

    Raises :class:`KeyError` when that stage has not finished.
    """
    if after_stage is None:
        state = log.replay(start=params)
        return ContextView(state.values, state.writers, {}, None)
    mark = log.mark(after_stage)
    state = log.replay(mark, start=params)
    return ContextView(state.values, state.writers, log.made_by(after_stage, mark), after_stage)


# -- what a value looks like ---------------------------------------------------------------


def type_label(value: Any) -> str:
    """The short type shown beside a scalar (containers say it in their summary)."""
    if isinstance(value, OldPreview):
        return "old preview"
    if isinstance(value, _Masked):
        return "secret (v reveals)"
    if isinstance(value, Withheld):
        return f"not recorded: {value.reason}"
    if isinstance(value, PartialText):
        return f"str, first {len(value):,} of {counted(value.total, 'character')}"
    if isinstance(value, ObjectText):
        return value.type if value.total is None else f"{value.type}[{value.total:,}]"
    return type(value).__name__


def value_summary(value: Any) -> str:
    if isinstance(value, (_Masked, Withheld)):
        return MASK
    if isinstance(value, OldPreview):
        return summarize(value.text, SUMMARY_WIDTH)
    if isinstance(value, ObjectText):  # not text itself, so not quoted
        shown = value.text.replace("\n", " ")
        return shown if len(shown) <= SUMMARY_WIDTH else shown[: SUMMARY_WIDTH - 1] + "…"
    if isinstance(value, PartialList):
        kind = (
            f"table {value.total:,} rows × {len(value[0])} columns"
            if is_table(value)
            else f"list[{value.total:,}]"
        )
        return f"{kind}, first {len(value):,} recorded"
    if isinstance(value, PartialDict):
        return f"dict{{{counted(value.total, 'key')}}}, first {len(value):,} recorded"
    if isinstance(value, PartialText):
        return summarize(value, SUMMARY_WIDTH)  # its repr ends in "…" where it was cut
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


def _text_of(value: Any) -> str | None:
    """The text a value is read as line by line when expanded, if it is text."""
    if isinstance(value, (OldPreview, ObjectText)):
        return value.text
    if isinstance(value, str):
        return value
    return None


def child_count(value: Any) -> int:
    """How many children expanding ``value`` shows (0 for a leaf)."""
    if isinstance(value, Withheld):
        return 0
    text = _text_of(value)
    if text is not None:
        recorded = isinstance(value, (OldPreview, PartialText))
        return _chunks(text) if recorded or len(text) > TEXT_CHUNK or "\n" in text else 0
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        return len(value)
    if isinstance(value, BaseModel):
        return len(type(value).model_fields)
    if is_dataclass(value) and not isinstance(value, type):
        return len(fields(value))
    return 0


def children(value: Any, start: int, stop: int) -> list[tuple[str, Any]]:
    """(label, value) pairs of ``value``'s children ``start`` to ``stop``, built lazily."""
    text = _text_of(value)
    if text is not None:
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


def is_container(value: Any) -> bool:
    """Whether the summary already names the type (no type label beside it)."""
    return isinstance(value, (dict, list, tuple, set, frozenset, _Missing))


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
