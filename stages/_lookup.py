"""Reading a value out of the context by a dotted path: ``stats.words`` or ``rows.0.amount``.

The first part is the context key (keys may themselves hold dots, so the longest
key that matches wins); the rest index into dicts by key and lists by position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workbench.engine import StageContext

MISSING: Any = object()


def root_key(ctx: StageContext, path: str) -> str:
    """The context key a dotted path starts from (the whole path when nothing matches)."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in ctx:
            return key
    return parts[0]


def lookup(ctx: StageContext, path: str) -> Any:
    """The value at ``path``, or :data:`MISSING`."""
    key = root_key(ctx, path)
    if key not in ctx:
        return MISSING
    value = ctx.get(key)
    rest = path[len(key) + 1 :].split(".") if len(path) > len(key) else []
    for part in rest:
        if isinstance(value, Mapping):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, Sequence) and not isinstance(value, str):
            try:
                value = value[int(part)]
            except (ValueError, IndexError):
                return MISSING
        else:
            return MISSING
    return value
