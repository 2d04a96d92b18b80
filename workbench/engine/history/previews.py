"""Previews: what the history keeps of a context value or a parameter, bounded in size.

A preview is always valid JSON of at most :data:`PREVIEW_LIMIT` characters, never
JSON cut mid-text. A value that fits is stored as its plain JSON (``[1, 2]``).
Where something had to be left out, the part that was cut is replaced by a
*marker*, a JSON object whose ``"$preview"`` key says what it stands for:

=========================================================================  ==========================================
``{"$preview": "list", "items": [...], "total": n}``                       the first items of a list of ``n``
``{"$preview": "dict", "items": {...}, "total": n}``                       the first keys of a mapping of ``n``
``{"$preview": "text", "text": "...", "total": n}``                        the start of a text of ``n`` characters
``{"$preview": "object", "type": "bytes", "text": "...", "total": n}``     a value JSON cannot hold, as text (``n``:
                                                                           its length when it has one)
``{"$preview": "withheld", "reason": "..."}``                              nothing kept (it would show a secret)
=========================================================================  ==========================================

Markers nest: the first row of a table may itself be a cut mapping. Lists keep
whole leading items (only a first item too big on its own is cut), so the rows of
a table stay rows; containers deeper than :data:`MAX_DEPTH` keep only their size.
Tuples and sets are stored as lists (JSON has neither). A mapping that has a
``"$preview"`` key of its own is always stored in a ``dict`` marker, so reading
back is never ambiguous. Text is cut between characters, never inside an escape
or between a character and the combining marks, joiners or variation selectors
that follow it.

:func:`read_preview` turns a stored preview back into Python values, markers into
:class:`PartialList`, :class:`PartialDict`, :class:`PartialText`,
:class:`ObjectText` and :class:`Withheld`. A row written before previews were
bounded may hold JSON cut mid-text: it is read as an :class:`OldPreview` of its
raw text rather than guessed at.

Each parameter of a run is bounded the same way, and all of them together at
:data:`PARAMS_LIMIT` characters (the rest are named, not kept).
"""

from __future__ import annotations

import itertools
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workbench.engine.secrets import MASK

if TYPE_CHECKING:
    from workbench.engine.secrets import Secrets

PREVIEW_LIMIT = 2000
"""Characters of a context change's preview, and of each stored parameter, at most."""
PARAMS_LIMIT = 64_000
"""Characters of a run's stored parameters, at most: the rest are named, not kept."""
MIN_LIMIT = 80
"""The smallest limit a preview can be asked to keep to: a marker needs that much."""
MAX_DEPTH = 8
"""Containers nested deeper than this keep only their size."""
MARK = "$preview"
"""The key that makes a JSON object a marker rather than a recorded mapping."""

PreviewFormat = Literal["json", "masked"]
"""How a change's preview is stored: bounded JSON, or the mask of a secret key's value.
Rows written before previews were bounded have no format (``None``)."""

_ROOM = 12
"""Characters below which nothing more is started: a marker alone needs more."""


# -- what a preview reads back as ------------------------------------------------------------


class PartialList(list[Any]):
    """The first items of a list whose preview could not hold all of it."""

    def __init__(self, items: Iterable[Any], total: int) -> None:
        super().__init__(items)
        self.total = total
        """How many items the list had."""


class PartialDict(dict[str, Any]):
    """The first keys of a mapping whose preview could not hold all of it."""

    def __init__(self, items: Mapping[str, Any], total: int) -> None:
        super().__init__(items)
        self.total = total
        """How many keys the mapping had."""


class PartialText(str):
    """The start of a text whose preview could not hold all of it."""

    total: int
    """How many characters the text had."""

    def __new__(cls, text: str, total: int) -> PartialText:
        made = super().__new__(cls, text)
        made.total = total
        return made

    def __repr__(self) -> str:
        return repr(f"{self}…")  # where the text was cut shows, as it did when cut text was stored


@dataclass(frozen=True, slots=True)
class ObjectText:
    """A value JSON cannot hold (bytes, a date, an object), kept as its text."""

    type: str
    text: str
    total: int | None = None
    """Its length (bytes, items) when it has one and the text is cut."""

    def __repr__(self) -> str:
        return f"<{self.type} {self.text}>"


@dataclass(frozen=True, slots=True)
class Withheld:
    """Nothing of the value was kept: it is, or would have shown, a secret."""

    reason: str

    def __repr__(self) -> str:
        return MASK


@dataclass(frozen=True, slots=True)
class OldPreview:
    """A preview stored before previews were bounded: its raw text, which may be cut mid-JSON."""

    text: str


