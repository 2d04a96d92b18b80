"""``csv.aggregate`` and ``csv.filter``: group rows and compute counts, sums, means,
minima and maxima; keep the rows a report is about.

Rows are dicts, as ``files.load`` reads a CSV. Numbers given as text ("12.50")
are converted; a value that is not a number fails the stage naming the row and
the column, rather than being skipped in silence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from stages._counts import counted, produced
from stages._keys import KeyToKeyStage
from workbench.engine import (
    PlannedOperation,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)

Operation = Literal["count", "sum", "mean", "min", "max"]


class Metric(StageConfig):
    op: Operation = Field(description="count, sum, mean, min or max.")
    column: str | None = Field(
        default=None, description="The column to compute over (not needed for count)."
    )
    name: str | None = Field(
        default=None, description="Output column name; default 'op_column', or 'count'."
    )

    @model_validator(mode="after")
    def _column_unless_count(self) -> Metric:
        if self.op != "count" and not self.column:
            raise ValueError(f"op {self.op!r} needs a column")
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return "count" if self.op == "count" else f"{self.op}_{self.column}"


class AggregateConfig(StageConfig):
    key: str = Field(description="Context key holding the rows (a list of dicts).")
    output_key: str = Field(description="Context key that receives one row per group.")
    group_by: list[str] = Field(
        default_factory=list, description="Columns to group by; empty for one total row."
    )
    metrics: list[Metric] = Field(min_length=1, description="What to compute per group.")
    sort_by: str | None = Field(
        default=None, description="Output column to sort by; default the group columns."
    )
    descending: bool = Field(default=False, description="Sort from largest to smallest.")
    digits: int | None = Field(
        default=2, ge=0, description="Round computed numbers to this many decimals."
    )
    limit: int | None = Field(default=None, ge=1, description="Keep only the first N groups.")


class Aggregate(KeyToKeyStage):
    """Summarises tabular data the way a spreadsheet pivot does, with no extra dependency."""

    name = "csv.aggregate"
    description = "Group rows by columns and compute count, sum, mean, min and max."
    Config = AggregateConfig
    config: AggregateConfig

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cfg = self.config
        by = f" by {', '.join(cfg.group_by)}" if cfg.group_by else ""
        metrics = ", ".join(m.label for m in cfg.metrics)
        return [PlannedOperation(f"aggregate {cfg.key!r}{by}: {metrics} -> {cfg.output_key!r}")]

    def run(self, ctx: StageContext) -> StageResult:
        cfg = self.config
        rows = ctx.get(cfg.key, None)
        if not isinstance(rows, list):
            raise StageError(f"{cfg.key!r} must hold a list of rows")
        groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
        for number, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise StageError(f"{cfg.key}[{number}] is a {type(row).__name__}, not a row")
            missing = [c for c in cfg.group_by if c not in row]
            if missing:
                raise StageError(
                    f"{cfg.key}[{number}] has no column {', '.join(map(repr, missing))}"
                )
            groups.setdefault(tuple(row[c] for c in cfg.group_by), []).append(row)
        out: list[dict[str, Any]] = []
        for group, members in groups.items():
            result: dict[str, Any] = dict(zip(cfg.group_by, group, strict=True))
            for metric in cfg.metrics:
                result[metric.label] = self._compute(metric, members)
            out.append(result)
        sort_key = cfg.sort_by
        if sort_key is not None:
            if out and sort_key not in out[0]:
                raise StageError(
                    f"sort_by {sort_key!r} is not an output column ({', '.join(out[0])})"
                )
            out.sort(key=lambda r: (r[sort_key] is None, r[sort_key]), reverse=cfg.descending)
        else:
            out.sort(key=lambda r: tuple(str(r[c]) for c in cfg.group_by), reverse=cfg.descending)
        if cfg.limit is not None:
            out = out[: cfg.limit]
        ctx.set(cfg.output_key, out)
        return produced(len(out), "group", f"from {counted(len(rows), 'row')}")

    def _compute(self, metric: Metric, rows: list[Mapping[str, Any]]) -> Any:
        if metric.op == "count":
            return len(rows)
        assert metric.column is not None
        values = [_number(row, metric.column, self.config.key) for row in rows]
        present = [v for v in values if v is not None]
        if not present:
            return None
        if metric.op == "sum":
            value: float = sum(present)
        elif metric.op == "mean":
            value = sum(present) / len(present)
        elif metric.op == "min":
            value = min(present)
        else:
            value = max(present)
        if self.config.digits is not None and isinstance(value, float):
            value = round(value, self.config.digits)
        return value


def _number(row: Mapping[str, Any], column: str, key: str) -> float | None:
    if column not in row:
        raise StageError(f"a row of {key!r} has no column {column!r} (it has {', '.join(row)})")
    value = row[column]
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        raise StageError(f"column {column!r} holds {value!r}, which is not a number") from None


class FilterConfig(StageConfig):
    key: str = Field(description="Context key holding the rows (a list of dicts).")
    output_key: str = Field(description="Context key that receives the rows kept.")
    equals: dict[str, Any] = Field(
        default_factory=dict,
        description="column = value: keep rows whose column equals the value; '*' keeps any.",
    )
    starts_with: dict[str, str] = Field(
        default_factory=dict,
        description="column = prefix: keep rows whose column (as text) starts with the prefix.",
    )


class Filter(KeyToKeyStage):
    """Keeps the rows a report is about (a region, a month), so one pipeline serves many
    reports through its parameters: ``equals = { region = "${region}" }``."""

    name = "csv.filter"
    description = "Keep the rows whose columns equal given values or start with given prefixes."
    Config = FilterConfig
    config: FilterConfig

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cfg = self.config
        tests = [f"{c} = {v!r}" for c, v in cfg.equals.items() if v != "*"]
        tests += [f"{c} starts with {p!r}" for c, p in cfg.starts_with.items()]
        where = " and ".join(tests) or "every row"
        return [PlannedOperation(f"keep rows of {cfg.key!r} where {where} -> {cfg.output_key!r}")]

    def run(self, ctx: StageContext) -> StageResult:
        cfg = self.config
        rows = ctx.get(cfg.key, None)
        if not isinstance(rows, list):
            raise StageError(f"{cfg.key!r} must hold a list of rows")
        columns = [*cfg.equals, *cfg.starts_with]
        kept: list[Any] = []
        for number, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise StageError(f"{cfg.key}[{number}] is a {type(row).__name__}, not a row")
            missing = [c for c in columns if c not in row]
            if missing:
                raise StageError(
                    f"{cfg.key}[{number}] has no column {', '.join(map(repr, missing))}"
                )
            if all(v == "*" or row[c] == v for c, v in cfg.equals.items()) and all(
                str(row[c]).startswith(p) for c, p in cfg.starts_with.items()
            ):
                kept.append(row)
        ctx.set(cfg.output_key, kept)
        return produced(len(kept), "row", f"kept of {counted(len(rows), 'row')}")
