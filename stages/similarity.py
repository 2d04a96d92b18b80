"""Near-duplicate detection: ``text.minhash`` fingerprints a document, ``text.similar`` compares.

A MinHash signature keeps, for each of N hash functions, the smallest hash of
the document's word shingles (runs of ``shingle`` consecutive words). Two
documents' signatures agree in about the same share of places as their shingle
sets overlap (their Jaccard similarity), so comparing short signatures finds
near-duplicates without comparing the texts. Building a signature is CPU-bound
pure Python (shingles times hash functions), which is why the example pipeline
builds one per document as independent stages that a cluster runs side by side.

Hashes come from CRC-32 and fixed coefficients, never from ``hash()``, which is
salted per process: a signature must be the same whichever process built it.
"""

from __future__ import annotations

import random
import zlib
from itertools import combinations
from typing import Any

from pydantic import Field

from stages._counts import counted
from stages._paths import resolve, shown
from stages.text import words
from workbench.engine import (
    PlannedOperation,
    Stage,
    StageConfig,
    StageContext,
    StageError,
    StageResult,
)

_PRIME = (1 << 61) - 1
_MAX = (1 << 32) - 1


def _coefficients(count: int, seed: int) -> list[tuple[int, int]]:
    chooser = random.Random(seed)
    return [(chooser.randrange(1, _PRIME), chooser.randrange(0, _PRIME)) for _ in range(count)]


def shingles(text: str, size: int) -> set[int]:
    """The CRC-32 of every run of ``size`` consecutive words."""
    found = words(text)
    if len(found) < size:
        return {zlib.crc32(" ".join(found).encode())} if found else set()
    return {
        zlib.crc32(" ".join(found[i : i + size]).encode()) for i in range(len(found) - size + 1)
    }


def signature(hashes: set[int], permutations: int, seed: int = 1) -> list[int]:
    """The MinHash signature: for each hash function, the smallest value over the shingles."""
    if not hashes:
        return [_MAX] * permutations
    values = list(hashes)
    return [
        min((a * h + b) % _PRIME for h in values) & _MAX
        for a, b in _coefficients(permutations, seed)
    ]


def estimate(left: list[int], right: list[int]) -> float:
    """The share of places where two signatures agree: about their Jaccard similarity."""
    if not left or len(left) != len(right):
        raise ValueError("signatures of different lengths cannot be compared")
    return sum(1 for x, y in zip(left, right, strict=True) if x == y) / len(left)


class MinHashConfig(StageConfig):
    path: str = Field(description="The document, relative to the project folder.")
    output_key: str = Field(description="Context key that receives the fingerprint.")
    shingle: int = Field(default=5, ge=1, description="Words per shingle.")
    permutations: int = Field(
        default=256, ge=1, le=4096, description="Hash functions: more is slower and more exact."
    )


class MinHash(Stage):
    """Fingerprints a document so near-duplicates can be found without comparing texts."""

    name = "text.minhash"
    description = "Build the MinHash signature of a text file's word shingles."
    Config = MinHashConfig
    config: MinHashConfig

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        cfg = self.config
        return [
            PlannedOperation(
                f"fingerprint {cfg.path} ({cfg.permutations} hashes of {cfg.shingle}-word "
                f"shingles) into {cfg.output_key!r}",
                action="read",
                paths_read=(cfg.path,),
            )
        ]

    def run(self, ctx: StageContext) -> StageResult:
        cfg = self.config
        path = resolve(ctx, cfg.path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise StageError(f"cannot read {shown(ctx, path)}: {exc.strerror}") from None
        hashes = shingles(text, cfg.shingle)
        ctx.progress(0, cfg.permutations, f"{counted(len(hashes), 'shingle')}")
        ctx.set(
            cfg.output_key,
            {
                "path": shown(ctx, path),
                "shingles": len(hashes),
                "signature": signature(hashes, cfg.permutations),
            },
        )
        ctx.progress(cfg.permutations, cfg.permutations, "signed")
        return StageResult.success(
            f"{counted(len(hashes), 'shingle')} of {shown(ctx, path)} signed with "
            f"{cfg.permutations} hashes",
            count=len(hashes),
            unit="shingles",
        )


class SimilarConfig(StageConfig):
    keys: list[str] = Field(min_length=2, description="Context keys holding fingerprints.")
    output_key: str = Field(description="Context key that receives the ranked pairs.")
    threshold: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Leave out pairs less similar than this."
    )


class Similar(Stage):
    """Ranks every pair of fingerprinted documents by estimated overlap."""

    name = "text.similar"
    description = "Compare MinHash fingerprints pairwise and rank the pairs by similarity."
    Config = SimilarConfig
    config: SimilarConfig

    def keys_read(self) -> tuple[str, ...]:
        return tuple(self.config.keys)

    def keys_written(self) -> tuple[str, ...]:
        return (self.config.output_key,)

    def plan(self, ctx: StageContext) -> list[PlannedOperation]:
        n = len(self.config.keys)
        return [PlannedOperation(f"compare {n * (n - 1) // 2} pairs of fingerprints")]

    def run(self, ctx: StageContext) -> StageResult:
        cfg = self.config
        prints: dict[str, dict[str, Any]] = {}
        for key in cfg.keys:
            value = ctx.get(key, None)
            if not isinstance(value, dict) or "signature" not in value:
                raise StageError(f"context key {key!r} holds no fingerprint (run text.minhash)")
            prints[key] = value
        pairs = []
        for left, right in combinations(cfg.keys, 2):
            try:
                score = estimate(prints[left]["signature"], prints[right]["signature"])
            except ValueError:
                raise StageError(
                    f"{left!r} and {right!r} were signed with different permutations"
                ) from None
            if score >= cfg.threshold:
                pairs.append(
                    {
                        "left": prints[left]["path"],
                        "right": prints[right]["path"],
                        "similarity": round(score, 3),
                    }
                )
        pairs.sort(key=lambda p: (-p["similarity"], p["left"], p["right"]))
        ctx.set(cfg.output_key, pairs)
        top = f"; closest: {pairs[0]['left']} and {pairs[0]['right']}" if pairs else ""
        return StageResult.success(
            f"{counted(len(pairs), 'pair')} ranked{top}", count=len(pairs), unit="pairs"
        )