# -- writing ---------------------------------------------------------------------------------


def preview(value: Any, secrets: Secrets | None = None, limit: int = PREVIEW_LIMIT) -> str:
    """The value's preview: valid JSON of at most ``limit`` characters, secrets masked.

    Never walks more of a value than fits: a 100,000-row table costs as much as
    its first rows.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"a preview needs a limit of at least {MIN_LIMIT} characters, not {limit}")
    text = _plain_json(value, limit, secrets)
    if text is not None:
        return text
    text = _dumps(_Bounder(secrets).bound(value, limit, 0)[0])
    if len(text) > limit:  # a safety net: bound() keeps to the limit
        text = _dumps(_withheld("its preview could not be bounded"))
    if secrets is not None and secrets.mask_text(text) != text:
        # A secret the walk could not see (a number, text split across items).
        text = _dumps(_withheld("it holds a secret"))
    return text


def bound(value: Any, secrets: Secrets | None = None, limit: int = PREVIEW_LIMIT) -> Any:
    """The value as a JSON-ready tree of at most ``limit`` characters, with markers where cut."""
    text = _plain_json(value, limit, secrets)
    if text is not None:
        return json.loads(text)
    return _Bounder(secrets).bound(value, limit, 0)[0]


def _plain_json(value: Any, limit: int, secrets: Secrets | None) -> str | None:
    """The JSON of a small, plain value when it fits ``limit``: the common case, in one call."""
    if not _plain(value, limit, secrets):
        return None
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:  # an int past Python's digit limit for text
        return None
    return text if len(text) <= limit else None


_PLAIN_NODES = 256
"""Nodes a value may have to be serialised at once instead of walked (the common case)."""


def _plain(value: Any, limit: int, secrets: Secrets | None) -> bool:
    """Whether ``value`` is small, plain JSON that needs no walk: its own JSON is its preview.

    Looks at no more than :data:`_PLAIN_NODES` nodes, and never when secret values
    are known (each string must then be masked).
    """
    if secrets is not None and secrets.active:
        return False
    stack: list[tuple[Any, int]] = [(value, 0)]
    nodes = 0
    text = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > _PLAIN_NODES or depth > MAX_DEPTH:
            return False
        if item is None or isinstance(item, (bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, str):
            text += len(item)
            if text > limit:
                return False
        elif type(item) in (list, tuple):
            if len(item) > _PLAIN_NODES:
                return False
            stack.extend((child, depth + 1) for child in item)
        elif type(item) is dict:
            if len(item) > _PLAIN_NODES:
                return False
            for key, child in item.items():
                if not isinstance(key, str) or key == MARK:
                    return False
                if secrets is not None and secrets.is_secret(key):
                    return False
                stack.append((child, depth + 1))
        else:
            return False
    return True


class _Bounder:
    """One walk over a value, building its bounded tree.

    Each step returns ``(tree, cut, size)``: the JSON-ready tree, whether anything
    was left out, and the length of its JSON, added up from the parts so no part
    is serialised twice.
    """

    __slots__ = ("secrets",)

    def __init__(self, secrets: Secrets | None) -> None:
        self.secrets = secrets

    def bound(self, value: Any, room: int, depth: int) -> tuple[Any, bool, int]:
        if value is None:
            return None, False, 4
        if isinstance(value, bool):
            return value, False, 4 if value else 5
        if isinstance(value, (int, float)):
            return self._number(value, room)
        if isinstance(value, str):
            return self._text(value, room)
        if isinstance(value, Mapping):
            return self._mapping(value, room, depth)
        if isinstance(value, (list, tuple, set, frozenset)):
            return self._list(value, room, depth)
        return self._object(value, room)

    # -- leaves ------------------------------------------------------------------------
    def _number(self, value: float, room: int) -> tuple[Any, bool, int]:
        if isinstance(value, float) and not math.isfinite(value):
            return self._object(value, room)
        try:
            text = repr(value)
        except ValueError:  # an int past Python's digit limit for text
            return self._sized(_marker("object", type="int", text=""))
        if self.secrets is not None and self.secrets.mask_data(value) == MASK:
            return MASK, False, _size(MASK)
        if len(text) > room:
            return self._object(value, room)
        return value, False, len(text)

    def _text(self, value: str, room: int) -> tuple[Any, bool, int]:
        if len(value) + 2 <= room:
            shown = self._mask(value)
            size = _size(shown)
            if size <= room:
                return shown, False, size
        total = len(value)
        piece = self._cut(value, room - _TEXT_MARKER - len(str(total)))
        return self._sized(_marker("text", text=piece, total=total))

    def _cut(self, value: str, room: int) -> str:
        """The longest start of ``value`` whose JSON fits ``room`` characters, masked."""
        n = min(len(value), max(0, room - 2))
        while n > 0:
            n = _boundary(value, n)
            piece = self._mask(value[:n], cut=True)
            size = _size(piece)
            if size <= room:
                return piece
            n = min(n - 1, n * room // size)
        return ""

    def _mask(self, text: str, cut: bool = False) -> str:
        secrets = self.secrets
        if secrets is None:
            return text
        if not cut:
            masked = secrets.mask_data(text)
            return masked if isinstance(masked, str) else MASK
        # The start of a secret cut off at the end is caught by its trailing "…".
        masked = secrets.mask_text(text + "…")
        return masked[:-1] if masked.endswith("…") else masked

    def _object(self, value: Any, room: int) -> tuple[Any, bool, int]:
        """A value JSON cannot hold, kept as its text (bytes as their ``repr``)."""
        kind = type(value).__name__
        total: int | None = None
        try:
            if isinstance(value, (bytes, bytearray, memoryview)):
                total = len(value)
                text = repr(bytes(value[: max(0, room)]))
            else:
                text = str(value)
                if hasattr(value, "__len__"):
                    total = len(value)
        except Exception:  # a value whose __str__ or __len__ fails is still recorded
            text = f"<{kind}>"
        empty = _size(_marker("object", type=kind, text="", total=total))
        tree = _marker("object", type=kind, text=self._cut(text, room - empty), total=total)
        return self._sized(tree)

    @staticmethod
    def _sized(marker: Any) -> tuple[Any, bool, int]:
        """A marker, with its size: something was cut."""
        return marker, True, _size(marker)

    # -- containers --------------------------------------------------------------------
    def _list(self, value: Any, room: int, depth: int) -> tuple[Any, bool, int]:
        total = len(value)
        reserve = _LIST_MARKER + len(str(total))
        if depth >= MAX_DEPTH and total:
            return _marker("list", items=[], total=total), True, reserve + 2
        items: list[Any] = []
        sizes: list[int] = []
        used = 2  # "[]"
        cut = False
        for index, item in enumerate(itertools.islice(value, total)):
            left = room - used - (2 if items else 0)
            if left <= 0:
                break
            shown, cut, size = self.bound(item, left, depth + 1)
            if cut:
                if items:  # later items are kept whole or not at all: rows stay rows
                    cut = False
                    break
                if index < total - 1:  # a marker will follow: leave room for it
                    if left - reserve < _ROOM:
                        cut = False
                        break
                    shown, cut, size = self.bound(item, left - reserve, depth + 1)
            items.append(shown)
            sizes.append(size)
            used += size + (2 if len(items) > 1 else 0)
            if cut:
                break
        if len(items) == total:
            return items, cut, used  # every item is there (a cut, if any, is inside one)
        while items and used + reserve > room:
            items.pop()
            used -= sizes.pop() + (2 if items else 0)
        return _marker("list", items=items, total=total), True, used + reserve

    def _mapping(self, value: Mapping[Any, Any], room: int, depth: int) -> tuple[Any, bool, int]:
        total = len(value)
        reserve = _DICT_MARKER + len(str(total))
        if depth >= MAX_DEPTH and total:
            return _marker("dict", items={}, total=total), True, reserve + 2
        own_mark = MARK in value  # such a mapping is always stored in a marker
        items: dict[str, Any] = {}
        sizes: list[int] = []
        used = 2  # "{}"
        cut = False
        secrets = self.secrets
        for index, (key, item) in enumerate(itertools.islice(value.items(), total)):
            name = self._mask(str(key))
            head = _size(name) + 2 + (2 if items else 0)  # "name": , with ", " between
            left = room - used - head
            if left <= 0:
                break
            if secrets is not None and secrets.is_secret(name):
                shown, cut, size = MASK, False, _size(MASK)
            else:
                shown, cut, size = self.bound(item, left, depth + 1)
                if cut and (index < total - 1 or own_mark):  # leave room for the marker
                    if left - reserve < _ROOM:
                        cut = False
                        break
                    shown, cut, size = self.bound(item, left - reserve, depth + 1)
            items[name] = shown
            sizes.append(head + size)
            used += head + size
            if cut:
                break
        if len(items) == total and not own_mark:
            return items, cut, used
        while items and used + reserve > room:
            items.popitem()
            used -= sizes.pop()
        return _marker("dict", items=items, total=total), True, used + reserve


def _marker(kind: str, **fields: Any) -> dict[str, Any]:
    return {MARK: kind, **{k: v for k, v in fields.items() if v is not None}}


def _withheld(reason: str) -> dict[str, Any]:
    return _marker("withheld", reason=reason)


def _dumps(tree: Any) -> str:
    return json.dumps(tree, allow_nan=False)


def _size(tree: Any) -> int:
    return len(_dumps(tree))


_LIST_MARKER = _size(_marker("list", items=[], total=0)) - 3
"""Characters a list marker adds to its items' ``[...]``, but for the digits of its total."""
_DICT_MARKER = _size(_marker("dict", items={}, total=0)) - 3
_TEXT_MARKER = _size(_marker("text", text="", total=0)) - 3
"""Characters a text marker adds to its text's JSON, but for the digits of its total."""


