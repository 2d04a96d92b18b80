"""``validate.schema``: check a context value against a JSON Schema file or a pydantic model.

Every violation is listed with its path (``[3].amount: -2 is less than the
minimum of 0``), not just the first, so one run shows everything to fix. With a
pydantic model the coerced value can be stored, which turns CSV strings into the
numbers and dates the next stages expect.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, model_validator

from stages._counts import counted
from stages._imports import REFERENCE_PATTERN, resolve_reference
from stages._paths import resolve, shown
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)


class SchemaConfig(StageConfig):
    key: str = Field(description="Context key holding the value to check.")
    schema_path: str | None = Field(
        default=None, description="JSON Schema file, relative to the project folder."
    )
    model: str | None = Field(
        default=None,
        pattern=REFERENCE_PATTERN,
        description="A pydantic model as 'module:Class', instead of a schema file.",
    )
    many: bool = Field(
        default=False, description="The value is a list; check each item against the schema."
    )
    output_key: str | None = Field(
        default=None,
        description="Store the validated value here (model fields coerced, e.g. '3' -> 3).",
    )
    max_errors: int = Field(default=100, ge=1, description="Violations listed at most.")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.schema_path is None) == (self.model is None):
            raise ValueError("give exactly one of schema_path (a JSON Schema file) or model")
        return self


class Schema(Stage):
    """Catches bad data at the edge of a pipeline, listing every problem with its place."""

    name = "validate.schema"
    description = "Validate a context value against a JSON Schema file or a pydantic model."
    Config = SchemaConfig
    config: SchemaConfig

    def keys_read(self) -> tuple[str, ...]:
        return (self.config.key,)

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,) if self.config.output_key else ()

    def input_paths(self) -> tuple[Path, ...]:
        return (Path(self.config.schema_path),) if self.config.schema_path else ()

    def _against(self, ctx: StageContext) -> str:
        if self.config.schema_path:
            return shown(ctx, resolve(ctx, self.config.schema_path))
        return str(self.config.model)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        reads: tuple[str, ...] = ()
        if self.config.schema_path:
            reads = (str(resolve(ctx, self.config.schema_path)),)
        each = "each item of " if self.config.many else ""
        into = f" into {self.config.output_key!r}" if self.config.output_key else ""
        return [
            PlannedOperation(
                f"validate {each}{self.config.key!r} against {self._against(ctx)}{into}",
                action="check",
                paths_read=reads,
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        if self.config.key not in ctx:
            raise StageError(f"context has no key {self.config.key!r} to validate")
        value = ctx.get(self.config.key)
        if self.config.many and (not isinstance(value, list)):
            raise StageError(
                f"many = true needs a list; {self.config.key!r} is a {type(value).__name__}"
            )
        if self.config.schema_path:
            errors, checked = self._json_schema(ctx, value), value
        else:
            errors, checked = self._model(value)
        total = len(value) if self.config.many else 1
        unit = "item" if self.config.many else "value"
        if errors:
            shown_errors = errors[: self.config.max_errors]
            if len(errors) > len(shown_errors):
                shown_errors.append(f"… and {len(errors) - len(shown_errors):,} more")
            return StageResult.failure(
                f"{counted(len(errors), 'violation')} in {self.config.key!r} "
                f"against {self._against(ctx)}; first: {errors[0]}",
                *shown_errors,
                count=len(errors),
                unit="violations",
            )
        if self.config.output_key:
            ctx.set(self.config.output_key, checked)
        return StageResult.success(
            f"{counted(total, unit)} valid against {self._against(ctx)}",
            count=total,
            unit=f"{unit}s",
        )

    def _json_schema(self, ctx: StageContext, value: Any) -> list[str]:
        assert self.config.schema_path is not None
        path = resolve(ctx, self.config.schema_path)
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StageError(f"schema file {shown(ctx, path)} does not exist") from None
        except ValueError as exc:
            raise StageError(f"schema file {shown(ctx, path)} is not JSON: {exc}") from None
        import jsonschema  # imported here: discovery should not pay for it on every command
        from jsonschema.exceptions import best_match

        validator_cls = jsonschema.validators.validator_for(schema)
        try:
            validator_cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            where = _json_path(exc.absolute_path)
            raise StageError(
                f"{shown(ctx, path)} is not a valid JSON Schema at {where}: {exc.message}"
            ) from None
        validator = validator_cls(schema)
        items = list(enumerate(value)) if self.config.many else [(None, value)]
        errors: list[str] = []
        for index, item in items:
            found = sorted(
                validator.iter_errors(item), key=lambda e: list(map(str, e.absolute_path))
            )
            for error in found:
                leaf = best_match([error]) if error.context else error
                prefix = [] if index is None else [index]
                errors.append(f"{_json_path([*prefix, *leaf.absolute_path])}: {leaf.message}")
        return errors

    def _model(self, value: Any) -> tuple[list[str], Any]:
        assert self.config.model is not None
        model = resolve_reference(self.config.model)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise StageError(f"{self.config.model} is not a pydantic model class")
        adapter: TypeAdapter[Any] = TypeAdapter(list[model] if self.config.many else model)  # type: ignore[valid-type]
        try:
            validated = adapter.validate_python(value)
        except ValidationError as exc:
            return [
                f"{_json_path(error['loc'])}: {error['msg']}"
                for error in exc.errors(include_url=False)
            ], None
        return [], adapter.dump_python(validated, mode="json")


def _json_path(parts: Iterable[Any]) -> str:
    """``[3].amount`` from (3, "amount"); ``$`` for the value itself."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "$"
