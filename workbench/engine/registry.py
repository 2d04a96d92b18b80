"""The stage registry: every known stage by name, and how they are discovered.

Stages come from three places: :meth:`StageRegistry.register` in code, the
``workbench.stages`` entry-point group (a module, a Stage class, or a function
returning stages), and a project's own folders of stage modules. Discovery never
lets one plugin break another: whatever goes wrong with a plugin (an import
error, an object that is not a stage, bad metadata, a name already taken) is kept
as a :class:`PluginLoadError` and every other stage still loads. A plugin that
calls ``sys.exit()`` while it is imported fails to load like any other import
error (it never ends the command), and whatever a plugin prints while it is
imported is kept as its :class:`PluginOutput` (so ``--format json`` stays JSON).
Output written straight to the file descriptors (``os.write(1, ...)``, C
extensions) bypasses Python's streams and is not captured.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import inspect
import io
import logging
import re
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel

from workbench.engine.errors import DuplicateStageError, InvalidStageError, UnknownStageError
from workbench.engine.stage import Dependency, Stage
from workbench.engine.terminal_text import clean_output

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "workbench.stages"
STAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@dataclass(frozen=True, slots=True)
class PluginLoadError:
    """A plugin that did not load, and why. Shown by `workbench stages` and the app."""

    plugin: str
    """The entry point (``name = value``) or the file it came from."""
    message: str
    kind: str = "import"
    """import, not_a_stage, invalid, duplicate."""

    def to_json(self) -> dict[str, str]:
        return {"plugin": self.plugin, "kind": self.kind, "message": self.message}


@dataclass(frozen=True, slots=True)
class PluginOutput:
    """What a plugin printed while it was imported: shown as that plugin's, not the command's."""

    plugin: str
    text: str

    def to_json(self) -> dict[str, str]:
        return {"plugin": self.plugin, "text": self.text}


@dataclass(frozen=True, slots=True)
class StageMetadata:
    """Everything a tool shows about a stage class without instantiating it."""

    name: str
    description: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    dependencies: tuple[Dependency, ...]
    supports_dry_run: bool
    source: str
    cls: type[Stage]
    version: str = "1"
    """The class's ``version``; a new one invalidates its cached results."""

    @property
    def config_schema(self) -> dict[str, Any]:
        """JSON Schema of the config, built on first use (discovery stays cheap)."""
        return _schema_of(self.cls.Config)

    @property
    def namespace(self) -> str:
        return self.name.split(".", 1)[0]

    @classmethod
    def of(cls, stage: type[Stage], source: str | None = None) -> StageMetadata:
        """Check a class against the stage contract and describe it.

        Raises :class:`InvalidStageError` naming what is wrong.
        """
        where = f"{stage.__module__}.{stage.__qualname__}"
        if not (inspect.isclass(stage) and issubclass(stage, Stage)):
            raise InvalidStageError(f"{where} is not a subclass of workbench.Stage")
        if not isinstance(stage.name, str) or not STAGE_NAME.match(stage.name):
            raise InvalidStageError(
                f"{where} has name {stage.name!r}; a stage name is dotted, like 'files.load'"
            )
        if not (inspect.isclass(stage.Config) and issubclass(stage.Config, BaseModel)):
            raise InvalidStageError(f"{where}.Config must be a pydantic BaseModel subclass")
        if stage.run is Stage.run:
            raise InvalidStageError(f"{where} does not implement run()")
        for attr in ("reads", "writes", "requires", "provides"):
            value = getattr(stage, attr)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise InvalidStageError(f"{where}.{attr} must be a tuple of strings, not {value!r}")
        try:
            deps = stage.dependency_list()
        except TypeError as exc:
            raise InvalidStageError(f"{where}.dependencies: {exc}") from None
        if not isinstance(stage.version, (str, int)) or isinstance(stage.version, bool):
            raise InvalidStageError(
                f"{where}.version must be a string such as '2', not {stage.version!r}"
            )
        return cls(
            name=stage.name,
            # Plugin text: shown on terminals and in the app, so cleaned of escapes once here.
            description=clean_output(
                (stage.description or inspect.getdoc(stage) or "").strip(), keep_colour=False
            ),
            reads=tuple(stage.reads),
            writes=tuple(stage.writes),
            requires=tuple(stage.requires),
            provides=tuple(stage.provides),
            dependencies=deps,
            supports_dry_run=bool(stage.supports_dry_run),
            source=source or stage.__module__,
            cls=stage,
            version=str(stage.version),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "config_schema": self.config_schema,
            "reads": list(self.reads),
            "writes": list(self.writes),
            "requires": list(self.requires),
            "provides": list(self.provides),
            "dependencies": [d.to_json() for d in self.dependencies],
            "supports_dry_run": self.supports_dry_run,
            "source": self.source,
        }