_JOINERS = frozenset("\u200c\u200d")


def _boundary(text: str, n: int) -> int:
    """``n`` moved back so a cut there keeps each character with its combining marks,
    joiners, variation selectors and skin tones, and never splits a surrogate pair."""
    while 0 < n < len(text):
        ch = text[n]
        before = text[n - 1]
        if (
            unicodedata.combining(ch)
            or ch in _JOINERS
            or before in _JOINERS
            or "\ufe00" <= ch <= "\ufe0f"
            or "\U0001f3fb" <= ch <= "\U0001f3ff"
            or "\U000e0100" <= ch <= "\U000e01ef"
            or ("\udc00" <= ch <= "\udfff" and "\ud800" <= before <= "\udbff")
        ):
            n -= 1
        else:
            break
    return n


# -- reading ---------------------------------------------------------------------------------


def read_preview(text: str | None, form: str | None) -> Any:
    """The value a stored preview stands for; ``form`` is its row's format (None: an old row).

    Never raises: a preview that cannot be read is an :class:`OldPreview` of its text.
    """
    if text is None:
        return None
    if form == "masked" or (form is None and text == MASK):
        return Withheld("a secret")
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError):
        return OldPreview(text)
    if form is None:
        return tree  # an old row that parses was stored whole
    try:
        return unmark(tree)
    except RecursionError:
        return OldPreview(text)


