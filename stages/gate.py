"""``gate.check``: let the pipeline go on only when conditions on the context hold.

A gate turns an expectation ("at least 10 chunks were indexed", "the status is
'ok'") into a stage that fails loudly with the condition and the value it saw, so
a bad run stops where the problem is visible instead of producing quiet garbage
downstream. With ``wait`` it polls until the conditions hold or the time is up,
which suits values written by a concurrent branch.
"""

from __future__ import annotations

import re
import time
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from stages._counts import counted
from stages._lookup import MISSING, lookup, root_key
from workbench.engine import (
    GateConditionError,
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageResult,
    summarize,
)

Operator = Literal["exists", "missing", "truthy", "eq", "ne", "lt", "le", "gt", "ge", "matches"]
_SYMBOL = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class Condition(StageConfig):
    key: str = Field(
        description="Context key, with dotted parts into dicts and lists: 'stats.words'."
    )
    op: Operator = Field(
        default="exists",
        description="exists, missing, truthy, eq, ne, lt, le, gt, ge, or matches (a regex search).",
    )
    value: Any = Field(default=None, description="What to compare with (a regex for 'matches').")
    length: bool = Field(
        default=False, description="Compare the value's length (items of a list, keys of a dict)."
    )

    @model_validator(mode="after")
    def _value_fits_op(self) -> Self:
        if self.op in _SYMBOL and self.value is None:
            raise ValueError(f"op {self.op!r} compares with a value; set value")
        if self.op == "matches":
            try:
                re.compile(str(self.value))
            except re.error as exc:
                raise ValueError(
                    f"value {self.value!r} is not a regular expression: {exc}"
                ) from None
        return self

    def describe(self) -> str:
        subject = f"len({self.key})" if self.length else self.key
        if self.op in ("exists", "missing", "truthy"):
            return f"{subject} {self.op}"
        if self.op == "matches":
            return f"{subject} matches {self.value!r}"
        return f"{subject} {_SYMBOL[self.op]} {self.value!r}"


class GateConfig(StageConfig):
    conditions: list[Condition] = Field(min_length=1, description="What must hold.")
    mode: Literal["all", "any"] = Field(
        default="all", description="Open when all conditions hold, or when any one does."
    )
    wait: bool = Field(
        default=False, description="Poll until the gate opens instead of failing at once."
    )
    poll_interval: float = Field(default=0.5, gt=0, description="Seconds between checks.")
    timeout: float = Field(default=30.0, gt=0, description="Seconds to wait before failing.")


class Check(Stage):
    """Stops a pipeline when the context is not what the next stages need."""

    name = "gate.check"
    description = "Pass only when conditions on context values hold; optionally wait for them."
    Config = GateConfig
    config: GateConfig
    runs_on_driver = True
    """It waits on values other branches write to the run's one context."""

    def keys_read(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.key.split(".")[0] for c in self.config.conditions))

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        joiner = " and " if self.config.mode == "all" else " or "
        text = joiner.join(c.describe() for c in self.config.conditions)
        wait = f", waiting up to {self.config.timeout:g}s" if self.config.wait else ""
        return [
            PlannedOperation(
                f"check {text}{wait}",
                action="check",
                estimated_seconds=self.config.timeout if self.config.wait else 0.0,
            )
        ]

    async def run(self, ctx: StageContext) -> StageResult:
        import asyncio  # on use: discovery (every command) should not pay for it

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.timeout
        started = time.monotonic()
        while True:
            failures = [f for c in self.config.conditions if (f := _failure(ctx, c))]
            held = len(self.config.conditions) - len(failures)
            is_open = not failures if self.config.mode == "all" else held > 0
            if is_open:
                waited = time.monotonic() - started
                note = f" after {waited:.1f}s" if self.config.wait and waited >= 0.05 else ""
                return StageResult.success(
                    f"{counted(held, 'condition')} held{note}; gate open",
                    count=held,
                    unit="conditions",
                )
            if not self.config.wait or loop.time() >= deadline:
                after = f" after waiting {self.config.timeout:g}s" if self.config.wait else ""
                raise GateConditionError("gate closed" + after + ": " + "; ".join(failures))
            ctx.log("waiting: " + "; ".join(failures))
            await asyncio.sleep(min(self.config.poll_interval, max(0.0, deadline - loop.time())))


def _failure(ctx: StageContext, condition: Condition) -> str | None:
    """None when the condition holds, else the condition and the value seen."""
    value = lookup(ctx, condition.key)
    seen = "missing" if value is MISSING else summarize(value)
    if condition.op == "exists":
        return None if value is not MISSING else f"{condition.describe()} failed: it is missing"
    if condition.op == "missing":
        return None if value is MISSING else f"{condition.describe()} failed: found {seen}"
    if value is MISSING:
        where = root_key(ctx, condition.key)
        return f"{condition.describe()} failed: {condition.key!r} is missing" + (
            f" (context key {where!r} exists)" if where in ctx else ""
        )
    if condition.length:
        try:
            value = len(value)
        except TypeError:
            return f"{condition.describe()} failed: {seen} has no length"
        seen = str(value)
    ok = _holds(condition, value)
    if ok is None:
        return f"{condition.describe()} failed: cannot compare {seen} with {condition.value!r}"
    return None if ok else f"{condition.describe()} failed: value is {seen}"


def _holds(condition: Condition, value: Any) -> bool | None:
    op, expected = condition.op, condition.value
    if op == "truthy":
        return bool(value)
    if op == "matches":
        return re.search(str(expected), str(value)) is not None
    if op == "eq":
        return bool(value == expected)
    if op == "ne":
        return bool(value != expected)
    try:
        if op == "lt":
            return bool(value < expected)
        if op == "le":
            return bool(value <= expected)
        if op == "gt":
            return bool(value > expected)
        return bool(value >= expected)
    except TypeError:
        return None
