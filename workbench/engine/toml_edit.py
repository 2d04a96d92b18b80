"""Change a pipeline file in place: what the user wrote stays, only what changed is rewritten.

The editor works on :class:`~workbench.engine.spec.PipelineSpec` models; a save must
not turn the user's file into the model's rendering (comments, blank lines, key
order and quoting would all go). :func:`edit_in_place` takes the file's text and the
file's data before and after an edit (both as ``PipelineSpec.to_toml_data()``), and
applies only the difference to a :mod:`tomlkit` document of the text:

- a changed value is replaced where it stands, keeping the comment after it;
- a new key goes after the table's last value, before the comments that lead into
  the next table; a new stage goes at the end of ``[stages]``;
- a removed table takes the comments above its header with it and leaves the
  comments above the next header where they were;
- a renamed stage (same place in the order, new id) keeps its place and its body.

With no difference the text comes back byte for byte.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Comment, InlineTable, Item, Null, Table, Whitespace

_TABLE_DEPTH = 3
"""Dicts down to ``stages.<id>.config`` are written as ``[headers]``; deeper ones inline."""


_TRIVIA = (Whitespace, Comment, Null)
"""Items that render as blank lines, comments or nothing at all."""


class NotEditable(Exception):
    """The text is not TOML that can be edited in place; write the file from the model."""


def edit_in_place(text: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """``text`` with the change from ``before`` to ``after`` applied, everything else kept.

    Raises :class:`NotEditable` when ``text`` is not valid TOML or the edit could not
    be made faithfully (the result is checked by reading it back).
    """
    try:
        doc = tomlkit.parse(text)
        if before == after:
            return text
        _sync(doc, before, after, (), ())
        result = doc.as_string()
        tomllib.loads(result)
    except (TOMLKitError, tomllib.TOMLDecodeError, ValueError, KeyError, TypeError) as exc:
        raise NotEditable(str(exc)) from exc
    return result


def editable(text: str) -> bool:
    """True when ``text`` is TOML :func:`edit_in_place` can work on."""
    try:
        tomlkit.parse(text)
    except TOMLKitError:
        return False
    return True


# -- the difference, key by key -----------------------------------------------------------


Place = tuple[Container, str]
"""A table's place: the container holding it and its key there."""


def _sync(
    table: Any,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    path: tuple[str, ...],
    places: tuple[Place, ...],
) -> None:
    renamed = _renames(before, after) if path == ("stages",) else {}
    for gone, new in renamed.items():
        if gone in table:
            _rename(table, gone, new, path)
    before = {renamed.get(k, k): v for k, v in before.items()}
    for key in [k for k in before if k not in after]:
        if key in table:
            _remove(table, key, places)
    for key, value in after.items():
        if key not in table:
            _add(table, key, value, (*path, key))
            continue
        old = before.get(key)
        if old == value:
            continue
        current = table[key]
        if isinstance(value, Mapping) and isinstance(current, (Table, InlineTable, Container)):
            container = _container(table)
            inner = (*places, (container, key)) if container is not None else ()
            _sync(
                current,
                old if isinstance(old, Mapping) else _plain(current),
                value,
                (*path, key),
                inner,
            )
        elif isinstance(current, (Table, AoT)) and not isinstance(value, Mapping):
            # a table becomes a value: the table goes as a removed one would (its trailing
            # comments stay in the file), and the value is added like a new key
            _remove(table, key, places)
            _add(table, key, value, (*path, key))
        else:
            table[key] = _new_item(value, (*path, key))


def _plain(item: Any) -> dict[str, Any]:
    unwrapped = item.unwrap() if hasattr(item, "unwrap") else item
    return dict(unwrapped) if isinstance(unwrapped, Mapping) else {}


def _renames(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, str]:
    """Stages that left and came back under another id at the same place in the order.

    ``rename_stage`` keeps a stage's place in the order; seen from the data that is
    one key gone and one key new at the same index.
    """
    old_keys, new_keys = list(before), list(after)
    out: dict[str, str] = {}
    for index, old in enumerate(old_keys):
        if old in after or index >= len(new_keys):
            continue
        new = new_keys[index]
        if new not in before and isinstance(before[old], Mapping):
            out[old] = new
    return out


# -- adding -------------------------------------------------------------------------------


def _add(table: Any, key: str, value: Any, path: tuple[str, ...]) -> None:
    item = _new_item(value, path)
    container = _container(table)
    if container is None or isinstance(item, (Table, AoT)):
        table[key] = item
        return
    body = container.body
    last_value = max(
        (
            i
            for i, (k, v) in enumerate(body)
            if k is not None and not isinstance(v, (Table, AoT, Whitespace, Comment))
        ),
        default=-1,
    )
    if last_value + 1 >= len(body):
        table[key] = item
    else:
        container._insert_at(last_value + 1, key, item)


