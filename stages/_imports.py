"""Resolving ``module:attribute`` references named in stage configs.

The engine puts the project folder on ``sys.path``, so a pipeline can name its
own helpers (``pipelines.flashcards:build_cards``) as well as installed ones.
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.engine import StageError

REFERENCE_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"


def resolve_reference(reference: str) -> Any:
    """The object a ``module:attribute`` string names; a StageError that says why not."""
    module_name, _, attribute = reference.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise StageError(f"cannot import {module_name!r} (from {reference!r}): {exc}") from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise StageError(f"{module_name!r} has no attribute {attribute!r}") from None
    return obj
