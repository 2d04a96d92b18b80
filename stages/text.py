"""Text stages: ``text.stats`` counts words, ``text.chunk`` cuts documents into chunks.

Words are runs of letters, digits and inner apostrophes or hyphens, lower-cased,
so "Don't" and "don't" count once and "well-known" stays one word.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, Self

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

_CURLY_APOSTROPHE = "\u2019"
WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


def words(text: str) -> list[str]:
    return [w.lower().replace(_CURLY_APOSTROPHE, "'") for w in WORD.findall(text)]


class StatsConfig(StageConfig):
    key: str = Field(description="Context key holding the text.")
    output_key: str = Field(description="Context key that receives the statistics.")
    top: int = Field(default=10, ge=0, description="How many of the most frequent words to list.")
    min_length: int = Field(
        default=1, ge=1, description="Leave words shorter than this out of the top list."
    )
    stopwords: list[str] = Field(
        default_factory=list, description="Words left out of the top list ('the', 'and', …)."
    )


class Stats(KeyToKeyStage):
    """Gives a quick measure of a text: how long it is and what it talks about most."""

    name = "text.stats"
    description = "Count the words, lines and characters of a text and list its top words."
    Config = StatsConfig
    config: StatsConfig

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        return [
            PlannedOperation(
                f"count words in {self.config.key!r} into {self.config.output_key!r}",
                action="run",
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        text = ctx.get(self.config.key, None)
        if text is None:
            raise StageError(f"context has no key {self.config.key!r}")
        if not isinstance(text, str):
            raise StageError(f"{self.config.key!r} holds a {type(text).__name__}, not text")
        found = words(text)
        stop = {w.lower() for w in self.config.stopwords}
        ranked = Counter(w for w in found if len(w) >= self.config.min_length and w not in stop)
        top = sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[: self.config.top]
        stats: dict[str, Any] = {
            "words": len(found),
            "unique_words": len(set(found)),
            "lines": len(text.splitlines()),
            "characters": len(text),
            "top_words": [{"word": w, "count": n} for w, n in top],
        }
        ctx.set(self.config.output_key, stats)
        return produced(
            len(found),
            "word",
            f"({stats['unique_words']:,} distinct) in {counted(stats['lines'], 'line')}",
        )


class ChunkConfig(StageConfig):
    key: str = Field(description="Context key holding documents (dicts with a text field) or text.")
    output_key: str = Field(description="Context key that receives the list of chunks.")
    text_field: str = Field(default="text", description="The field of a document holding its text.")
    id_field: str = Field(default="id", description="The field naming a document in chunk ids.")
    size: int = Field(default=120, ge=1, description="Words per chunk, at most.")
    overlap: int = Field(
        default=20, ge=0, description="Words repeated from the end of the previous chunk."
    )
    keep_fields: list[str] = Field(
        default_factory=lambda: ["title", "path"],
        description="Document fields copied onto each of its chunks.",
    )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Self:
        if self.overlap >= self.size:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than size ({self.size})")
        return self


class Chunk(KeyToKeyStage):
    """Cuts documents into overlapping word windows small enough to index and retrieve."""

    name = "text.chunk"
    description = "Split documents into overlapping chunks of at most N words."
    Config = ChunkConfig
    config: ChunkConfig

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cfg = self.config
        return [
            PlannedOperation(
                f"split {cfg.key!r} into chunks of {cfg.size} words "
                f"(overlap {cfg.overlap}) into {cfg.output_key!r}"
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        cfg = self.config
        value = ctx.get(cfg.key, None)
        if value is None:
            raise StageError(f"context has no key {cfg.key!r}")
        documents: list[Any] = (
            [{cfg.id_field: "text", cfg.text_field: value}]
            if isinstance(value, str)
            else list(value)
        )
        chunks: list[dict[str, Any]] = []
        for number, doc in enumerate(documents):
            if not isinstance(doc, Mapping) or not isinstance(doc.get(cfg.text_field), str):
                raise StageError(f"{cfg.key}[{number}] has no text field {cfg.text_field!r}")
            doc_id = str(doc.get(cfg.id_field, number))
            for index, piece in enumerate(split_words(doc[cfg.text_field], cfg.size, cfg.overlap)):
                chunk: dict[str, Any] = {
                    "id": f"{doc_id}#{index}",
                    "doc_id": doc_id,
                    "index": index,
                }
                chunk.update({f: doc[f] for f in cfg.keep_fields if f in doc})
                chunk["text"] = piece
                chunks.append(chunk)
        ctx.set(cfg.output_key, chunks)
        return produced(len(chunks), "chunk", f"from {counted(len(documents), 'document')}")


def split_words(text: str, size: int, overlap: int) -> list[str]:
    """Windows of at most ``size`` words, each repeating ``overlap`` words of the one before."""
    tokens = text.split()
    if not tokens:
        return []
    step = size - overlap
    out: list[str] = []
    for start in range(0, len(tokens), step):
        out.append(" ".join(tokens[start : start + size]))
        if start + size >= len(tokens):
            break
    return out
