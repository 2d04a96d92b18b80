"""``transform.call``: run a plain Python function on context values.

The glue a pipeline needs is often one small function. This stage lets that
function stay ordinary Python, testable on its own and free of any workbench
import: config maps its parameters to context keys (plus literal keyword
arguments), and its return value is stored under a context key. Coroutine
functions are awaited; plain ones run in a worker thread so the app stays live.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sized
from typing import Any

from pydantic import Field

from stages._counts import counted
from stages._imports import REFERENCE_PATTERN, resolve_reference
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
    summarize,
)


class CallConfig(StageConfig):
    function: str = Field(
        pattern=REFERENCE_PATTERN,
        description="The function as 'module:function'; project modules resolve too.",
    )
    args: dict[str, str] = Field(
        default_factory=dict,
        description="Parameter name -> context key whose value is passed for it.",
    )
    kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Literal keyword arguments, e.g. {limit = 10}."
    )
    output_key: str | None = Field(
        default=None, description="Context key that receives the return value."
    )


class Call(Stage):
    """Lets a pipeline use an ordinary function as a stage, without writing a Stage class."""

    name = "transform.call"
    description = "Call module:function with context values as arguments; store the result."
    Config = CallConfig
    config: CallConfig

    def keys_read(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.config.args.values()))

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,) if self.config.output_key else ()

    def cache_paths(self, ctx: StageContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The function's source file is an input: editing the function reruns the stage."""
        module = sys.modules.get(self.config.function.partition(":")[0])
        if module is None:
            self._function()
            module = sys.modules.get(self.config.function.partition(":")[0])
        source = getattr(module, "__file__", None)
        return ((str(source),) if source else ()), ()

    def _signature(self) -> str:
        parts = [f"{name}=ctx[{key!r}]" for name, key in self.config.args.items()]
        parts += [f"{name}={value!r}" for name, value in self.config.kwargs.items()]
        call = f"{self.config.function}({', '.join(parts)})"
        return f"{call} -> {self.config.output_key!r}" if self.config.output_key else call

    def _function(self) -> Any:
        function = resolve_reference(self.config.function)
        if not callable(function):
            raise StageError(f"{self.config.function} is not callable")
        clash = set(self.config.args) & set(self.config.kwargs)
        if clash:
            raise StageError(f"{', '.join(sorted(clash))} given both in args and in kwargs")
        try:
            inspect.signature(function).bind(**self.config.args, **self.config.kwargs)
        except TypeError as exc:
            raise StageError(f"{self.config.function} cannot take these arguments: {exc}") from None
        except ValueError:  # builtins without a signature: let the call decide
            pass
        return function

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        self._function()  # a misspelt reference shows up in the dry run, not mid-run
        return [PlannedOperation(f"call {self._signature()}", action="run")]

    async def run(self, ctx: StageContext) -> StageResult:
        function = self._function()
        missing = [key for key in self.config.args.values() if key not in ctx]
        if missing:
            raise StageError(
                f"context has no key {', '.join(map(repr, missing))} for {self.config.function}"
            )
        kwargs = {name: ctx.get(key) for name, key in self.config.args.items()}
        kwargs.update(self.config.kwargs)
        ctx.log(f"calling {self._signature()}")
        if inspect.iscoroutinefunction(function):
            result = await function(**kwargs)
        else:
            # on use: discovery (every command) should not pay for asyncio
            from workbench.engine.run.executors import run_in_daemon_thread

            # A daemon thread: a function that outlives the stage's timeout never
            # keeps the command alive (asyncio.to_thread's pool would).
            result = await run_in_daemon_thread(function, **kwargs)
        if self.config.output_key:
            ctx.set(self.config.output_key, result)
        if isinstance(result, Sized) and not isinstance(result, (str, bytes)):
            count, unit = len(result), "item"
        else:
            count, unit = (0, "value") if result is None else (1, "value")
        where = f" into {self.config.output_key!r}" if self.config.output_key else ""
        return StageResult.success(
            f"{counted(count, unit)}{where} ({summarize(result, 40)})",
            count=count,
            unit=f"{unit}s",
        )
