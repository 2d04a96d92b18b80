"""The stage model: what a stage author subclasses, and what a stage returns.

A :class:`Stage` is a kind of work registered under a dotted name such as
``files.load``. A pipeline file names stages by that name and gives each use its
own id and config, so one class can appear many times in a pipeline. Everything a
tool needs to know about a stage without running it (its config schema, what it
reads and writes, its capabilities and dependencies) is declared on the class.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from workbench.engine.status import StageStatus

if TYPE_CHECKING:
    from pathlib import Path

    from workbench.engine.context import StageContext
    from workbench.engine.dryrun.models import PlannedOperation
    from workbench.engine.pipeline import Pipeline


@dataclass(slots=True)
class StageResult:
    """What one stage's run came to. ``data`` is small and JSON-friendly (counts, paths)."""

    status: StageStatus
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    duration: float = 0.0
    attempts: int = 1
    worker: str | None = None
    """Where the stage ran when not in this process: a Dask worker's address, or "driver"."""

    @classmethod
    def success(cls, message: str = "", **data: Any) -> StageResult:
        return cls(StageStatus.SUCCESS, message, data)

    @classmethod
    def failure(cls, message: str, *errors: str, **data: Any) -> StageResult:
        return cls(StageStatus.FAILURE, message, data, list(errors) or [message])

    @classmethod
    def partial(cls, message: str, *errors: str, **data: Any) -> StageResult:
        return cls(StageStatus.PARTIAL, message, data, list(errors))

    @classmethod
    def skipped(cls, message: str) -> StageResult:
        return cls(StageStatus.SKIPPED, message)

    @classmethod
    def cancelled(cls, message: str = "cancelled") -> StageResult:
        return cls(StageStatus.CANCELLED, message)

    @classmethod
    def cached(cls, message: str, **data: Any) -> StageResult:
        return cls(StageStatus.CACHED, message, data)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "message": self.message,
            "data": self.data,
            "errors": list(self.errors),
            "duration_s": round(self.duration, 6),
            "attempts": self.attempts,
            "worker": self.worker,
        }


@dataclass(frozen=True, slots=True)
class Dependency:
    """A stage class's own dependency on another stage *name* (not a pipeline id).

    ``order="after"`` (the default) means this stage runs after the named one;
    ``"before"`` means it must run before it. A required dependency that no stage
    of the pipeline uses is a validation error naming the stage to add.
    """

    stage: str
    required: bool = True
    order: Literal["before", "after"] = "after"

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "required": self.required, "order": self.order}


