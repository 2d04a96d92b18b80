"""``sqlite.index``: put records into an SQLite FTS5 full-text index (stdlib sqlite3).

In ``rebuild`` mode the database is built in a temporary file beside the target
and renamed over it when complete, so a search never meets a half-built index.
``append`` adds to the existing table (creating it when needed) in one
transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from stages._counts import counted, human_bytes, produced
from stages._paths import resolve, shown
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)
from workbench.engine.paths import WrittenPath

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"


class IndexConfig(StageConfig):
    key: str = Field(description="Context key holding a list of records (dicts).")
    database: WrittenPath = Field(description="SQLite file, relative to the project folder.")
    table: str = Field(default="documents", pattern=IDENTIFIER, description="FTS5 table name.")
    columns: list[Annotated[str, Field(pattern=IDENTIFIER)]] = Field(
        default_factory=lambda: ["id", "title", "text"],
        min_length=1,
        description="Record fields stored as columns; all are searchable.",
    )
    mode: Literal["rebuild", "append"] = Field(
        default="rebuild",
        description="rebuild: a fresh database replaces the file; append: add to the table.",
    )
    tokenizer: Literal["unicode61", "porter", "ascii", "trigram"] = Field(
        default="porter", description="FTS5 tokenizer (porter adds English stemming)."
    )
    output_key: str | None = Field(
        default=None, description="Context key that receives {rows, database, table}."
    )


class Index(Stage):
    """Makes a pipeline's text searchable with nothing more than the standard library."""

    name = "sqlite.index"
    description = "Index records in an SQLite FTS5 full-text table."
    Config = IndexConfig
    config: IndexConfig

    def keys_read(self) -> tuple[str, ...]:
        return (self.config.key,)

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,) if self.config.output_key else ()

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        path = resolve(ctx, self.config.database)
        records = ctx.get(self.config.key, None)
        size = None
        what = f"records of {self.config.key!r}"
        if isinstance(records, list):
            what = f"{counted(len(records), 'record')} of {self.config.key!r}"
            size = sum(len(json.dumps(r, default=str)) for r in records) * 2
        return [
            PlannedOperation(
                f"{self.config.mode} FTS5 table {self.config.table!r} in {shown(ctx, path)} "
                f"with {what} (~{human_bytes(size)})",
                action="write",
                paths_written=(str(path),),
                estimated_bytes=size,
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        records = ctx.get(self.config.key, None)
        if not isinstance(records, list):
            raise StageError(f"{self.config.key!r} must hold a list of records")
        rows = [self._row(number, record) for number, record in enumerate(records)]
        path = resolve(ctx, self.config.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.config.mode == "rebuild":
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            try:
                self._write(Path(tmp_name), rows, ctx)
                os.replace(tmp_name, path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        else:
            self._write(path, rows, ctx)
        total = self._count(path)
        if self.config.output_key:
            ctx.set(
                self.config.output_key,
                {
                    "rows": total,
                    "added": len(rows),
                    "database": str(path),
                    "table": self.config.table,
                },
            )
        return produced(
            len(rows),
            "row",
            f"indexed in {shown(ctx, path)}:{self.config.table} ({total:,} in the table)",
            rows=total,
            database=str(path),
        )

    def _row(self, number: int, record: Any) -> tuple[str, ...]:
        if not isinstance(record, dict):
            raise StageError(
                f"{self.config.key}[{number}] is a {type(record).__name__}, not a record"
            )
        missing = [c for c in self.config.columns if c not in record]
        if missing:
            raise StageError(
                f"{self.config.key}[{number}] has no field {', '.join(map(repr, missing))}"
            )
        return tuple(_text(record[c]) for c in self.config.columns)

    def _write(self, path: Path, rows: list[tuple[str, ...]], ctx: StageContext) -> None:
        columns = ", ".join(self.config.columns)
        marks = ", ".join("?" for _ in self.config.columns)
        table = self.config.table
        connection = sqlite3.connect(path)
        try:
            with connection:
                connection.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
                    f"{columns}, tokenize = '{self.config.tokenizer}')"
                )
                for start in range(0, len(rows), 500):
                    ctx.raise_if_cancelled()
                    connection.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                        rows[start : start + 500],
                    )
                    ctx.progress(min(start + 500, len(rows)), len(rows))
        except sqlite3.OperationalError as exc:
            raise StageError(f"SQLite refused the index: {exc}") from None
        finally:
            connection.close()

    def _count(self, path: Path) -> int:
        connection = sqlite3.connect(path)
        try:
            (count,) = connection.execute(f"SELECT count(*) FROM {self.config.table}").fetchone()
        finally:
            connection.close()
        return int(count)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(map(str, value))
    return json.dumps(value, default=str) if isinstance(value, dict) else str(value)