class StageRegistry:
    """Stage classes by name, plus the errors of plugins that failed to load."""

    def __init__(self) -> None:
        self._stages: dict[str, StageMetadata] = {}
        self.errors: list[PluginLoadError] = []
        self.output: list[PluginOutput] = []
        """What plugins printed while they were imported, by plugin."""

    # -- registering -------------------------------------------------------------------
    def register(
        self, stage: type[Stage], *, source: str | None = None, replace: bool = False
    ) -> type[Stage]:
        """Add a stage class. Usable as a decorator. A taken name raises unless ``replace``."""
        meta = StageMetadata.of(stage, source)
        existing = self._stages.get(meta.name)
        if existing is not None and not replace and existing.cls is not stage:
            raise DuplicateStageError(
                f"stage name {meta.name!r} is already taken by {existing.source}; "
                f"{meta.source} cannot register it too (rename one of them)"
            )
        self._stages[meta.name] = meta
        return stage

    def unregister(self, name: str) -> None:
        if name not in self._stages:
            raise UnknownStageError(name, self._stages)
        del self._stages[name]

    # -- looking up ----------------------------------------------------------------------
    def get(self, name: str) -> type[Stage]:
        try:
            return self._stages[name].cls
        except KeyError:
            raise UnknownStageError(name, self._stages) from None

    def metadata(self, name: str) -> StageMetadata:
        try:
            return self._stages[name]
        except KeyError:
            raise UnknownStageError(name, self._stages) from None

    def __contains__(self, name: object) -> bool:
        return name in self._stages

    def __iter__(self) -> Iterator[StageMetadata]:
        return iter(sorted(self._stages.values(), key=lambda m: m.name))

    def __len__(self) -> int:
        return len(self._stages)

    def names(self) -> list[str]:
        return sorted(self._stages)

    # -- discovery -----------------------------------------------------------------------
    def discover(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Load every entry point of ``group``; failures become :attr:`errors`."""
        started = time.perf_counter()
        found = sorted(entry_points(group=group), key=lambda e: (e.name, e.value))
        log.debug(
            "discovery: %d entry points in %s (%.1f ms to list)",
            len(found),
            group,
            (time.perf_counter() - started) * 1000,
        )
        before, errors = len(self._stages), len(self.errors)
        for ep in found:
            self.load_entry_point(ep)
        log.debug(
            "discovery: %d stages registered, %d plugin errors, in %.1f ms",
            len(self._stages) - before,
            len(self.errors) - errors,
            (time.perf_counter() - started) * 1000,
        )

    def load_entry_point(self, ep: EntryPoint) -> None:
        label = f"{ep.name} = {ep.value}"
        started = time.perf_counter()
        try:
            with self._capture(label):
                obj = ep.load()
        except (Exception, SystemExit) as exc:
            self._fail(label, "import", f"could not import {ep.value}: {_one_line(exc)}")
            return
        loaded = time.perf_counter()
        self.add_from(obj, label)
        log.debug(
            "discovery: %s imported in %.1f ms, registered in %.1f ms",
            label,
            (loaded - started) * 1000,
            (time.perf_counter() - loaded) * 1000,
        )

    @contextlib.contextmanager
    def _capture(self, label: str) -> Iterator[None]:
        """Keep what a plugin prints to stdout or stderr as its :class:`PluginOutput`."""
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                yield
        finally:
            text = buffer.getvalue()
            if text.strip():
                self.output.append(PluginOutput(label, text))

    def add_from(self, obj: Any, label: str) -> None:
        """Register what a plugin object offers: a module, a Stage class, or a factory."""
        if isinstance(obj, ModuleType):
            found = stages_in_module(obj)
            if not found:
                self._fail(label, "not_a_stage", f"module {obj.__name__} defines no Stage subclass")
            candidates: Iterable[Any] = found
        elif inspect.isclass(obj):
            candidates = [obj]
        elif callable(obj):
            try:
                with self._capture(label):
                    produced = obj()
            except (Exception, SystemExit) as exc:
                self._fail(label, "import", f"calling {label} raised {_one_line(exc)}")
                return
            if inspect.isclass(produced) or not isinstance(produced, Iterable):
                produced = [produced]
            candidates = list(produced)
        else:
            self._fail(
                label, "not_a_stage", f"{obj!r} is not a module, a Stage class or a function"
            )
            return
        for candidate in candidates:
            self._add_one(candidate, label)

    def _add_one(self, candidate: Any, label: str) -> None:
        if not (inspect.isclass(candidate) and issubclass(candidate, Stage)):
            self._fail(label, "not_a_stage", f"{candidate!r} is not a subclass of workbench.Stage")
            return
        try:
            self.register(candidate, source=label)
            log.debug("discovery: registered %s from %s", candidate.name, label)
        except DuplicateStageError as exc:
            self._fail(label, "duplicate", exc.message)
        except InvalidStageError as exc:
            self._fail(label, "invalid", exc.message)

    def load_path(self, folder: Path) -> None:
        """Register the stages of every ``*.py`` module in a project folder, unpackaged."""
        if not folder.is_dir():
            self._fail(str(folder), "import", f"stage folder {folder} does not exist")
            return
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            module_name = f"workbench_local_stages.{_safe(folder.name)}.{_safe(path.stem)}"
            try:
                with self._capture(str(path)):
                    module = _import_file(module_name, path)
            except (Exception, SystemExit) as exc:
                self._fail(str(path), "import", f"could not import {path}: {_one_line(exc)}")
                continue
            found = stages_in_module(module)
            for stage in found:
                self._add_one(stage, str(path))
            from workbench.engine.api import providers

            providers.add_from_module(module)

    def _fail(self, plugin: str, kind: str, message: str) -> None:
        log.debug("discovery: plugin error (%s) in %s: %s", kind, plugin, message)
        self.errors.append(
            PluginLoadError(
                clean_output(plugin, keep_colour=False),
                clean_output(message, keep_colour=False),
                kind,
            )
        )


@functools.cache
def _schema_of(model: type[BaseModel]) -> dict[str, Any]:
    try:
        return model.model_json_schema()
    except Exception as exc:  # a broken plugin model must not break a listing
        return {"title": model.__name__, "description": f"no JSON Schema: {exc}"}


def stages_in_module(module: ModuleType) -> list[type[Stage]]:
    """The Stage subclasses a module defines itself (not those it imports)."""
    return [
        obj
        for _, obj in sorted(vars(module).items())
        if inspect.isclass(obj)
        and issubclass(obj, Stage)
        and obj is not Stage
        and obj.__module__ == module.__name__
        and obj.name
    ]


def _import_file(module_name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _safe(text: str) -> str:
    return re.sub(r"\W", "_", text)


def _one_line(exc: BaseException) -> str:
    """`ValueError: bad thing (file.py:12)`: the message and the innermost place."""
    if isinstance(exc, SystemExit):
        code = "" if exc.code is None else repr(exc.code) if isinstance(exc.code, str) else exc.code
        text = f"the module called sys.exit({code})"
    else:
        text = f"{type(exc).__name__}: {exc}".strip()
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" ({Path(last.filename).name}:{last.lineno})"
    return text
