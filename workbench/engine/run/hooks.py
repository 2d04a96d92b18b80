"""Hooks: code that runs before and after each stage and before and after a run.

In Python, register them on a :class:`Hooks` by id (:class:`StageManager` does).
From files, a ``[hooks]`` table in ``workbench.toml`` (every pipeline of the
project) or in a pipeline file (that pipeline) names them::

    [hooks]
    before_stage = ["my_hooks:announce"]
    after_stage = [{ hook = "jsonl", path = "out/stages.jsonl" }]
    after_run = [{ hook = "command", command = ["notify-send", "run finished"] }]

A name is ``module:attribute`` (the project folder is importable), or the name of
an entry point in the ``workbench.hooks`` group, which is how a package offers
hooks. A table's other keys are options: the named object is then called with
them as keyword arguments and must return the hook (a class whose instances are
callable does this naturally). A class named without options is instantiated
with none.

Signatures: ``before_stage(stage, ctx)``, ``after_stage(stage, ctx, result)``,
``before_run(pipeline, store)``, ``after_run(pipeline, result)``; each may be
``async``. Before-stage hooks run once per stage, not once per attempt; the
attempt number is ``ctx.attempt``. After-stage hooks run for every stage that
started, whatever its outcome (success, failure, partial, timed out, cancelled),
with the final result; a stage that never started (skipped, cancelled before it
began) has no hooks called. A failing stage hook fails its stage, naming the
hook; a failing before-run hook stops the run before any stage starts; a failing
after-run hook is logged.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import itertools
import logging
import re
from collections.abc import Awaitable, Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from workbench.engine.errors import HookError

if TYPE_CHECKING:
    from workbench.engine.context import ContextStore, StageContext
    from workbench.engine.pipeline import Pipeline, PipelineStage
    from workbench.engine.run.runner import RunResult
    from workbench.engine.stage import StageResult

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "workbench.hooks"
KINDS = ("before_stage", "after_stage", "before_run", "after_run")

BeforeHook = Callable[["PipelineStage", "StageContext"], "Awaitable[None] | None"]
AfterHook = Callable[["PipelineStage", "StageContext", "StageResult"], "Awaitable[None] | None"]
BeforeRunHook = Callable[["Pipeline", "ContextStore"], "Awaitable[None] | None"]
AfterRunHook = Callable[["Pipeline", "RunResult"], "Awaitable[None] | None"]


class HookRef(BaseModel):
    """``{ hook = "name", option = value, ... }``: a hook with options."""

    model_config = ConfigDict(extra="allow")

    hook: str = Field(min_length=1, description="module:attribute, or a workbench.hooks name.")

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


HookEntry = str | HookRef


class HookTable(BaseModel):
    """The ``[hooks]`` table of ``workbench.toml`` or of a pipeline file."""

    model_config = ConfigDict(extra="forbid")

    before_stage: list[HookEntry] = Field(default_factory=list)
    after_stage: list[HookEntry] = Field(default_factory=list)
    before_run: list[HookEntry] = Field(default_factory=list)
    after_run: list[HookEntry] = Field(default_factory=list)

    def __bool__(self) -> bool:
        return any(getattr(self, kind) for kind in KINDS)


class Hooks:
    """Hooks by id, run in the order they were added."""

    def __init__(self) -> None:
        self.before: dict[str, BeforeHook] = {}
        self.after: dict[str, AfterHook] = {}
        self.before_run: dict[str, BeforeRunHook] = {}
        self.after_run: dict[str, AfterRunHook] = {}
        self._ids = itertools.count(1)

    def add_before(self, hook: BeforeHook, id: str | None = None) -> str:
        hook_id = id or f"before-{next(self._ids)}"
        self.before[hook_id] = hook
        return hook_id

    def add_after(self, hook: AfterHook, id: str | None = None) -> str:
        hook_id = id or f"after-{next(self._ids)}"
        self.after[hook_id] = hook
        return hook_id

    def add_before_run(self, hook: BeforeRunHook, id: str | None = None) -> str:
        hook_id = id or f"before-run-{next(self._ids)}"
        self.before_run[hook_id] = hook
        return hook_id

    def add_after_run(self, hook: AfterRunHook, id: str | None = None) -> str:
        hook_id = id or f"after-run-{next(self._ids)}"
        self.after_run[hook_id] = hook
        return hook_id

    def remove(self, hook_id: str) -> None:
        for table in (self.before, self.after, self.before_run, self.after_run):
            if table.pop(hook_id, None) is not None:  # type: ignore[attr-defined]
                return
        raise KeyError(f"no hook with id {hook_id!r}")

    def copy(self) -> Hooks:
        out = Hooks()
        out.before, out.after = dict(self.before), dict(self.after)
        out.before_run, out.after_run = dict(self.before_run), dict(self.after_run)
        return out

    def add_table(self, table: HookTable, source: str) -> None:
        """Load every hook a ``[hooks]`` table names; raises :class:`HookError` naming it."""
        adders: dict[str, Callable[[Any, str | None], str]] = {
            "before_stage": self.add_before,
            "after_stage": self.add_after,
            "before_run": self.add_before_run,
            "after_run": self.add_after_run,
        }
        for kind in KINDS:
            for entry in getattr(table, kind):
                ref = entry if isinstance(entry, HookRef) else HookRef(hook=entry)
                hook = resolve_hook(ref, f"{source} [hooks].{kind}")
                adders[kind](hook, ref.hook if ref.hook not in self._all_ids() else None)

    def _all_ids(self) -> set[str]:
        return {*self.before, *self.after, *self.before_run, *self.after_run}

    def __len__(self) -> int:
        return len(self.before) + len(self.after) + len(self.before_run) + len(self.after_run)


_MODULE_HOOK = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$")


def unknown_hooks(table: HookTable) -> list[tuple[str, str, str]]:
    """(kind, name, why) for entries that cannot name a hook, checked without importing.

    ``module:attribute`` must look like one; a bare name must be an installed
    ``workbench.hooks`` entry point. Whether the module imports is found at run time.
    """
    out: list[tuple[str, str, str]] = []
    installed: list[str] | None = None
    for kind in KINDS:
        for entry in getattr(table, kind):
            name = entry.hook if isinstance(entry, HookRef) else entry
            if ":" in name:
                if not _MODULE_HOOK.match(name):
                    out.append((kind, name, "write module:function, e.g. my_hooks:notify"))
                continue
            if installed is None:
                installed = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
            if name not in installed:
                out.append(
                    (
                        kind,
                        name,
                        f"installed hooks: {', '.join(installed) or 'none'}; "
                        "or write module:function",
                    )
                )
    return out


def resolve_hook(ref: HookRef, where: str) -> Callable[..., Any]:
    """The callable a hook entry names, built with its options."""
    target = _load(ref.hook, where)
    options = ref.options
    if inspect.isclass(target) or options:
        try:
            target = target(**options)
        except Exception as exc:
            raise HookError(
                f"hook {ref.hook!r} ({where}) could not be set up with "
                f"{options or 'no options'}: {type(exc).__name__}: {exc}"
            ) from exc
    if not callable(target):
        raise HookError(f"hook {ref.hook!r} ({where}) is not callable")
    return target


def _load(name: str, where: str) -> Any:
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise HookError(
                f"hook {name!r} ({where}) cannot be loaded: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise HookError(
                f"hook {name!r} ({where}): module {module_name!r} has no {attribute!r}"
            ) from None
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in found:
        installed = ", ".join(sorted(found)) or "none"
        raise HookError(
            f"hook {name!r} ({where}) is neither module:function nor an installed hook "
            f"(installed: {installed})"
        )
    try:
        return found[name].load()
    except Exception as exc:
        raise HookError(
            f"hook {name!r} ({where}) cannot be loaded: {type(exc).__name__}: {exc}"
        ) from exc


async def call_hook(hook_id: str, hook: Callable[..., Any], *args: Any) -> None:
    """Call a hook, sync or async; its failure becomes a :class:`HookError` naming it."""
    try:
        value = hook(*args)
        if asyncio.iscoroutine(value):
            await value
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise HookError(f"hook {hook_id!r} failed: {type(exc).__name__}: {exc}") from exc


def with_file_hooks(base: Hooks, pipeline: Pipeline) -> Hooks:
    """``base`` plus the hooks ``workbench.toml`` and the pipeline's ``[hooks]`` name.

    The project's hooks come first, then the pipeline's. ``base`` is returned
    untouched when no file names a hook.
    """
    from workbench.engine.settings import SETTINGS_FILE, read_settings

    root = pipeline.project_dir
    settings_path = root / SETTINGS_FILE
    settings, problems = read_settings(root)
    if problems:
        raise HookError(f"{settings_path}: " + "; ".join(p.message for p in problems))
    tables = [(settings.hooks, str(settings_path))]
    tables.append((pipeline.spec.hooks, str(pipeline.path or pipeline.name)))
    if not any(table for table, _ in tables):
        return base
    hooks = base.copy()
    for table, source in tables:
        hooks.add_table(table, source)
    return hooks
