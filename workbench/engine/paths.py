"""Where a stage may write: inside the project folder, or where the project allows.

A stage declares the config fields that name files it writes by their type,
:data:`WrittenPath` (``path: WrittenPath = Field(...)``), and local URLs it reads
with :data:`LocalUrl`. The engine, not each stage, reads those declarations:
:func:`refused_paths` is called once per stage when a pipeline is built, so a
write outside the project is a validation problem naming the stage, the field
and the resolved path, and :class:`WritePolicy` tells the dry run which paths
leave the project.

A location outside the project is allowed with ``allow_write = ["/data/out"]`` in
``workbench.toml`` (absolute, ``~/…`` or relative to the project). Paths are
compared after resolving ``..``, ``~`` and symbolic links, so ``out/../../x`` or a
link pointing out of the project cannot slip through. A ``file:`` URL outside the
project needs the same allowance.
"""

from __future__ import annotations

import functools
import os
import typing
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class PathRole:
    """Marks a config field as naming a file the stage touches outside its context."""

    kind: Literal["write", "url"]


WrittenPath = Annotated[str, PathRole("write")]
"""A config field naming a file (or database) the stage writes, relative to the project."""

LocalUrl = Annotated[str, PathRole("url")]
"""A config field holding a URL; when it is a ``file:`` URL, the file must be allowed."""


@dataclass(frozen=True, slots=True)
class DeclaredPath:
    """One path a stage's config names, resolved against the project folder."""

    field: str
    """The config field, e.g. ``path`` or ``database``."""
    text: str
    """As written in the pipeline file."""
    resolved: Path
    kind: Literal["write", "url"]


def resolve_under(root: Path, text: str) -> Path:
    """An absolute, normalised path: relative ones start at ``root``; ``~`` is expanded.

    Symbolic links are followed as far as they exist, so a link inside the project
    that points elsewhere is judged by where the bytes would really go.
    """
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    return Path(os.path.realpath(candidate))


def url_path(root: Path, url: str) -> Path | None:
    """The local file of a ``file:`` URL (relative ones start at ``root``), else None."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "file":
        return None
    if not parsed.netloc and not parsed.path.startswith("/"):
        return resolve_under(root, urllib.parse.unquote(parsed.path))
    return resolve_under(root, urllib.request.url2pathname(parsed.path))


def declared_paths(config: BaseModel, root: Path) -> list[DeclaredPath]:
    """Every path the config's :data:`WrittenPath` and :data:`LocalUrl` fields name."""
    out: list[DeclaredPath] = []
    for name, role in _path_fields(type(config)):
        for text in _strings(getattr(config, name, None)):
            if role.kind == "write":
                out.append(DeclaredPath(name, text, resolve_under(root, text), "write"))
            else:
                local = url_path(root, text)
                if local is not None:
                    out.append(DeclaredPath(name, text, local, "url"))
    return out


@dataclass(frozen=True, slots=True)
class WritePolicy:
    """The project folder and the extra locations ``allow_write`` opens."""

    root: Path
    allowed: tuple[Path, ...] = ()

    @classmethod
    def for_project(cls, root: Path, allow_write: Sequence[str] = ()) -> WritePolicy:
        real = Path(os.path.realpath(root))
        return cls(real, tuple(resolve_under(real, entry) for entry in allow_write))

    def inside(self, path: Path) -> bool:
        """True when ``path`` (already resolved) is in the project folder."""
        return path.is_relative_to(self.root)

    def permits(self, path: Path) -> bool:
        """True when the project folder or an ``allow_write`` entry holds ``path``."""
        return self.inside(path) or any(path.is_relative_to(a) for a in self.allowed)

    def refused(self, paths: Iterable[DeclaredPath]) -> Iterator[DeclaredPath]:
        return (p for p in paths if not self.permits(p.resolved))


@functools.cache
def _path_fields(model: type[BaseModel]) -> tuple[tuple[str, PathRole], ...]:
    """The fields of a config class marked as paths; read once per class, not per stage."""
    out: list[tuple[str, PathRole]] = []
    for name, info in model.model_fields.items():
        role = _role(info.metadata, info.annotation)
        if role is not None:
            out.append((name, role))
    return tuple(out)


def _role(metadata: Iterable[Any], annotation: Any) -> PathRole | None:
    for item in metadata:
        if isinstance(item, PathRole):
            return item
    todo = [annotation]
    while todo:  # Optional[WrittenPath], list[WrittenPath]: look inside the type
        current = todo.pop()
        for item in getattr(current, "__metadata__", ()):
            if isinstance(item, PathRole):
                return item
        todo.extend(typing.get_args(current))
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str) and v]
    return []
