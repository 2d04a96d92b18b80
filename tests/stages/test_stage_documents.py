"""docs.parse, text.chunk and sqlite.index: from files to a searchable full-text index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from kit.stages import Harness
from pydantic import ValidationError

from stages.docs import Parse
from stages.sqlite import Index
from stages.text import Chunk, split_words
from workbench.engine import StageError, StageStatus

GUIDE = """---
title: The guide
tags: guide, basics
---
# Guide

Intro words here.

## Setup

Install it and run it.
"""


def test_parse_reads_front_matter_title_and_headings(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(GUIDE, encoding="utf-8")
    (tmp_path / "docs" / "plain-notes.txt").write_text("just text", encoding="utf-8")
    result = harness.run(Parse({"paths": ["docs/*.md", "docs/plain-notes.txt"], "output_key": "d"}))
    guide, notes = harness.get("d")
    assert guide["title"] == "The guide"
    assert guide["meta"] == {"title": "The guide", "tags": ["guide", "basics"]}
    assert guide["headings"] == ["Guide", "Setup"]
    assert guide["text"].startswith("# Guide") and "---" not in guide["text"]
    assert guide["path"] == "docs/guide.md"
    assert notes["title"] == "plain notes" and notes["words"] == 2
    assert result.message == "2 documents parsed (14 words)"


def test_parse_fails_when_nothing_matches(harness: Harness) -> None:
    with pytest.raises(StageError, match=r"no files match out/\*\.md"):
        harness.run(Parse({"paths": ["out/*.md"], "output_key": "d"}))


def test_parse_plan_lists_what_exists_now(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    (op,) = harness.plan(Parse({"paths": ["*.md"], "output_key": "d"}))
    assert op.paths_read == (str(tmp_path / "a.md"),)
    assert "1 file now, 4 B" in op.description


def test_split_words_overlaps_and_covers_everything() -> None:
    text = " ".join(f"w{i}" for i in range(10))
    assert split_words(text, 4, 1) == ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9"]
    assert split_words(text, 20, 5) == [text]
    assert split_words("   ", 4, 1) == []


def test_chunk_documents_keeps_their_fields(harness: Harness) -> None:
    harness.set(
        "docs",
        [
            {"id": "a", "title": "A", "text": " ".join(["x"] * 25)},
            {"id": "b", "title": "B", "text": "short one"},
        ],
    )
    result = harness.run(Chunk({"key": "docs", "output_key": "chunks", "size": 10, "overlap": 2}))
    chunks = harness.get("chunks")
    assert [c["id"] for c in chunks] == ["a#0", "a#1", "a#2", "b#0"]
    assert chunks[3] == {"id": "b#0", "doc_id": "b", "index": 0, "title": "B", "text": "short one"}
    assert result.message == "4 chunks from 2 documents"
    assert result.data["count"] == 4


def test_chunk_refuses_records_without_text(harness: Harness) -> None:
    harness.set("docs", [{"id": "a", "body": "x"}])
    with pytest.raises(StageError, match=r"docs\[0\] has no text field 'text'"):
        harness.run(Chunk({"key": "docs", "output_key": "c"}))


def test_chunk_overlap_must_be_below_size() -> None:
    with pytest.raises(ValidationError, match="overlap"):
        Chunk({"key": "d", "output_key": "c", "size": 5, "overlap": 5})


def _search(path: Path, query: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [
            row[0] for row in db.execute("SELECT id FROM t WHERE t MATCH ? ORDER BY id", (query,))
        ]


def test_index_builds_a_searchable_fts5_table(harness: Harness, tmp_path: Path) -> None:
    harness.set(
        "chunks",
        [
            {"id": "a#0", "title": "Atoms", "text": "Atomic rebuilds rename the database"},
            {"id": "b#0", "title": "Gates", "text": "A gate checks a condition", "tags": ["x"]},
        ],
    )
    stage = Index(
        {"key": "chunks", "database": "out/idx.sqlite", "table": "t", "output_key": "index"}
    )
    result = harness.run(stage)
    db = tmp_path / "out" / "idx.sqlite"
    assert _search(db, "rebuild") == ["a#0"]  # porter stemming
    assert _search(db, "gate OR atomic") == ["a#0", "b#0"]
    assert harness.get("index") == {"rows": 2, "added": 2, "database": str(db), "table": "t"}
    assert result.message.startswith("2 rows indexed in out/idx.sqlite:t")
    assert [p.name for p in db.parent.iterdir()] == ["idx.sqlite"]

    harness.run(stage)  # rebuild: same rows, not doubled
    assert harness.get("index")["rows"] == 2
    harness.run(Index({**stage.config.model_dump(), "mode": "append"}))
    assert harness.get("index")["rows"] == 4


def test_index_names_the_record_missing_a_column(harness: Harness, tmp_path: Path) -> None:
    harness.set("chunks", [{"id": "a", "title": "t", "text": "x"}, {"id": "b"}])
    stage = Index({"key": "chunks", "database": "i.sqlite"})
    with pytest.raises(StageError, match=r"chunks\[1\] has no field 'title', 'text'"):
        harness.run(stage)
    assert not (tmp_path / "i.sqlite").exists()


def test_index_columns_must_be_identifiers() -> None:
    with pytest.raises(ValidationError):
        Index({"key": "c", "database": "i.sqlite", "columns": ["text); DROP TABLE x; --"]})


def test_index_plan_names_the_database(harness: Harness, tmp_path: Path) -> None:
    harness.set("chunks", [{"id": "a", "title": "t", "text": "x"}])
    (op,) = harness.plan(Index({"key": "chunks", "database": "i.sqlite"}))
    assert op.paths_written == (str(tmp_path / "i.sqlite"),)
    assert "1 record of 'chunks'" in op.description
    assert op.estimated_bytes and op.estimated_bytes > 0
    assert not (tmp_path / "i.sqlite").exists()


def test_index_result_is_a_success(harness: Harness) -> None:
    harness.set("chunks", [])
    result = harness.run(Index({"key": "chunks", "database": "empty.sqlite"}))
    assert result.status is StageStatus.SUCCESS
    assert result.message.startswith("0 rows indexed")
