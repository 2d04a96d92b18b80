"""``report.markdown``: write context values as a readable Markdown report.

A list of rows becomes a table, a dict a two-column table, a list of plain values
a bullet list, anything else a paragraph. The file is written atomically; the
plan renders the report to measure its size when the values are already known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from stages._counts import counted, human_bytes, produced
from stages._lookup import MISSING, lookup
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


class Section(StageConfig):
    heading: str = Field(description="The section's heading.")
    key: str | None = Field(
        default=None, description="Context key (dotted parts allowed) whose value is shown."
    )
    text: str = Field(default="", description="A paragraph written above the value.")
    columns: list[str] | None = Field(
        default=None, description="For a table: which columns, in this order."
    )
    limit: int | None = Field(default=None, ge=1, description="For a table or list: first N rows.")


class MarkdownConfig(StageConfig):
    path: WrittenPath = Field(description="Markdown file to write, relative to the project folder.")
    title: str = Field(description="The report's top heading.")
    intro: str = Field(default="", description="A paragraph under the title.")
    sections: list[Section] = Field(min_length=1, description="The report's sections, in order.")
    timestamp: bool = Field(default=False, description="Add the time of writing under the title.")


class Markdown(Stage):
    """Turns a pipeline's results into something a person reads, diffs and commits."""

    name = "report.markdown"
    description = "Write context values as a Markdown report: tables, lists and paragraphs."
    Config = MarkdownConfig
    config: MarkdownConfig

    def keys_read(self) -> tuple[str, ...]:
        keys = (s.key.split(".")[0] for s in self.config.sections if s.key)
        return tuple(dict.fromkeys(keys))

    def render(self, ctx: StageContext) -> str:
        cfg = self.config
        parts = [f"# {cfg.title}\n"]
        if cfg.timestamp:
            parts.append(f"_Written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}._\n")
        if cfg.intro:
            parts.append(cfg.intro.strip() + "\n")
        for section in cfg.sections:
            parts.append(f"## {section.heading}\n")
            if section.text:
                parts.append(section.text.strip() + "\n")
            if section.key:
                value = lookup(ctx, section.key)
                if value is MISSING:
                    raise StageError(f"section {section.heading!r}: context has no {section.key!r}")
                parts.append(render_value(value, section.columns, section.limit))
        return "\n".join(parts)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        path = resolve(ctx, self.config.path)
        try:
            size: int | None = len(self.render(ctx).encode())
        except StageError:
            size = None  # upstream values are not there before the run
        return [
            PlannedOperation(
                f"write {shown(ctx, path)}: {counted(len(self.config.sections), 'section')} "
                f"({human_bytes(size)})",
                action="write",
                paths_written=(str(path),),
                estimated_bytes=size,
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        path = resolve(ctx, self.config.path)
        text = self.render(ctx)
        data = text.encode()
        atomic_write_bytes(path, data)
        return produced(
            len(self.config.sections),
            "section",
            f"written to {shown(ctx, path)} ({human_bytes(len(data))})",
            path=str(path),
            bytes=len(data),
            bytes_written=len(data),
        )


def render_value(value: Any, columns: list[str] | None = None, limit: int | None = None) -> str:
    if isinstance(value, Mapping):
        rows = [{"name": k, "value": v} for k, v in value.items()]
        return _table(rows, ["name", "value"], limit)
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
        if items and all(isinstance(item, Mapping) for item in items):
            fields = columns or list(dict.fromkeys(k for item in items for k in item))
            return _table(items, fields, limit)
        shown_items = items[:limit] if limit else items
        lines = [f"- {_cell(item)}" for item in shown_items]
        if len(items) > len(shown_items):
            lines.append(f"- … and {len(items) - len(shown_items):,} more")
        return "\n".join(lines) + "\n" if lines else "_(none)_\n"
    return f"{_cell(value)}\n"


def _table(rows: Sequence[Mapping[str, Any]], fields: list[str], limit: int | None) -> str:
    if not rows:
        return "_(no rows)_\n"
    shown_rows = rows[:limit] if limit else rows
    numeric = {
        f for f in fields if all(isinstance(r.get(f), (int, float)) for r in shown_rows if f in r)
    }
    lines = [
        "| " + " | ".join(fields) + " |",
        "| " + " | ".join("---:" if f in numeric else "---" for f in fields) + " |",
    ]
    lines += ["| " + " | ".join(_cell(r.get(f, "")) for f in fields) + " |" for r in shown_rows]
    text = "\n".join(lines) + "\n"
    if len(rows) > len(shown_rows):
        text += f"\n_{len(rows) - len(shown_rows):,} more rows not shown._\n"
    return text


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:,}"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(map(str, value))
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")
