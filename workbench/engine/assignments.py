"""``KEY=VALUE`` assignments and typed values: read as TOML when they are TOML, else as text.

One reader for every place a person types a parameter: ``--set`` and ``--set-right``
on the command line, the app's run parameters and comparison dialog, and the
editor's TOML fields. ``3`` is an integer, ``true`` a boolean, ``[1, 2]`` a list,
``"a b"`` a string; anything that is not one TOML value (``data/sales.csv``,
``sales data``) is kept as the text itself, without surrounding spaces.

An assignment refuses what would silently do something else: a missing ``=`` or
key, a control character (a newline would cut the value short, or smuggle in a
second key), and a name the workbench reserves (``project_dir``). Only the
standard library is imported, so the command line can use this before pydantic.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from typing import Any

from workbench.engine.errors import UsageError
from workbench.engine.params import RESERVED_PARAMS

_KEY = "__value__"
_POSITION = re.compile(r"\s*\(at line \d+, column \d+\)")


class AssignmentError(UsageError):
    """A ``KEY=VALUE`` text that cannot be used; the message says why and shows the form."""


class NotTomlValue(ValueError):
    """The text is not one TOML value; the message says what the TOML reader found."""


def read_toml_value(text: str) -> Any:
    """Exactly one TOML value (``3``, ``true``, ``[1, 2]``, ``{ a = 1 }``), or :class:`NotTomlValue`.

    The text is read as the right-hand side of one key, and must be that and
    nothing more: ``1\\nother = 2`` is not one value even though TOML would read it.
    """
    try:
        table = tomllib.loads(f"{_KEY} = {text}")
    except tomllib.TOMLDecodeError as exc:
        raise NotTomlValue(_POSITION.sub("", str(exc))) from None
    if len(table) != 1:
        raise NotTomlValue("more than one value (one line, one value)")
    return table[_KEY]


def parse_value(text: str) -> Any:
    """A TOML value when the text is one, else the text itself without surrounding spaces."""
    try:
        return read_toml_value(text)
    except NotTomlValue:
        return text.strip()


def control_character(text: str) -> str | None:
    """The first C0/C1 control character or DEL in ``text``, if any."""
    return next((ch for ch in text if _is_control(ch)), None)


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code < 0xA0


def parse_assignment(item: str, *, option: str = "--set") -> tuple[str, Any]:
    """One ``KEY=VALUE`` text as ``(key, value)``; raises :class:`AssignmentError`.

    ``option`` names where the text came from (``--set``, ``--set-right``, a
    dialog field) so the message points at it.
    """
    key, sep, raw = item.partition("=")
    key = key.strip()
    prefix = f"{option} " if option else ""
    if not sep or not key:
        raise AssignmentError(
            f"{prefix}{item!r}: write KEY=VALUE, for example {prefix}input=data/sales.csv"
        )
    control = control_character(item)
    if control is not None:
        raise AssignmentError(
            f"{prefix}{key}: the value holds a control character ({control!r}); "
            "pass one line of plain text, or put longer values in the pipeline's [context]"
        )
    if key in RESERVED_PARAMS:
        raise AssignmentError(
            f"{prefix}{key}: {key!r} is reserved (the workbench sets it to the project folder); "
            "use another name"
        )
    return key, parse_value(raw)


def parse_assignments(items: Iterable[str], *, option: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` texts as a mapping; a later key overrides an earlier one."""
    return dict(parse_assignment(item, option=option) for item in items)
