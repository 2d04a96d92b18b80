"""The name a pipeline file gives itself, read without checking the file.

A pipeline's name is ``[pipeline].name``; a file that has none, or one that is
not valid on its own, is named after the file. :func:`name_in_raw` is that rule,
which the loader uses for a file it salvages. :func:`peek_name` applies it to a
file's text without building the pipeline, so a list of pipeline files can be
shown before every file is loaded and checked (which needs stage discovery and
the pipeline models): it parses the ``[pipeline]`` table alone when it can, since
a pipeline of thousands of stages takes a good part of a second to parse whole.
Only this module's standard-library imports are paid for it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_PIPELINE_HEADER = re.compile(r"(?m)^[ \t]*\[[ \t]*pipeline[ \t]*\][ \t]*(?:#.*)?$")
_NEXT_HEADER = re.compile(r"(?m)^[ \t]*\[")


def name_in_raw(raw: Mapping[str, Any] | None, path: Path) -> str:
    """``[pipeline].name`` of a parsed file, else the file's stem (no name, or a false one)."""
    meta = raw.get("pipeline") if raw is not None else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return str(name or path.stem)


def peek_name(text: str, path: Path) -> str:
    """The name :class:`~workbench.engine.pipeline.Pipeline` will give the file's text.

    A file whose TOML is broken outside its ``[pipeline]`` table may show its
    table's name here and its stem once loaded (a broken file is named after
    the file); every other file gets the same name both ways.
    """
    header = _PIPELINE_HEADER.search(text)
    if header is not None:
        following = _NEXT_HEADER.search(text, header.end())
        table = text[header.start() : following.start() if following else len(text)]
        try:
            return name_in_raw(tomllib.loads(table), path)
        except tomllib.TOMLDecodeError:
            pass  # a multi-line string holding a "[": read the whole file
    try:
        return name_in_raw(tomllib.loads(text), path)
    except (tomllib.TOMLDecodeError, RecursionError):
        return path.stem


def read_name(path: Path) -> str:
    """:func:`peek_name` of a file; one that cannot be read is named after the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return path.stem
    return peek_name(text, path)
