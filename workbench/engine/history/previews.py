"""Previews: what the history keeps of a context value or a parameter, bounded in size.

A context change's preview and each stored parameter are cut at
:data:`PREVIEW_LIMIT` characters; a run's parameters together at :data:`PARAMS_LIMIT`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PREVIEW_LIMIT = 2000
"""Characters kept of a context change's preview, and of each stored parameter."""
PARAMS_LIMIT = 64_000
"""Characters of a run's stored parameters, at most: the rest are named, not kept."""


def preview(value: Any) -> str | None:
    """A JSON preview of a value, cut at :data:`PREVIEW_LIMIT` characters.

    A large value is cut before it is serialised whole where that is cheap (text,
    bytes); other values are serialised once and cut.
    """
    if isinstance(value, str) and len(value) > PREVIEW_LIMIT:
        value = value[:PREVIEW_LIMIT]
    elif isinstance(value, (bytes, bytearray)) and len(value) > PREVIEW_LIMIT:
        value = bytes(value[:PREVIEW_LIMIT])
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > PREVIEW_LIMIT:
        text = text[: PREVIEW_LIMIT - 1] + "…"
    return text


def bounded_params(params: Mapping[str, Any]) -> str:
    """The parameters as JSON, each value over :data:`PREVIEW_LIMIT` characters replaced
    by its cut preview and the whole kept under :data:`PARAMS_LIMIT` (the rest are
    counted under ``"…"``): a 50 MB parameter must not be stored with every run."""
    out: dict[str, Any] = {}
    used = 2
    left_out = 0
    for key, value in params.items():
        text = json.dumps(value, default=str)
        if len(text) > PREVIEW_LIMIT:
            value = preview(value)
            text = json.dumps(value)
        cost = len(key) + len(text) + 6
        if used + cost > PARAMS_LIMIT:
            left_out += 1
            continue
        out[key] = value
        used += cost
    if left_out:
        out["…"] = f"{left_out} more parameter(s) not stored"
    return json.dumps(out, default=str)


def jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _small(value) for key, value in params.items()}


def _small(value: Any) -> Any:
    """A JSON-friendly value; a big one as its preview (never serialised whole twice)."""
    if isinstance(value, (str, bytes, bytearray)) and len(value) > PREVIEW_LIMIT:
        return preview(value)
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)[:PREVIEW_LIMIT]
    if len(text) > PREVIEW_LIMIT:
        return preview(value)
    return json.loads(text)
