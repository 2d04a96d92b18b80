"""text.stats, csv.aggregate and report.markdown: counting, summarising and reporting."""

from __future__ import annotations

from pathlib import Path

import pytest
from kit.stages import Harness
from pydantic import ValidationError

from stages.report import Markdown
from stages.tables import Aggregate
from stages.text import Stats
from workbench.engine import StageError

SALES = [
    {"region": "North", "product": "Pen", "amount": "10.50", "units": 1},
    {"region": "South", "product": "Pen", "amount": "4", "units": 2},
    {"region": "North", "product": "Lamp", "amount": "30", "units": 3},
]


def test_stats_counts_words_and_lists_the_top_ones(harness: Harness) -> None:
    harness.set("text", "The cat and the hat.\nThe cat's well-known hat!\n")
    result = harness.run(Stats({"key": "text", "output_key": "s", "top": 2, "stopwords": ["the"]}))
    stats = harness.get("s")
    assert stats["words"] == 9 and stats["lines"] == 2 and stats["unique_words"] == 6
    assert stats["top_words"] == [{"word": "hat", "count": 2}, {"word": "and", "count": 1}]
    assert result.message == "9 words (6 distinct) in 2 lines"


def test_stats_refuses_a_non_text_value(harness: Harness) -> None:
    harness.set("rows", [1, 2])
    with pytest.raises(StageError, match="'rows' holds a list, not text"):
        harness.run(Stats({"key": "rows", "output_key": "s"}))


def test_aggregate_groups_sorts_and_reports_groups(harness: Harness) -> None:
    harness.set("sales", SALES)
    stage = Aggregate(
        {
            "key": "sales",
            "output_key": "by_region",
            "group_by": ["region"],
            "metrics": [
                {"op": "count"},
                {"op": "sum", "column": "amount", "name": "revenue"},
                {"op": "mean", "column": "units"},
                {"op": "max", "column": "amount"},
            ],
            "sort_by": "revenue",
            "descending": True,
        }
    )
    result = harness.run(stage)
    assert harness.get("by_region") == [
        {"region": "North", "count": 2, "revenue": 40.5, "mean_units": 2.0, "max_amount": 30.0},
        {"region": "South", "count": 1, "revenue": 4.0, "mean_units": 2.0, "max_amount": 4.0},
    ]
    assert result.message == "2 groups from 3 rows"
    assert result.data == {"count": 2, "unit": "groups"}


def test_aggregate_without_groups_gives_one_total_row(harness: Harness) -> None:
    harness.set("sales", SALES)
    harness.run(
        Aggregate(
            {"key": "sales", "output_key": "t", "metrics": [{"op": "sum", "column": "units"}]}
        )
    )
    assert harness.get("t") == [{"sum_units": 6}]


def test_aggregate_names_a_value_that_is_not_a_number(harness: Harness) -> None:
    harness.set("sales", [{"region": "N", "amount": "ten"}])
    stage = Aggregate(
        {"key": "sales", "output_key": "o", "metrics": [{"op": "sum", "column": "amount"}]}
    )
    with pytest.raises(StageError, match="column 'amount' holds 'ten', which is not a number"):
        harness.run(stage)


def test_aggregate_config_needs_a_column_for_sums() -> None:
    with pytest.raises(ValidationError, match="op 'sum' needs a column"):
        Aggregate({"key": "s", "output_key": "o", "metrics": [{"op": "sum"}]})


def test_markdown_report_renders_tables_lists_and_values(harness: Harness, tmp_path: Path) -> None:
    harness.set(
        "by_region", [{"region": "North", "revenue": 1234.5}, {"region": "S|E", "revenue": 4.0}]
    )
    harness.set("stats", {"words": 1204, "top": ["a", "b"]})
    stage = Markdown(
        {
            "path": "out/report.md",
            "title": "Sales",
            "intro": "Six months.",
            "sections": [
                {"heading": "By region", "key": "by_region", "text": "Sorted."},
                {"heading": "Words", "key": "stats.words"},
                {"heading": "Top", "key": "stats.top"},
            ],
        }
    )
    (plan,) = harness.plan(stage)
    result = harness.run(stage)
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert text == (
        "# Sales\n\nSix months.\n\n## By region\n\nSorted.\n\n"
        "| region | revenue |\n| --- | ---: |\n| North | 1,234.50 |\n| S\\|E | 4.00 |\n\n"
        "## Words\n\n1,204\n\n## Top\n\n- a\n- b\n"
    )
    assert plan.estimated_bytes == len(text.encode())
    assert result.message.startswith("3 sections written to out/report.md")
    assert stage.keys_read() == ("by_region", "stats")


def test_markdown_report_names_a_missing_value(harness: Harness, tmp_path: Path) -> None:
    stage = Markdown({"path": "r.md", "title": "T", "sections": [{"heading": "X", "key": "nope"}]})
    (plan,) = harness.plan(stage)
    assert plan.estimated_bytes is None
    with pytest.raises(StageError, match="section 'X': context has no 'nope'"):
        harness.run(stage)
    assert not (tmp_path / "r.md").exists()