def unmark(tree: Any) -> Any:
    """A bounded tree read back: its markers as the partial values they stand for."""
    if isinstance(tree, list):
        return [unmark(item) for item in tree]
    if not isinstance(tree, dict):
        return tree
    kind = tree.get(MARK)
    if kind is None:
        return {key: unmark(item) for key, item in tree.items()}
    total = tree.get("total")
    if kind == "list":
        items = [unmark(item) for item in tree.get("items", [])]
        if not isinstance(total, int) or total == len(items):
            return items  # every item is there (the cut is inside one)
        return PartialList(items, total)
    if kind == "dict":
        mapping = {key: unmark(item) for key, item in dict(tree.get("items", {})).items()}
        if not isinstance(total, int) or total == len(mapping):
            return mapping  # every key is there: a cut inside one, or a "$preview" key of its own
        return PartialDict(mapping, total)
    if kind == "text":
        text = str(tree.get("text", ""))
        return PartialText(text, total if isinstance(total, int) else len(text))
    if kind == "object":
        return ObjectText(
            str(tree.get("type", "?")),
            str(tree.get("text", "")),
            total if isinstance(total, int) else None,
        )
    if kind == "withheld":
        return Withheld(str(tree.get("reason", "")))
    return {key: unmark(item) for key, item in tree.items()}


# -- a run's parameters ----------------------------------------------------------------------


def jsonable(params: Mapping[str, Any]) -> dict[str, Any]:
    """Each parameter as a JSON-ready tree bounded at :data:`PREVIEW_LIMIT` characters."""
    return {key: bound(value) for key, value in params.items()}


def bounded_params(params: Mapping[str, Any]) -> str:
    """The parameters (trees from :func:`jsonable`, masked) as JSON under :data:`PARAMS_LIMIT`
    characters; those past the limit are counted under ``"…"``: a 50 MB parameter
    must not be stored with every run."""
    out: dict[str, Any] = {}
    used = 2
    left_out = 0
    for key, value in params.items():
        try:
            text = _dumps(value)
        except (TypeError, ValueError):  # not a tree from jsonable(): bound it here
            text = ""
        if not text or len(text) > PREVIEW_LIMIT:
            value = bound(value)
            text = _dumps(value)
        cost = len(key) + len(text) + 6
        if used + cost > PARAMS_LIMIT:
            left_out += 1
            continue
        out[key] = value
        used += cost
    if left_out:
        out["…"] = f"{left_out} more parameter(s) not stored"
    return _dumps(out)
