"""Stable, canonical hashes of context values.

Two values that are equal as data hash the same in every process and on every
machine: dict and set order do not matter, ``1`` and ``1.0`` and ``True`` differ
(their types are part of the hash), a tuple is not a list. ``hash()`` is salted per
process and ``pickle`` depends on insertion order, so neither will do.

Only plain data can be hashed: ``None``, bools, numbers, strings, bytes, lists,
tuples, dicts, sets, dates, paths, enums, decimals, dataclasses and pydantic models
made of those. Anything else raises :class:`UnhashableValue`, which makes the stage
that reads or writes it uncacheable (with that reason) instead of failing.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import hashlib
import json
import math
import struct
import uuid
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

DIGEST_SIZE = 20
"""Bytes of a blake2b digest: 160 bits, hex-encoded to 40 characters."""

_MAX_DEPTH = 200
_json_string: Callable[[str], str] = json.encoder.encode_basestring


class UnhashableValue(Exception):
    """A value the cache cannot fingerprint; the message names its type and place."""


def new_hasher() -> Any:
    return hashlib.blake2b(digest_size=DIGEST_SIZE)


def hash_value(value: Any) -> str:
    """The canonical hex digest of a value. Raises :class:`UnhashableValue`."""
    h = new_hasher()
    _feed(value, h.update, 0, "value")
    return h.hexdigest()


def hash_parts(*parts: str) -> str:
    """A digest of several strings; JSON keeps their boundaries unambiguous, and fast.

    The bytes are exactly ``json.dumps(parts, ensure_ascii=False)``'s, made with the
    C string encoder directly: this runs once per stage of every cached run.
    """
    h = new_hasher()
    text = "[" + ", ".join(map(_json_string, parts)) + "]"
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _bytes(tag: bytes, data: bytes, update: Callable[[bytes], object]) -> None:
    update(tag + struct.pack("<Q", len(data)))
    update(data)


def _feed(value: Any, update: Callable[[bytes], object], depth: int, where: str) -> None:
    if depth > _MAX_DEPTH:
        raise UnhashableValue(f"{where} is nested more than {_MAX_DEPTH} levels deep")
    kind = type(value)
    if value is None:
        update(b"N")
    elif kind is bool:
        update(b"T" if value else b"F")
    elif kind is str:
        _bytes(b"s", value.encode("utf-8", "surrogatepass"), update)
    elif kind is int:
        _bytes(b"i", str(value).encode(), update)
    elif kind is float:
        update(b"f" + (struct.pack("<d", value) if not math.isnan(value) else b"nan\0\0\0\0\0"))
    elif kind in (list, tuple):
        update((b"l" if kind is list else b"t") + struct.pack("<Q", len(value)))
        for i, item in enumerate(value):
            _feed(item, update, depth + 1, f"{where}[{i}]")
    elif kind is dict:
        if all(type(k) is str for k in value):
            # The common case: text keys sort the same everywhere, so no digest per item.
            update(b"k" + struct.pack("<Q", len(value)))
            for k in sorted(value):
                _bytes(b"s", k.encode("utf-8", "surrogatepass"), update)
                _feed(value[k], update, depth + 1, f"{where}[{k!r}]")
            return
        _unordered(
            b"d",
            (
                (_digest(k, depth, where), _digest(v, depth, f"{where}[{k!r}]"))
                for k, v in value.items()
            ),
            len(value),
            update,
        )
    elif kind in (set, frozenset):
        _unordered(b"S", ((_digest(v, depth, where), "") for v in value), len(value), update)
    elif kind in (bytes, bytearray, memoryview):
        _bytes(b"b", bytes(value), update)
    else:
        _feed_other(value, update, depth, where)


def _feed_other(value: Any, update: Callable[[bytes], object], depth: int, where: str) -> None:
    """Less common types, and subclasses of the common ones (by their data, tagged with the class)."""
    cls = type(value)
    if isinstance(value, enum.Enum):
        _bytes(b"e", _class_name(cls).encode(), update)
        _feed(value.value, update, depth + 1, where)
    elif isinstance(value, BaseModel):
        _bytes(b"m", _class_name(cls).encode(), update)
        _feed(value.model_dump(mode="python"), update, depth + 1, where)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        _bytes(b"c", _class_name(cls).encode(), update)
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        _feed(fields, update, depth + 1, where)
    elif isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        _bytes(b"D", f"{cls.__name__}:{value.isoformat()}".encode(), update)
    elif isinstance(value, datetime.timedelta):
        _bytes(b"D", f"timedelta:{value.total_seconds()!r}".encode(), update)
    elif isinstance(value, (decimal.Decimal, uuid.UUID, complex)):
        _bytes(b"x", f"{cls.__name__}:{value}".encode(), update)
    elif isinstance(value, PurePath):
        _bytes(b"p", value.as_posix().encode("utf-8", "surrogatepass"), update)
    elif isinstance(value, (str, int, float, bytes, list, tuple, dict, set, frozenset)):
        # A subclass of a plain type (an IntEnum is handled above): its data, tagged.
        _bytes(b"u", _class_name(cls).encode(), update)
        base: Any = next(b for b in cls.__mro__ if b in _PLAIN)
        _feed(base(value), update, depth + 1, where)
    else:
        raise UnhashableValue(
            f"{where} is a {_class_name(cls)}, which the cache cannot fingerprint "
            "(plain data only: numbers, strings, lists, dicts, dataclasses, pydantic models)"
        )


_PLAIN = (str, int, float, bytes, list, tuple, dict, set, frozenset)


def _digest(value: Any, depth: int, where: str) -> str:
    h = new_hasher()
    _feed(value, h.update, depth + 1, where)
    return h.hexdigest()


def _unordered(tag: bytes, pairs: Any, count: int, update: Callable[[bytes], object]) -> None:
    update(tag + struct.pack("<Q", count))
    for a, b in sorted(pairs):
        update(a.encode())
        update(b.encode())


def _class_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
