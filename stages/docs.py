"""``docs.parse``: read Markdown and text files into documents a pipeline can work on.

Each file becomes a dict: ``id`` (the file name without suffix), ``path``,
``title`` (the first ``#`` heading, else the name), ``headings``, ``meta`` (a
simple ``key: value`` front-matter block between ``---`` lines; comma-separated
``tags`` become a list), ``text`` (the body, front matter removed) and ``words``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field

from stages._counts import counted, human_bytes, produced
from stages._paths import project_dir, resolve, shown
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


class ParseConfig(StageConfig):
    paths: list[str] = Field(
        min_length=1,
        description="Files or glob patterns ('out/raw/*.md'), relative to the project folder.",
    )
    output_key: str = Field(description="Context key that receives the list of documents.")
    encoding: str = Field(default="utf-8", description="Text encoding of the files.")


class Parse(Stage):
    """Turns files into structured documents, so checks and indexes see titles, not bytes."""

    name = "docs.parse"
    description = "Parse Markdown/text files (front matter, title, headings) into documents."
    Config = ParseConfig
    config: ParseConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,)

    def files(self, ctx: StageContext) -> list[Path]:
        found: dict[Path, None] = {}
        for pattern in self.config.paths:
            if any(ch in pattern for ch in "*?["):
                base = project_dir(ctx)
                matches = (
                    sorted(base.glob(pattern))
                    if not Path(pattern).is_absolute()
                    else sorted(Path("/").glob(pattern.lstrip("/")))
                )
                found.update((p, None) for p in matches if p.is_file())
            else:
                found[resolve(ctx, pattern)] = None
        return list(found)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        files = self.files(ctx)
        existing = [p for p in files if p.is_file()]
        size = sum(p.stat().st_size for p in existing)
        where = ", ".join(self.config.paths)
        note = f"{counted(len(existing), 'file')} now" if existing else "none exist yet"
        return [
            PlannedOperation(
                f"parse {where} ({note}, {human_bytes(size)}) into {self.config.output_key!r}",
                action="read",
                paths_read=tuple(str(p) for p in files),
                estimated_bytes=size if existing else None,
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        files = self.files(ctx)
        if not files:
            raise StageError(f"no files match {', '.join(self.config.paths)}")
        documents: list[dict[str, Any]] = []
        for number, path in enumerate(files):
            ctx.raise_if_cancelled()
            ctx.progress(number, len(files), path.name)
            try:
                text = path.read_text(encoding=self.config.encoding)
            except FileNotFoundError:
                raise StageError(f"{shown(ctx, path)} does not exist") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise StageError(f"cannot read {shown(ctx, path)}: {exc}") from None
            documents.append(parse_document(text, path.stem, shown(ctx, path)))
        ctx.set(self.config.output_key, documents)
        total = sum(d["words"] for d in documents)
        return produced(len(documents), "document", f"parsed ({total:,} words)")


def parse_document(text: str, doc_id: str, path: str) -> dict[str, Any]:
    meta, body = _front_matter(text)
    headings = [m.group(2) for line in body.splitlines() if (m := _HEADING.match(line))]
    first_h1 = next(
        (
            m.group(2)
            for line in body.splitlines()
            if (m := _HEADING.match(line)) and len(m.group(1)) == 1
        ),
        None,
    )
    title = str(meta.get("title") or first_h1 or doc_id.replace("-", " ").replace("_", " "))
    return {
        "id": doc_id,
        "path": path,
        "title": title,
        "headings": headings,
        "meta": meta,
        "text": body.strip(),
        "words": len(body.split()),
    }


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            meta: dict[str, Any] = {}
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep and key.strip():
                    meta[key.strip()] = value.strip()
            if "tags" in meta:
                meta["tags"] = [t.strip() for t in str(meta["tags"]).split(",") if t.strip()]
            return meta, "\n".join(lines[end + 1 :])
    return {}, text
