"""``files.load`` and ``files.save``: move data between files and the context.

JSON, TOML, CSV, plain text and "lines" (one item a line, ``#`` comments and blank
lines left out). The context key is chosen in config, so both stages report it
through :meth:`~workbench.engine.Stage.keys_read` / ``keys_written`` per instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from stages import _formats
from stages._counts import counted, human_bytes, produced
from stages._formats import ColumnType, Format
from stages._paths import resolve, shown
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)
from workbench.engine.fileio import atomic_write_bytes
from workbench.engine.paths import WrittenPath


class LoadConfig(StageConfig):
    path: str = Field(description="File to read, relative to the project folder.")
    key: str = Field(description="Context key that receives the loaded value.")
    format: Format = Field(
        default="auto",
        description="File format; 'auto' picks it from the suffix (.json .toml .csv .txt .md).",
    )
    encoding: str = Field(default="utf-8", description="Text encoding of the file.")
    delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV field separator."
    )
    column_types: dict[str, ColumnType] = Field(
        default_factory=dict,
        description="CSV only: convert these columns from text, e.g. {amount = 'float'}.",
    )


class Load(Stage):
    """Reads a file into a context key, so later stages work on data rather than paths."""

    name = "files.load"
    description = "Read a JSON, TOML, CSV or text file into a context key."
    Config = LoadConfig
    config: LoadConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.key,)

    def input_paths(self) -> tuple[Path, ...]:
        return (Path(self.config.path),)

    def run(self, ctx: StageContext) -> StageResult:
        path = resolve(ctx, self.config.path)
        fmt = _formats.pick_format(self.config.format, path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StageError(f"{shown(ctx, path)} does not exist") from None
        except OSError as exc:
            raise StageError(f"cannot read {shown(ctx, path)}: {exc.strerror}") from None
        try:
            value = _formats.parse(
                data,
                fmt,
                encoding=self.config.encoding,
                delimiter=self.config.delimiter,
                column_types=self.config.column_types,
            )
        except StageError as exc:
            raise StageError(f"{shown(ctx, path)}: {exc.message}") from None
        except ValueError as exc:  # JSON, TOML and decoding errors all derive from it
            raise StageError(f"{shown(ctx, path)} is not valid {fmt}: {exc}") from None
        ctx.set(self.config.key, value)
        count, unit = _formats.measure(value, fmt)
        return produced(
            count,
            unit,
            f"from {shown(ctx, path)} ({human_bytes(len(data))}) into {self.config.key!r}",
            path=str(path),
            bytes=len(data),
            key=self.config.key,
        )

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        path = resolve(ctx, self.config.path)
        size = path.stat().st_size if path.is_file() else None
        note = human_bytes(size) if size is not None else "missing now"
        return [
            PlannedOperation(
                f"read {shown(ctx, path)} ({note}) into {self.config.key!r}",
                action="read",
                paths_read=(str(path),),
                estimated_bytes=size,
            )
        ]


class SaveConfig(StageConfig):
    key: str = Field(description="Context key whose value is written.")
    path: WrittenPath = Field(description="File to write, relative to the project folder.")
    format: Format = Field(
        default="auto", description="File format; 'auto' picks it from the suffix."
    )
    encoding: str = Field(default="utf-8", description="Text encoding of the file.")
    indent: int | None = Field(
        default=2, ge=0, description="JSON indentation; empty for one compact line."
    )
    delimiter: str = Field(
        default=",", min_length=1, max_length=1, description="CSV field separator."
    )
    columns: list[str] | None = Field(
        default=None, description="CSV only: which columns to write, in this order."
    )
    header: bool = Field(default=True, description="CSV only: write a header row.")
    preamble: list[str] = Field(
        default_factory=list,
        description="Lines written verbatim before the data (e.g. Anki's '#separator:Comma').",
    )


class Save(Stage):
    """Writes a context value to a file atomically, so a crash never leaves half a file."""

    name = "files.save"
    description = "Write a context value to a JSON, TOML, CSV or text file (atomic)."
    Config = SaveConfig
    config: SaveConfig

    def keys_read(self) -> tuple[str, ...]:
        return (self.config.key,)

    def cache_paths(self, ctx: StageContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Without serializing the value, as :meth:`plan` does to tell its size."""
        return (), (str(resolve(ctx, self.config.path)),)

    def _serialize(self, value: Any, fmt: str) -> bytes:
        cfg = self.config
        return _formats.dump(
            value,
            fmt,
            encoding=cfg.encoding,
            indent=cfg.indent,
            delimiter=cfg.delimiter,
            columns=cfg.columns,
            header=cfg.header,
            preamble=cfg.preamble,
        )

    def run(self, ctx: StageContext) -> StageResult:
        path = resolve(ctx, self.config.path)
        fmt = _formats.pick_format(self.config.format, path)
        if self.config.key not in ctx:
            raise StageError(f"context has no key {self.config.key!r} to save")
        value = ctx.get(self.config.key)
        data = self._serialize(value, fmt)
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise StageError(f"cannot write {shown(ctx, path)}: {exc.strerror}") from None
        count, unit = _formats.measure(value, fmt)
        return produced(
            count,
            unit,
            f"written to {shown(ctx, path)} ({human_bytes(len(data))})",
            path=str(path),
            bytes=len(data),
            bytes_written=len(data),
            key=self.config.key,
        )

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        path = resolve(ctx, self.config.path)
        fmt = _formats.pick_format(self.config.format, path)
        size: int | None = None
        what = f"{self.config.key!r}"
        if self.config.key in ctx:
            value = ctx.get(self.config.key)
            size = len(self._serialize(value, fmt))
            count, unit = _formats.measure(value, fmt)
            what = f"{counted(count, unit)} of {self.config.key!r}"
        verb = "replace" if path.exists() else "create"
        return [
            PlannedOperation(
                f"{verb} {shown(ctx, path)} with {what} as {fmt} ({human_bytes(size)})",
                action="write",
                paths_written=(str(path),),
                estimated_bytes=size,
            )
        ]