def _new_item(value: Any, path: tuple[str, ...]) -> Item:
    """A TOML item for a value the model made: tables near the top, inline below."""
    if isinstance(value, Mapping):
        if len(path) <= _TABLE_DEPTH and not (len(path) == 3 and path[2] != "config"):
            table = tomlkit.table(is_super_table=path == ("stages",))
            for key, inner in value.items():
                table.add(key, _new_item(inner, (*path, key)))
            return table
        inline = tomlkit.inline_table()
        for key, inner in value.items():
            inline.append(key, _new_item(inner, (*path, key)))
        return inline
    if isinstance(value, list):
        array = tomlkit.array()
        for inner in value:
            array.append(_new_item(inner, (*path, "", "", "")))  # always inline in an array
        return array
    return tomlkit.item(value)


# -- removing -----------------------------------------------------------------------------


def _remove(table: Any, key: str, places: tuple[Place, ...]) -> None:
    """Delete ``key``; a table's leading comments go with it, the next table's stay."""
    item = table[key]
    container = _container(table)
    if _is_super(item) and container is not None:
        # no header of its own: each table under it goes as it would alone
        for inner in list(item.keys()):
            _remove(item, inner, (*places, (container, key)))
    elif isinstance(item, (Table, AoT)) and container is not None:
        before = _leading_trivia(container, key)
        if not before and _previous(container, key) is None and _is_super(table):
            # the first table under a header-less [stages]: what is above it sits above [stages]
            for outer, outer_key in reversed(places):
                before = _leading_trivia(outer, outer_key)
                if (
                    before
                    or _previous(outer, outer_key) is not None
                    or not _is_super(outer[outer_key])
                ):
                    break
        tail = _trailing_trivia(item)
        tail_text = "".join(body[i][1].as_string() for body, i in tail)
        for number, (body, index) in enumerate(before):
            body[index] = (None, Whitespace(tail_text if number == 0 else ""))
        if not before and tail_text:
            _append_to_previous(container, key, tail_text)
    del table[key]


def _is_super(table: Any) -> bool:
    return isinstance(table, Table) and table.is_super_table()


def _container(table: Any) -> Container | None:
    if isinstance(table, Container):
        return table
    value = getattr(table, "value", None)
    return value if isinstance(value, Container) else None


def _index(container: Container, key: str) -> int:
    for index, (k, _) in enumerate(container.body):
        if k is not None and k.key == key:
            return index
    raise KeyError(key)


def _previous(container: Container, key: str) -> int | None:
    """The index of the item before ``key`` (removed keys leave a Null behind), if any."""
    index = _index(container, key) - 1
    while index >= 0 and isinstance(container.body[index][1], Null):
        index -= 1
    return index if index >= 0 else None


def _last_item(body: list[Any]) -> Any:
    return next((v for _, v in reversed(body) if not isinstance(v, Null)), None)


def _leading_trivia(container: Container, key: str) -> list[tuple[list[Any], int]]:
    """The comment and blank lines right above ``key``'s header, as (body, index) places."""
    body = container.body
    index = _previous(container, key)
    if index is None:
        return []
    previous = body[index][1]
    if isinstance(previous, (Whitespace, Comment)):
        start = index
        while start > 0 and isinstance(body[start - 1][1], _TRIVIA):
            start -= 1
        return [(body, i) for i in range(start, index + 1)]
    if isinstance(previous, (Table, AoT)):
        return _trailing_trivia(previous)
    return []


def _last_body(table: Table | AoT) -> list[Any]:
    """The body rendered last inside ``table``: its own, or its last sub-table's, deepest first."""
    while isinstance(table, AoT):
        if not table.body:
            return []
        table = table.body[-1]
    body = table.value.body
    while (last := _last_item(body)) is not None and isinstance(last, (Table, AoT)):
        if isinstance(last, AoT):
            if not last.body:
                break
            last = last.body[-1]
        body = last.value.body
    return body


def _trailing_trivia(table: Table | AoT) -> list[tuple[list[Any], int]]:
    """The comment and blank lines at the very end of a table (and its last sub-table)."""
    body = _last_body(table)
    start = len(body)
    while start > 0 and isinstance(body[start - 1][1], _TRIVIA):
        start -= 1
    return [(body, i) for i in range(start, len(body))]


def _append_to_previous(container: Container, key: str, text: str) -> None:
    """Keep ``text`` by hanging it after the line above ``key`` (a value, not a comment)."""
    index = _previous(container, key)
    if index is None:
        return
    previous = container.body[index][1]
    if isinstance(previous, (Table, AoT)):
        trailing = _last_body(previous)
        last = _last_item(trailing)
        if last is not None:
            previous = last
    trivia = getattr(previous, "trivia", None)
    if trivia is not None:
        trivia.trail += text


# -- renaming -----------------------------------------------------------------------------


def _rename(table: Any, old: str, new: str, path: tuple[str, ...]) -> None:
    """Give ``old`` the id ``new`` in its place; its headers are written afresh."""
    container = _container(table)
    item = table[old]
    if container is None or not isinstance(item, Table):
        table[new] = item
        del table[old]
        return
    length = len(item.value.body)
    container._replace(old, new, item)
    # tomlkit adds a cosmetic blank line to a replaced table; the file had its own.
    del item.value.body[length:]
    _forget_display_names(item)


def _forget_display_names(table: Table) -> None:
    """Headers render from their keys again (``[stages.new]``, ``[stages.new.config]``)."""
    table.display_name = None
    for _, value in table.value.body:
        if isinstance(value, Table):
            _forget_display_names(value)