class StageConfig(BaseModel):
    """Base for stage configs: unknown settings are errors, and validators are built lazily.

    ``defer_build`` matters: discovery imports every installed stage module, and
    building each model's validator up front would cost milliseconds per stage on
    every command; it is built the first time a pipeline uses the stage instead.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)


class EmptyConfig(StageConfig):
    """The config of a stage that takes no settings."""


class Stage:
    """Base class of every stage.

    Subclasses set the class attributes and implement :meth:`run`, either as
    ``async def`` or as a plain ``def`` (which the runner moves to a thread so the
    app never blocks), and :meth:`plan` for dry runs.
    """

    name: ClassVar[str] = ""
    """Registry name, dotted: ``namespace.action``."""
    version: ClassVar[str] = "1"
    """Bump it when the stage's code changes what it produces: cached results of the
    old version are then no longer used."""
    description: ClassVar[str] = ""
    Config: ClassVar[type[BaseModel]] = EmptyConfig
    reads: ClassVar[tuple[str, ...]] = ()
    """Context keys this stage reads (override :meth:`keys_read` when config decides)."""
    writes: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()
    """Capabilities an earlier stage must provide."""
    provides: ClassVar[tuple[str, ...]] = ()
    dependencies: ClassVar[tuple[Dependency | str, ...]] = ()
    supports_dry_run: ClassVar[bool] = True
    runs_on_driver: ClassVar[bool] = False
    """True for a stage that must run in the workbench's own process even when the run
    goes to a cluster: a gate waiting on the shared context, a lifecycle stage of the
    workbench itself. It then runs locally beside the remote stages."""

    def __init__(
        self, config: BaseModel | Mapping[str, Any] | None = None, *, id: str = ""
    ) -> None:
        if config is None:
            config = self.Config()
        elif not isinstance(config, BaseModel):
            config = self.Config.model_validate(dict(config))
        self.config: Any = config
        self.id = id or self.name

    # -- what the stage touches; config may decide, so these are methods ----------
    def keys_read(self) -> tuple[str, ...]:
        return type(self).reads

    def keys_written(self) -> tuple[str, ...]:
        return type(self).writes

    def input_paths(self) -> tuple[Path, ...]:
        """Files whose change should trigger a re-run under ``workbench run --watch``."""
        return ()

    # -- caching ---------------------------------------------------------------------
    def not_cacheable(self) -> str | None:
        """Why this configured stage must always run, or None when its results can be reused.

        Stages with effects outside the project (the network, commands whose outputs
        are unknown) override this; a result is reused only when everything it
        depends on can be fingerprinted.
        """
        return None

    def cache_keys(self) -> tuple[str, ...] | None:
        """The context keys its cached result depends on.

        None (the default) means its declared reads or, when it declares none, every
        value written upstream of it and the parameters. A stage that reads nothing
        from the context though it declares no reads (it calls a service) returns ().
        """
        return None

    def cache_config(self) -> dict[str, Any]:
        """Its config as the cache sees it: the settings that decide what it produces.

        The default is the whole resolved config. A stage whose config also holds
        settings that only change how it works, not what it produces (timeouts,
        retries), may leave those out, so changing them reuses the result.
        """
        config: dict[str, Any] = self.config.model_dump(mode="json")
        return config

    def cache_children(self) -> Pipeline | None:
        """The pipeline this stage runs inside itself (a composite), or None.

        The cache then fingerprints each child (its stage, version, config and the
        files it reads) and explains a change by the child that changed.
        """
        return None

    def cache_paths(self, ctx: StageContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The files this stage reads and writes, as ``(read, written)`` absolute paths.

        The cache fingerprints the files read and checks that the files written are
        still intact before reusing a result. The default asks :meth:`plan`; a stage
        whose plan is costly (it serializes a value to tell its size) overrides this.
        """
        if type(self).plan is Stage.plan:  # the default plan names no files
            return (), ()
        read: list[str] = []
        written: list[str] = []
        for op in self.plan(ctx):
            read.extend(op.paths_read)
            written.extend(op.paths_written)
        return tuple(dict.fromkeys(read)), tuple(dict.fromkeys(written))

    def secret_values(self) -> tuple[Any, ...]:
        """Config values that must never be shown: masked in plans, logs and history.

        By default the values of config fields declared with
        ``Field(json_schema_extra={"secret": True})``; a stage whose config holds
        secrets in another shape (``shell.run``'s ``env``) overrides this.
        """
        out: list[Any] = []
        for name in _secret_fields(type(self.config)):
            value = getattr(self.config, name, None)
            if value is not None:
                out.append(value)
        return tuple(out)

    # -- work ------------------------------------------------------------------------
    def run(self, ctx: StageContext) -> StageResult | Awaitable[StageResult]:
        raise NotImplementedError(f"stage {self.name!r} does not implement run()")

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        """What :meth:`run` would do, without side effects. The default is one opaque step."""
        # Imported here: the status table (engine.glyphs) is read before any plan is made.
        from workbench.engine.dryrun.models import PlannedOperation

        return [PlannedOperation(f"run {self.name}")]

    @classmethod
    def dependency_list(cls) -> tuple[Dependency, ...]:
        return tuple(d if isinstance(d, Dependency) else Dependency(d) for d in cls.dependencies)

    @classmethod
    def runs_in_thread(cls) -> bool:
        """A plain ``def run`` blocks, so the runner calls it in a worker thread."""
        return not inspect.iscoroutinefunction(cls.run)


def now() -> float:
    """Monotonic seconds, the one clock the runner and stages share."""
    return time.perf_counter()


_SECRET_FIELDS: dict[type, tuple[str, ...]] = {}
"""Config class -> its fields declared secret; read once per class, not once per stage."""


def _secret_fields(config: type) -> tuple[str, ...]:
    names = _SECRET_FIELDS.get(config)
    if names is None:
        names = _SECRET_FIELDS[config] = tuple(
            name
            for name, info in getattr(config, "model_fields", {}).items()
            if isinstance(info.json_schema_extra, dict)
            and info.json_schema_extra.get("secret") is True
        )
    return names
