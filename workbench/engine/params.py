"""Pipeline parameters: the names the workbench owns, and ``${name}`` inside stage configs.

``project_dir`` is where every relative path of a run is resolved and where a
shell stage starts. Letting ``[context]`` or ``--set`` move it would move every
write of the run while the dry run still says "in the project folder", so it is
reserved: setting it is an error that names it. This module imports no pydantic,
so the command line can check ``--set`` cheaply.

Any string in a stage's config may hold ``${name}``, replaced by the pipeline
parameter ``name`` (from ``[context]``, then ``--set`` or the app's Parameters
form). A string that is exactly ``${name}`` takes the parameter's value with its
type, so ``top = "${top}"`` gives a number and ``columns = "${columns}"`` a list;
inside a longer string the value is written as text. ``$${`` writes a literal
``${``. Substitution happens when a pipeline is built with its parameters, so
validation, dry runs and runs all see the resolved values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PROJECT_DIR = "project_dir"
RESERVED_PARAMS: tuple[str, ...] = (PROJECT_DIR,)

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A ``${name}`` with no parameter of that name (or not a valid name)."""

    name: str
    where: tuple[str, ...]
    """The config keys leading to the string, e.g. ``("path",)`` or ``("metrics", "0")``."""


def references(value: Any) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every ``${name}`` in a config value, with the keys leading to it."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            for match in _REFERENCE.finditer(item):
                if match.group(0) != "$${":
                    yield match.group(1), where
        elif isinstance(item, Mapping):
            stack.extend((v, (*where, str(k))) for k, v in reversed(list(item.items())))
        elif isinstance(item, (list, tuple)):
            stack.extend((v, (*where, str(i))) for i, v in reversed(list(enumerate(item))))


def unresolved(value: Any, params: Mapping[str, Any]) -> list[Unresolved]:
    """References in ``value`` that name no parameter, in the order they appear."""
    return [
        Unresolved(name, where)
        for name, where in references(value)
        if not _NAME.match(name) or name not in params
    ]


def substitute(value: Any, params: Mapping[str, Any]) -> Any:
    """``value`` with every reference replaced; unknown names are left as written.

    Call :func:`unresolved` first to report them: leaving them in place lets the
    stage's own config validation still run on everything else.
    """
    if isinstance(value, str):
        return _substitute_text(value, params)
    if isinstance(value, Mapping):
        return {k: substitute(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, params) for v in value]
    return value


def has_references(value: Any) -> bool:
    """True when a config holds ``${`` or ``$${`` anywhere (cheap check for large pipelines)."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(has_references(v) for v in value.values())
    if isinstance(value, list):
        return any(has_references(v) for v in value)
    return False


def _substitute_text(text: str, params: Mapping[str, Any]) -> Any:
    if "${" not in text:
        return text
    whole = _REFERENCE.fullmatch(text)
    if whole and whole.group(0) != "$${":
        name = whole.group(1)
        return params.get(name, text)

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1)
        if name not in params:
            return match.group(0)
        return _as_text(params[name])

    return _REFERENCE.sub(replace, text)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
