"""Apply an edit confined to one stage to that stage's lines alone.

:func:`~workbench.engine.toml_edit.edit_in_place` parses the whole file with tomlkit,
which costs about a second for a 500-stage pipeline on a busy machine; the editor
re-renders the text after every pause in typing, and nearly every such edit changes
one stage. Here only the lines of that stage's tables (``[stages.<id>]`` and its
``[stages.<id>.…]`` sub-tables) go through :func:`edit_in_place`, and are put back
where they stood. Anything unusual (the stage written inline, quoted ids, more than
one stage changed) returns ``None`` and the caller edits the whole file.

The result is checked without reading the whole file back: the stage's lines must
hold the stage's whole definition before the edit (nothing of it elsewhere, compared
with the file parsed once), and after it they must hold exactly the wanted stage and
nothing else, read back through the same models a load uses. The lines around them
are untouched, so the file reads back as the wanted pipeline.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from workbench.engine.spec import parse_spec
from workbench.engine.toml_edit import NotEditable, edit_in_place

_BARE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_HEADER = re.compile(r"^\s*\[\s*([^\[\]]*?)\s*\]\s*(?:#.*)?$")


def changed_stage(before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    """The one stage whose data differs, when nothing else does (same stages, same order)."""
    if before.keys() != after.keys():
        return None
    if any(before[key] != after[key] for key in before if key != "stages"):
        return None
    old, new = before.get("stages"), after.get("stages")
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return None
    if list(old) != list(new):
        return None
    changed = [sid for sid in new if old[sid] != new[sid]]
    return changed[0] if len(changed) == 1 else None


def edit_one_stage(text: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    """``text`` with the one changed stage re-edited in place, or ``None`` to do it whole."""
    sid = changed_stage(before, after)
    if sid is None or not _BARE_ID.match(sid):
        return None
    lines, spans = _stage_lines(text)
    span = spans.get(sid)
    if span is None:
        return None  # not written as [stages.<id>] tables kept together: edit the whole file
    start, end = span
    chunk = "".join(lines[start:end])
    if not _whole_stage(chunk, text, sid):
        return None
    try:
        edited = edit_in_place(
            chunk, {"stages": {sid: before["stages"][sid]}}, {"stages": {sid: after["stages"][sid]}}
        )
    except NotEditable:
        return None
    if end < len(lines) and not edited.endswith("\n"):
        edited += "\n"
    if not _reads_back(edited, sid, after["stages"][sid]):
        return None
    return "".join(lines[:start]) + edited + "".join(lines[end:])


@lru_cache(maxsize=4)
def _stage_lines(text: str) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """The file's lines, and for each stage written as tables the lines they span.

    Found once per file text (the text edits are made on stays the same while typing),
    not once per keystroke. A stage whose tables are not together is left out.
    """
    lines = text.splitlines(keepends=True)
    spans: dict[str, tuple[int, int]] = {}
    split: set[str] = set()
    current: str | None = None
    for index, line in enumerate(lines):
        match = _HEADER.match(line) if line.lstrip().startswith("[") else None
        if match is None:
            continue
        sid = _stage_of(match.group(1))
        if sid == current:
            continue
        if current is not None:
            spans[current] = (spans[current][0], index)
        if sid is not None and sid in spans:
            split.add(sid)
        current = sid
        if sid is not None:
            spans.setdefault(sid, (index, len(lines)))
    for sid in split:
        spans.pop(sid, None)
    return lines, spans


def _stage_of(table: str) -> str | None:
    """The stage id a header like ``stages.load`` or ``stages.load.config`` belongs to."""
    if not table.startswith("stages."):
        return None
    sid = table[len("stages.") :].split(".", 1)[0]
    return sid if _BARE_ID.match(sid) else None


@lru_cache(maxsize=4)
def _raw_stages(text: str) -> dict[str, Any]:
    """The file's ``[stages]`` as TOML data, parsed once per file text (not per edit)."""
    stages = tomllib.loads(text).get("stages")
    return stages if isinstance(stages, dict) else {}


def _whole_stage(chunk: str, text: str, sid: str) -> bool:
    """True when ``chunk`` alone defines stage ``sid`` exactly as the whole file does."""
    try:
        alone = tomllib.loads(chunk)
        whole = _raw_stages(text)
    except tomllib.TOMLDecodeError:
        return False
    return alone == {"stages": {sid: whole.get(sid)}}


def _reads_back(edited: str, sid: str, wanted: Any) -> bool:
    """True when the edited lines define only stage ``sid``, and as ``wanted``."""
    try:
        alone = tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        return False
    if list(alone) != ["stages"] or list(alone["stages"]) != [sid]:
        return False
    loaded = parse_spec(f'[pipeline]\nname = "check"\n\n{edited}')
    if loaded.spec is None:
        return False  # checked with the whole file instead
    return loaded.spec.to_toml_data()["stages"][sid] == wanted
